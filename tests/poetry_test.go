package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// The poems in scripts/poetry, by the path a user types.
var poems = []string{
	"scripts/poetry/the-keeper.txt",
	"scripts/poetry/the-loop.txt",
	"scripts/poetry/the-long-tide.txt",
}

// poetryScripts is what the tutorial's poetry programs print when run with
// no arguments (their help, exit status 0); scripts() adds them to the
// cases of TestScripts.
func poetryScripts() map[string]scriptCase {
	help := func(usage string) scriptCase {
		return scriptCase{stdout: []check{firstLine(usage), contains("\nOptions:\n  -h, --help")}}
	}
	return map[string]scriptCase{
		"fastpoetry.lua":   help("Usage: fastpoetry.lua [options] poetry-file"),
		"slowpoetry.lua":   help("Usage: slowpoetry.lua [options] poetry-file"),
		"get-poetry-1.lua": help("Usage: get-poetry-1.lua [options] [hostname]:port ..."),
		"get-poetry.lua":   help("Usage: get-poetry.lua [options] [hostname]:port ..."),
		"echo.lua":         help("Usage: echo.lua [options]"),
	}
}

// readPoem is a poem's bytes.
func readPoem(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// servingLine is the first line a server prints, naming its port either
// way the tutorial's servers do: "... on IPv4Address(type='TCP',
// host='127.0.0.1', port=N)." or "... on port N.".
var servingLine = regexp.MustCompile(`^Serving .* on (?:IPv4Address\(type='TCP', host='127\.0\.0\.1', port=(\d+)\)|port (\d+))\.\n`)

// waitForPort waits for a server's first line and returns the port in it.
// The wait is long because a Twisted server on a loaded machine (the whole
// suite at once on two cores) can take tens of seconds to import Twisted;
// it only lasts that long when something is wrong.
func waitForPort(t *testing.T, p *proc) int {
	t.Helper()
	var port int
	p.waitFor("the line naming the port", 60*time.Second, func() bool {
		m := servingLine.FindStringSubmatch(p.stdout.String())
		if m == nil {
			return false
		}
		port, _ = strconv.Atoi(m[1] + m[2])
		return true
	})
	return port
}

// underLoad puts loopscript's options for the poetry programs in these
// tests before args: the slow-callback warning only past 5 s, so that a
// loaded machine (the whole suite runs at once on two cores) does not add
// one to an output that must be exact, while a callback that really blocks
// (seconds) still shows.
func underLoad(args ...string) []string {
	return append([]string{"--warn-slow", "5"}, args...)
}

// startServer runs a loopscript server on port 0 and returns it with the
// port it chose.
func startServer(t *testing.T, args ...string) (*proc, int) {
	t.Helper()
	p := start(t, "", underLoad(args...)...)
	return p, waitForPort(t, p)
}

// stopServer interrupts a server; it must exit cleanly, without errors.
func stopServer(t *testing.T, p *proc) result {
	t.Helper()
	p.signal(syscall.SIGINT)
	r := p.wait(10 * time.Second)
	if r.code != 0 || r.stderr != "" {
		t.Errorf("server %v: exit status %d after SIGINT, stderr:\n%s", p.cmd.Args[1:], r.code, r.stderr)
	}
	return r
}

// fetch reads everything a server sends until it closes the connection.
func fetch(port int) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return io.ReadAll(conn)
}

// fetchNotifying is fetch, closing first once the first bytes arrive.
func fetchNotifying(port int, first chan<- struct{}) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 10*time.Second)
	if err != nil {
		close(first)
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var data []byte
	buf := make([]byte, 4096)
	notified := false
	for {
		n, err := conn.Read(buf)
		data = append(data, buf[:n]...)
		if n > 0 && !notified {
			notified = true
			close(first)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			if !notified {
				close(first)
			}
			return data, err
		}
	}
}

// closedPort is a loopback port nothing listens on: one the kernel just
// handed out and that was closed again.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestFastPoetryServesEachPoem(t *testing.T) {
	t.Parallel()
	for _, poem := range poems {
		t.Run(filepath.Base(poem), func(t *testing.T) {
			t.Parallel()
			want := readPoem(t, poem)
			// The default interface, localhost, is served as 127.0.0.1.
			p, port := startServer(t, "scripts/fastpoetry.lua", "--port", "0", poem)
			if first, _, _ := strings.Cut(p.stdout.String(), "\n"); first !=
				fmt.Sprintf("Serving %s on IPv4Address(type='TCP', host='127.0.0.1', port=%d).", poem, port) {
				t.Errorf("first line %q", first)
			}
			for range 2 { // each client gets all of it
				got, err := fetch(port)
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got %d bytes, want the %d of %s byte for byte", len(got), len(want), poem)
				}
			}
			stopServer(t, p)
		})
	}
}

// TestFastPoetryHundredClients: 100 clients connect at once; every one gets
// the 100 KiB poem whole.
func TestFastPoetryHundredClients(t *testing.T) {
	t.Parallel()
	const poem = "scripts/poetry/the-long-tide.txt"
	want := readPoem(t, poem)
	p, port := startServer(t, "scripts/fastpoetry.lua", "--port=0", "--iface=127.0.0.1", poem)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	begin := make(chan struct{})
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			got, err := fetch(port)
			switch {
			case err != nil:
				errs <- fmt.Errorf("client %d: %v", i, err)
			case !bytes.Equal(got, want):
				errs <- fmt.Errorf("client %d: got %d bytes, not the poem's %d", i, len(got), len(want))
			}
		}()
	}
	started := time.Now()
	close(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("100 clients fetched %d bytes each in %v", len(want), time.Since(started))
	stopServer(t, p)
}

// TestSlowPoetry: chunks of --num-bytes, one per --delay, to two clients at
// once: the second is served while the first is still being served, which
// the blocking original cannot do. Whether the server hears of the second
// client before the first's last chunk depends on the machine's load as
// well, so a run where it did not is tried again with a longer delay (0.3,
// then 0.6 and 1.2 s); every other check fails at once.
func TestSlowPoetry(t *testing.T) {
	t.Parallel()
	var late string
	for _, delay := range []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 1200 * time.Millisecond} {
		if late = slowPoetryRun(t, delay); late == "" || t.Failed() {
			return
		}
		t.Logf("with --delay %v: %s; trying a longer delay", delay, late)
	}
	t.Error(late)
}

// slowPoetryRun is one run of TestSlowPoetry. It returns, rather than
// reports, the one failure load can cause: the second client heard of only
// after the first's last chunk.
func slowPoetryRun(t *testing.T, delay time.Duration) (late string) {
	const poem = "scripts/poetry/the-keeper.txt" // 2728 bytes: 5 chunks of 600
	want := readPoem(t, poem)
	// The second client connects once the first has its first chunk, and
	// the other four take 4 delays: time for the server to hear of the
	// second, unless it serves one client at a time.
	p, port := startServer(t, "scripts/slowpoetry.lua", "--num-bytes", "600", "--delay", fmt.Sprint(delay.Seconds()), poem)
	if first, _, _ := strings.Cut(p.stdout.String(), "\n"); first != fmt.Sprintf("Serving %s on port %d.", poem, port) {
		t.Errorf("first line %q", first)
	}
	type got struct {
		data    []byte
		err     error
		elapsed time.Duration
	}
	results := make(chan got, 2)
	firstChunk := make(chan struct{})
	go func() {
		began := time.Now()
		data, err := fetchNotifying(port, firstChunk)
		results <- got{data, err, time.Since(began)}
	}()
	go func() {
		select {
		case <-firstChunk:
		case <-time.After(10 * time.Second):
		}
		began := time.Now()
		data, err := fetch(port)
		results <- got{data, err, time.Since(began)}
	}()
	for range 2 {
		g := <-results
		if g.err != nil {
			t.Fatalf("fetch: %v", g.err)
		}
		if !bytes.Equal(g.data, want) {
			t.Errorf("got %d bytes, want the %d of %s byte for byte", len(g.data), len(want), poem)
		}
		// Five chunks: four delays at least between the first and the last.
		if g.elapsed < 4*delay {
			t.Errorf("the poem came in %v: faster than 5 chunks %v apart", g.elapsed, delay)
		}
	}
	r := stopServer(t, p)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")[1:]
	var somebody []int
	sends := map[string]int{}
	for i, line := range lines {
		switch {
		case regexp.MustCompile(`^Somebody at \('127\.0\.0\.1', \d+\) wants poetry!$`).MatchString(line):
			somebody = append(somebody, i)
		case strings.HasPrefix(line, "Sending "):
			sends[line]++
		default:
			t.Errorf("unexpected line %q", line)
		}
	}
	if want := map[string]int{"Sending 600 bytes": 8, "Sending 328 bytes": 2}; fmt.Sprint(sends) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", sends, want)
	}
	// A server that serves one client at a time (the original) sends all
	// five chunks of the first before it hears of the second.
	if len(somebody) != 2 {
		t.Fatalf("want two clients served:\n%s", r.stdout)
	}
	if before := somebody[1] - 1; before >= 5 {
		return fmt.Sprintf("the second client came after %d chunks: it was not served alongside the first:\n%s", before, r.stdout)
	}
	return ""
}

// taskLines reads a client's "Task N: got B bytes of poetry from ADDR"
// lines into bytes per address, the task number of each address, and the
// characters each task reports at the end.
type clientReport struct {
	bytesFrom map[string]int // address as printed -> bytes got
	taskOf    map[string]int // address as printed -> task number
	chars     map[int]int    // task number -> characters of poetry
	order     []int          // task numbers in the order of the final report
	finished  map[int]bool   // "Task N finished" (client 1 only)
	failed    []string       // "Failed to connect to: ADDR" (client 2 only)
	gotLine   string         // the last line
}

var (
	gotRe      = regexp.MustCompile(`^Task (\d+): got (\d+) bytes of poetry from (.+)$`)
	charsRe    = regexp.MustCompile(`^Task (\d+): (\d+) characters of poetry$`)
	finishedRe = regexp.MustCompile(`^Task (\d+) finished$`)
	failedRe   = regexp.MustCompile(`^Failed to connect to: (.+)$`)
	elapsedRe  = `^Got %d poems in \d+:\d\d:\d\d(\.\d{6})?$`
)

func parseClientReport(t *testing.T, stdout string) clientReport {
	t.Helper()
	c := clientReport{bytesFrom: map[string]int{}, taskOf: map[string]int{}, chars: map[int]int{}, finished: map[int]bool{}}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	for _, line := range lines[:len(lines)-1] {
		if m := gotRe.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if task, ok := c.taskOf[m[3]]; ok && task != n {
				t.Errorf("%s is task %d and %d", m[3], task, n)
			}
			c.taskOf[m[3]] = n
			c.bytesFrom[m[3]] += b
		} else if m := charsRe.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			ch, _ := strconv.Atoi(m[2])
			c.chars[n] = ch
			c.order = append(c.order, n)
		} else if m := finishedRe.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			c.finished[n] = true
		} else if m := failedRe.FindStringSubmatch(line); m != nil {
			c.failed = append(c.failed, m[1])
		} else {
			t.Errorf("unexpected line %q in:\n%s", line, stdout)
		}
	}
	c.gotLine = lines[len(lines)-1]
	return c
}

func ipv4(port int) string {
	return fmt.Sprintf("IPv4Address(type='TCP', host='127.0.0.1', port=%d)", port)
}

// servePoems starts one fastpoetry.lua per poem and returns their ports.
func servePoems(t *testing.T, poemFiles []string) []int {
	t.Helper()
	var ports []int
	for _, poem := range poemFiles {
		p, port := startServer(t, "scripts/fastpoetry.lua", "--port", "0", poem)
		t.Cleanup(func() { stopServer(t, p) })
		ports = append(ports, port)
	}
	return ports
}

// checkPoemsReceived checks that each address (as the client prints it)
// got its poem's bytes and that its task reported the poem's characters.
func checkPoemsReceived(t *testing.T, c clientReport, addrs []string, poemFiles []string) {
	t.Helper()
	for i, addr := range addrs {
		want := readPoem(t, poemFiles[i])
		task, ok := c.taskOf[addr]
		if !ok {
			t.Errorf("no poetry from %s", addr)
			continue
		}
		if c.bytesFrom[addr] != len(want) {
			t.Errorf("%s: got %d bytes, want %d", addr, c.bytesFrom[addr], len(want))
		}
		if c.chars[task] != utf8.RuneCount(want) {
			t.Errorf("task %d (%s): %d characters, want %d", task, addr, c.chars[task], utf8.RuneCount(want))
		}
	}
}

// TestGetPoetry: the Protocol + ClientFactory client against three of our
// servers at once and a port where nothing listens.
func TestGetPoetry(t *testing.T) {
	t.Parallel()
	ports := servePoems(t, poems)
	refused := closedPort(t)
	args := underLoad("scripts/get-poetry.lua")
	var addrs []string
	for _, port := range ports {
		args = append(args, strconv.Itoa(port))
		addrs = append(addrs, ipv4(port))
	}
	args = append(args, "127.0.0.1:"+strconv.Itoa(refused))
	r := run(t, args...)
	expect(t, r, 0, []check{lastLineMatches(fmt.Sprintf(elapsedRe, 4))}, nil)
	c := parseClientReport(t, r.stdout)
	checkPoemsReceived(t, c, addrs, poems)
	if len(c.failed) != 1 || c.failed[0] != ipv4(refused) {
		t.Errorf("failures %q, want one for %s", c.failed, ipv4(refused))
	}
	// Task numbers are 1..3 in the order the connections were made, each
	// reported once; a failed connection gets none.
	tasks := append([]int(nil), c.order...)
	sort.Ints(tasks)
	if fmt.Sprint(tasks) != "[1 2 3]" {
		t.Errorf("tasks reported %v, want 1, 2 and 3 once each", c.order)
	}
}

// TestGetPoetryOneLowLevel: the add_reader client against a fast and a slow
// server; each task finishes, and the sizes come in address order.
func TestGetPoetryOneLowLevel(t *testing.T) {
	t.Parallel()
	served := []string{poems[2], poems[1]} // fast, then slow
	ports := servePoems(t, served[:1])
	slow, slowPort := startServer(t, "scripts/slowpoetry.lua", "--num-bytes", "1000", "--delay", "0.02", served[1])
	t.Cleanup(func() { stopServer(t, slow) })
	ports = append(ports, slowPort)
	var addrs []string
	args := underLoad("scripts/get-poetry-1.lua")
	for _, port := range ports {
		args = append(args, strconv.Itoa(port))
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(port))
	}
	r := run(t, args...)
	expect(t, r, 0, []check{lastLineMatches(fmt.Sprintf(elapsedRe, 2))}, nil)
	c := parseClientReport(t, r.stdout)
	checkPoemsReceived(t, c, addrs, served)
	if fmt.Sprint(c.order) != "[1 2]" || !c.finished[1] || !c.finished[2] {
		t.Errorf("want tasks 1 and 2 finished and reported in order:\n%s", r.stdout)
	}
	if c.taskOf[addrs[0]] != 1 || c.taskOf[addrs[1]] != 2 {
		t.Errorf("tasks are numbered by address order: %v", c.taskOf)
	}
}

// TestGetPoetryOneRefused: client 1 connects before the reactor runs, as
// the original (whose connect raises); a refused port ends it with an error.
func TestGetPoetryOneRefused(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	r := run(t, "scripts/get-poetry-1.lua", strconv.Itoa(port))
	expect(t, r, 1, []check{is("")}, []check{
		firstLinePrefix("loopscript: Task 1: cannot connect to 127.0.0.1:" + strconv.Itoa(port) + ": ")})
}

// TestEcho: lines come back to the client that sent them, however the
// bytes are cut, with several clients at once.
func TestEcho(t *testing.T) {
	t.Parallel()
	p, port := startServer(t, "scripts/echo.lua", "--port", "0")
	if first, _, _ := strings.Cut(p.stdout.String(), "\n"); first != "Serving echo on "+ipv4(port)+"." {
		t.Errorf("first line %q", first)
	}
	cases := []struct {
		name   string
		pieces []string
		want   string
	}{
		{"one line", []string{"hello\r\n"}, "hello\r\n"},
		{"two in one write", []string{"one\r\ntwo\r\n"}, "one\r\ntwo\r\n"},
		{"a line in pieces", []string{"par", "tial\r", "\n"}, "partial\r\n"},
		{"binary and empty lines", []string{"\x00\xff\x80\r\n\r\n", "last\r\n"}, "\x00\xff\x80\r\n\r\nlast\r\n"},
		{"no delimiter yet", []string{"no end"}, ""},
	}
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				return
			}
			defer conn.Close()
			for _, piece := range tc.pieces {
				conn.Write([]byte(piece))
				time.Sleep(20 * time.Millisecond)
			}
			conn.(*net.TCPConn).CloseWrite() // the server flushes, then closes
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			got, err := io.ReadAll(conn)
			if err != nil || string(got) != tc.want {
				t.Errorf("%s: got %q (%v), want %q", tc.name, got, err, tc.want)
			}
		}()
	}
	wg.Wait()
	stopServer(t, p)
}

// TestPoetryUsage: option mistakes get optparse's messages and status 2.
func TestPoetryUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"scripts/fastpoetry.lua", "a", "b"}, "fastpoetry.lua: error: Provide exactly one poetry file."},
		{[]string{"scripts/fastpoetry.lua", "--port", "x", poems[0]}, "fastpoetry.lua: error: option --port: invalid integer value: 'x'"},
		{[]string{"scripts/fastpoetry.lua", "nope.txt"}, "fastpoetry.lua: error: No such file: nope.txt"},
		{[]string{"scripts/fastpoetry.lua", "--bogus", poems[0]}, "fastpoetry.lua: error: no such option: --bogus"},
		{[]string{"scripts/slowpoetry.lua", "--delay=soon", poems[0]}, "slowpoetry.lua: error: option --delay: invalid floating-point value: 'soon'"},
		{[]string{"scripts/slowpoetry.lua", poems[0], "--num-bytes"}, "slowpoetry.lua: error: --num-bytes option requires 1 argument"},
		{[]string{"scripts/get-poetry.lua", "localhost:poem"}, "get-poetry.lua: error: Ports must be integers."},
		{[]string{"scripts/get-poetry-1.lua", "10000", "x"}, "get-poetry-1.lua: error: Ports must be integers."},
		{[]string{"scripts/echo.lua", "--iface", "127.0.0.1"}, "echo.lua: error: Give the port to listen on: --port N (0 picks a free one)."},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			name := filepath.Base(tc.args[0])
			expect(t, r, 2, []check{is("")}, []check{firstLinePrefix("Usage: " + name + " [options]"), lastLineMatches("^" + regexp.QuoteMeta(tc.msg) + "$")})
		})
	}
}

// TestFastPoetryPortInUse: a port already taken fails at once, with
// Twisted's message.
func TestFastPoetryPortInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	r := run(t, "scripts/fastpoetry.lua", "--port", strconv.Itoa(port), "--iface", "127.0.0.1", poems[0])
	expect(t, r, 1, []check{is("")}, []check{
		contains(fmt.Sprintf("Couldn't listen on 127.0.0.1:%d: [Errno 98] Address already in use.", port))})
}

// twistedIntro finds the tutorial's Twisted programs (not part of this
// repository): $TWISTED_INTRO, or shared/twisted-intro beside the clone
// or one level further up.
func twistedIntro(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("TWISTED_INTRO"),
		filepath.Join(repoRoot, "..", "shared", "twisted-intro"),
		filepath.Join(repoRoot, "..", "..", "shared", "twisted-intro")}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "twisted-client-2", "get-poetry.py")); err == nil {
			return dir
		}
	}
	t.Skip("the tutorial's Twisted programs are not here: set TWISTED_INTRO to a clone of jdavisp3/twisted-intro")
	return ""
}

// twistedPython is a Python that has Twisted, or the test is skipped.
func twistedPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(py); err == nil && exec.Command(path, "-c", "import twisted").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with Twisted (apt-get install python3-twisted)")
	return ""
}

// runTool runs another program to the end (at most 30 s) from the
// repository root and returns its standard output; it fails the test if
// the program fails.
func runTool(t *testing.T, stdin io.Reader, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = repoRoot
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s %v: %v\nstderr:\n%s", name, args, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %v did not end within 30 s\nstdout:\n%s\nstderr:\n%s", name, args, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// startTool runs another program as a server, as start runs loopscript.
func startTool(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return startWith(t, func(cmd *exec.Cmd) {
		cmd.Path = path
		cmd.Args = append([]string{path}, args...)
	})
}

func needNetcat(t *testing.T) string {
	t.Helper()
	nc, err := exec.LookPath("nc")
	if err != nil {
		t.Skip("nc not found (apt-get install netcat-openbsd)")
	}
	return nc
}

// TestNetcatInterop: nc gets fastpoetry's and slowpoetry's poems byte for
// byte, and echo.lua's lines back.
func TestNetcatInterop(t *testing.T) {
	t.Parallel()
	nc := needNetcat(t)
	for _, server := range [][]string{
		{"scripts/fastpoetry.lua", poems[1]},
		{"scripts/slowpoetry.lua", "--num-bytes=700", "--delay=0.01", poems[1]},
	} {
		t.Run(filepath.Base(server[0]), func(t *testing.T) {
			t.Parallel()
			want := readPoem(t, poems[1])
			p, port := startServer(t, server...)
			// -d: nc reads nothing from its stdin, only the server's poem.
			got := runTool(t, nil, nc, "-d", "127.0.0.1", strconv.Itoa(port))
			if !bytes.Equal(got, want) {
				t.Errorf("nc got %d bytes, want the %d of %s byte for byte", len(got), len(want), poems[1])
			}
			stopServer(t, p)
		})
	}
	t.Run("echo.lua", func(t *testing.T) {
		t.Parallel()
		p, port := startServer(t, "scripts/echo.lua", "--port", "0")
		lines := "first line\r\nsecond — with UTF-8\r\n\r\nlast\r\n"
		// -N: shut down the sending side at the end of stdin; the server
		// then writes what it still has and closes.
		got := runTool(t, strings.NewReader(lines), nc, "-N", "127.0.0.1", strconv.Itoa(port))
		if string(got) != lines {
			t.Errorf("nc got %q back, want %q", got, lines)
		}
		stopServer(t, p)
	})
}

// TestTwistedClientAgainstOurServer: the tutorial's Twisted client 2 gets
// our poems from fastpoetry.lua, and client 1 from slowpoetry.lua.
func TestTwistedClientAgainstOurServer(t *testing.T) {
	t.Parallel()
	intro := twistedIntro(t)
	py := twistedPython(t)
	t.Run("twisted-client-2", func(t *testing.T) {
		t.Parallel()
		ports := servePoems(t, poems)
		args := []string{filepath.Join(intro, "twisted-client-2", "get-poetry.py")}
		var addrs []string
		for _, port := range ports {
			args = append(args, strconv.Itoa(port))
			addrs = append(addrs, ipv4(port))
		}
		out := string(runTool(t, nil, py, args...))
		lastLineMatches(fmt.Sprintf(elapsedRe, 3))(t, "Twisted client 2's stdout", out)
		checkPoemsReceived(t, parseClientReport(t, out), addrs, poems)
	})
	t.Run("twisted-client-1", func(t *testing.T) {
		t.Parallel()
		p, port := startServer(t, "scripts/slowpoetry.lua", "--num-bytes", "1000", "--delay", "0.02", poems[0])
		out := string(runTool(t, nil, py, filepath.Join(intro, "twisted-client-1", "get-poetry.py"), strconv.Itoa(port)))
		c := parseClientReport(t, out)
		checkPoemsReceived(t, c, []string{"127.0.0.1:" + strconv.Itoa(port)}, poems[:1])
		if !c.finished[1] {
			t.Errorf("no \"Task 1 finished\":\n%s", out)
		}
		stopServer(t, p)
	})
}

// TestOurClientAgainstTwistedServer: get-poetry.lua and get-poetry-1.lua
// get the poems from the tutorial's Twisted fastpoetry.py byte for byte.
func TestOurClientAgainstTwistedServer(t *testing.T) {
	t.Parallel()
	intro := twistedIntro(t)
	py := twistedPython(t)
	var ports []int
	for _, poem := range poems {
		// -u: Python's stdout is a pipe here, which it would buffer.
		p := startTool(t, py, "-u", filepath.Join(intro, "twisted-server-1", "fastpoetry.py"),
			"--port", "0", "--iface", "127.0.0.1", poem)
		ports = append(ports, waitForPort(t, p))
	}
	for _, client := range []string{"scripts/get-poetry.lua", "scripts/get-poetry-1.lua"} {
		t.Run(filepath.Base(client), func(t *testing.T) {
			t.Parallel()
			args := underLoad(client)
			var addrs []string
			for _, port := range ports {
				args = append(args, strconv.Itoa(port))
				if client == "scripts/get-poetry.lua" {
					addrs = append(addrs, ipv4(port))
				} else {
					addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(port))
				}
			}
			r := run(t, args...)
			expect(t, r, 0, []check{lastLineMatches(fmt.Sprintf(elapsedRe, 3))}, nil)
			checkPoemsReceived(t, parseClientReport(t, r.stdout), addrs, poems)
		})
	}
}

// TestFastPoetryMatchesTwisted gets a poem from fastpoetry.lua by a raw read and from the
// Twisted server too, and compares them: the servers are interchangeable.
func TestFastPoetryMatchesTwisted(t *testing.T) {
	t.Parallel()
	intro := twistedIntro(t)
	py := twistedPython(t)
	poem := poems[1]
	tw := startTool(t, py, "-u", filepath.Join(intro, "twisted-server-1", "fastpoetry.py"), "--port", "0", poem)
	twPort := waitForPort(t, tw)
	ours := servePoems(t, []string{poem})[0]
	a, errA := fetch(twPort)
	b, errB := fetch(ours)
	if errA != nil || errB != nil {
		t.Fatalf("fetch: %v, %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("Twisted's server sent %d bytes, ours %d", len(a), len(b))
	}
	// Twisted's first line, with the defaults of both, reads like ours.
	line, _ := bufio.NewReader(strings.NewReader(tw.stdout.String())).ReadString('\n')
	if want := fmt.Sprintf("Serving %s on %s.\n", poem, ipv4(twPort)); line != want {
		t.Errorf("Twisted printed %q, want %q: our servers copy that line", line, want)
	}
}
