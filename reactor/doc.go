// Package reactor is an event loop in the style of Twisted's reactor: one
// goroutine runs timed calls, waits in the kernel (select, poll or epoll)
// for the next thing to do, and calls the watchers of the descriptors that
// became ready (AddReader, AddWriter). It knows nothing of Lua.
//
// A Reactor is single-threaded: Run, CallLater, CallWhenRunning, the
// DelayedCall methods, the trigger methods and the descriptor methods
// (AddReader, AddWriter, RemoveReader, RemoveWriter, RemoveAll, Readers,
// Writers) belong to the goroutine that calls Run (or, before Run, to the
// goroutine that set the reactor up). Other goroutines talk to the loop
// through the two calls documented as safe for concurrent use:
// CallFromGoroutine and Stop. Nothing the loop calls may block: watched
// descriptors are non-blocking, and a read or write that would block
// returns EAGAIN and waits for the next readiness.
//
// One iteration of the loop:
//
//  1. run the functions posted with CallFromGoroutine;
//  2. run the timed calls that were due when the iteration began, earliest
//     first and, for equal times, in the order they were scheduled; a call
//     scheduled during this step waits for the next iteration, even with a
//     zero delay, so timers never starve the poller;
//  3. if Stop was called, fire the shutdown triggers and return from Run;
//  4. otherwise wait in the poller until the next timer is due (forever when
//     there is none), a watched descriptor is ready, or another goroutine
//     wakes the loop; not at all while a descriptor the poller refused as
//     always ready (a regular file on epoll) is watched;
//  5. call the watchers of the descriptors found ready, each descriptor's
//     DoRead before its DoWrite, as Twisted does after its wait. A watcher
//     removed meanwhile is skipped, one added meanwhile waits for the next
//     iteration. A Stop here ends the loop after the next iteration's steps
//     1 and 2.
//
// Time comes from a Clock: the monotonic clock by default, or a VirtualClock
// that the loop moves straight to the next timer instead of waiting, which
// makes runs instant and repeatable.
package reactor
