//go:build ignore

// Command netload is the one load generator of the benchmark suite's
// network workloads (W8-W10, W12): it starts a server, reads the port from
// the server's first line ("... port=N)." or "... on port N."), puts the
// load on it over loopback, measures the server process itself (CPU from
// /proc/PID/stat, memory from /proc/PID/status, peak RSS from its rusage),
// stops it with SIGINT and prints one result line of key=value pairs. The
// same client drives every peer. It runs on one core (GOMAXPROCS=1; with
// -pin, CPU 1, and the server on CPU 0), so that on a 2-core machine the
// server has the other; pointed at the Go and C floors it shows its own
// ceiling. The runner builds it with
//
//	go build -o BIN tests/bench/netload/main.go
//
// and runs
//
//	BIN echo -conns 100 -size 64 -secs 5 -- SERVER...          (W8)
//	BIN bulk -mib 1024 -pause 1 -- SERVER...                   (W9)
//	BIN idle -conns 10000 -secs 3 -settle 1 -- SERVER...       (W10)
//	BIN fetch -clients 200 -secs 5 -expect POEM -- SERVER...   (W12)
//
// echo: `conns` connections, one goroutine each, each sending `size` bytes
// and waiting for them to come back, for `secs` seconds: round trips per
// second, latency p50/p99, the server's CPU per 100,000 round trips.
//
// bulk: `mib` MiB through the echo server on one connection, written and
// read back concurrently and checked; halfway the reader stops for `pause`
// seconds while the writer goes on. MiB/s (the pause left out), server CPU
// per GiB, how much the server's RSS grew during the transfer and during
// the pause (backpressure keeps both small).
//
// idle: opens `conns` connections and has 16 bytes echoed on each (so the
// server surely holds a protocol for each), leaves them idle: time to
// connect them all, the server's RSS per connection (`settle` seconds
// later), its CPU over `settle` seconds of
// idleness; then one more connection plays ping-pong (64 bytes) for `secs`
// seconds: its p50/p99 and the server's CPU per round trip.
//
// fetch: `clients` goroutines, each connecting, reading until the server
// closes (every byte must be the file's) and connecting again, for `secs`
// seconds: poems/s, the server's CPU per 1000 poems, connects that waited
// for a SYN retransmission.
//
// The descriptors a run needs must fit in RLIMIT_NOFILE: netload raises its
// soft limit to the hard one, which the server inherits.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	runtime.GOMAXPROCS(1) // one core: the server has the other (see the package doc)
	if len(os.Args) < 2 {
		fail(errors.New("usage: netload echo|bulk|idle|fetch [flags] -- SERVER..."))
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	conns := fs.Int("conns", 100, "echo, idle: connections")
	size := fs.Int("size", 64, "echo: bytes per round trip")
	secs := fs.Float64("secs", 5, "echo, idle, fetch: seconds of load")
	mib := fs.Int("mib", 1024, "bulk: MiB to send through")
	pause := fs.Float64("pause", 1, "bulk: seconds the reader stops, halfway")
	settle := fs.Float64("settle", 1, "idle: seconds to wait for the server's memory to settle, and of idleness measured")
	clients := fs.Int("clients", 200, "fetch: connections at once")
	pin := fs.Bool("pin", false, "run the server on CPU 0 and netload on CPU 1 (needs 2 CPUs)")
	expect := fs.String("expect", "", "fetch: the file every client must receive")
	fs.Parse(os.Args[2:])
	server := fs.Args()
	if len(server) == 0 {
		fail(errors.New("no server command after --"))
	}
	if err := raiseFileLimit(); err != nil {
		fail(err)
	}
	pinned := *pin && runtime.NumCPU() >= 2
	if pinned {
		pinThreads(0) // the server inherits it
	}
	s, err := startServer(server)
	if err != nil {
		fail(err)
	}
	if pinned {
		pinThreads(1)
	}
	d := time.Duration(*secs * float64(time.Second))
	var result string
	switch mode {
	case "echo":
		result, err = echoLoad(s, *conns, *size, d)
	case "bulk":
		result, err = bulkLoad(s, int64(*mib)<<20, time.Duration(*pause*float64(time.Second)))
	case "idle":
		result, err = idleLoad(s, *conns, d, time.Duration(*settle*float64(time.Second)))
	case "fetch":
		result, err = fetchLoad(s, *clients, d, *expect)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	peak, stopErr := s.stop()
	if err != nil {
		fail(err)
	}
	if stopErr != nil {
		fail(stopErr)
	}
	fmt.Printf("%s server_peak_rss_mb=%.1f\n", result, peak)
}

// pinThreads sets the CPU affinity of every thread of netload to cpu: a
// child started afterwards inherits the mask of the thread that forks it.
// taskset(1) would do it too, but its image would count in the server's
// peak RSS. Twice: a thread the runtime starts meanwhile copies the old mask.
func pinThreads(cpu int) {
	var mask [16]uint64
	mask[cpu/64] = 1 << (cpu % 64)
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return
		}
		for _, t := range tasks {
			tid, _ := strconv.Atoi(t.Name())
			syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "netload:", err)
	os.Exit(1)
}

func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	// An explicit Setrlimit also makes Go pass the raised limit on to the
	// server (it restores the original soft limit in children otherwise).
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// server is the process under load.
type server struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

var portRe = regexp.MustCompile(`port[= ](\d+)\)?\.`)

func startServer(argv []string) (*server, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	lines := bufio.NewReader(out)
	port := make(chan string, 1)
	go func() {
		for {
			line, err := lines.ReadString('\n')
			if m := portRe.FindStringSubmatch(line); m != nil {
				port <- m[1]
				break
			}
			if err != nil {
				close(port)
				return
			}
		}
		io.Copy(io.Discard, lines) // the server may go on printing
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case p, ok := <-port:
		if !ok {
			cmd.Process.Kill()
			return nil, fmt.Errorf("%v printed no port", argv)
		}
		s.addr = "127.0.0.1:" + p
		return s, nil
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%v printed no port within 20 s", argv)
	}
}

// stop interrupts the server and returns its peak RSS in MB.
func (s *server) stop() (float64, error) {
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second): // Twisted on poll takes long to close 10,000 connections
		s.cmd.Process.Kill()
		<-s.done
		return 0, errors.New("the server did not stop within 60 s of SIGINT")
	}
	if ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024, nil
	}
	return 0, nil
}

// cpuMS is the CPU time (user + system) the server has used so far, its
// exited threads included.
func (s *server) cpuMS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) * 10 // clock ticks of 1/100 s
}

// rssKB is the server's resident memory now.
func (s *server) rssKB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			v, _ := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return v
		}
	}
	return 0
}

func dial(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 30*time.Second)
}

// latencies holds round-trip times in µs.
type latencies []float64

func (l latencies) pct(p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	return l[min(len(l)-1, int(float64(len(l))*p))]
}

// roundTrip sends msg and reads it back into back.
func roundTrip(c net.Conn, msg, back []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, back); err != nil {
		return err
	}
	if !bytes.Equal(back, msg) {
		return fmt.Errorf("sent %q, got %q back", msg, back)
	}
	return nil
}

func message(size, id int) []byte {
	body := fmt.Sprintf("message from connection %d ", id)
	for len(body) < size {
		body += "x"
	}
	return []byte(body[:size])
}

// pingPong makes round trips on c until the deadline and returns their
// latencies.
func pingPong(c net.Conn, msg []byte, deadline time.Time) (latencies, error) {
	back := make([]byte, len(msg))
	var lat latencies
	c.SetDeadline(deadline.Add(30 * time.Second))
	for {
		t := time.Now()
		if !t.Before(deadline) {
			return lat, nil
		}
		if err := roundTrip(c, msg, back); err != nil {
			return lat, err
		}
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
}

func echoLoad(s *server, conns, size int, d time.Duration) (string, error) {
	type worker struct {
		lat latencies
		err error
	}
	workers := make([]worker, conns)
	var ready, wg sync.WaitGroup
	begin := make(chan struct{})
	var deadline time.Time
	for i := range workers {
		c, err := dial(s.addr)
		if err != nil {
			return "", err
		}
		defer c.Close()
		ready.Add(1)
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			msg := message(size, i)
			ready.Done()
			<-begin
			w.lat, w.err = pingPong(c, msg, deadline)
		}(&workers[i])
	}
	ready.Wait()
	cpu0 := s.cpuMS()
	t0 := time.Now()
	deadline = t0.Add(d)
	close(begin)
	wg.Wait()
	elapsed := time.Since(t0).Seconds()
	cpu := s.cpuMS() - cpu0
	var lat latencies
	for _, w := range workers {
		if w.err != nil {
			return "", w.err
		}
		lat = append(lat, w.lat...)
	}
	if len(lat) == 0 {
		return "", errors.New("no round trip completed")
	}
	slices.Sort(lat)
	return fmt.Sprintf("conns=%d size=%d secs=%.2f round_trips=%d rt_per_s=%.0f p50_us=%.0f p99_us=%.0f "+
		"server_cpu_ms=%.0f cpu_s_per_100k=%.3f",
		conns, size, elapsed, len(lat), float64(len(lat))/elapsed, lat.pct(0.5), lat.pct(0.99),
		cpu, cpu/1e3/float64(len(lat))*1e5), nil
}

func bulkLoad(s *server, total int64, pause time.Duration) (string, error) {
	const chunk = 64 * 1024
	// The data is a pattern whose period (251) is prime to the chunk size,
	// so a piece echoed out of place or twice does not compare equal.
	pattern := make([]byte, chunk+251)
	for i := range pattern {
		pattern[i] = byte(i % 251)
	}
	at := func(off int64, n int) []byte { o := int(off % 251); return pattern[o : o+n] }

	c, err := dial(s.addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	time.Sleep(300 * time.Millisecond) // let the server settle after the connect
	base := s.rssKB()
	var peak atomic.Int64
	peak.Store(int64(base))
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
				if r := int64(s.rssKB()); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()

	cpu0 := s.cpuMS()
	t0 := time.Now()
	writeErr := make(chan error, 1)
	go func() {
		for off := int64(0); off < total; off += chunk {
			if _, err := c.Write(at(off, int(min(chunk, total-off)))); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	buf := make([]byte, chunk)
	var got int64
	var paused time.Duration
	var pauseGrowth float64
	for got < total {
		if paused == 0 && got >= total/2 {
			before := s.rssKB()
			time.Sleep(pause)
			pauseGrowth = s.rssKB() - before
			paused = pause
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := c.Read(buf[:min(int64(chunk), total-got)])
		if n > 0 && !bytes.Equal(buf[:n], at(got, n)) {
			return "", fmt.Errorf("the bytes at %d came back changed", got)
		}
		got += int64(n)
		if err != nil {
			return "", fmt.Errorf("after %d of %d bytes: %v", got, total, err)
		}
	}
	elapsed := time.Since(t0) - paused
	cpu := s.cpuMS() - cpu0
	close(stopSampling)
	<-sampled
	if err := <-writeErr; err != nil {
		return "", err
	}
	mib := float64(total) / (1 << 20)
	return fmt.Sprintf("mib=%.0f secs=%.2f mib_per_s=%.1f server_cpu_ms=%.0f cpu_s_per_gib=%.3f "+
		"base_rss_mb=%.1f rss_growth_mb=%.1f pause_growth_mb=%.2f",
		mib, elapsed.Seconds(), mib/elapsed.Seconds(), cpu, cpu/1e3/(mib/1024),
		base/1024, (float64(peak.Load())-base)/1024, pauseGrowth/1024), nil
}

func idleLoad(s *server, conns int, d, settle time.Duration) (string, error) {
	time.Sleep(settle / 2) // let the server settle after its start
	base := s.rssKB()
	held := make([]net.Conn, conns)
	defer func() {
		for _, c := range held {
			if c != nil {
				c.Close()
			}
		}
	}()
	const dialers = 16
	errs := make(chan error, dialers)
	next := make(chan int)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dial(s.addr)
				if err != nil {
					errs <- fmt.Errorf("connection %d: %v", i, err)
					return
				}
				held[i] = c
				msg := message(16, i)
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if err := roundTrip(c, msg, make([]byte, len(msg))); err != nil {
					errs <- fmt.Errorf("connection %d: %v", i, err)
					return
				}
			}
		}()
	}
	for i := range conns {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			return "", err
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return "", err
	default:
	}
	setup := time.Since(t0).Seconds()
	time.Sleep(settle) // let the server's allocator and GC settle
	rss := s.rssKB()
	cpu0 := s.cpuMS()
	time.Sleep(settle)
	idleCPU := s.cpuMS() - cpu0

	c, err := dial(s.addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	cpu0 = s.cpuMS()
	t := time.Now()
	lat, err := pingPong(c, message(64, conns), t.Add(d))
	if err != nil {
		return "", err
	}
	elapsed := time.Since(t).Seconds()
	cpu := s.cpuMS() - cpu0
	slices.Sort(lat)
	return fmt.Sprintf("conns=%d connect_s=%.2f base_rss_mb=%.1f rss_mb=%.1f kb_per_conn=%.2f idle_cpu_ms=%.0f idle_s=%.1f "+
		"round_trips=%d rt_per_s=%.0f p50_us=%.0f p99_us=%.0f cpu_us_per_rt=%.1f",
		conns, setup, base/1024, rss/1024, (rss-base)/float64(conns), idleCPU, settle.Seconds(),
		len(lat), float64(len(lat))/elapsed, lat.pct(0.5), lat.pct(0.99), cpu*1e3/float64(max(1, len(lat)))), nil
}

func fetchLoad(s *server, clients int, d time.Duration, expectFile string) (string, error) {
	want, err := os.ReadFile(expectFile)
	if err != nil {
		return "", err
	}
	// fetchOne reads one poem into buf (reused: the client's own allocations
	// stay out of the figure) and returns whether the connect waited for a
	// SYN retransmission (the listen queue was full when its first SYN came).
	fetchOne := func(buf []byte) (slow bool, err error) {
		t0 := time.Now()
		c, err := dial(s.addr)
		if err != nil {
			return false, err
		}
		defer c.Close()
		slow = time.Since(t0) >= 900*time.Millisecond
		c.SetDeadline(time.Now().Add(60 * time.Second))
		n := 0
		for {
			k, err := c.Read(buf[n:])
			n += k
			if err == io.EOF {
				break
			}
			if err != nil {
				return slow, err
			}
			if n == len(buf) {
				return slow, fmt.Errorf("more than the %d bytes of %s", len(want), expectFile)
			}
		}
		if !bytes.Equal(buf[:n], want) {
			return slow, fmt.Errorf("got %d bytes, not the %d of %s", n, len(want), expectFile)
		}
		return slow, nil
	}
	if _, err := fetchOne(make([]byte, len(want)+1)); err != nil { // warm up
		return "", err
	}
	var poems, slowConnects atomic.Int64
	errs := make(chan error, clients)
	var ready, wg sync.WaitGroup
	begin := make(chan struct{})
	var deadline time.Time
	for range clients {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(want)+1)
			ready.Done()
			<-begin
			for time.Now().Before(deadline) {
				slow, err := fetchOne(buf)
				if err != nil {
					errs <- err
					return
				}
				poems.Add(1)
				if slow {
					slowConnects.Add(1)
				}
			}
		}()
	}
	ready.Wait()
	cpu0 := s.cpuMS()
	t0 := time.Now()
	deadline = t0.Add(d)
	close(begin)
	wg.Wait()
	elapsed := time.Since(t0).Seconds()
	cpu := s.cpuMS() - cpu0
	close(errs)
	if err := <-errs; err != nil {
		return "", err
	}
	n := poems.Load()
	return fmt.Sprintf("clients=%d bytes=%d secs=%.2f poems=%d poems_per_s=%.0f server_cpu_ms=%.0f "+
		"cpu_ms_per_1000=%.1f slow_connects=%d",
		clients, len(want), elapsed, n, float64(n)/elapsed, cpu, cpu/float64(max(1, n))*1000, slowConnects.Load()), nil
}
