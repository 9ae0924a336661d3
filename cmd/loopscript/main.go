// Command loopscript runs Lua scripts on a reactor, the way the lua
// interpreter runs them on nothing:
//
//	loopscript [options] [script [args...]]
//
// Run loopscript -h for the options.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/loopscript/loopscript/host"
	"github.com/loopscript/loopscript/reactor"
	"github.com/loopscript/loopscript/repl"
	"github.com/loopscript/loopscript/types"
)

const version = "loopscript 0.1.0 (Lua 5.1 via gopher-lua v1.1.2)"

const usage = `usage: loopscript [options] [script [args...]]
       loopscript test [-v] [--run REGEXP] [--timeout D] [--format F] [PATH...]
                     (see loopscript test -h)
Runs a Lua script on a reactor (epoll, poll or select).
Options:
  -e CHUNK           run the string CHUNK
  -l NAME            require(NAME), as lua 5.1 does (no global is set)
  --reactor KIND     install the reactor KIND (epoll, poll, select) first
                     (default: epoll on Linux, poll elsewhere)
  --clock real|virtual
                     virtual: timers fire at once, in order, on a clock that
                     jumps to the next timer instead of waiting (default real)
  --trace            log every callback to stderr before it runs
  --warn-slow D      warn when a callback blocks the loop longer than D
                     (default 0.5 s; 0 turns the warning off)
  --max-callback-time D
                     interrupt a callback (or the main chunk outside
                     reactor.run) that runs longer than D; the loop goes on
  --stop-grace D     after a first SIGINT or SIGTERM, exit if the reactor has
                     not stopped within D (default 3 s; 0 waits for ever),
                     naming the callback that holds it
  --sandbox          run the script as untrusted: safe libraries only,
                     require only beside the script, 1 s per callback
                     unless --max-callback-time says otherwise
  --types DIR        write the lua-language-server type stubs into DIR and exit
  -i                 enter interactive mode after running the script (or the
                     -e and -l options); loopscript alone on a terminal
                     does so too. The prompt opens on the script's live
                     reactor: a reactor.stop() the script makes ends its
                     reactor.run() without stopping the reactor, whose
                     shutdown triggers run when the session ends
  -v                 print the version, then run the rest (alone: exit)
  --version          print the version and exit
  -h, --help         print this help and exit
  --                 stop handling options
  -                  run standard input and stop handling options
With no script, loopscript runs standard input when it is not a terminal.
Durations: seconds (0.5, 2) or Go's syntax (200ms, 1.5s, 2m).
Exit status: 0 when the script finishes (errors in callbacks are reported
and survived), 1 for an error in the script itself or a script that cannot
be read, 2 for bad usage, 128+N after a second signal N, or after a
signal N whose stop did not take effect within the --stop-grace.
`

func main() {
	stopProfiles := startProfiles(os.Stderr)
	code := run(os.Args, os.Stdin, os.Stdout, os.Stderr)
	stopProfiles()
	os.Exit(code)
}

// action is a -e or -l option, run in command-line order before the script.
type action struct {
	flag, value string
}

// invocation is a parsed command line.
type invocation struct {
	reactorKind string
	clock       reactor.Clock // from host.ParseClock; nil for the real clock
	trace       bool
	actions     []action
	script      int // index in argv of the script ("-" for stdin), or 0
	help        bool
	version     bool // --version: print it and exit
	showVersion bool // -v: print it, then run what else was asked, as lua does
	interactive bool // -i, or no script nor -e on a terminal
	limits      limitFlags
	typesDir    string // --types: write the type stubs there and exit
}

// usageError is a command line loopscript cannot make sense of: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func parse(argv []string) (*invocation, error) {
	inv := &invocation{}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if a == "-" {
			inv.script = i
			return inv, nil
		}
		if a == "--" {
			if i+1 < len(argv) {
				inv.script = i + 1
			}
			return inv, nil
		}
		if !strings.HasPrefix(a, "-") {
			inv.script = i
			return inv, nil
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !strings.HasPrefix(name, "--") {
			// Lua's short options take their value attached or as the next word.
			name, value, hasValue = a[:2], a[2:], len(a) > 2
		}
		takeValue := func() (string, error) { return optionValue(argv, &i, name, value, hasValue) }
		switch name {
		case "-h", "--help":
			inv.help = true
		case "-v":
			inv.showVersion = true
		case "-i":
			inv.interactive = true
		case "--version":
			inv.version = true
		case "-e", "-l":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			inv.actions = append(inv.actions, action{name, v})
		case "--reactor":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			if !slices.Contains(reactor.PollerNames, v) {
				return nil, &usageError{fmt.Sprintf("unknown reactor '%s' (want %s)", v, reactor.WantPollers(v))}
			}
			inv.reactorKind = v
		case "--clock":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			clock, err := host.ParseClock(v)
			if err != nil {
				return nil, &usageError{err.Error()}
			}
			inv.clock = clock
		case "--trace":
			inv.trace = true
		case "--warn-slow", "--max-callback-time", "--stop-grace":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			if err := inv.limits.set(name, v); err != nil {
				return nil, err
			}
		case "--sandbox":
			inv.limits.sandbox = true
		case "--types":
			v, err := takeValue()
			if err != nil {
				return nil, err
			}
			inv.typesDir = v
		default:
			return nil, &usageError{fmt.Sprintf("unrecognized option '%s'", a)}
		}
	}
	return inv, nil
}

// optionValue is the value of option name: what followed '=' (or, for a
// short option, the rest of the word) when there was one, else the next word
// of argv, moving *i past it.
func optionValue(argv []string, i *int, name, value string, hasValue bool) (string, error) {
	if hasValue {
		return value, nil
	}
	if *i+1 >= len(argv) {
		return "", &usageError{fmt.Sprintf("'%s' needs an argument", name)}
	}
	*i++
	return argv[*i], nil
}

func run(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(argv) > 1 && argv[1] == "test" { // a script called test: ./test
		return runTestCommand(argv[2:], stdout, stderr)
	}
	inv, err := parse(argv)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript: %v\n%s", err, usage)
		return 2
	}
	if inv.help {
		io.WriteString(stdout, usage)
		return 0
	}
	if inv.typesDir != "" {
		if err := types.WriteTo(inv.typesDir); err != nil {
			fmt.Fprintf(stderr, "loopscript: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "loopscript: type stubs written to %s\n", inv.typesDir)
		return 0
	}
	if inv.version || inv.showVersion {
		fmt.Fprintln(stdout, version)
	}
	if inv.version || inv.showVersion && inv.script == 0 && len(inv.actions) == 0 && !inv.interactive {
		return 0 // lua -v alone prints the version and reads no standard input
	}
	if inv.script == 0 && len(inv.actions) == 0 && !inv.interactive {
		if isTerminal(stdin) {
			inv.interactive = true
		} else {
			argv = append(argv, "-")
			inv.script = len(argv) - 1
		}
	}
	var prompt *repl.Session
	if inv.interactive {
		tty, ok := stdin.(*os.File)
		if !ok || !isTerminal(stdin) || inv.script != 0 && argv[inv.script] == "-" {
			fmt.Fprint(stderr, "loopscript: -i needs a terminal on standard input\n"+usage)
			return 2
		}
		if prompt, err = repl.Open(tty, stdout); err != nil {
			fmt.Fprintf(stderr, "loopscript: %v\n", err)
			return 1
		}
		if !inv.showVersion {
			fmt.Fprintln(stdout, version)
		}
		stdout, stderr = prompt, prompt // output goes above the prompt
	}

	// At the prompt, Ctrl-C interrupts the Lua code that holds the loop.
	opts := host.Options{Stdout: stdout, Stderr: stderr, HandleSignals: true, Clock: inv.clock, Interruptible: prompt != nil}
	if inv.trace {
		opts.Trace = stderr
	}
	inv.limits.apply(&opts, argv, inv.script)
	h, err := host.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "loopscript: %v\n", err)
		return 1
	}
	defer h.Close()
	if inv.reactorKind != "" {
		if err := h.InstallBy(inv.reactorKind, "--reactor"); err != nil {
			fmt.Fprintf(stderr, "loopscript: %v\n", err)
			return 1
		}
	}
	if inv.script != 0 {
		h.SetArg(argv, inv.script)
	} else {
		h.SetArg(argv[:1], 0)
	}
	for _, a := range inv.actions {
		if a.flag == "-e" {
			err = h.RunString("(command line)", a.value)
		} else {
			err = h.Require(a.value)
		}
		if err != nil {
			return report(stderr, err)
		}
	}
	var scriptEnded chan error // the script waits in reactor.run() for the session
	if inv.script != 0 {
		args := argv[inv.script+1:]
		switch {
		case argv[inv.script] == "-":
			err = h.RunReader("stdin", stdin, args...)
		case prompt != nil:
			ended := make(chan error, 1)
			var done bool
			if done, err = h.StartFile(argv[inv.script], func(err error) { ended <- err }, args...); !done {
				scriptEnded = ended
			}
		default:
			err = h.RunFile(argv[inv.script], args...)
		}
		if err != nil {
			return report(stderr, err)
		}
	}
	if prompt != nil {
		if err := prompt.Run(h, scriptEnded); err != nil {
			return report(stderr, err)
		}
	}
	return 0
}

// report prints an error of the script itself, as lua does, and returns the
// exit status 1; a script that called os.exit(N) ends with status N, silently.
func report(stderr io.Writer, err error) int {
	var exit *host.ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	fmt.Fprintf(stderr, "loopscript: %s\n", errorText(err))
	return 1
}
