package reactor

import (
	"os"
	"runtime"
	"testing"
)

// endedCounter is the lightest protocol: it counts the ends and starts the
// next spawn, so what a spawn allocates is the reactor's.
type endedCounter struct {
	BaseProcessProtocol
	then func()
}

func (e *endedCounter) ProcessEnded(error) { e.then() }

// TestSpawnAllocations pins what the reactor allocates per spawn of
// /bin/true, the protocol's part left out (it is one object, made by the
// test): syscall.ForkExec's own (argv, environment, descriptors), the
// reactor's watch of each of the four descriptors, and the Process, which
// holds its pipes, its exit watch, the fork's attributes and the reason of
// a clean exit. It was 19 when those were objects of their own and each
// pipe reader held two closures.
func TestSpawnAllocations(t *testing.T) {
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true:", err)
	}
	env := []string{"PATH=/bin:/usr/bin"}
	mallocs := func(n int) uint64 {
		r, log := newTestReactor(t, Config{})
		left := n
		var protos []endedCounter // made beforehand, so not counted
		protos = make([]endedCounter, n)
		var next func()
		next = func() {
			if left == 0 {
				r.Stop()
				return
			}
			left--
			protos[left].then = next
			if _, err := r.SpawnProcess(&protos[left], "/bin/true", []string{"true"}, ProcessOptions{Env: env}); err != nil {
				t.Error(err)
				r.Stop()
			}
		}
		var before, after runtime.MemStats
		r.CallWhenRunning(func() {
			runtime.ReadMemStats(&before)
			next()
		})
		runBounded(t, r)
		runtime.ReadMemStats(&after)
		for _, err := range log.list() {
			t.Errorf("reported: %v", err)
		}
		if left != 0 {
			t.Fatalf("%d spawns left", left)
		}
		return after.Mallocs - before.Mallocs
	}
	const few, many = 20, 120
	perSpawn := float64(mallocs(many)-mallocs(few)) / (many - few)
	t.Logf("%.1f allocations per spawn", perSpawn)
	const limit = 12
	if perSpawn > limit {
		t.Errorf("a spawn allocates %.1f times in the reactor, want at most %d", perSpawn, limit)
	}
}
