package reactor

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchBatch is how many timers the benchmarks keep pending: a heap deep
// enough (six levels: the root and five below it) to be realistic, small
// enough to stay in cache.
const benchBatch = 1024

// benchDelays returns fixed pseudo-random delays below 1 ms, so runs
// compare.
func benchDelays() []time.Duration {
	rng := rand.New(rand.NewPCG(42, 42))
	d := make([]time.Duration, benchBatch)
	for i := range d {
		d[i] = time.Duration(rng.Int64N(int64(time.Millisecond)))
	}
	return d
}

// BenchmarkScheduleFire: one op is a CallLater and, later, its run, on a
// virtual clock, in batches of pending timers: benchBatch, which stays in
// cache, and a million, W2's size, where every heap level is a cache miss.
func BenchmarkScheduleFire(b *testing.B) {
	for _, batch := range []int{benchBatch, 1 << 20} {
		b.Run(fmt.Sprintf("pending=%d", batch), func(b *testing.B) { benchScheduleFire(b, batch) })
	}
}

func benchScheduleFire(b *testing.B, batch int) {
	r, _, _ := newVirtualReactor(b)
	rng := rand.New(rand.NewPCG(42, 42))
	delays := make([]time.Duration, batch)
	for i := range delays {
		delays[i] = time.Duration(rng.Int64N(int64(500 * time.Millisecond)))
	}
	remaining, inBatch := b.N, 0
	var fire func()
	scheduleBatch := func() {
		inBatch = min(batch, remaining)
		remaining -= inBatch
		for i := range inBatch {
			r.CallLater(delays[i], fire)
		}
	}
	fire = func() {
		if inBatch--; inBatch > 0 {
			return
		}
		if remaining == 0 {
			r.Stop()
			return
		}
		scheduleBatch()
	}
	r.CallWhenRunning(scheduleBatch)
	b.ReportAllocs()
	b.ResetTimer()
	if err := r.Run(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if remaining != 0 || inBatch != 0 {
		b.Fatalf("%d timers not scheduled, %d not fired", remaining, inBatch)
	}
}

// BenchmarkCancel: one op is a CallLater and a Cancel of it, with
// benchBatch other timers pending.
func BenchmarkCancel(b *testing.B) {
	r, _, _ := newVirtualReactor(b)
	delays := benchDelays()
	nop := func() {}
	for _, d := range delays {
		r.CallLater(d, nop)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dc := r.CallLater(delays[i%benchBatch], nop)
		if err := dc.Cancel(); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if r.Pending() != benchBatch {
		b.Fatalf("Pending() = %d, want %d", r.Pending(), benchBatch)
	}
}

// BenchmarkReset: one op is a Reset of one of benchBatch pending timers to
// a new delay.
func BenchmarkReset(b *testing.B) {
	r, _, _ := newVirtualReactor(b)
	delays := benchDelays()
	nop := func() {}
	dcs := make([]*DelayedCall, benchBatch)
	for i, d := range delays {
		dcs[i] = r.CallLater(d, nop)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := dcs[i%benchBatch].Reset(delays[(i*7+3)%benchBatch]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkChain: one op is a reactor iteration whose only work is one
// callback that schedules the next with delay 0.
func BenchmarkChain(b *testing.B) {
	r, _, _ := newVirtualReactor(b)
	n := 0
	var step func()
	step = func() {
		if n++; n >= b.N {
			r.Stop()
			return
		}
		r.CallLater(0, step)
	}
	r.CallWhenRunning(func() { r.CallLater(0, step) })
	b.ReportAllocs()
	b.ResetTimer()
	if err := r.Run(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if n != b.N {
		b.Fatalf("%d steps, want %d", n, b.N)
	}
}

// nopPoller watches nothing and never waits: with it, an iteration costs
// only the loop's own bookkeeping.
type nopPoller struct {
	fds    int
	onWait func()
}

func (p *nopPoller) Name() string                        { return "nop" }
func (p *nopPoller) Add(int, Events) error               { p.fds++; return nil }
func (p *nopPoller) Modify(int, Events) error            { return nil }
func (p *nopPoller) Remove(int) error                    { p.fds--; return nil }
func (p *nopPoller) Len() int                            { return p.fds }
func (p *nopPoller) Wait(time.Duration) ([]Event, error) { p.onWait(); return nil, nil }
func (p *nopPoller) Close() error                        { return nil }

// hookPoller calls onWait before each Wait of the poller it wraps.
type hookPoller struct {
	Poller
	onWait func()
}

func (p *hookPoller) Wait(timeout time.Duration) ([]Event, error) {
	p.onWait()
	return p.Poller.Wait(timeout)
}

// BenchmarkIteration: one op is an empty iteration of the loop on the real
// clock: nothing posted, no timer due, and a Wait that returns at once,
// either from a poller that does nothing ("loop" is the loop's own cost) or
// from epoll with a descriptor that stays readable (adds the system call).
func BenchmarkIteration(b *testing.B) {
	setups := []struct {
		name   string
		poller func(b *testing.B, onWait func()) Poller
	}{
		{"loop", func(b *testing.B, onWait func()) Poller { return &nopPoller{onWait: onWait} }},
		{DefaultPoller, func(b *testing.B, onWait func()) Poller {
			p, err := NewPoller(DefaultPoller)
			if err != nil {
				b.Fatal(err)
			}
			pp := newPollerPipe(b)
			pp.write(b)
			if err := p.Add(pp.r, Readable); err != nil {
				b.Fatal(err)
			}
			return &hookPoller{Poller: p, onWait: onWait}
		}},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			var r *Reactor
			waits := 0
			p := s.poller(b, func() {
				if waits++; waits == b.N {
					r.Stop()
				}
			})
			r, _ = newTestReactor(b, Config{Poller: p})
			// A far timer, so each iteration also looks at the heap.
			r.CallLater(time.Hour, func() { b.Error("far timer ran") })
			b.ReportAllocs()
			b.ResetTimer()
			if err := r.Run(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if waits != b.N {
				b.Fatalf("%d iterations, want %d", waits, b.N)
			}
		})
	}
}
