package host

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fullStackProbe makes protected calls (pcall, xpcall, a Deferred's
// callback that runs at once, error caught by pcall) from a frame at every
// depth from a little below the call stack's limit to past it, on the main
// thread and in a coroutine, and prints one line per call. Both threads'
// call stacks grow on demand, from segments that every state of the process
// shares: a call on a full stack that left it miscounted returned wrong
// values (a function where the Deferred's result was due) and handed
// segments still in use to other states.
const fullStackProbe = `
local defer = require("defer")
local function probe(n, what)
  local function r(k)
    if k == 0 then
      if what == "pcall" then
        local ok, v = pcall(function() return 1 end)
        return tostring(ok) .. " " .. tostring(v)
      elseif what == "xpcall" then
        return select(2, xpcall(function() error("x", 0) end, function(m) return "handled " .. m end))
      elseif what == "deferred" then
        local d = defer.succeed(1)
        d:add_callback(function(v) return v + 1 end)
        return d.result
      end
      return select(2, pcall(error, "e", 0))
    end
    local v = r(k - 1)
    return v
  end
  return select(2, pcall(r, n))
end
local function run()
  for _, what in ipairs({"pcall", "xpcall", "deferred", "error"}) do
    for n = 19980, 20001 do print(what, probe(n, what)) end
  end
end
run()
assert(coroutine.resume(coroutine.create(run)))
print("done")
`

// The lines fullStackProbe may print: the call's own result, or the
// overflow that stopped it.
var fullStackLine = regexp.MustCompile(`^(pcall\ttrue 1|xpcall\thandled x|deferred\t2|error\te|\w+\t.*stack overflow|xpcall\terror in error handling|done)$`)

func TestProtectedCallsOnAFullStack(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for g := range 3 { // states side by side, for go test -race
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := runLimited(t, Options{}, fullStackProbe)
			out := res.stdout.String()
			if res.err != nil || !strings.HasSuffix(out, "done\n") {
				t.Errorf("state %d: error %v, stdout ends %q", g, res.err, out[max(0, len(out)-200):])
				return
			}
			overflows := 0
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if !fullStackLine.MatchString(line) {
					t.Errorf("state %d: %q", g, line)
				}
				if strings.Contains(line, "stack overflow") {
					overflows++
				}
			}
			if overflows == 0 {
				t.Errorf("state %d: no call reached the limit", g)
			}
		}()
	}
	wg.Wait()
}

// Coroutines overflowing their call stacks in states side by side.
func TestCoroutineStackOverflowsInParallel(t *testing.T) {
	t.Parallel()
	const code = `
local function run(f) return coroutine.resume(coroutine.create(f)) end
for i = 1, 3 do
  local ok, err = run(function() local function f(n) return 1 + f(n + 1) end return f(1) end)
  assert(not ok and err:find("stack overflow"), err)
  ok, err = run(function() local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k] end return t.x end)
  assert(not ok and err:find("stack overflow"), err)
  ok, err = run(function() local t = setmetatable({}, {}) getmetatable(t).__tostring = function(s) return tostring(s) end return tostring(t) end)
  assert(not ok and err:find("stack overflow"), err)
  ok, err = pcall(function() return coroutine.wrap(function() local function f() return f() + 1 end return f() end)() end)
  assert(not ok and err:find("stack overflow"), err)
end
print("ok")
`
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := runLimited(t, Options{}, code)
			if res.err != nil || res.stdout.String() != "ok\n" {
				errs[g] = fmt.Sprintf("stdout %q, error %v", res.stdout.String(), res.err)
			}
		}()
	}
	wg.Wait()
	for g, e := range errs {
		if e != "" {
			t.Errorf("state %d: %s", g, e)
		}
	}
}
