package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const testUsage = `usage: loopscript test [options] [PATH...]
Runs the tests in the *_test.lua files under each PATH (a folder, searched
recursively, or a file); the default PATH is the current folder.
A test file declares tests with test("name", function() ... end). Each test
runs on a fresh Lua state whose reactor is on virtual time, so it may call
reactor.run() and finish at once. A test fails on an error (a failed assert
included) or on an error a callback raised and no flush_errors() took.
Test files also get expect_output(fn_or_script, "text" [, {times = true}])
and flush_errors().
Options:
  -v                 list every test with ok or FAIL, and what it printed
  --run REGEXP       run only the tests whose name matches REGEXP (Go syntax,
                     unanchored: --run 'count|stop')
  --timeout D        fail a test, or the loading of a file, that takes
                     longer than D of real time (default 10s)
  -h, --help         print this help and exit
The last line says "N passed, M failed". Exit status: 0 when all passed,
1 when a test failed, a file failed to load or no test ran, 2 for bad usage.
`

// testCommand is a parsed "loopscript test" command line.
type testCommand struct {
	verbose bool
	filter  *regexp.Regexp
	timeout time.Duration
	paths   []string
	help    bool
}

func parseTestArgs(args []string) (*testCommand, error) {
	cmd := &testCommand{timeout: 10 * time.Second}
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
	files, err := findTestFiles(cmd.paths)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript test: %v\n", err)
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "loopscript test: no *_test.lua files in %s\n", strings.Join(cmd.paths, " "))
		return 1
	}
	tr := &testRunner{out: stdout, verbose: cmd.verbose, filter: cmd.filter, timeout: cmd.timeout}
	for _, f := range files {
		tr.runFile(f)
	}
	if tr.passed+tr.failed == 0 {
		if cmd.filter != nil {
			fmt.Fprintf(stdout, "no tests to run (--run %s matched none)\n", cmd.filter)
		} else {
			fmt.Fprintln(stdout, "no tests to run")
		}
	}
	tr.summary()
	if tr.failed > 0 || tr.passed == 0 {
		return 1
	}
	return 0
}

// findTestFiles lists the test files under paths, in order: a file named
// on the command line is taken whatever its name; folders are searched
// recursively, in lexical order, for *_test.lua, skipping hidden folders.
func findTestFiles(paths []string) ([]string, error) {
	var files []string
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", root, syscallError(err))
		}
		if !info.IsDir() {
			files = append(files, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), "_test.lua") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// syscallError strips the operation and path from a *fs.PathError, whose
// message would repeat the path.
func syscallError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
