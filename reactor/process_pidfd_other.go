//go:build unix && !linux

package reactor

// watchExit reaps the child from a goroutine: there is no pidfd here.
func (r *Reactor) watchExit(p *Process) exitWatcher { return r.waitExitOffLoop(p) }
