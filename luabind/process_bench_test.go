package luabind_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/loopscript/loopscript/luabind"
)

// BenchmarkSpawnSequential is W11's sequential half through the bindings:
// spawn_process("/bin/true") N times, the next from the last one's
// process_ended. Compare with reactor.BenchmarkSpawnSequential for what the
// Lua side adds per spawn.
func BenchmarkSpawnSequential(b *testing.B) {
	if _, err := os.Stat("/bin/true"); err != nil {
		b.Skip("no /bin/true:", err)
	}
	cpu0 := ownCPU(b)
	benchLua(b, luabind.SequentialSpawns)
	b.ReportMetric(float64((ownCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/spawn")
}

// ownCPU is this process's user and system time so far, its children's
// left out.
func ownCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
