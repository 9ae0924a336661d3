//go:build linux

package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The soak runs the poetry server and the echo server under a paced load for
// LOOPSCRIPT_SOAK (a Go duration; 10s by default, so that go test ./... stays
// short). The full soak is ten minutes:
//
//	LOOPSCRIPT_SOAK=10m go test ./tests -run TestSoak -v -timeout 20m
//
// The load is paced rather than flat out, so the soak measures drift, not
// the machine: soakPoetryRate fetches a second and soakEchoRate echo round
// trips a second in all, spread over the workers. Each interval's figures
// (completions, CPU, RSS, open descriptors of each server) are logged.

const (
	soakPoetryWorkers = 4
	soakPoetryRate    = 400 // poems fetched per second, all workers together
	soakEchoConns     = 20
	soakEchoRate      = 4000 // echo round trips per second, all connections together
	// soakEchoChurn: an echo connection reconnects after this many round
	// trips, so connections keep being made and lost on the echo server too.
	soakEchoChurn = 500
)

// soakDuration is how long the soak loads the servers.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("LOOPSCRIPT_SOAK")
	if v == "" {
		return 10 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 3*time.Second {
		t.Fatalf("LOOPSCRIPT_SOAK=%q: want a Go duration of at least 3s (10m for the full soak)", v)
	}
	return d
}

// soakCounters are a load's running totals.
type soakCounters struct {
	done   atomic.Int64 // completed exchanges (a poem, a round trip)
	errors atomic.Int64
	mu     sync.Mutex
	first  []string // the first few errors, for the report
}

func (c *soakCounters) fail(err error) {
	if c.errors.Add(1) <= 5 {
		c.mu.Lock()
		c.first = append(c.first, err.Error())
		c.mu.Unlock()
	}
}

// pace sleeps until the n-th tick of period after start; a worker behind
// schedule goes on at once (and so catches up without bursts beyond its pace).
func pace(start time.Time, n int64, period time.Duration) {
	if d := time.Until(start.Add(time.Duration(n) * period)); d > 0 {
		time.Sleep(d)
	}
}

// poetryLoad fetches the poem again and again until stop, checking every byte.
func poetryLoad(port int, poem []byte, stop <-chan struct{}, c *soakCounters, wg *sync.WaitGroup) {
	defer wg.Done()
	period := time.Second * soakPoetryWorkers / soakPoetryRate
	start := time.Now()
	for n := int64(0); ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		pace(start, n, period)
		got, err := fetch(port)
		switch {
		case err != nil:
			c.fail(fmt.Errorf("poetry: %v", err))
		case !bytes.Equal(got, poem):
			c.fail(fmt.Errorf("poetry: got %d bytes, want the %d of the poem", len(got), len(poem)))
		default:
			c.done.Add(1)
		}
	}
}

// echoLoad sends numbered lines on a connection and reads each back before
// the next, reconnecting every soakEchoChurn round trips, until stop.
func echoLoad(id, port int, stop <-chan struct{}, c *soakCounters, wg *sync.WaitGroup) {
	defer wg.Done()
	period := time.Second * soakEchoConns / soakEchoRate
	start := time.Now()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var n int64
	for {
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			c.fail(fmt.Errorf("echo: %v", err))
			time.Sleep(100 * time.Millisecond)
			continue
		}
		r := bufio.NewReader(conn)
		for range soakEchoChurn {
			select {
			case <-stop:
				conn.Close()
				return
			default:
			}
			pace(start, n, period)
			n++
			line := fmt.Sprintf("soak %d line %d\r\n", id, n)
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write([]byte(line)); err != nil {
				c.fail(fmt.Errorf("echo: write: %v", err))
				break
			}
			back, err := r.ReadString('\n')
			if err != nil || back != line {
				c.fail(fmt.Errorf("echo: read %q, %v; want %q", back, err, line))
				break
			}
			c.done.Add(1)
		}
		conn.Close()
	}
}

// procSample is what /proc says of a process at one moment.
type procSample struct {
	rssKiB int64
	fds    int
	cpu    time.Duration // user + system since it started
}

func sampleProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			s.rssKiB, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th of them, in clock ticks (100 a second on Linux).
	rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpu = time.Duration(utime+stime) * 10 * time.Millisecond
	return s, nil
}

// soakServer is one server of the soak and its load.
type soakServer struct {
	name    string
	p       *proc
	load    *soakCounters
	idleFds int // open descriptors before the load
	samples []procSample
	counts  []int64 // completions in each interval
}

// TestSoak: under a steady load, no exchange fails, each server's RSS and
// descriptor count stay flat after the warm-up (the first minute, or the
// first third of a shorter soak), its throughput holds up (see report),
// and once the load stops its descriptors go back to their idle count.
func TestSoak(t *testing.T) {
	t.Parallel()
	duration := soakDuration(t)
	interval := max(time.Second, duration/20)
	warmup := min(time.Minute, duration/3)

	poemFile := "scripts/poetry/the-keeper.txt"
	poem, err := os.ReadFile(filepath.Join(repoRoot, poemFile))
	if err != nil {
		t.Fatal(err)
	}
	poetryProc, poetryPort := startServer(t, "scripts/fastpoetry.lua", "--port", "0", poemFile)
	echoProc, echoPort := startServer(t, "scripts/echo.lua", "--port", "0")
	servers := []*soakServer{
		{name: "poetry", p: poetryProc, load: &soakCounters{}},
		{name: "echo", p: echoProc, load: &soakCounters{}},
	}
	for _, s := range servers {
		idle, err := sampleProc(s.p.cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		s.idleFds = idle.fds
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range soakPoetryWorkers {
		wg.Add(1)
		go poetryLoad(poetryPort, poem, stop, servers[0].load, &wg)
	}
	for i := range soakEchoConns {
		wg.Add(1)
		go echoLoad(i, echoPort, stop, servers[1].load, &wg)
	}

	begin := time.Now()
	last := make([]int64, len(servers))
	for tick := 1; time.Since(begin) < duration; tick++ {
		time.Sleep(time.Until(begin.Add(time.Duration(tick) * interval)))
		for i, s := range servers {
			sample, err := sampleProc(s.p.cmd.Process.Pid)
			if err != nil {
				close(stop)
				t.Fatalf("%s server: %v (did it exit?)\nstderr:\n%s", s.name, err, s.p.stderr)
			}
			done := s.load.done.Load()
			s.samples = append(s.samples, sample)
			s.counts = append(s.counts, done-last[i])
			last[i] = done
		}
	}
	close(stop)
	wg.Wait()

	for _, s := range servers {
		s.report(t, interval, warmup)
	}
	for _, s := range servers {
		// Every client has closed: the server must get back to the
		// descriptors it had before the load.
		pid := s.p.cmd.Process.Pid
		var now procSample
		deadline := time.Now().Add(10 * time.Second)
		for {
			now, _ = sampleProc(pid)
			if now.fds <= s.idleFds || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if now.fds > s.idleFds {
			t.Errorf("%s server: %d descriptors open once the load stopped, %d before it", s.name, now.fds, s.idleFds)
		}
		stopServer(t, s.p)
	}
}

// report logs a server's figures and checks them.
func (s *soakServer) report(t *testing.T, interval, warmup time.Duration) {
	t.Helper()
	var table strings.Builder
	fmt.Fprintf(&table, "%s server, every %v: completions/s, CPU %%, RSS MiB, descriptors\n", s.name, interval)
	var prevCPU time.Duration
	for i, sm := range s.samples {
		fmt.Fprintf(&table, "  %6v  %7.0f/s  %5.1f%%  %6.1f  %4d\n", time.Duration(i+1)*interval,
			float64(s.counts[i])/interval.Seconds(), 100*float64(sm.cpu-prevCPU)/float64(interval),
			float64(sm.rssKiB)/1024, sm.fds)
		prevCPU = sm.cpu
	}
	total := s.load.done.Load()
	fmt.Fprintf(&table, "  total %d exchanges, %d errors, CPU %v", total, s.load.errors.Load(), prevCPU)
	t.Log(table.String())

	if n := s.load.errors.Load(); n > 0 {
		t.Errorf("%s server: %d failed exchanges; the first: %s", s.name, n, strings.Join(s.load.first, "; "))
	}
	// Throughput. The pace is fixed, so a server that keeps up shows the
	// same figure throughout. The full soak wants no interval stalled and
	// the second half at least half as busy as the first (the bound only
	// catches decay). The short one runs inside go test ./..., where the
	// whole machine can stall the load for seconds: it only wants each
	// half to have served.
	half := len(s.counts) / 2
	first, second := sum(s.counts[:half]), sum(s.counts[len(s.counts)-half:])
	switch {
	case half == 0:
	case os.Getenv("LOOPSCRIPT_SOAK") != "":
		for i, n := range s.counts {
			if n == 0 {
				t.Errorf("%s server: no exchange completed in interval %d", s.name, i+1)
			}
		}
		if second*2 < first {
			t.Errorf("%s server: throughput fell from %d to %d exchanges per half", s.name, first, second)
		}
	case first == 0 || second == 0:
		t.Errorf("%s server: %d exchanges in the first half, %d in the second", s.name, first, second)
	}
	// Memory and descriptors, from the warm-up on: RSS may grow by a quarter
	// plus 8 MiB over its warm-up peak (GC pacing), descriptors by the number
	// of clients that can be connected at a sampling moment.
	warm := max(1, int(warmup/interval))
	if warm >= len(s.samples) {
		return
	}
	base := slices.MaxFunc(s.samples[:warm], func(a, b procSample) int { return int(a.rssKiB - b.rssKiB) })
	peak := slices.MaxFunc(s.samples[warm:], func(a, b procSample) int { return int(a.rssKiB - b.rssKiB) })
	if peak.rssKiB > base.rssKiB*5/4+8<<10 {
		t.Errorf("%s server: RSS grew from %d KiB (warm-up peak) to %d KiB", s.name, base.rssKiB, peak.rssKiB)
	}
	clients := soakPoetryWorkers + soakEchoConns
	for i, sm := range s.samples {
		if sm.fds > s.idleFds+clients {
			t.Errorf("%s server: %d descriptors at interval %d, idle %d and at most %d clients",
				s.name, sm.fds, i+1, s.idleFds, clients)
		}
	}
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}
