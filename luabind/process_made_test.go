package luabind

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// A spawn does ProcessProtocol's make_connection from Go when the protocol
// keeps the default and an empty connection_made (madeWithoutLua). What a
// script sees must be what the Lua make_connection gives it: the fields
// set before spawn_process returns, a __newindex told of them, and any
// make_connection or connection_made of the script's own called.
func TestSpawnMakeConnectionAsDefined(t *testing.T) {
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true:", err)
	}
	const ended = `function P:process_ended() reactor.stop() end
`
	tests := []struct {
		name, code, want string
	}{
		{"defaults: connected and the transport, before spawn_process returns", `local P = protocol.ProcessProtocol:extend()
` + ended + `local p = P()
local t = reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected, rawequal(p.transport, t), rawget(p, "connected"), rawequal(rawget(p, "transport"), t))
reactor.run()`, "true\ttrue\ttrue\ttrue\n"},
		{"a class's __newindex sees both fields", `local P = protocol.ProcessProtocol:extend()
` + ended + `local seen = {}
P.__newindex = function(self, k, v) seen[#seen + 1] = k rawset(self, k, v) end
local p = P()
reactor.spawn_process(p, "/bin/true", {"true"})
table.sort(seen)
print(table.concat(seen, " "), p.connected)
reactor.run()`, "connected transport\ttrue\n"},
		{"a connection_made of the script's own is called", `local P = protocol.ProcessProtocol:extend()
` + ended + `function P:connection_made() print("made", self.connected, self.transport ~= nil) end
reactor.spawn_process(P(), "/bin/true", {"true"})
reactor.run()`, "made\ttrue\ttrue\n"},
		{"a make_connection of the script's own is called", `local P = protocol.ProcessProtocol:extend()
` + ended + `function P:make_connection(t) print("own", t ~= nil) end
local p = P()
reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected, p.transport)
reactor.run()`, "own\ttrue\nnil\tnil\n"},
		{"ProcessProtocol.make_connection replaced by the script", `local P = protocol.ProcessProtocol:extend()
` + ended + `local default = protocol.ProcessProtocol.make_connection
protocol.ProcessProtocol.make_connection = function(self, t) print("replaced") default(self, t) end
local p = P()
reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected)
protocol.ProcessProtocol.make_connection = default
reactor.run()`, "replaced\ntrue\n"},
		{"an instance's own make_connection", `local P = protocol.ProcessProtocol:extend()
` + ended + `local p = P()
p.make_connection = function(self, t) print("instance") end
reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected)
reactor.run()`, "instance\nnil\n"},
		{"a connection_made that is not a function is an error, as before", `local P = protocol.ProcessProtocol:extend()
` + ended + `P.connection_made = 42
local p = P()
reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected)
reactor.run()`, "true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runProcessLua(t, Config{}, tt.code)
			if run.err != nil {
				t.Fatalf("error: %v\noutput:\n%s", run.err, run.out)
			}
			if strings.Contains(tt.name, "is an error") {
				if len(run.reports) != 1 || !strings.Contains(run.reports[0].Message, "attempt to call method 'connection_made' (a number value)") {
					t.Errorf("reports:\n%s\nwant one: attempt to call method 'connection_made' (a number value)", run.reportText())
				}
			} else if len(run.reports) > 0 {
				t.Errorf("unexpected reports:\n%s", run.reportText())
			}
			if run.out != tt.want {
				t.Errorf("output %q, want %q", run.out, tt.want)
			}
		})
	}
}

// While callbacks are traced, make_connection runs in Lua, so the trace
// shows it as it always did.
func TestSpawnMakeConnectionTraced(t *testing.T) {
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true:", err)
	}
	var trace strings.Builder
	run := runProcessLua(t, Config{Trace: &trace}, `local P = protocol.ProcessProtocol:extend()
function P:process_ended() reactor.stop() end
local p = P()
reactor.spawn_process(p, "/bin/true", {"true"})
print(p.connected)
reactor.run()`)
	run.expectClean(t)
	src, err := luaSources.ReadFile("lua/protocol.lua")
	if err != nil {
		t.Fatal(err)
	}
	before, _, found := strings.Cut(string(src), "function ProcessProtocol:make_connection(")
	if !found {
		t.Fatal("protocol.lua defines no ProcessProtocol:make_connection")
	}
	at := "protocol.lua:" + strconv.Itoa(strings.Count(before, "\n")+1) + ">"
	if !strings.Contains(trace.String(), at) {
		t.Errorf("the trace does not show make_connection (%s):\n%s", at, trace.String())
	}
	if run.out != "true\n" {
		t.Errorf("output %q, want %q", run.out, "true\n")
	}
}
