package luabind_test

import "testing"

// BenchmarkInlineCallbacksAwait: one inline_callbacks call awaiting N fired
// Deferreds (defer.succeed(i)), so ns/op is the cost of one await with the
// Deferred it awaits. The figures beside Twisted's inlineCallbacks and
// Node's async/await are in the commit that added it:
//
//	go test ./luabind -run '^$' -bench InlineCallbacksAwait -benchtime 100000x
func BenchmarkInlineCallbacksAwait(b *testing.B) {
	benchLua(b, `
		local defer = require("defer")
		local await, succeed = defer.await, defer.succeed
		local r = defer.inline_callbacks(function()
			local n = 0
			for i = 1, N do n = n + await(succeed(1)) end
			return n
		end)()
		done = r.result`)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1000/float64(b.N), "µs/await")
}

// BenchmarkInlineCallbacksAwaitWaiting: one inline_callbacks call awaiting
// N Deferreds that have no result yet, each fired from outside once the
// coroutine waits on it: ns/op is the cost of a wait, its resume and the
// Deferred.
func BenchmarkInlineCallbacksAwaitWaiting(b *testing.B) {
	benchLua(b, `
		local defer = require("defer")
		local d
		local r = defer.inline_callbacks(function()
			local n = 0
			for i = 1, N do
				d = defer.Deferred()
				n = n + defer.await(d)
			end
			return n
		end)()
		for i = 1, N do d:callback(1) end
		done = r.result`)
}
