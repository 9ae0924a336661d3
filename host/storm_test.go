package host

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// stormScript raises from N callbacks in a row: each schedules the next and
// then fails, so the loop is never idle and holds one pending call at a
// time. heap(n) is called after n errors, with the reactor still running.
const stormScript = `
local reactor = require("reactor")
local n, N = 0, ...
N = tonumber(N)
local function boom()
	n = n + 1
	if n == 10000 or n == N then heap(n) end
	if n < N then reactor.call_later(0, boom) else reactor.stop() end
	error("boom " .. n)
end
reactor.call_later(0, boom)
reactor.run()
`

// stormResult is what an error storm measured.
type stormResult struct {
	errors     int
	took       time.Duration
	heapAt     map[int]uint64 // HeapInuse after a GC, by errors so far
	lastReport string
}

// runStorm raises n errors on a virtual clock, counting them through
// OnError. With report set, each error's full report text is built, as it
// would be for stderr; otherwise only its message is kept.
func runStorm(tb testing.TB, n int, report bool) *stormResult {
	res := &stormResult{heapAt: map[int]uint64{}}
	opts := Options{Stdout: io.Discard, Clock: reactor.NewVirtualClock(), WarnSlow: -1}
	if report {
		opts.OnError = func(e *CallbackError) {
			res.errors++
			res.lastReport = e.Report()
		}
	} else {
		opts.OnError = func(e *CallbackError) {
			res.errors++
			res.lastReport = e.Message
		}
	}
	h, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer h.Close()
	h.LState().SetGlobal("heap", h.LState().NewFunction(func(L *lua.LState) int {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		res.heapAt[L.CheckInt(1)] = m.HeapInuse
		return 0
	}))
	start := time.Now()
	if err := h.RunString("storm.lua", stormScript, strconv.Itoa(n)); err != nil {
		tb.Fatal(err)
	}
	res.took = time.Since(start)
	return res
}

// stormSize is 100,000 errors; LOOPSCRIPT_STORM sets another count.
func stormSize(tb testing.TB) int {
	if s := os.Getenv("LOOPSCRIPT_STORM"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10000 {
			tb.Fatalf("LOOPSCRIPT_STORM=%q: want a count of at least 10000", s)
		}
		return n
	}
	return 100000
}

// 100,000 callbacks that all raise: the loop survives, every error is
// reported, and memory stays flat from the 10,000th error on.
func TestErrorStorm(t *testing.T) {
	n := stormSize(t)
	for _, report := range []bool{false, true} {
		name := "counted"
		if report {
			name = "full report"
		}
		t.Run(name, func(t *testing.T) {
			res := runStorm(t, n, report)
			if res.errors != n {
				t.Fatalf("%d errors reported, want %d", res.errors, n)
			}
			want := "storm.lua:9: boom " + strconv.Itoa(n)
			if !strings.Contains(res.lastReport, want) {
				t.Errorf("last report %q, want it to contain %q", res.lastReport, want)
			}
			before, after := res.heapAt[10000], res.heapAt[n]
			t.Logf("%d errors in %v (%.2f µs each); heap in use %.1f MiB after 10,000, %.1f MiB after %d",
				n, res.took, float64(res.took.Microseconds())/float64(n),
				float64(before)/(1<<20), float64(after)/(1<<20), n)
			// Flat: a leak of even 40 bytes per error would add 3.6 MB.
			if after > before+2<<20 {
				t.Errorf("heap grew from %d to %d bytes between 10,000 and %d errors", before, after, n)
			}
		})
	}
}

// BenchmarkErrorStorm measures the cost of one failing callback, from the
// raise to the report: counted through OnError, or formatted in full.
func BenchmarkErrorStorm(b *testing.B) {
	for _, report := range []bool{false, true} {
		name := "counted"
		if report {
			name = "report"
		}
		b.Run(name, func(b *testing.B) {
			n := max(b.N, 10000)
			res := runStorm(b, n, report)
			b.ReportMetric(float64(res.took.Nanoseconds())/float64(n)/1000, "µs/error")
		})
	}
}
