package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles profiles loopscript itself, for the benchmark suite
// (tests/bench): a CPU profile into the file named by
// $LOOPSCRIPT_CPUPROFILE, from now until stop, and a heap profile (live and
// allocated, for go tool pprof -sample_index=alloc_objects) into the file
// named by $LOOPSCRIPT_MEMPROFILE when stop is called. Unset, they cost
// nothing. A run that ends by os.Exit elsewhere (a second signal) writes
// neither.
func startProfiles(stderr io.Writer) (stop func()) {
	cpuFile := os.Getenv("LOOPSCRIPT_CPUPROFILE")
	memFile := os.Getenv("LOOPSCRIPT_MEMPROFILE")
	var cpuOut *os.File
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "loopscript: LOOPSCRIPT_CPUPROFILE: %v\n", err)
		} else {
			cpuOut = f
		}
	}
	return func() {
		if cpuOut != nil {
			pprof.StopCPUProfile()
			cpuOut.Close()
		}
		if memFile != "" {
			runtime.GC() // the live figures as of the end, not of the last collection
			f, err := os.Create(memFile)
			if err == nil {
				err = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(stderr, "loopscript: LOOPSCRIPT_MEMPROFILE: %v\n", err)
			}
		}
	}
}
