//go:build ignore

// Command run is loopscript's benchmark suite. It builds loopscript, runs the
// workloads W1-W13 (see README.md beside this file) on loopscript and on
// every peer installed here (Twisted, Node.js, luv, goja_nodejs, bare
// gopher-lua, and for the I/O workloads a Go and a C floor; the servers of
// W8-W10 and W12 driven by netload/), several times each, and prints a
// Markdown table of the medians with the loopscript/peer ratio beside each
// peer. From the repository root:
//
//	go run tests/bench/run.go                # all of it, 5 runs each (about an hour)
//	go run tests/bench/run.go -quick         # smoke run: small sizes, 1 run
//	go run tests/bench/run.go -only W3,W5 -peers loopscript,node -runs 3
//
// A peer that is not installed is skipped with a note. Each run is a fresh
// process; the runner measures its wall time, its CPU time (user + system,
// from the kernel's rusage of the child) and its peak RSS, and reads the
// workload's own result line (key=value pairs) for the rest.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A metric is one row of the table: a key of the result line, or one the
// runner measures itself (wall_ms, cpu_ms, rss_mb, idle_cpu_ms, idle_ticks).
type metric struct {
	key   string
	label string
	ratio bool // a loopscript/peer ratio means something (a positive cost or count)
}

var (
	wall      = metric{"wall_ms", "wall ms", true}
	cpu       = metric{"cpu_ms", "CPU ms (user+sys)", true}
	rss       = metric{"rss_mb", "peak RSS MB", true}
	idleCPU   = metric{"idle_cpu_ms", "CPU ms while waiting (2 s)", false}
	idleTicks = metric{"idle_ticks", "CPU ticks while waiting", false}
)

// A benchCase is a workload with its arguments: one block of the table.
type benchCase struct {
	id      string
	file    string // base name of the script in each implementation's folder
	args    []string
	kinds   []string // the reactor kinds to run on, for an implementation that has several
	idle    bool     // sample the CPU time while the process waits (W4)
	quiet   bool     // the workload floods stderr: send it to /dev/null
	check   func(kv map[string]string) error
	metrics []metric
	// The network workloads (W8-W10, W12): the implementation runs a
	// server, which tests/bench/netload drives with these arguments.
	driver []string
	// peers, when set, are the only implementations that run the case,
	// each with its own file (for loopscript a path from the repository
	// root, without ".lua", when it is one of scripts/).
	peers map[string]string
	fds   uint64 // descriptors the server and the client each need open at once (RLIMIT_NOFILE)
	// refusal, when set, makes the case a check that the server refuses
	// the load: the run is expected to fail, and its stderr to hold this
	// text. It reports refused (1: it failed) and clear_error (1: the text
	// was there) instead of the run's own figures.
	refusal string
}

func cases(root string, quick bool) []benchCase {
	size := func(full, small string) []string {
		if quick {
			return []string{small}
		}
		return []string{full}
	}
	fired := func(n []string) func(map[string]string) error {
		return func(kv map[string]string) error {
			if kv["fired"] != n[0] {
				return fmt.Errorf("fired %s timers of %s", kv["fired"], n[0])
			}
			return nil
		}
	}
	w2small, w2large := size("200000", "20000"), size("1000000", "100000")
	w6small, w6large := size("10000", "1000"), size("100000", "10000")
	late := metric{"late_ms", "last timer late ms", false}
	w7secs := size("2", "0.5")
	secs, _ := strconv.ParseFloat(w7secs[0], 64)
	w7ideal := strconv.Itoa(int(secs*1000) + 1) // one call at once, then one per ms
	return append([]benchCase{
		{id: "W1 startup", file: "w1_startup", metrics: []metric{wall, cpu, rss},
			check: func(kv map[string]string) error {
				if _, ok := kv["hello"]; !ok {
					return errors.New(`no "hello"`)
				}
				return nil
			}},
		{id: "W2 timers " + w2small[0], file: "w2_timers", args: w2small, check: fired(w2small),
			metrics: []metric{wall, cpu, rss, {"schedule_ms", "scheduling ms", true}, late}},
		{id: "W2 timers " + w2large[0], file: "w2_timers", args: w2large, check: fired(w2large),
			metrics: []metric{wall, cpu, rss, {"schedule_ms", "scheduling ms", true}, late}},
		{id: "W3 chain", file: "w3_chain", args: size("200000", "20000"),
			metrics: []metric{{"us_per_step", "µs per step", true}, cpu, rss}},
		{id: "W4 idle", file: "w4_idle", args: size("3", "1.5"), idle: true,
			metrics: []metric{idleCPU, idleTicks, cpu}},
		{id: "W5 lateness", file: "w5_lateness", args: size("500", "100"), kinds: reactorKinds,
			metrics: []metric{{"min_us", "min µs", false}, {"p50_us", "p50 µs", true},
				{"p99_us", "p99 µs", true}, {"max_us", "max µs", true}, cpu}},
		{id: "W6 errors " + w6small[0], file: "w6_errors", args: w6small, quiet: true,
			metrics: []metric{{"us_per_error", "µs per error", true}, rss}},
		{id: "W6 errors " + w6large[0], file: "w6_errors", args: w6large, quiet: true,
			metrics: []metric{{"us_per_error", "µs per error", true}, rss, cpu}},
		{id: "W7 looping", file: "w7_looping", args: w7secs, kinds: reactorKinds,
			metrics: []metric{{"calls", "calls (ideal " + w7ideal + ")", true}, {"drift_ms", "drift ms", false}, cpu}},
	}, netCases(root, quick)...)
}

// netCases are the I/O workloads (issue 14; see README.md beside this
// file): W8 echo round trips, W9 bulk, W10 idle connections and W12 poetry
// fan-out are servers under the load of tests/bench/netload (every peer's
// server listens on 127.0.0.1 with a backlog of 1024); W11 processes and
// W13 Deferreds are scripts that report their own figures.
func netCases(root string, quick bool) []benchCase {
	pick := func(full, small string) string {
		if quick {
			return small
		}
		return full
	}
	servers := func(loopscript, goFloor string) map[string]string {
		return map[string]string{"loopscript": loopscript, "twisted": loopscript, "node": loopscript,
			"luv": loopscript, "go-floor": goFloor, "c-floor": goFloor}
	}
	echo := servers("w8_echo", "echo")
	poetry := servers("w12_poetry", "poetry")
	spawn := map[string]string{"loopscript": "w11_spawn", "twisted": "w11_spawn", "node": "w11_spawn",
		"luv": "w11_spawn", "go-floor": "spawn"}
	deferreds := map[string]string{"loopscript": "w13_deferred", "twisted": "w13_deferred", "node": "w13_deferred"}
	poem := filepath.Join(root, "scripts", "poetry", "the-long-tide.txt") // 100 KiB
	conns := pick("10000", "1000")
	n, _ := strconv.ParseUint(conns, 10, 64)
	atOnce := pick("100", "10")
	peakRSS := metric{"server_peak_rss_mb", "server peak RSS MB", true}
	both := []string{"epoll", "poll"}
	return []benchCase{
		{id: "W8 echo", file: "w8_echo", peers: echo, kinds: both,
			driver: []string{"echo", "-conns", "100", "-size", "64", "-secs", pick("5", "0.5")},
			metrics: []metric{{"rt_per_s", "round trips/s (100 conns, 64 B)", true}, {"p50_us", "p50 µs", true},
				{"p99_us", "p99 µs", true}, {"cpu_s_per_100k", "server CPU s per 100k round trips", true}, peakRSS}},
		{id: "W9 bulk", file: "w8_echo", peers: echo,
			driver: []string{"bulk", "-mib", pick("1024", "16"), "-pause", pick("1", "0.2")},
			metrics: []metric{{"mib_per_s", "MiB/s (" + pick("1024", "16") + " MiB, one connection)", true},
				{"cpu_s_per_gib", "server CPU s per GiB", true},
				{"rss_growth_mb", "server RSS growth MB during the transfer", false},
				{"pause_growth_mb", "server RSS growth MB while the client stops reading", false}, peakRSS}},
		{id: "W10 idle " + conns, file: "w8_echo", peers: echo, kinds: both, fds: n + 100,
			driver: []string{"idle", "-conns", conns, "-secs", pick("3", "0.5"), "-settle", pick("1", "0.2")},
			metrics: []metric{{"connect_s", "s to connect all", true},
				{"kb_per_conn", "server RSS KiB per idle connection", true},
				{"p50_us", "active connection p50 µs", true}, {"p99_us", "active connection p99 µs", true},
				{"cpu_us_per_rt", "server CPU µs per active round trip", true},
				{"idle_cpu_ms", "server CPU ms while idle (" + pick("1", "0.2") + " s)", false}}},
		{id: "W10 past FD_SETSIZE", file: "w8_echo", peers: map[string]string{"loopscript": "w8_echo"},
			kinds: []string{"select"}, fds: 1200, refusal: "FD_SETSIZE",
			driver: []string{"idle", "-conns", "1100", "-secs", "0.1", "-settle", "0.1"},
			metrics: []metric{{"refused", "1,100 connections refused (1: yes)", false},
				{"clear_error", "the error names FD_SETSIZE (1: yes)", false}}},
		{id: "W11 processes", file: "w11_spawn", peers: spawn, args: []string{pick("1000", "50"), atOnce},
			metrics: []metric{{"seq_per_s", "sequential spawns/s", true},
				{"seq_cpu_us", "own CPU µs per sequential spawn", true},
				{"par_per_s", "spawns/s, " + atOnce + " at once", true},
				{"par_cpu_us", "own CPU µs per spawn, " + atOnce + " at once", true},
				{"pipes_per_s", "os/exec with three pipes read to the end: sequential spawns/s", true},
				{"pipes_cpu_us", "os/exec with three pipes read to the end: own CPU µs per spawn", true}, cpu}},
		{id: "W12 poetry", file: "w12_poetry", peers: poetry, args: []string{poem},
			driver: []string{"fetch", "-clients", "200", "-secs", pick("5", "0.5"), "-expect", poem},
			metrics: []metric{{"poems_per_s", "poems/s (100 KiB, 200 clients at once)", true},
				{"cpu_ms_per_1000", "server CPU ms per 1000 poems", true}, peakRSS,
				{"slow_connects", "connects that took over 0.9 s (a SYN retry, or a starved client)", false}}},
		{id: "W13 deferreds", file: "w13_deferred", peers: deferreds, args: []string{pick("1000000", "100000"), pick("100000", "10000")},
			metrics: []metric{{"chain_us", "µs per chain step (add_callback on a fired Deferred)", true},
				{"chain_cpu_us", "own CPU µs per chain step", true},
				{"await_us", "µs per await of a fired Deferred", true},
				{"await_cpu_us", "own CPU µs per await", true}, cpu, rss}},
	}
}

var reactorKinds = []string{"epoll", "poll", "select"}

// An impl is one column: loopscript or a peer.
type impl struct {
	name    string
	version string
	kinds   []string                                        // the reactor kinds it can run on, if it takes one
	argv    func(file, kind string, args []string) []string // its command for a workload
	env     func(kind string) []string                      // extra environment, if any
	only    map[string]bool                                 // the workloads it runs; nil: all
	skip    string                                          // why it is not run, if it is not
}

type options struct {
	runs   int
	quick  bool
	only   map[string]bool
	peers  map[string]bool
	out    string
	logRun bool
	notes  []string // cases skipped, and why
}

func main() {
	var o options
	var only, peers string
	flag.IntVar(&o.runs, "runs", 5, "runs of each workload on each implementation (the median is shown)")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: small sizes and 1 run unless -runs is given")
	flag.StringVar(&only, "only", "", "comma-separated workloads to run, e.g. W1,W5 (default all)")
	flag.StringVar(&peers, "peers", "", "comma-separated implementations: loopscript,twisted,node,luv,goja,gopher-lua,go-floor,c-floor (default all)")
	flag.StringVar(&o.out, "o", "", "also write the Markdown report to this file")
	flag.BoolVar(&o.logRun, "v", false, "print every run's result line")
	flag.Parse()
	if o.quick && !isFlagSet("runs") {
		o.runs = 1
	}
	o.only = set(only, strings.ToUpper)
	o.peers = set(peers, strings.ToLower)
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func isFlagSet(name string) bool {
	found := false
	flag.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func set(list string, norm func(string) string) map[string]bool {
	if list == "" {
		return nil
	}
	m := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		m[norm(strings.TrimSpace(s))] = true
	}
	return m
}

func run(o options) error {
	root, err := findRoot()
	if err != nil {
		return err
	}
	bench := filepath.Join(root, "tests", "bench")
	tmp, err := os.MkdirTemp("", "loopscript-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	impls := implementations(root, bench, tmp, o)
	if out, err := goBuild(root, netloadBin(tmp), "tests/bench/netload/main.go"); err != nil {
		return fmt.Errorf("cannot build tests/bench/netload: %s", out)
	}
	fdLimit := raiseFileLimit()
	var selected []benchCase
	for _, c := range cases(root, o.quick) {
		if o.only != nil && !o.only[strings.Fields(c.id)[0]] {
			continue
		}
		if c.fds > fdLimit {
			note := fmt.Sprintf("%s: skipped (needs %d open descriptors; ulimit -n allows %d)", c.id, c.fds, fdLimit)
			fmt.Fprintln(os.Stderr, "note: "+note)
			o.notes = append(o.notes, note)
			continue
		}
		selected = append(selected, c)
	}

	// Runs are interleaved (every case on every implementation, then again)
	// so that a noisy minute on the machine spreads over all columns.
	results := map[string][]map[string]float64{}
	failures := 0
	for r := 1; r <= o.runs; r++ {
		for _, c := range selected {
			for _, im := range impls {
				if !runs(c, im) {
					continue
				}
				for _, kind := range runKinds(c, im) {
					fmt.Fprintf(os.Stderr, "run %d/%d  %-16s %-10s %s\n", r, o.runs, c.id, im.name, kind)
					m, line, err := runOne(im, c, kind, bench, tmp)
					if err != nil {
						failures++
						fmt.Fprintf(os.Stderr, "  FAILED: %v\n", err)
						continue
					}
					if o.logRun {
						fmt.Fprintf(os.Stderr, "  %s\n", line)
					}
					k := key(c.id, im.name, kind)
					results[k] = append(results[k], m)
				}
			}
		}
	}

	report := render(o, impls, selected, results)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	if failures > 0 {
		return fmt.Errorf("%d runs failed (see above)", failures)
	}
	return nil
}

func key(id, impl, kind string) string { return id + "|" + impl + "|" + kind }

// runs says whether im runs c at all.
func runs(c benchCase, im impl) bool {
	file, listed := c.peers[im.name]
	if c.peers == nil {
		file, listed = c.file, true
	}
	return im.skip == "" && listed && (im.only == nil || im.only[file])
}

// runKinds are the reactor kinds im runs c on: those of the case's kinds
// that im has, or one run on its own loop ("") when either has none.
func runKinds(c benchCase, im impl) []string {
	if len(c.kinds) == 0 || len(im.kinds) == 0 {
		return []string{""}
	}
	var kinds []string
	for _, k := range c.kinds {
		if slices.Contains(im.kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// findRoot walks up from the working directory to the repository root, the
// directory holding tests/bench/run.go.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tests", "bench", "run.go")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run me from inside the loopscript repository")
		}
		dir = parent
	}
}

// implementations builds loopscript, the goja program and the gopher-lua
// baseline, and finds the peers, in table order.
func implementations(root, bench, tmp string, o options) []impl {
	want := func(name string) bool { return o.peers == nil || o.peers[name] }
	var impls []impl
	add := func(im impl) {
		if want(im.name) {
			if im.skip != "" {
				fmt.Fprintf(os.Stderr, "note: skipping %s: %s\n", im.name, im.skip)
			}
			impls = append(impls, im)
		}
	}

	ls := filepath.Join(tmp, "loopscript")
	lsImpl := impl{name: "loopscript", kinds: reactorKinds}
	if out, err := goBuild(root, ls, "./cmd/loopscript"); err != nil {
		lsImpl.skip = "build failed: " + out
	} else {
		lsImpl.version = firstLine(output(ls, "-v"))
	}
	lsImpl.argv = func(file, kind string, args []string) []string {
		argv := []string{ls}
		if kind != "" {
			argv = append(argv, "--reactor", kind)
		}
		script := filepath.Join(bench, "loopscript", file+".lua")
		if strings.HasPrefix(file, "scripts/") {
			script = filepath.Join(root, file+".lua")
		}
		return append(append(argv, script), args...)
	}
	add(lsImpl)

	py := "/usr/bin/python3"
	tw := impl{name: "twisted", kinds: reactorKinds,
		argv: func(file, kind string, args []string) []string {
			return append([]string{py, filepath.Join(bench, "twisted", file+".py")}, args...)
		},
		env: func(kind string) []string {
			if kind == "" {
				kind = "epoll"
			}
			return []string{"BENCH_REACTOR=" + kind}
		}}
	if v := firstLine(output(py, "-c", "import twisted; print(twisted.__version__)")); v == "" {
		tw.skip = "/usr/bin/python3 cannot import twisted (apt-get install python3-twisted)"
	} else {
		tw.version = "Twisted " + v + ", " + firstLine(output(py, "--version"))
	}
	add(tw)

	node := impl{name: "node", argv: func(file, _ string, args []string) []string {
		return append([]string{"node", filepath.Join(bench, "js", file+".js")}, args...)
	}}
	if v := firstLine(output("node", "--version")); v == "" {
		node.skip = "node not found"
	} else {
		node.version = "Node.js " + v
	}
	add(node)

	// luv runs on Lua 5.1, loopscript's dialect, where lua-luv is installed
	// for it; Lua 5.4 otherwise.
	luaBin := "lua5.1"
	luvVersion := func(lua string) string {
		return firstLine(output(lua, "-e", `print(_VERSION .. " + luv " .. require("luv").version_string())`))
	}
	v := luvVersion(luaBin)
	if v == "" {
		luaBin = "lua5.4"
		v = luvVersion(luaBin)
	}
	luv := impl{name: "luv", version: v, argv: func(file, _ string, args []string) []string {
		return append([]string{luaBin, filepath.Join(bench, "luv", file+".lua")}, args...)
	}}
	if v == "" {
		luv.skip = "neither lua5.1 nor lua5.4 with luv found (apt-get install lua5.1 lua-luv)"
	}
	add(luv)

	gojaBin := filepath.Join(tmp, "goja-bench")
	goja := impl{name: "goja", argv: func(file, _ string, args []string) []string {
		return append([]string{gojaBin, filepath.Join(bench, "js", file+".js")}, args...)
	}}
	if want("goja") {
		if out, err := goBuild(filepath.Join(bench, "goja"), gojaBin, "."); err != nil {
			goja.skip = "could not build tests/bench/goja: " + out
		} else {
			goja.version = "goja_nodejs eventloop " + moduleVersion(filepath.Join(bench, "goja", "go.mod"), "github.com/dop251/goja_nodejs")
		}
	}
	add(goja)

	bareBin := filepath.Join(tmp, "bare")
	bare := impl{name: "gopher-lua",
		only: map[string]bool{"w1_startup": true, "w3_chain": true, "w6_errors": true},
		argv: func(file, _ string, args []string) []string {
			return append([]string{bareBin, file[:2]}, args...)
		}}
	if want("gopher-lua") {
		if out, err := goBuild(root, bareBin, "tests/bench/bare/main.go"); err != nil {
			bare.skip = "could not build tests/bench/bare: " + out
		} else {
			bare.version = "bare gopher-lua " + moduleVersion(filepath.Join(root, "go.mod"), "github.com/yuin/gopher-lua")
		}
	}
	add(bare)

	// The floors: plain Go (a goroutine per connection; os/exec) and C
	// (one thread on epoll or poll), for the I/O workloads only.
	floorBin := filepath.Join(tmp, "go-floor")
	goFloor := impl{name: "go-floor", only: map[string]bool{"echo": true, "poetry": true, "spawn": true},
		argv: func(file, _ string, args []string) []string {
			return append([]string{floorBin, file}, args...)
		}}
	if want(goFloor.name) {
		if out, err := goBuild(root, floorBin, "tests/bench/floor/main.go"); err != nil {
			goFloor.skip = "could not build tests/bench/floor: " + out
		} else {
			goFloor.version = "Go net and os/exec, " + runtime.Version()
		}
	}
	add(goFloor)

	cfloorBin := filepath.Join(tmp, "c-floor")
	cFloor := impl{name: "c-floor", kinds: []string{"epoll", "poll"}, only: map[string]bool{"echo": true, "poetry": true},
		argv: func(file, kind string, args []string) []string {
			if kind == "" {
				kind = "epoll"
			}
			return append([]string{cfloorBin, kind, file}, args...)
		}}
	if want(cFloor.name) {
		if _, err := exec.LookPath("cc"); err != nil {
			cFloor.skip = "no C compiler (cc) to build tests/bench/cfloor"
		} else if b, err := exec.Command("cc", "-O2", "-o", cfloorBin, filepath.Join(bench, "cfloor", "floor.c")).CombinedOutput(); err != nil {
			cFloor.skip = "could not build tests/bench/cfloor: " + strings.TrimSpace(string(b))
		} else {
			cFloor.version = "C, one thread on epoll or poll, " + firstLine(output("cc", "--version"))
		}
	}
	add(cFloor)
	return impls
}

func goBuild(dir, out, pkg string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(b)), err
}

func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(b)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func moduleVersion(gomod, module string) string {
	b, _ := os.ReadFile(gomod)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == module {
			return f[1]
		}
	}
	return "?"
}

// runOne runs one workload once and returns its measurements: the pairs of
// its result line plus wall_ms, cpu_ms and rss_mb (and idle_* for W4).
func runOne(im impl, c benchCase, kind, bench, tmp string) (map[string]float64, string, error) {
	file := c.file
	if f, ok := c.peers[im.name]; ok {
		file = f
	}
	argv := im.argv(file, kind, c.args)
	if c.driver != nil {
		// -pin: the server on CPU 0, netload on CPU 1 (when there are two).
		load := append([]string{netloadBin(tmp), c.driver[0], "-pin"}, c.driver[1:]...)
		argv = append(append(load, "--"), argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = bench
	cmd.Env = os.Environ()
	if im.env != nil {
		cmd.Env = append(cmd.Env, im.env(kind)...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if !c.quiet {
		cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	var idle chan map[string]float64
	if c.idle {
		idle = make(chan map[string]float64, 1)
		d, _ := strconv.ParseFloat(c.args[0], 64)
		go func() { idle <- sampleIdle(cmd.Process.Pid, start, d) }()
	}
	err := cmd.Wait()
	elapsed := time.Since(start)
	if c.refusal != "" {
		m := map[string]float64{"refused": 0, "clear_error": 0}
		if err != nil {
			m["refused"] = 1
		}
		if strings.Contains(stderr.String(), c.refusal) {
			m["clear_error"] = 1
		}
		return m, firstLine(stderr.String()), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("%v: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	line := lastLine(stdout.String())
	m, kv := parseLine(line)
	if c.check != nil {
		if err := c.check(kv); err != nil {
			return nil, line, fmt.Errorf("%v: %v (output %q)", strings.Join(argv, " "), err, stdout.String())
		}
	} else if len(m) == 0 {
		return nil, line, fmt.Errorf("%v: no result line in %q\n%s", strings.Join(argv, " "), stdout.String(), stderr.String())
	}
	m[wall.key] = float64(elapsed.Microseconds()) / 1e3
	ps := cmd.ProcessState
	m[cpu.key] = float64((ps.UserTime() + ps.SystemTime()).Microseconds()) / 1e3
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		m[rss.key] = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	if idle != nil {
		for k, v := range <-idle {
			m[k] = v
		}
	}
	return m, line, nil
}

// sampleIdle reads the process's CPU time 0.8 s after its start and again
// 2 s later (or, for a short wait d, as much as fits before it ends), and
// returns the difference: the CPU the process used while only waiting.
func sampleIdle(pid int, start time.Time, d float64) map[string]float64 {
	from := 800 * time.Millisecond
	to := min(from+2*time.Second, time.Duration((d-0.2)*float64(time.Second)))
	time.Sleep(time.Until(start.Add(from)))
	ns0, ticks0, err0 := procCPU(pid)
	time.Sleep(time.Until(start.Add(to)))
	ns1, ticks1, err1 := procCPU(pid)
	if err0 != nil || err1 != nil {
		return nil
	}
	return map[string]float64{
		idleCPU.key:   float64(ns1-ns0) / 1e6,
		idleTicks.key: float64(ticks1 - ticks0),
	}
}

// procCPU returns the CPU time of all of pid's threads, in nanoseconds (from
// each thread's schedstat) and in clock ticks (utime+stime from stat).
func procCPU(pid int) (ns, ticks int64, err error) {
	dir := fmt.Sprintf("/proc/%d", pid)
	tasks, err := os.ReadDir(dir + "/task")
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread has just exited
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			v, _ := strconv.ParseInt(f[0], 10, 64)
			ns += v
		}
	}
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, 0, errors.New("short /proc stat")
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return ns, u + s, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// parseLine reads "k=v k=v ..." into numbers; a bare word counts as a key
// with no value (W1's "hello").
func parseLine(line string) (map[string]float64, map[string]string) {
	m, kv := map[string]float64{}, map[string]string{}
	for _, field := range strings.Fields(line) {
		k, v, _ := strings.Cut(field, "=")
		kv[k] = v
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			m[k] = f
		}
	}
	return m, kv
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// render prints the machine, the versions and the table.
func render(o options, impls []impl, selected []benchCase, results map[string][]map[string]float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Benchmark results\n\n")
	fmt.Fprintf(&b, "Medians of %d run(s)%s. Machine: %s.\n\n", o.runs, map[bool]string{true: " (quick mode: small sizes)"}[o.quick], machine())
	for _, im := range impls {
		if im.skip != "" {
			fmt.Fprintf(&b, "- %s: skipped (%s)\n", im.name, im.skip)
		} else {
			fmt.Fprintf(&b, "- %s: %s\n", im.name, im.version)
		}
	}
	for _, note := range o.notes {
		fmt.Fprintf(&b, "- %s\n", note)
	}
	b.WriteString("\nEach peer column is followed by loopscript/peer (below 1: loopscript uses less).\n")
	b.WriteString("Rows marked [kind] ran loopscript and Twisted (and the C floor) on that reactor; the other peers have one loop (libuv's or Go's).\n")
	b.WriteString("The I/O servers ran on CPU 0 under netload on CPU 1 (one core, GOMAXPROCS=1); the go-floor and c-floor columns show\n")
	b.WriteString("the load generator's own ceiling: above their rates, compare CPU per unit of work, not rates.\n\n")

	// A column for each implementation with a result (goja and bare
	// gopher-lua have none among the I/O workloads, for one).
	var cols []impl
	for _, im := range impls {
		has := false
		for _, c := range selected {
			for _, kind := range runKinds(c, im) {
				has = has || len(results[key(c.id, im.name, kind)]) > 0
			}
		}
		if im.skip == "" && (has || im.name == "loopscript") {
			cols = append(cols, im)
		}
	}
	b.WriteString("| workload | metric |")
	sep := "|---|---|"
	for i, im := range cols {
		b.WriteString(" " + im.name + " |")
		sep += "---:|"
		if i > 0 {
			b.WriteString(" ratio |")
			sep += "---:|"
		}
	}
	b.WriteString("\n" + sep + "\n")

	for _, c := range selected {
		kinds := []string{""}
		if len(c.kinds) > 0 {
			kinds = c.kinds
		}
		for _, kind := range kinds {
			for _, m := range c.metrics {
				id := c.id
				if kind != "" {
					id += " [" + kind + "]"
				}
				fmt.Fprintf(&b, "| %s | %s |", id, m.label)
				var base float64
				var haveBase bool
				for i, im := range cols {
					k := kind
					if ran := runKinds(c, im); len(ran) == 1 && ran[0] == "" {
						k = "" // one loop: the same figure on every kind's row
					}
					v, ok := value(results[key(c.id, im.name, k)], m.key)
					cell := "–"
					if ok {
						cell = format(v)
					}
					if i == 0 {
						base, haveBase = v, ok
						fmt.Fprintf(&b, " %s |", cell)
						continue
					}
					ratio := ""
					if ok && haveBase && m.ratio && v > 0 {
						ratio = fmt.Sprintf("%.2f", base/v)
					}
					fmt.Fprintf(&b, " %s | %s |", cell, ratio)
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

func value(runs []map[string]float64, k string) (float64, bool) {
	var xs []float64
	for _, r := range runs {
		if v, ok := r[k]; ok {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	return median(xs), true
}

func format(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// machine describes the host: CPU count and model, kernel, Go version.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	var u syscall.Utsname
	kernel := "?"
	if syscall.Uname(&u) == nil {
		kernel = cstr(u.Release[:])
	}
	return fmt.Sprintf("%d CPUs (%s), Linux %s, %s", runtime.NumCPU(), model, kernel, runtime.Version())
}

func cstr(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func netloadBin(tmp string) string { return filepath.Join(tmp, "netload") }

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit (the
// servers and netload inherit it) and returns it.
func raiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	lim.Cur = lim.Max
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return lim.Cur
}
