package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/loopscript/loopscript/host"
)

// limitFlags are the options about slow and runaway callbacks and the
// sandbox.
type limitFlags struct {
	warnSlow        *time.Duration // nil: the host's default
	maxCallbackTime time.Duration
	stopGrace       *time.Duration // nil: the host's default
	sandbox         bool
}

// set records --warn-slow, --max-callback-time or --stop-grace.
func (f *limitFlags) set(name, value string) error {
	d, err := parseDuration(value)
	if err != nil {
		return &usageError{fmt.Sprintf("bad duration '%s' for '%s' (%v)", value, name, err)}
	}
	switch name {
	case "--warn-slow":
		f.warnSlow = &d
	case "--max-callback-time":
		f.maxCallbackTime = d
	case "--stop-grace":
		f.stopGrace = &d
	}
	return nil
}

// apply sets the host options the flags ask for. A sandboxed script may
// require the Lua files of its own folder (argv[script] is the script, "-"
// for standard input, and script is 0 when there is none).
func (f *limitFlags) apply(opts *host.Options, argv []string, script int) {
	if f.warnSlow != nil {
		opts.WarnSlow = *f.warnSlow
		if *f.warnSlow == 0 {
			opts.WarnSlow = -1 // off
		}
	}
	opts.MaxCallbackTime = f.maxCallbackTime
	if f.stopGrace != nil {
		opts.StopGrace = *f.stopGrace
		if *f.stopGrace == 0 {
			opts.StopGrace = -1 // no bound
		}
	}
	if f.sandbox {
		opts.Sandbox = &host.Sandbox{}
		if script > 0 && argv[script] != "-" {
			opts.Sandbox.AllowedDirs = []string{filepath.Dir(argv[script])}
		}
	}
}

// parseDuration reads a duration in Go's syntax ("200ms", "1.5s", "2m") or
// as a plain number of seconds ("0.5", "2"). It must not be negative.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || secs != secs || secs > (1<<63-1)/1e9 {
			return 0, fmt.Errorf("want a number of seconds or a duration such as 200ms")
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}
