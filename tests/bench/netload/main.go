//go:build ignore

// Command netload drives the network workloads (W8-W10) of the benchmark
// suite: it starts a server, reads the port from the server's first line
// ("... port=N)." or "... on port N."), puts the load on it from loopback,
// measures the server process itself (CPU from /proc/PID/stat, memory from
// /proc/PID/status), stops it with SIGINT and prints one result line of
// key=value pairs. The same client drives every peer. The runner builds it
// with
//
//	go build -o BIN tests/bench/netload/main.go
//
// and runs
//
//	BIN fetch -clients 100 -rounds 20 -expect POEM -- SERVER...   (W8)
//	BIN idle -conns 10000 -- SERVER...                            (W9)
//	BIN echo -conns 100 -size 64 -secs 5 -- SERVER...             (W10)
//
// fetch: rounds of `clients` connections opened at once, each reading until
// the server closes; every one must get the file's bytes exactly. Reports
// the median time of a round and the poems per second that makes.
//
// idle: opens `conns` connections to a line echo server and has one line
// echoed on each (so the server surely holds a protocol for each), then
// leaves them idle. Reports the server's resident memory before and after,
// and the difference per connection.
//
// echo: `conns` connections, one goroutine each, sending a line of `size`
// bytes ("\r\n" included) and waiting for it to come back, for `secs`
// seconds. Reports round trips per second and their latency.
//
// The descriptors a run needs (conns of them, in the server and here alike)
// must fit in RLIMIT_NOFILE: netload raises its soft limit to the hard one,
// which the server inherits.
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: netload fetch|idle|echo [flags] -- SERVER..."))
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	clients := fs.Int("clients", 100, "fetch: connections per round")
	rounds := fs.Int("rounds", 20, "fetch: rounds")
	expect := fs.String("expect", "", "fetch: the file every client must receive")
	conns := fs.Int("conns", 100, "idle, echo: connections")
	size := fs.Int("size", 64, "echo: bytes per line, \\r\\n included")
	secs := fs.Float64("secs", 5, "echo: seconds of load")
	fs.Parse(os.Args[2:])
	server := fs.Args()
	if len(server) == 0 {
		fail(errors.New("no server command after --"))
	}
	if err := raiseFileLimit(); err != nil {
		fail(err)
	}
	s, err := startServer(server)
	if err != nil {
		fail(err)
	}
	var result string
	switch mode {
	case "fetch":
		result, err = fetchLoad(s, *clients, *rounds, *expect)
	case "idle":
		result, err = idleLoad(s, *conns)
	case "echo":
		result, err = echoLoad(s, *conns, *size, time.Duration(*secs*float64(time.Second)))
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
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return 0, errors.New("the server did not stop within 10 s of SIGINT")
	}
	if ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024, nil
	}
	return 0, nil
}

// cpuMS is the CPU time (user + system) the server has used so far.
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

func fetchLoad(s *server, clients, rounds int, expectFile string) (string, error) {
	want, err := os.ReadFile(expectFile)
	if err != nil {
		return "", err
	}
	// A connect that took a second or more waited for a SYN retransmission:
	// the listen queue was full when its first SYN came.
	var mu sync.Mutex
	var clientMS []float64
	slowConnects := 0
	fetchOne := func() error {
		t0 := time.Now()
		c, err := dial(s.addr)
		if err != nil {
			return err
		}
		connected := time.Since(t0)
		defer func() {
			mu.Lock()
			clientMS = append(clientMS, time.Since(t0).Seconds()*1e3)
			if connected >= 900*time.Millisecond {
				slowConnects++
			}
			mu.Unlock()
		}()
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("got %d bytes, not the %d of %s", len(got), len(want), expectFile)
		}
		return nil
	}
	if err := fetchOne(); err != nil { // warm up
		return "", err
	}
	clientMS, slowConnects = nil, 0
	cpu0 := s.cpuMS()
	var times []float64
	for range rounds {
		errs := make(chan error, clients)
		var ready, wg sync.WaitGroup
		begin := make(chan struct{})
		for range clients {
			ready.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-begin
				if err := fetchOne(); err != nil {
					errs <- err
				}
			}()
		}
		ready.Wait()
		t0 := time.Now()
		close(begin)
		wg.Wait()
		times = append(times, time.Since(t0).Seconds()*1e3)
		close(errs)
		if err := <-errs; err != nil {
			return "", err
		}
	}
	cpu := s.cpuMS() - cpu0
	slices.Sort(times)
	slices.Sort(clientMS)
	med := times[len(times)/2]
	return fmt.Sprintf("clients=%d rounds=%d bytes=%d round_ms=%.2f poems_per_s=%.0f client_p50_ms=%.2f "+
		"slow_connects_per_round=%.1f server_cpu_ms=%.0f",
		clients, rounds, len(want), med, float64(clients)/(med/1e3), clientMS[len(clientMS)/2],
		float64(slowConnects)/float64(rounds), cpu), nil
}

// echoLine sends one line and reads it back.
func echoLine(c net.Conn, r *bufio.Reader, line []byte, back []byte) error {
	if _, err := c.Write(line); err != nil {
		return err
	}
	if _, err := io.ReadFull(r, back); err != nil {
		return err
	}
	if !bytes.Equal(back, line) {
		return fmt.Errorf("sent %q, got %q back", line, back)
	}
	return nil
}

func makeLine(size, id int) []byte {
	body := fmt.Sprintf("line from connection %d ", id)
	for len(body) < size-2 {
		body += "x"
	}
	return []byte(body[:size-2] + "\r\n")
}

func idleLoad(s *server, conns int) (string, error) {
	time.Sleep(500 * time.Millisecond) // let the server settle after its start
	base := s.rssKB()
	held := make([]net.Conn, conns)
	defer func() {
		for _, c := range held {
			if c != nil {
				c.Close()
			}
		}
	}()
	// A few dialers at a time: the listen backlog is small (50).
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
				line := makeLine(16, i)
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if err := echoLine(c, bufio.NewReaderSize(c, 16), line, make([]byte, len(line))); err != nil {
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
	time.Sleep(2 * time.Second) // idle: let the server's allocator and GC settle
	rss := s.rssKB()
	return fmt.Sprintf("conns=%d connect_s=%.2f base_rss_mb=%.1f rss_mb=%.1f kb_per_conn=%.2f",
		conns, setup, base/1024, rss/1024, (rss-base)/float64(conns)), nil
}

func echoLoad(s *server, conns, size int, d time.Duration) (string, error) {
	if size < 3 {
		return "", errors.New("-size must be at least 3")
	}
	type worker struct {
		count int
		lat   []float64 // µs, a sample of every round trip
		err   error
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
			r := bufio.NewReaderSize(c, 4096)
			line := makeLine(size, i)
			back := make([]byte, len(line))
			ready.Done()
			<-begin
			for {
				t := time.Now()
				if !t.Before(deadline) {
					return
				}
				c.SetDeadline(t.Add(30 * time.Second))
				if err := echoLine(c, r, line, back); err != nil {
					w.err = err
					return
				}
				w.count++
				w.lat = append(w.lat, float64(time.Since(t).Microseconds()))
			}
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
	total := 0
	var lat []float64
	for _, w := range workers {
		if w.err != nil {
			return "", w.err
		}
		total += w.count
		lat = append(lat, w.lat...)
	}
	if total == 0 {
		return "", errors.New("no round trip completed")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	return fmt.Sprintf("conns=%d size=%d secs=%.2f round_trips=%d rt_per_s=%.0f p50_us=%.0f p99_us=%.0f server_cpu_ms=%.0f",
		conns, size, elapsed, total, float64(total)/elapsed, pct(0.5), pct(0.99), cpu), nil
}
