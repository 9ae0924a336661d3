package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A sandboxed script cannot read or write a file, run a process, reach the
// environment, load native code, or hold the host's goroutine.
func TestSandboxCannotEscape(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	escapes := []struct{ name, code string }{
		{"io.open", `return io.open(SECRET):read("*a")`},
		{"io.lines", `for l in io.lines(SECRET) do return l end`},
		{"io.popen", `return io.popen("cat " .. SECRET):read("*a")`},
		{"os.execute", `return os.execute("cat " .. SECRET)`},
		{"os.remove", `return os.remove(SECRET)`},
		{"os.rename", `return os.rename(SECRET, SECRET .. ".moved")`},
		{"os.exit", `os.exit(3)`},
		{"os.getenv", `return os.getenv("HOME")`},
		{"os.tmpname", `return os.tmpname()`},
		{"os.setenv", `return os.setenv("X", "1")`},
		{"dofile", `return dofile(SECRET)`},
		{"loadfile", `return loadfile(SECRET)()`},
		{"require with package.path", `package.path = SECRET:gsub("secret.txt", "?.txt") return require("secret")`},
		{"require with package.loaders", `table.insert(package.loaders, 1, function(n) return loadfile(n) end) return require(SECRET)`},
		{"package.loadlib", `return package.loadlib(SECRET, "f")`},
		{"debug", `return debug.getregistry()`},
		{"channel", `return channel.make()`},
		{"loaded code cannot either", `return loadstring("return io.open(SECRET)")():read("*a")`},
	}
	for _, tt := range escapes {
		t.Run(tt.name, func(t *testing.T) {
			res := runLimited(t, Options{Sandbox: &Sandbox{}, MaxCallbackTime: time.Second},
				"SECRET = "+quoteLua(secret)+"\n"+tt.code)
			if res.err == nil {
				t.Fatalf("the script succeeded: it escaped the sandbox")
			}
			if strings.Contains(res.err.Error(), "top secret") || strings.Contains(res.stdout.String(), "top secret") {
				t.Fatalf("the secret leaked: %v", res.err)
			}
			if _, err := os.Stat(secret); err != nil {
				t.Fatalf("the file was touched: %v", err)
			}
		})
	}
}

func quoteLua(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

// What the sandbox keeps works as usual.
func TestSandboxKeepsTheSafeLibraries(t *testing.T) {
	runScriptCases(t, Options{Sandbox: &Sandbox{}}, []scriptCase{
		{"base, string, table, math", `print(type(pcall), ("%d"):format(3), table.concat({1, 2}, "+"), math.floor(2.5), tostring(nil), select("#", 1, 2))`,
			"function\t3\t1+2\t2\tnil\t2\n", ""},
		{"os kept", `print(type(os.time()), type(os.clock()), type(os.date("%Y")), os.difftime(2, 1))`, "number\tnumber\tstring\t1\n", ""},
		{"coroutines", `print(coroutine.wrap(function() coroutine.yield(7) end)())`, "7\n", ""},
		{"loadstring", `print(loadstring("return 1 + 1")())`, "2\n", ""},
		{"the reactor", `local r = require("reactor") r.call_later(0, function() print("tick") r.stop() end) r.run()`, "tick\n", ""},
		{"task", `print(type(require("task").looping_call))`, "function\n", ""},
		{"strings are capped lower", `return ("x"):rep(17 * 2^20)`, "", "resulting string too large"},
	})
}

// A sandboxed script cannot hang the host: its main chunk and its callbacks
// are interrupted after DefaultSandboxCallbackTime unless told otherwise,
// and MaxRunTime bounds a reactor kept busy for ever.
func TestSandboxCannotHang(t *testing.T) {
	t.Parallel()
	t.Run("default callback time", func(t *testing.T) {
		res := runLimited(t, Options{Sandbox: &Sandbox{}}, `while true do end`)
		if res.err == nil || !strings.Contains(res.err.Error(), "main chunk exceeded the time limit of 1s") {
			t.Fatalf("error %v, want the main chunk interrupted after 1s", res.err)
		}
	})
	t.Run("runaway callback", func(t *testing.T) {
		res := runLimited(t, Options{Sandbox: &Sandbox{}, MaxCallbackTime: 100 * time.Millisecond},
			`local r = require("reactor") r.call_later(0, function() while true do end end) r.call_later(0.01, r.stop) r.run()`)
		if res.err != nil || len(res.errs) != 1 || !strings.Contains(res.errs[0].Message, "callback exceeded the time limit") {
			t.Fatalf("err %v, reported %v; want the callback interrupted and the run to end", res.err, res.errs)
		}
	})
	t.Run("reactor kept running", func(t *testing.T) {
		res := runLimited(t, Options{Sandbox: &Sandbox{}, MaxRunTime: 200 * time.Millisecond},
			`local r = require("reactor") require("task").looping_call(function() end):start(0.001) r.run()`)
		if res.err == nil || !strings.Contains(res.err.Error(), "run time limit") {
			t.Fatalf("error %v, want the run time limit", res.err)
		}
	})
}

func TestSandboxStackAndRegistryCaps(t *testing.T) {
	runScriptCases(t, Options{Sandbox: &Sandbox{CallStackSize: 50, RegistryMaxSize: 10000}}, []scriptCase{
		{"call depth", `local d = 0 local function f() d = d + 1 f() end print(pcall(f)) print(d < 50)`,
			"false\tlimits.lua:1: stack overflow\ntrue\n", ""},
		{"value stack", `local function f(n, ...) if n == 0 then return 0 end return 1 + f(n - 1, ...) end return f(5, unpack({}, 1, 5000))`, "", "registry overflow"},
		{"within the caps", `print(select("#", unpack({}, 1, 5000)))`, "5000\n", ""},
	})
}

// require in a sandbox loads Lua files from the allowed folders only, and
// never follows a path or a link out of them.
func TestSandboxRequire(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	files := map[string]string{
		filepath.Join(dir, "greet.lua"):          `return {hello = function() return "hello" end}`,
		filepath.Join(dir, "pkg", "init.lua"):    `return "pkg"`,
		filepath.Join(dir, "pkg", "sub.lua"):     `return "pkg.sub"`,
		filepath.Join(dir, "broken.lua"):         `return (`,
		filepath.Join(outside, "evil.lua"):       `return "evil"`,
		filepath.Join(outside, "pkg", "out.lua"): `return "out"`,
	}
	for path, code := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "evil.lua"), filepath.Join(dir, "link.lua")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	runScriptCases(t, Options{Sandbox: &Sandbox{AllowedDirs: []string{dir}}}, []scriptCase{
		{"a module", `print(require("greet").hello())`, "hello\n", ""},
		{"a package", `print(require("pkg"), require("pkg.sub"))`, "pkg\tpkg.sub\n", ""},
		{"a syntax error", `require("broken")`, "", "broken.lua':\n\t" + filepath.Join(dir, "broken.lua") + ":1: unexpected symbol near '<eof>'"},
		{"missing", `require("nope")`, "", "no file '" + filepath.Join(dir, "nope.lua") + "'"},
		{"a symbolic link out", `require("link")`, "", "module 'link' not found"},
		{"a folder linked out", `require("linkdir.evil")`, "", "module 'linkdir.evil' not found"},
		{"a name with ..", `require("../evil")`, "", "invalid name"},
		{"an absolute name", `require("/etc/passwd")`, "", "invalid name"},
	})
	// Without allowed folders, only the host's own modules.
	runScriptCases(t, Options{Sandbox: &Sandbox{}}, []scriptCase{
		{"no folders", `require("greet")`, "", "module 'greet' not found"},
	})
}
