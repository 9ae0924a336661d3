package luabind_test

import (
	"os"
	"syscall"
	"testing"
	"time"
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
	benchLua(b, `
		local reactor = require("reactor")
		local protocol = require("protocol")
		local Proc = protocol.ProcessProtocol:extend()
		local started = 0
		local function next_one()
			if started == N then done = N return reactor.stop() end
			started = started + 1
			reactor.spawn_process(Proc(), "/bin/true", {"true"})
		end
		function Proc:process_ended(reason)
			if reason.value.exit_code ~= 0 then error("/bin/true ended with " .. tostring(reason.value.exit_code)) end
			next_one()
		end
		reactor.call_when_running(next_one)
		reactor.run()
	`)
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
