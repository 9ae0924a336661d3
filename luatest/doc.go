// Package luatest runs tests written in Lua: the *_test.lua files that
// `loopscript test` runs, from any Go program. An embedder that adds its own
// plugins to a host tests its Lua code with the same plugins by giving the
// Runner its host.Options (and, for what options cannot say, a Setup
// function).
//
// A test file declares tests with test("name", function() ... end). Each
// test runs on a fresh host with its own reactor on a virtual clock, so tests
// cannot disturb each other and a test may call reactor.run(), which
// finishes at once. require finds modules beside the test file first. Test
// files also get assert_eq, expect_output, flush_errors, before_each,
// after_each and assert_failure (see Runner). A test may return a Deferred,
// which the runner waits for.
//
// A test fails on a Lua error (a failed assert included), on an error a
// callback raised that flush_errors did not take, on a call of os.exit, when
// its reactor runs with nothing scheduled and nothing pending (it would wait
// for ever), or when it outlasts the Runner's Timeout. The results go to a
// Reporter: Human (loopscript's own format), TAP or JUnit.
package luatest
