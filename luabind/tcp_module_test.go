package luabind

import (
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// runLuaNet runs code as "test.lua" on a fresh state whose reactor uses the
// real clock, as sockets need, with TMP set to a temporary folder (for
// UNIX sockets). MaxRunTime bounds the run, so a test that waits for an
// event that never comes fails instead of hanging.
func runLuaNet(t *testing.T, code string) result {
	t.Helper()
	return runLuaWith(t, code, Config{Limits: Limits{MaxRunTime: 20 * time.Second}})
}

func runLuaWith(t *testing.T, code string, cfg Config) result {
	t.Helper()
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	defer L.Close()
	var res result
	var out strings.Builder
	cfg.OnError = func(e *CallbackError) { res.reports = append(res.reports, e) }
	rt := Open(L, cfg)
	defer rt.Close()
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		parts := make([]string, L.GetTop())
		for i := range parts {
			parts[i] = ToString(L, L.Get(i+1))
		}
		out.WriteString(strings.Join(parts, "\t") + "\n")
		return 0
	}))
	L.SetGlobal("TMP", lua.LString(t.TempDir()))
	fn, err := L.Load(strings.NewReader(tcpPrelude+code), "test.lua")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	res.err = rt.RunChunk(fn)
	res.out = out.String()
	return res
}

// tcpPrelude is on the first line of every test chunk, so line numbers in
// messages are the test code's own plus nothing.
const tcpPrelude = `local reactor, protocol, errors = require("reactor"), require("protocol"), require("errors"); ` +
	`local log = {}; local function say(...) local t = {} for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end log[#log + 1] = table.concat(t, " ") end; ` +
	`local function show() print(table.concat(log, "\n")) end; `

type tcpCase struct {
	name, code, want string
	reports          []string // a substring of each error report, in order
}

func runTCPCases(t *testing.T, tests []tcpCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLuaNet(t, tc.code)
			if res.err != nil {
				t.Fatalf("error: %v\noutput:\n%s\nreports:\n%s", res.err, res.out, res.reportText())
			}
			if res.out != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s\nreports:\n%s", res.out, tc.want, res.reportText())
			}
			if len(res.reports) != len(tc.reports) {
				t.Fatalf("%d reports, want %d:\n%s", len(res.reports), len(tc.reports), res.reportText())
			}
			for i, want := range tc.reports {
				if !strings.Contains(res.reports[i].Report(), want) {
					t.Errorf("report %d:\n%s\nwant it to contain %q", i, res.reports[i].Report(), want)
				}
			}
		})
	}
}

// The order of events on each side of a connection, and of the factories'
// events: connect_tcp returns before any outcome, started_connecting runs
// inside it, connection_made < data_received < connection_lost <
// client_connection_lost, start_factory first and stop_factory last.
func TestTCPOrdering(t *testing.T) {
	runTCPCases(t, []tcpCase{
		{"server and client", `
local server, client = {}, {}
local S = protocol.Protocol:extend()
function S:connection_made() server[#server+1] = "made " .. self.transport:get_peer().type self.transport:write("hello") self.transport:lose_connection() end
function S:connection_lost(r) server[#server+1] = "lost " .. r.type end
local SF = protocol.ServerFactory:extend{protocol = S}
function SF:start_factory() server[#server+1] = "start" end
function SF:stop_factory() server[#server+1] = "stop" end
local port = reactor.listen_tcp(0, SF(), {interface = "127.0.0.1"})
server[#server+1] = "listening"
local C = protocol.Protocol:extend()
function C:connection_made() client[#client+1] = "made " .. tostring(self.connected) end
function C:data_received(d) self.got = (self.got or "") .. d end
function C:connection_lost(r) client[#client+1] = "data " .. self.got client[#client+1] = "lost " .. r.type end
local CF = protocol.ClientFactory:extend{protocol = C}
function CF:start_factory() client[#client+1] = "start" end
function CF:stop_factory() client[#client+1] = "stop" port:stop_listening() reactor.stop() end
function CF:started_connecting(c) client[#client+1] = "started connecting " .. (tostring(c):gsub(":%d+", ":PORT")) end
function CF:client_connection_lost(c, r) client[#client+1] = "client connection lost " .. r.type end
function CF:client_connection_failed(c, r) client[#client+1] = "failed " .. tostring(r) end
local c = reactor.connect_tcp("127.0.0.1", port:get_host().port, CF())
client[#client+1] = "connect returned"
reactor.run()
print(table.concat(server, "\n"))
print(table.concat(client, "\n"))`,
			"start\nlistening\nmade TCP\nlost ConnectionDone\nstop\n" +
				"start\nstarted connecting <Connector tcp 127.0.0.1:PORT connecting>\nconnect returned\nmade true\ndata hello\nlost ConnectionDone\nclient connection lost ConnectionDone\nstop\n", nil},
	})
}
