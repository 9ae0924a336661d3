package luabind

import (
	"syscall"
	"testing"

	"github.com/loopscript/loopscript/reactor"
)

// TestReasonAllocations pins what building a reason costs, the Failure a
// ProcessProtocol's process_exited and process_ended receive (twice per
// spawn) and connection_lost with ConnectionDone (once per connection).
// What is left is gopher-lua's: two tables (the Failure and the error
// instance), each key set in them (RawSetString boxes the key and grows
// the table's key list) and the boxed message and numbers. Classifying the
// reason allocates nothing for an error that wraps none; it cost 12 to 14
// allocations before (errors.As's targets escape, the fields were a map).
// The fields' values are boxed once for the process (reason_values.go):
// a fixed message, a small number or an exit status, an errno's text; that
// took ProcessDone from 20 to 19, ProcessTerminated from 23 to 21,
// ConnectionDone from 14 to 13 and ConnectionLost from 28 to 23.
func TestReasonAllocations(t *testing.T) {
	_, rt, _ := testState(t, Config{})
	cases := []struct {
		name   string
		err    error
		allocs float64
	}{
		{"ProcessDone", &reactor.ProcessDone{}, 19},
		{"ProcessTerminated by exit code", &reactor.ProcessTerminated{ExitCode: 3, Status: 3 << 8}, 21},
		{"ProcessTerminated by signal", &reactor.ProcessTerminated{ExitCode: -1, Signal: syscall.SIGKILL, Status: syscall.WaitStatus(syscall.SIGKILL)}, 21},
		{"ConnectionDone", reactor.ErrConnectionDone, 13},
		{"ConnectionLost", &reactor.ConnectionLostError{Err: syscall.ECONNRESET}, 23},
	}
	rt.reason(reactor.ErrConnectionDone) // loads the errors module
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := testing.AllocsPerRun(1000, func() { rt.reason(tc.err) })
			t.Logf("%s: %v allocations", tc.name, got)
			if got > tc.allocs {
				t.Errorf("reason(%v) allocates %v times, want at most %v", tc.err, got, tc.allocs)
			}
		})
	}
}

// BenchmarkReason is the cost of building the reasons TestReasonAllocations
// counts, in CPU and allocations.
func BenchmarkReason(b *testing.B) {
	_, rt, _ := testState(b, Config{})
	rt.reason(reactor.ErrConnectionDone) // loads the errors module
	for _, bc := range []struct {
		name string
		err  error
	}{
		{"ProcessDone", &reactor.ProcessDone{}},
		{"ProcessTerminated", &reactor.ProcessTerminated{ExitCode: 3, Status: 3 << 8}},
		{"ConnectionLost", &reactor.ConnectionLostError{Err: syscall.ECONNRESET}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				rt.reason(bc.err)
			}
		})
	}
}
