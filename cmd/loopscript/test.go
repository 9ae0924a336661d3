package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/loopscript/loopscript/luatest"
)

const testUsage = `usage: loopscript test [options] [PATH...]
Runs the tests in the *_test.lua files under each PATH (a folder, searched
recursively, or a file); the default PATH is the current folder.
A test file declares tests with test("name", function() ... end). Each test
runs on a fresh Lua state whose reactor is on virtual time, so it may call
reactor.run() and finish at once; require finds modules beside the test file.
A test fails on an error (a failed assert included), on an error a callback
raised and no flush_errors() took, on os.exit, or when its reactor runs with
nothing scheduled and nothing pending (it would wait forever).
Test files also get assert_eq(got, want [, message]),
expect_output(fn_or_script, "text" [, {times = true}]) and flush_errors().
Options:
  -v                 list every test with ok or FAIL, and what it printed
  --run REGEXP       run only the tests whose name matches REGEXP (Go syntax,
                     unanchored: --run 'count|stop')
  --timeout D        fail a test, or the loading of a file, that takes
                     longer than D of real time (default 10s)
  --format F         human (the default), tap (TAP version 13) or junit
                     (JUnit XML), on standard output
  -h, --help         print this help and exit
The last line says "N passed, M failed" (in TAP, as a comment). Exit status:
0 when all passed, 1 when a test failed, a file failed to load or no test
ran, 2 for bad usage.
`

// testCommand is a parsed "loopscript test" command line.
type testCommand struct {
	verbose bool
	filter  *regexp.Regexp
	timeout time.Duration
	format  string
	paths   []string
	help    bool
}

func parseTestArgs(args []string) (*testCommand, error) {
	cmd := &testCommand{timeout: luatest.DefaultTimeout, format: "human"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			cmd.paths = append(cmd.paths, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			cmd.paths = append(cmd.paths, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		takeValue := func() (string, error) { return optionValue(args, &i, name, value, hasValue) }
		switch name {
		case "-v":
			cmd.verbose = true
		case "-h", "--help":
			cmd.help = true
		case "--run", "-run":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			re, err := regexp.Compile(v)
			if err != nil {
				return nil, &usageError{fmt.Sprintf("bad --run pattern: %v", err)}
			}
			cmd.filter = re
		case "--timeout", "-timeout":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			d, err := parseDuration(v)
			if err == nil && d <= 0 { // every test would time out at once
				err = errors.New("must be positive")
			}
			if err != nil {
				return nil, &usageError{fmt.Sprintf("bad duration '%s' for '%s' (%v)", v, name, err)}
			}
			cmd.timeout = d
		case "--format", "-format":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			if !slices.Contains(luatest.Formats, v) {
				return nil, &usageError{fmt.Sprintf("unknown format '%s' (want human, tap or junit)", v)}
			}
			cmd.format = v
		default:
			return nil, &usageError{fmt.Sprintf("unrecognized option '%s'", a)}
		}
	}
	if len(cmd.paths) == 0 {
		cmd.paths = []string{"."}
	}
	return cmd, nil
}

// runTestCommand is "loopscript test ARGS...": it returns the exit status.
func runTestCommand(args []string, stdout, stderr io.Writer) int {
	cmd, err := parseTestArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript test: %v\n%s", err, testUsage)
		return 2
	}
	if cmd.help {
		io.WriteString(stdout, testUsage)
		return 0
	}
	reporter, err := luatest.NewReporter(cmd.format, stdout, cmd.verbose)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript test: %v\n", err)
		return 2
	}
	runner := &luatest.Runner{Filter: cmd.filter, Timeout: cmd.timeout, Reporter: reporter}
	summary, err := runner.Run(cmd.paths...)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript test: %v\n", err)
		return 1
	}
	if !summary.OK() {
		return 1
	}
	return 0
}
