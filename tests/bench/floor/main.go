//go:build ignore

// Command floor is the Go floor of the benchmark suite: what plain Go does
// on the workloads, with the standard library's idioms (a goroutine per
// connection; os/exec). The runner builds it with
//
//	go build -o BIN tests/bench/floor/main.go
//
// and runs
//
//	BIN echo               W8-W10: every byte comes back
//	BIN poetry FILE        W12: each client gets FILE, then a close
//	BIN spawn N M          W11: /bin/true N times one after another, then M at once,
//	                       then N times again with three pipes read to the end
//
// The servers listen on 127.0.0.1 (a free port), print "Serving on port N."
// and run until SIGINT. spawn prints its result line.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: floor echo | poetry FILE | spawn N M")
	}
	switch os.Args[1] {
	case "echo":
		serve(func(c net.Conn) {
			// 16 KiB: io.Copy's own 32 KiB would be most of an idle
			// connection's memory. The wrapper keeps splice(2) out: one
			// read, one write, as every peer.
			buf := make([]byte, 16*1024)
			io.CopyBuffer(c, struct{ io.Reader }{c}, buf)
		})
	case "poetry":
		if len(os.Args) < 3 {
			fail("usage: floor poetry FILE")
		}
		poem, err := os.ReadFile(os.Args[2])
		if err != nil {
			fail(err.Error())
		}
		serve(func(c net.Conn) { c.Write(poem) })
	case "spawn":
		if len(os.Args) < 4 {
			fail("usage: floor spawn N M")
		}
		n, _ := strconv.Atoi(os.Args[2])
		m, _ := strconv.Atoi(os.Args[3])
		spawn(n, m)
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "floor:", msg)
	os.Exit(2)
}

func serve(handle func(net.Conn)) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err.Error())
	}
	fmt.Printf("Serving on port %d.\n", ln.Addr().(*net.TCPAddr).Port)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() {
		<-stop
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

// ownCPU is this process's CPU time, its children's left out.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func spawn(n, m int) {
	run := func() {
		if err := exec.Command("/bin/true").Run(); err != nil {
			fail(err.Error())
		}
	}
	cpu0, t0 := ownCPU(), time.Now()
	for range n {
		run()
	}
	seqWall, seqCPU := time.Since(t0), ownCPU()-cpu0
	cpu0, t0 = ownCPU(), time.Now()
	var wg sync.WaitGroup
	for range m {
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	wg.Wait()
	parWall, parCPU := time.Since(t0), ownCPU()-cpu0
	// The other peers give the child three pipes and read them to their end,
	// where Run above gives it /dev/null: the same sequence again with pipes,
	// as a floor for the same work.
	cpu0, t0 = ownCPU(), time.Now()
	for range n {
		runWithPipes()
	}
	pipesWall, pipesCPU := time.Since(t0), ownCPU()-cpu0
	fmt.Printf("seq=%d seq_per_s=%.1f seq_cpu_us=%.1f par=%d par_per_s=%.1f par_cpu_us=%.1f pipes_per_s=%.1f pipes_cpu_us=%.1f\n",
		n, float64(n)/seqWall.Seconds(), float64(seqCPU.Microseconds())/float64(n),
		m, float64(m)/parWall.Seconds(), float64(parCPU.Microseconds())/float64(m),
		float64(n)/pipesWall.Seconds(), float64(pipesCPU.Microseconds())/float64(n))
}

// runWithPipes runs /bin/true with a pipe on each of its standard streams,
// closes its input, and reads its output and error to their end.
func runWithPipes() {
	cmd := exec.Command("/bin/true")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail(err.Error())
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fail(err.Error())
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		fail(err.Error())
	}
	if err := cmd.Start(); err != nil {
		fail(err.Error())
	}
	stdin.Close()
	if _, err := io.Copy(io.Discard, stdout); err != nil {
		fail(err.Error())
	}
	if _, err := io.Copy(io.Discard, stderr); err != nil {
		fail(err.Error())
	}
	if err := cmd.Wait(); err != nil {
		fail(err.Error())
	}
}
