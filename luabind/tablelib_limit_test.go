package luabind

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// TestTableInsertStopsAtTheTimeLimit: table.insert at position 1 into a
// table too big to move within MaxCallbackTime stops its move loop once
// the limit has passed (tablelib.go's overdue), the callback gets the
// limit's error at its next instruction, and the reactor goes on to the
// next callback. The table shows where the loop stopped: moved down from
// the end, the elements below the stop not yet moved, the new value not
// stored. An attempt where the limit passed only before or after the
// insert proves nothing either way and is made again with a bigger table;
// a move loop that never stops fails every attempt.
func TestTableInsertStopsAtTheTimeLimit(t *testing.T) {
	const limit = 5 * time.Millisecond
	const attempts = 4
	n := 1 << 20
	for try := 1; ; try, n = try+1, n*2 {
		stopped, what := insertUnderLimit(t, n, limit)
		if stopped {
			return
		}
		if try == attempts {
			t.Fatalf("%d attempts up to %d elements: the move loop never stopped at the limit; last: %s", attempts, n, what)
		}
		t.Logf("attempt %d, %d elements: %s; again with twice as many", try, n, what)
	}
}

// insertUnderLimit runs table.insert(big, 1, "new") in a callback under
// limit, big holding 1..n, and a second callback after it. It reports
// whether the move loop stopped midway, and otherwise what happened
// instead. A failure of what must hold in any case (the limit's error
// reported once, the second callback run) fails the test.
func insertUnderLimit(t *testing.T, n int, limit time.Duration) (stopped bool, what string) {
	t.Helper()
	var reports []*CallbackError
	L, rt, out := testState(t, Config{
		Clock:   reactor.NewVirtualClock(),
		OnError: func(e *CallbackError) { reports = append(reports, e) },
		Limits:  Limits{MaxCallbackTime: limit},
	})
	// Built and read in Go, so that no Lua code runs under the limit but
	// the insert.
	big := L.CreateTable(n, 0)
	for i := 1; i <= n; i++ {
		big.RawSetInt(i, lua.LNumber(i))
	}
	L.SetGlobal("big", big)
	fn, err := L.LoadString(`
local reactor = require("reactor")
reactor.call_later(0, function()
	table.insert(big, 1, "new")
	print("the insert returned")
end)
reactor.call_later(0, function()
	print("the reactor went on")
	reactor.stop()
end)
reactor.run()`)
	if err != nil {
		t.Fatal(err)
	}
	// PCall, not RunChunk: the main chunk only sets up, out of the limit.
	if err := rt.PCall(fn); err != nil {
		t.Fatalf("PCall: %v", err)
	}
	if big.RawGetInt(1) == lua.LString("new") {
		return false, "the insert ended within the limit"
	}
	if len(reports) != 1 || !strings.Contains(reports[0].Error(), fmt.Sprintf("callback exceeded the time limit of %v", limit)) {
		t.Fatalf("reports %v, want the time limit's error once", reports)
	}
	if got := out.String(); got != "the reactor went on\n" {
		t.Fatalf("output:\n%s\nwant only the second callback's line", got)
	}
	if big.Len() == n {
		return false, "the limit passed before the insert began"
	}
	// Stopped midway, after filling big[stop] (overdue looks at every
	// 4096th index): big[stop..n+1] hold stop-1..n, big[1..stop-1] are as
	// they were.
	stop := 1
	for stop <= n && big.RawGetInt(stop) == lua.LNumber(stop) {
		stop++
	}
	if big.Len() != n+1 || stop%4096 != 0 || stop > n {
		t.Fatalf("after the stopped insert: #big %d, lowest element moved %d; want %d, a multiple of 4096", big.Len(), stop, n+1)
	}
	for i := stop; i <= n+1; i++ {
		if v := big.RawGetInt(i); v != lua.LNumber(i-1) {
			t.Fatalf("after the insert stopped at %d: big[%d] = %v, want %d", stop, i, v, i-1)
		}
	}
	return true, ""
}
