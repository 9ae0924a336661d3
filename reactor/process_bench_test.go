package reactor

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSpawnSequential spawns /bin/true b.N times, the next when the
// last has ended, and reports this process's own CPU per spawn (the
// children's left out) next to os/exec's, the floor of issue 14's W11.
func BenchmarkSpawnSequential(b *testing.B) {
	b.Run("reactor", func(b *testing.B) {
		r, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		left := b.N
		var next func()
		next = func() {
			if left == 0 {
				r.Stop()
				return
			}
			left--
			if _, err := r.SpawnProcess(&endHook{procRecorder: &procRecorder{r: r, keepRunning: true}, then: next}, "/bin/true", nil, ProcessOptions{}); err != nil {
				b.Error(err)
				r.Stop()
			}
		}
		cpu0 := ownCPU()
		b.ResetTimer()
		r.CallWhenRunning(next)
		if err := r.Run(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64((ownCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/spawn")
	})
	b.Run("os-exec", func(b *testing.B) {
		cpu0 := ownCPU()
		for range b.N {
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((ownCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/spawn")
	})
}

// endHook runs then after the recorder's ProcessEnded.
type endHook struct {
	*procRecorder
	then func()
}

func (e *endHook) ProcessEnded(reason error) {
	e.procRecorder.ProcessEnded(reason)
	e.then()
}

// ownCPU is this process's user and system time so far.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
