package luabind

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// basicHarness drives the receivers of require("basic") as the tests need:
// a fake transport that records what is done to it, and scripted receivers
// whose lines and strings are commands. testdata/basic_twisted.py is the
// same over Twisted; keep the two alike.
const basicHarness = `
local basic = require("basic")

function fake_transport()
	local t = {log = {}, disconnecting = false, connected = true}
	function t:write(d) self.log[#self.log + 1] = "write " .. d end
	function t:lose_connection()
		self.log[#self.log + 1] = "lose"
		self.disconnecting, self.connected = true, false
	end
	function t:pause_producing() self.log[#self.log + 1] = "pause" end
	function t:resume_producing() self.log[#self.log + 1] = "resume" end
	return t
end

local function record(self, ev) self.events[#self.events + 1] = ev end

-- Flags: e echoes every line or string back; c lets "clear" call
-- clear_line_buffer and s lets "stop" return true (both make the calls
-- depend on how the stream is cut).
ScriptedLines = basic.LineReceiver:extend()
function ScriptedLines:line_received(line)
	record(self, "L" .. line)
	if self.flags:find("e") then self:send_line(line) end
	if line == "raw" then self:set_raw_mode()
	elseif line == "close" then self.transport:lose_connection()
	elseif line == "pause" then self:pause_producing()
	elseif line == "clear" and self.flags:find("c") then record(self, "B" .. self:clear_line_buffer())
	elseif line == "stop" and self.flags:find("s") then return true
	end
end
function ScriptedLines:raw_data_received(data)
	local i = data:find("!", 1, true)
	if i == nil then record(self, "R" .. data) return end
	record(self, "R" .. data:sub(1, i - 1))
	self:set_line_mode(data:sub(i + 1))
end
function ScriptedLines:line_length_exceeded(line)
	record(self, "X" .. line)
	return basic.LineReceiver.line_length_exceeded(self, line)
end

ScriptedNetstrings = basic.NetstringReceiver:extend()
function ScriptedNetstrings:string_received(s)
	record(self, "S" .. s)
	if self.flags:find("e") then self:send_string(s) end
	if s == "close" then self.transport:lose_connection() end
end

ScriptedInt32 = basic.Int32StringReceiver:extend()
function ScriptedInt32:string_received(s)
	record(self, "S" .. s)
	if self.flags:find("e") then self:send_string(s) end
	if s == "pause" then self:pause_producing() end
end
function ScriptedInt32:length_limit_exceeded(length)
	record(self, "X" .. length)
	return basic.Int32StringReceiver.length_limit_exceeded(self, length)
end

local classes = {lines = ScriptedLines, netstrings = ScriptedNetstrings, int32 = ScriptedInt32}

-- run delivers chunks as a transport does: none after lose_connection; a
-- paused receiver is resumed after each chunk (event "U"). It leaves the
-- events and the transport's log in EVENTS and LOG.
function run(kind, delimiter, max_length, flags, chunks)
	local p = classes[kind]()
	p.events, p.flags = {}, flags
	if delimiter ~= nil then p.delimiter = delimiter end
	if max_length ~= 0 then p.MAX_LENGTH = max_length end
	local t = fake_transport()
	p:make_connection(t)
	for _, c in ipairs(chunks) do
		if t.disconnecting then break end
		p:data_received(c)
		while p.paused and not t.disconnecting do
			record(p, "U")
			p:resume_producing()
		end
	end
	if p.broken_peer then record(p, "B") end
	EVENTS, LOG = p.events, t.log
end
`

// basicCase is one run of a scripted receiver.
type basicCase struct {
	Kind      string   `json:"kind"` // "lines", "netstrings" or "int32"
	Delimiter *string  `json:"delimiter"`
	Max       int      `json:"max"` // 0: the class's MAX_LENGTH
	Flags     string   `json:"flags"`
	Chunks    []string `json:"chunks"`
}

type basicResult struct {
	Events []string `json:"events"`
	Log    []string `json:"log"`
}

// basicRig is a Lua state with basicHarness loaded; one serves many runs.
type basicRig struct {
	mu sync.Mutex
	L  *lua.LState
	rt *Runtime
}

func newBasicRig(tb testing.TB) *basicRig {
	tb.Helper()
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	rt := Open(L, Config{
		Clock:   reactor.NewVirtualClock(),
		OnError: func(e *CallbackError) { tb.Errorf("reported: %v", e) },
	})
	fn, err := L.Load(strings.NewReader(basicHarness), "harness.lua")
	if err != nil {
		tb.Fatalf("load harness: %v", err)
	}
	if err := rt.PCall(fn); err != nil {
		tb.Fatalf("harness: %v", err)
	}
	tb.Cleanup(func() {
		rt.Close()
		L.Close()
	})
	return &basicRig{L: L, rt: rt}
}

func (g *basicRig) run(c basicCase) (basicResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	L := g.L
	chunks := L.CreateTable(len(c.Chunks), 0)
	for _, s := range c.Chunks {
		chunks.Append(lua.LString(s))
	}
	var delim lua.LValue = lua.LNil
	if c.Delimiter != nil {
		delim = lua.LString(*c.Delimiter)
	}
	err := g.rt.PCall(L.GetGlobal("run"), lua.LString(c.Kind), delim, lua.LNumber(c.Max), lua.LString(c.Flags), chunks)
	if err != nil {
		return basicResult{}, err
	}
	return basicResult{Events: luaStrings(L.GetGlobal("EVENTS")), Log: luaStrings(L.GetGlobal("LOG"))}, nil
}

func luaStrings(v lua.LValue) []string {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil
	}
	out := []string{}
	for i := 1; i <= t.Len(); i++ {
		out = append(out, lua.LVAsString(t.RawGetInt(i)))
	}
	return out
}

func str(s string) *string { return &s }

func TestLineReceiver(t *testing.T) {
	g := newBasicRig(t)
	tests := []struct {
		name       string
		delimiter  *string
		max        int
		flags      string
		chunks     []string
		wantEvents []string
		wantLog    []string
	}{
		{"lines across chunks", nil, 0, "", []string{"a\r\nb", "c\r", "\nd\r\n"},
			[]string{"La", "Lbc", "Ld"}, []string{}},
		{"empty lines and a lone CR", nil, 0, "", []string{"\r\n\r\nx\ry\r\n"},
			[]string{"L", "L", "Lx\ry"}, []string{}},
		{"an incomplete line waits", nil, 0, "", []string{"a\r\nbc"},
			[]string{"La"}, []string{}},
		{"send_line writes the line and the delimiter", nil, 0, "e", []string{"hi\r\n", "\r\n"},
			[]string{"Lhi", "L"}, []string{"write hi\r\n", "write \r\n"}},
		{"a delimiter of the subclass", str("\n"), 0, "e", []string{"a\nb\r\n"},
			[]string{"La", "Lb\r"}, []string{"write a\n", "write b\r\n"}},
		{"a delimiter that overlaps itself", str("aa"), 0, "", []string{"xa", "aayaa"},
			[]string{"Lx", "Lay"}, []string{}},
		{"a delimiter split across three chunks", str("<->"), 0, "", []string{"x<", "-", ">y<->"},
			[]string{"Lx", "Ly"}, []string{}},
		{"raw mode gets the rest of the buffer", nil, 0, "", []string{"a\r\nraw\r\nxyz\r\nmore", "tail"},
			[]string{"La", "Lraw", "Rxyz\r\nmore", "Rtail"}, []string{}},
		{"set_line_mode parses its extra as lines", nil, 0, "", []string{"raw\r\nabc!d\r\ne\r", "\n"},
			[]string{"Lraw", "Rabc", "Ld", "Le"}, []string{}},
		{"a line of MAX_LENGTH is a line, one byte more is too long", nil, 4, "", []string{"abcd\r\nabcde\r\nnext\r\n"},
			[]string{"Labcd", "Xabcde\r\nnext\r\n"}, []string{"lose"}},
		{"without a delimiter, too long at MAX_LENGTH + #delimiter bytes", nil, 4, "", []string{"abcde", "f"},
			[]string{"Xabcdef"}, []string{"lose"}},
		{"MAX_LENGTH bytes and half a delimiter wait", nil, 4, "", []string{"abcd\r", "\n"},
			[]string{"Labcd"}, []string{}},
		{"lose_connection in line_received drops the rest", nil, 0, "", []string{"a\r\nclose\r\nb\r\n", "c\r\n"},
			[]string{"La", "Lclose"}, []string{"lose"}},
		{"lose_connection in a line of set_line_mode's extra drops the rest", nil, 0, "", []string{"raw\r\nx!close\r\nafter\r\n"},
			[]string{"Lraw", "Rx", "Lclose"}, []string{"lose"}},
		{"pause holds the lines until resumed", nil, 0, "", []string{"a\r\npause\r\nb\r\nc\r\n"},
			[]string{"La", "Lpause", "U", "Lb", "Lc"}, []string{"pause", "resume"}},
		{"clear_line_buffer returns what is buffered", nil, 0, "c", []string{"clear\r\nrest\r\nof", "x\r\n"},
			[]string{"Lclear", "Brest\r\nof", "Lx"}, []string{}},
		{"a true return leaves the rest for the next chunk", nil, 0, "s", []string{"stop\r\na\r\n", "b\r\n"},
			[]string{"Lstop", "La", "Lb"}, []string{}},
		{"an empty delimiter never ends a line", str(""), 3, "", []string{"ab", "c"},
			[]string{"Xabc"}, []string{"lose"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := g.run(basicCase{Kind: "lines", Delimiter: tc.delimiter, Max: tc.max, Flags: tc.flags, Chunks: tc.chunks})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%q", got.Events) != fmt.Sprintf("%q", tc.wantEvents) {
				t.Errorf("events:\n got %q\nwant %q", got.Events, tc.wantEvents)
			}
			if fmt.Sprintf("%q", got.Log) != fmt.Sprintf("%q", tc.wantLog) {
				t.Errorf("transport:\n got %q\nwant %q", got.Log, tc.wantLog)
			}
		})
	}
}

func TestNetstringReceiver(t *testing.T) {
	g := newBasicRig(t)
	tests := []struct {
		name       string
		max        int
		flags      string
		chunks     []string
		wantEvents []string
		wantLog    []string
	}{
		{"netstrings across chunks", 0, "", []string{"3:a", "bc,0:,", "1", "0:0123456789,"},
			[]string{"Sabc", "S", "S0123456789"}, []string{}},
		{"a payload may hold colons and commas", 0, "", []string{"5:a:,b,,"},
			[]string{"Sa:,b,"}, []string{}},
		{"send_string", 0, "e", []string{"2:hi,0:,"},
			[]string{"Shi", "S"}, []string{"write 2:hi,", "write 0:,"}},
		{"an incomplete netstring waits", 0, "", []string{"3:ab"},
			[]string{}, []string{}},
		{"a lone zero waits for its colon", 0, "", []string{"0", ":,"},
			[]string{"S"}, []string{}},
		{"no comma after the payload", 0, "", []string{"3:abcd"},
			[]string{"B"}, []string{"lose"}},
		{"a leading zero", 0, "", []string{"1:a,03:abc,"},
			[]string{"Sa", "B"}, []string{"lose"}},
		{"a leading zero seen before the colon", 0, "", []string{"00"},
			[]string{"B"}, []string{"lose"}},
		{"no length", 0, "", []string{":abc,"},
			[]string{"B"}, []string{"lose"}},
		{"not a digit", 0, "", []string{"x"},
			[]string{"B"}, []string{"lose"}},
		{"longer than MAX_LENGTH", 0, "", []string{"100000:"},
			[]string{"B"}, []string{"lose"}},
		{"MAX_LENGTH is allowed", 3, "", []string{"3:abc,4:"},
			[]string{"Sabc", "B"}, []string{"lose"}},
		{"too long before the colon arrives", 0, "", []string{"1", "000000"},
			[]string{"B"}, []string{"lose"}},
		{"a length of many digits", 0, "", []string{strings.Repeat("9", 40)},
			[]string{"B"}, []string{"lose"}},
		{"a newline after the length is malformed at once", 0, "", []string{"12\n"},
			[]string{"B"}, []string{"lose"}},
		{"string_received may close; the chunk is parsed to its end, as Twisted", 0, "", []string{"5:close,1:a,", "1:b,"},
			[]string{"Sclose", "Sa"}, []string{"lose"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := g.run(basicCase{Kind: "netstrings", Max: tc.max, Flags: tc.flags, Chunks: tc.chunks})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%q", got.Events) != fmt.Sprintf("%q", tc.wantEvents) {
				t.Errorf("events:\n got %q\nwant %q", got.Events, tc.wantEvents)
			}
			if fmt.Sprintf("%q", got.Log) != fmt.Sprintf("%q", tc.wantLog) {
				t.Errorf("transport:\n got %q\nwant %q", got.Log, tc.wantLog)
			}
		})
	}
}

func TestInt32StringReceiver(t *testing.T) {
	g := newBasicRig(t)
	tests := []struct {
		name       string
		max        int
		flags      string
		chunks     []string
		wantEvents []string
		wantLog    []string
	}{
		{"strings across chunks", 0, "", []string{"\x00\x00\x00\x03ab", "c\x00\x00", "\x00\x00"},
			[]string{"Sabc", "S"}, []string{}},
		{"send_string", 0, "e", []string{"\x00\x00\x00\x02hi"},
			[]string{"Shi"}, []string{"write \x00\x00\x00\x02hi"}},
		{"a length over MAX_LENGTH", 2, "", []string{"\x00\x00\x00\x02ab\x00\x00\x01\x00"},
			[]string{"Sab", "X256"}, []string{"lose"}},
		{"pause holds the strings until resumed", 0, "", []string{"\x00\x00\x00\x05pause\x00\x00\x00\x01a"},
			[]string{"Spause", "U", "Sa"}, []string{"pause", "resume"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := g.run(basicCase{Kind: "int32", Max: tc.max, Flags: tc.flags, Chunks: tc.chunks})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%q", got.Events) != fmt.Sprintf("%q", tc.wantEvents) {
				t.Errorf("events:\n got %q\nwant %q", got.Events, tc.wantEvents)
			}
			if fmt.Sprintf("%q", got.Log) != fmt.Sprintf("%q", tc.wantLog) {
				t.Errorf("transport:\n got %q\nwant %q", got.Log, tc.wantLog)
			}
		})
	}
}

// TestBasicCalls checks what the scripted runs cannot show: calls made from
// outside data_received, arguments, and errors.
func TestBasicCalls(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"data received while paused is held", `
local basic = require("basic")
local P = basic.LineReceiver:extend()
function P:line_received(l) print("line", l) end
local p = P()
p:make_connection(fake_transport())
p:pause_producing()
p:data_received("a\r\nb") p:data_received("\r\nc\r\n")
print("resuming")
p:resume_producing()
print(table.concat(p.transport.log, " "))`,
			"resuming\nline\ta\nline\tb\nline\tc\npause resume\n"},
		{"resume_producing inside line_received goes on in order", `
local basic = require("basic")
local P = basic.LineReceiver:extend()
function P:line_received(l)
	print("line", l)
	if l == "p" then self:pause_producing() self:resume_producing() end
end
local p = P()
p:make_connection(fake_transport())
p:data_received("p\r\nq\r\n")`,
			"line\tp\nline\tq\n"},
		{"stop_producing closes the connection", `
local basic = require("basic")
local P = basic.LineReceiver:extend()
function P:line_received(l) print("line", l) end
local p = P()
p:make_connection(fake_transport())
p:stop_producing()
p:data_received("a\r\n")
print(p.paused, table.concat(p.transport.log, " "))`,
			"true\tlose\n"},
		{"set_line_mode from outside parses its extra after the buffer", `
local basic = require("basic")
local P = basic.LineReceiver:extend()
function P:line_received(l) print("line", l) end
function P:raw_data_received(d) print("raw", d) end
local p = P()
p:make_connection(fake_transport())
p:set_raw_mode()
p:data_received("x\r\n")
p:set_line_mode("a\r\nb")
p:data_received("\r\n")
print(p.line_mode)`,
			"raw\tx\r\n\nline\ta\nline\tb\ntrue\n"},
		{"a class delimiter and MAX_LENGTH", `
local basic = require("basic")
local P = basic.LineReceiver:extend{delimiter = ";", MAX_LENGTH = 2}
function P:line_received(l) print("line", l) end
function P:line_length_exceeded(l) print("too long", l) end
local p = P()
p:make_connection(fake_transport())
p:data_received("ab;abc;d;")
print(basic.LineReceiver.delimiter == "\r\n", basic.LineReceiver.MAX_LENGTH, basic.NetstringReceiver.MAX_LENGTH)`,
			"line\tab\ntoo long\tabc;d;\ntrue\t16384\t99999\n"},
		{"exceeded without closing goes on with what follows", `
local basic = require("basic")
local P = basic.LineReceiver:extend{MAX_LENGTH = 3}
function P:line_received(l) print("line", l) end
function P:line_length_exceeded(l) print("too long", #l) end
local p = P()
p:make_connection(fake_transport())
p:data_received(string.rep("x", 10))
p:data_received("ab\r\n")`,
			"too long\t10\nline\tab\n"},
		{"send_line and send_string take numbers, as write does", `
local basic = require("basic")
local p = basic.LineReceiver()
p:make_connection(fake_transport())
p:send_line(12) p:send_line(1.5)
local n = basic.NetstringReceiver()
n:make_connection(p.transport)
n:send_string(7)
local i = basic.Int32StringReceiver()
i:make_connection(p.transport)
i:send_string(string.rep("z", 258))
print(table.concat(p.transport.log, "|", 1, 3), #p.transport.log[4], p.transport.log[4]:byte(7, 10))`,
			"write 12\r\n|write 1.5\r\n|write 1:7,\t268\t0\t0\t1\t2\n"},
		{"bad arguments", `
local basic = require("basic")
local p = basic.LineReceiver()
p:make_connection(fake_transport())
print(pcall(p.send_line, p, {}))
print(pcall(p.send_line, p))
print(pcall(basic.NetstringReceiver.send_string, basic.NetstringReceiver(), true))
print(pcall(p.set_line_mode, p, {}))`,
			"false\tbad argument #1 to 'send_line' (string expected, got table)\n" +
				"false\tbad argument #1 to 'send_line' (string expected, got no value)\n" +
				"false\tbad argument #1 to 'send_string' (string expected, got boolean)\n" +
				"false\tbad argument #1 to 'set_line_mode' (string expected, got table)\n"},
		{"a receiver without its method", `
local basic = require("basic")
for _, c in ipairs{{basic.LineReceiver, "\r\n"}, {basic.NetstringReceiver, "0:,"}, {basic.Int32StringReceiver, "\0\0\0\0"}} do
	local p, data = c[1](), c[2]
	p:make_connection(fake_transport())
	print(pcall(p.data_received, p, data))
end
local p = basic.LineReceiver()
p:make_connection(fake_transport())
p:set_raw_mode()
print(pcall(p.data_received, p, "x"))`,
			"false\tLineReceiver.line_received is not implemented: the subclass must define it\n" +
				"false\tNetstringReceiver.string_received is not implemented: the subclass must define it\n" +
				"false\tInt32StringReceiver.string_received is not implemented: the subclass must define it\n" +
				"false\tLineReceiver.raw_data_received is not implemented: the subclass must define it\n"},
		{"nothing is parsed after a malformed netstring", `
local basic = require("basic")
local N = basic.NetstringReceiver:extend()
function N:string_received(s) print("string", s) end
local n = N()
n:make_connection(fake_transport())
n:data_received("1:a,x1:b,")
n:data_received("1:c,")
print(n.broken_peer, table.concat(n.transport.log, " "))`,
			"string\ta\ntrue\tlose\n"},
		{"receivers are protocols, the module is strict", `
local basic = require("basic")
local protocol = require("protocol")
print(protocol.Protocol:is_instance(basic.LineReceiver()), basic.NetstringReceiver.class_name)
print(pcall(function() return basic.LineReciever end))`,
			"true\tNetstringReceiver\nfalse\ttest.lua:5: basic has no field 'LineReciever' (did you mean 'LineReceiver'?)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runLua(t, basicHarness+"\n"+tc.code)
			if res.err != nil {
				t.Fatalf("error: %v", res.err)
			}
			// Positions in want count the lines of tc.code alone.
			offset := strings.Count(basicHarness+"\n", "\n")
			want := strings.ReplaceAll(tc.want, "test.lua:5:", fmt.Sprintf("test.lua:%d:", 5+offset))
			if res.out != want {
				t.Errorf("got:\n%q\nwant:\n%q", res.out, want)
			}
		})
	}
}

// modelLines is what ScriptedLines (without the c and s flags) sees of a
// stream, computed in Go from the whole stream at once; "X" stands for any
// line_length_exceeded, whose argument depends on the chunks.
func modelLines(stream, delim string, max int) []string {
	if max == 0 {
		max = 16384
	}
	events := []string{}
	raw := false
	for len(stream) > 0 {
		if raw {
			i := strings.IndexByte(stream, '!')
			if i < 0 {
				events = append(events, "R"+stream)
				break
			}
			events = append(events, "R"+stream[:i])
			stream, raw = stream[i+1:], false
			continue
		}
		i := strings.Index(stream, delim)
		if i < 0 {
			if len(stream) >= max+len(delim) {
				events = append(events, "X")
			}
			break
		}
		line := stream[:i]
		stream = stream[i+len(delim):]
		if len(line) > max {
			events = append(events, "X")
			break
		}
		events = append(events, "L"+line)
		switch line {
		case "raw":
			raw = true
		case "close":
			return events
		case "pause":
			events = append(events, "U")
		}
	}
	return normalizeLines(events, max)
}

// normalizeLines makes ScriptedLines' events independent of the chunks:
// raw data is joined, and X loses its argument (checked to hold a line too
// long).
func normalizeLines(events []string, max int) []string {
	if max == 0 {
		max = 16384
	}
	out := []string{}
	for _, ev := range events {
		switch {
		case ev == "R":
		case strings.HasPrefix(ev, "R") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "R"):
			out[len(out)-1] += ev[1:]
		case strings.HasPrefix(ev, "X") && ev != "X":
			if len(ev)-1 <= max {
				out = append(out, fmt.Sprintf("X with %d bytes only", len(ev)-1))
			} else {
				out = append(out, "X")
			}
		default:
			out = append(out, ev)
		}
	}
	return out
}

// modelNetstrings is what ScriptedNetstrings (without flags) sees of a
// stream: its strings, then "B" if it is malformed.
func modelNetstrings(stream string, max int) []string {
	if max == 0 {
		max = 99999
	}
	events := []string{}
	for len(stream) > 0 {
		digits := 0
		for digits < len(stream) && stream[digits] >= '0' && stream[digits] <= '9' {
			digits++
		}
		if digits == 0 || (digits > 1 && stream[0] == '0') || digits > 15 {
			return append(events, "B")
		}
		n, _ := strconv.Atoi(stream[:digits])
		if n > max {
			return append(events, "B")
		}
		if digits == len(stream) {
			break
		}
		if stream[digits] != ':' {
			return append(events, "B")
		}
		payload := stream[digits+1:]
		if len(payload) < n+1 {
			break
		}
		if payload[n] != ',' {
			return append(events, "B")
		}
		events = append(events, "S"+payload[:n])
		stream = payload[n+1:]
	}
	return events
}

// cutChunks cuts data into chunks of 1 to 32 bytes, one per byte of cuts,
// and a last one with what is left.
func cutChunks(data string, cuts []byte) []string {
	chunks := []string{}
	for _, c := range cuts {
		if len(data) == 0 {
			break
		}
		n := min(int(c)%32+1, len(data))
		chunks = append(chunks, data[:n])
		data = data[n:]
	}
	if len(data) > 0 {
		chunks = append(chunks, data)
	}
	return chunks
}

func oneChunk(data string) []string {
	if data == "" {
		return nil
	}
	return []string{data}
}

var (
	fuzzDelimiters = []string{"\r\n", "\n", "aa", "aba", "\x00", "\r\n\r\n"}
	fuzzLineMax    = []int{0, 4, 9, 33}
	fuzzStringMax  = []int{0, 1, 3, 10}
)

// FuzzLineReceiver checks that LineReceiver makes the same calls however
// the stream is cut, and the calls of the Go model.
func FuzzLineReceiver(f *testing.F) {
	g := newBasicRig(f)
	f.Add([]byte("a\r\nb\r\n"), []byte{0, 3}, uint8(0))
	f.Add([]byte("x\r\nraw\r\nabc!d\r\npause\r\ne\r\nclose\r\nf\r\n"), []byte{1, 5, 2, 9}, uint8(0))
	f.Add([]byte("abcdefgh\nabcdefghij\nk\n"), []byte{2, 2, 2}, uint8(9))
	f.Add([]byte("xaaayaabaaba"), []byte{0, 0, 1}, uint8(2))
	f.Add([]byte("q\r\n\r\nrrrrr\r\n\r"), []byte{4}, uint8(5))
	f.Fuzz(func(t *testing.T, data, cuts []byte, mode uint8) {
		delim := fuzzDelimiters[int(mode)%len(fuzzDelimiters)]
		max := fuzzLineMax[int(mode)/8%len(fuzzLineMax)]
		stream := string(data)
		cut, err := g.run(basicCase{Kind: "lines", Delimiter: &delim, Max: max, Flags: "e", Chunks: cutChunks(stream, cuts)})
		if err != nil {
			t.Fatal(err)
		}
		whole, err := g.run(basicCase{Kind: "lines", Delimiter: &delim, Max: max, Flags: "e", Chunks: oneChunk(stream)})
		if err != nil {
			t.Fatal(err)
		}
		want := modelLines(stream, delim, max)
		if got := normalizeLines(whole.Events, max); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("in one chunk:\n got %q\nwant %q", got, want)
		}
		if got := normalizeLines(cut.Events, max); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("in chunks %q:\n got %q\nwant %q", cutChunks(stream, cuts), got, want)
		}
		if fmt.Sprintf("%q", cut.Log) != fmt.Sprintf("%q", whole.Log) {
			t.Fatalf("transport in chunks:\n%q\nin one:\n%q", cut.Log, whole.Log)
		}
	})
}

// framedNetstrings makes a stream of netstrings of the pieces of data
// between 0xFF bytes, so that the fuzzer reaches valid streams at once.
func framedNetstrings(data []byte) string {
	var b strings.Builder
	for _, p := range bytes.Split(data, []byte{0xFF}) {
		fmt.Fprintf(&b, "%d:%s,", len(p), p)
	}
	return b.String()
}

// FuzzNetstringReceiver checks that NetstringReceiver delivers the same
// strings, and finds the same stream malformed, however it is cut, as the
// Go model does.
func FuzzNetstringReceiver(f *testing.F) {
	g := newBasicRig(f)
	f.Add([]byte("3:abc,0:,"), []byte{1, 2}, false, uint8(0))
	f.Add([]byte("a\xffbc\xff\xff:,"), []byte{0, 7}, true, uint8(0))
	f.Add([]byte("10:0123456789,1:x"), []byte{3, 3, 3}, false, uint8(3))
	f.Add([]byte("01:a,"), []byte{0}, false, uint8(0))
	f.Add([]byte("5:abcde;"), []byte{}, false, uint8(2))
	f.Fuzz(func(t *testing.T, data, cuts []byte, framed bool, maxSel uint8) {
		max := fuzzStringMax[int(maxSel)%len(fuzzStringMax)]
		stream := string(data)
		if framed {
			stream = framedNetstrings(data)
		}
		cut, err := g.run(basicCase{Kind: "netstrings", Max: max, Flags: "e", Chunks: cutChunks(stream, cuts)})
		if err != nil {
			t.Fatal(err)
		}
		whole, err := g.run(basicCase{Kind: "netstrings", Max: max, Flags: "e", Chunks: oneChunk(stream)})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%q", modelNetstrings(stream, max))
		if got := fmt.Sprintf("%q", whole.Events); got != want {
			t.Fatalf("in one chunk:\n got %s\nwant %s", got, want)
		}
		if got := fmt.Sprintf("%q", cut.Events); got != want {
			t.Fatalf("in chunks %q:\n got %s\nwant %s", cutChunks(stream, cuts), got, want)
		}
		if fmt.Sprintf("%q", cut.Log) != fmt.Sprintf("%q", whole.Log) {
			t.Fatalf("transport in chunks:\n%q\nin one:\n%q", cut.Log, whole.Log)
		}
	})
}

// randomChunks cuts stream at random, in sizes from one byte to more than
// the whole.
func randomChunks(r *rand.Rand, stream string) []string {
	sizes := []int{1, 2, 3, 5, 8, 64, 1000}
	chunks := []string{}
	for len(stream) > 0 {
		n := min(sizes[r.Intn(len(sizes))], len(stream))
		chunks = append(chunks, stream[:n])
		stream = stream[n:]
	}
	return chunks
}

func randomBytes(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

func randomLineCase(r *rand.Rand) basicCase {
	delim := fuzzDelimiters[r.Intn(len(fuzzDelimiters))]
	max := []int{0, 3, 5, 8, 13, 40}[r.Intn(6)]
	flags := "e"
	if r.Intn(2) == 0 {
		flags += "c"
	}
	if r.Intn(2) == 0 {
		flags += "s"
	}
	commands := []string{"raw", "close", "pause", "clear", "stop"}
	var b strings.Builder
	for n := r.Intn(30); n > 0; n-- {
		switch r.Intn(10) {
		case 0, 1:
			b.WriteString(delim)
		case 2:
			b.WriteString([]string{"a", "b", "xyz"}[r.Intn(3)])
		case 3:
			b.WriteString(commands[r.Intn(len(commands))] + delim)
		case 4:
			b.WriteString("!")
		case 5:
			b.WriteString([]string{"\r", "\n", "a", "ab"}[r.Intn(4)])
		case 6:
			b.WriteString(strings.Repeat("q", r.Intn(50)))
		default:
			b.WriteString(randomBytes(r, "ab!\r\n\x00q:,0123", r.Intn(5)))
		}
	}
	return basicCase{Kind: "lines", Delimiter: &delim, Max: max, Flags: flags, Chunks: randomChunks(r, b.String())}
}

func randomNetstringCase(r *rand.Rand) basicCase {
	max := []int{0, 1, 3, 10}[r.Intn(4)]
	var b strings.Builder
	for n := r.Intn(12); n > 0; n-- {
		if r.Intn(20) == 0 {
			b.WriteString([]string{"0", "01:", ":", "x", "5:ab", "\n", "12", ",", "1000000"}[r.Intn(9)])
			continue
		}
		payload := []string{"", "a", "close", "x:y,", "0123"}[r.Intn(5)]
		if r.Intn(2) == 0 {
			payload = randomBytes(r, "ab:,09\n\x00", r.Intn(13))
		}
		fmt.Fprintf(&b, "%d:%s,", len(payload), payload)
	}
	return basicCase{Kind: "netstrings", Max: max, Flags: "e", Chunks: randomChunks(r, b.String())}
}

func randomInt32Case(r *rand.Rand) basicCase {
	max := []int{0, 2, 5}[r.Intn(3)]
	var b strings.Builder
	for n := r.Intn(10); n > 0; n-- {
		if r.Intn(20) == 0 {
			b.WriteString(randomBytes(r, "\x00\x01\xffa", r.Intn(6)))
			continue
		}
		payload := []string{"", "ab", "pause"}[r.Intn(3)]
		if r.Intn(2) == 0 {
			payload = randomBytes(r, "ab\x00", r.Intn(9))
		}
		n := len(payload)
		b.WriteString(string([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}) + payload)
	}
	return basicCase{Kind: "int32", Max: max, Flags: "e", Chunks: randomChunks(r, b.String())}
}

// TestBasicAgainstTwisted runs random streams, cut at random, through the
// scripted receivers here and over Twisted 22.4's (testdata/basic_twisted.py),
// and wants the same calls and the same writes.
func TestBasicAgainstTwisted(t *testing.T) {
	py := twistedPython(t)
	r := rand.New(rand.NewSource(10))
	var cases []basicCase
	for i := 0; i < 400; i++ {
		cases = append(cases, randomLineCase(r), randomNetstringCase(r))
		if i%2 == 0 {
			cases = append(cases, randomInt32Case(r))
		}
	}
	// Twisted's side is bytes: the strings go as base64.
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	type wireCase struct {
		basicCase
		Chunks []string `json:"chunks"`
	}
	wire := make([]wireCase, len(cases))
	for i, c := range cases {
		w := wireCase{basicCase: c, Chunks: []string{}}
		if c.Delimiter != nil {
			w.Delimiter = str(enc(*c.Delimiter))
		}
		for _, ch := range c.Chunks {
			w.Chunks = append(w.Chunks, enc(ch))
		}
		wire[i] = w
	}
	in, err := json.Marshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/basic_twisted.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("twisted: %v\n%s", err, stderr.String())
	}
	var twisted []basicResult
	if err := json.Unmarshal(out, &twisted); err != nil {
		t.Fatal(err)
	}
	if len(twisted) != len(cases) {
		t.Fatalf("twisted ran %d cases of %d", len(twisted), len(cases))
	}
	dec := func(xs []string) []string {
		out := []string{}
		for _, x := range xs {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		return out
	}
	g := newBasicRig(t)
	failures := 0
	for i, c := range cases {
		got, err := g.run(c)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		wantEvents, wantLog := dec(twisted[i].Events), dec(twisted[i].Log)
		if fmt.Sprintf("%q", got.Events) != fmt.Sprintf("%q", wantEvents) || fmt.Sprintf("%q", got.Log) != fmt.Sprintf("%q", wantLog) {
			t.Errorf("case %d %s (delimiter %q, max %d, flags %q), chunks %q:\nevents  %q\ntwisted %q\nlog     %q\ntwisted %q",
				i, c.Kind, deref(c.Delimiter), c.Max, c.Flags, c.Chunks, got.Events, wantEvents, got.Log, wantLog)
			if failures++; failures == 5 {
				t.FailNow()
			}
		}
	}
}

// lineCounter is Lua that counts the lines of the chunks it is given.
const lineCounter = `
local basic = require("basic")
local Counter = basic.LineReceiver:extend()
function Counter:line_received(line) self.count = self.count + 1 end
function count_lines(chunks, max_length)
	local p = Counter()
	p.count = 0
	if max_length then p.MAX_LENGTH = max_length end
	p:make_connection({disconnecting = false})
	for i = 1, #chunks do p:data_received(chunks[i]) end
	COUNT = p.count
end
`

// countLines feeds chunks to a fresh line counter and returns the CPU time
// it took (the process's: other processes on the machine do not count) and
// how many lines it counted.
func countLines(tb testing.TB, rt *Runtime, chunks []string, maxLength int) (time.Duration, int) {
	tb.Helper()
	L := rt.L
	t := L.CreateTable(len(chunks), 0)
	for _, c := range chunks {
		t.Append(lua.LString(c))
	}
	var max lua.LValue = lua.LNil
	if maxLength != 0 {
		max = lua.LNumber(maxLength)
	}
	start := cpuTime(tb)
	if err := rt.PCall(L.GetGlobal("count_lines"), t, max); err != nil {
		tb.Fatal(err)
	}
	return cpuTime(tb) - start, int(lua.LVAsNumber(L.GetGlobal("COUNT")))
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func newLineCounter(tb testing.TB) *Runtime {
	tb.Helper()
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	rt := Open(L, Config{Clock: reactor.NewVirtualClock()})
	tb.Cleanup(func() {
		rt.Close()
		L.Close()
	})
	fn, err := L.Load(strings.NewReader(lineCounter), "counter.lua")
	if err != nil {
		tb.Fatal(err)
	}
	if err := rt.PCall(fn); err != nil {
		tb.Fatal(err)
	}
	return rt
}

// TestLineReceiverIsLinear compares the CPU time to parse input of two
// sizes, 8 times apart: linear work takes about 8 times as long, quadratic
// up to 64 times (joining each byte of a long line to the bytes before it
// took 25 times as long here).
func TestLineReceiverIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	rt := newLineCounter(t)
	tests := []struct {
		name  string
		input func(size int) []string
		max   int
	}{
		{"one chunk of 10-byte lines", func(size int) []string {
			return []string{strings.Repeat("01234567\r\n", size/10)}
		}, 0},
		{"a long line a byte at a time", func(size int) []string {
			chunks := make([]string, 0, size+1)
			for i := 0; i < size; i++ {
				chunks = append(chunks, "x")
			}
			return append(chunks, "\r\n")
		}, 1 << 30},
		{"64 KiB chunks of 40-byte lines", func(size int) []string {
			return chunk(strings.Repeat(strings.Repeat("y", 38)+"\r\n", size/40), 64<<10)
		}, 0},
	}
	// 16 times the input: linear work takes about 16 times as long,
	// quadratic work about 256 times. On a noisy machine a ratio can come
	// out high by chance, so a failing one is measured again, with a
	// growing tolerance, as Go's own timing tests do.
	sizes := map[string][2]int{
		"one chunk of 10-byte lines":     {64 << 10, 1 << 20},
		"a long line a byte at a time":   {4 << 10, 64 << 10},
		"64 KiB chunks of 40-byte lines": {128 << 10, 2 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ratio float64
			for attempt, limit := range []float64{32, 48, 64} {
				var best [2]time.Duration
				for i, size := range sizes[tc.name] {
					input := tc.input(size)
					for try := 0; try < 3; try++ {
						runtime.GC() // not the garbage of the run before
						d, _ := countLines(t, rt, input, tc.max)
						if try == 0 || d < best[i] {
							best[i] = d
						}
					}
				}
				ratio = float64(best[1]) / float64(best[0])
				t.Logf("attempt %d: %v for the small input, %v for 16 times as much: x%.1f", attempt+1, best[0], best[1], ratio)
				if ratio <= limit {
					return
				}
			}
			t.Errorf("16 times the input took %.1f times as long: not linear", ratio)
		})
	}
}

// chunk cuts s into pieces of n bytes.
func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// BenchmarkLineReceiver parses 40-byte lines delivered in 64 KiB chunks.
func BenchmarkLineReceiver(b *testing.B) {
	rt := newLineCounter(b)
	const lines = 1 << 16
	chunks := chunk(strings.Repeat(strings.Repeat("y", 38)+"\r\n", lines), 64<<10)
	b.SetBytes(lines * 40)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, n := countLines(b, rt, chunks, 0); n != lines {
			b.Fatalf("counted %d lines of %d", n, lines)
		}
	}
}

// TestLineReceiverOverTCP runs an echo LineReceiver on a real loopback
// connection (the reactor's Go TCP port, with the Lua transport): lines cut
// anyhow by TCP, lose_connection inside line_received, and a line too long.
func TestLineReceiverOverTCP(t *testing.T) {
	L := lua.NewState(lua.Options{CallStackSize: 20000, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	defer L.Close()
	rt := Open(L, Config{OnError: func(e *CallbackError) { t.Errorf("reported: %v", e) }})
	defer rt.Close()
	fn, err := L.Load(strings.NewReader(`
local basic = require("basic")
Echo = basic.LineReceiver:extend{MAX_LENGTH = 1000}
function Echo:line_received(line)
	if line == "quit" then
		self:send_line("bye")
		self.transport:lose_connection()
		return
	end
	self:send_line(#line .. " " .. line)
end
function new_echo() ECHO = Echo() end
function run() require("reactor").run() end
`), "echo.lua")
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.PCall(fn); err != nil {
		t.Fatal(err)
	}
	r, err := rt.Reactor()
	if err != nil {
		t.Fatal(err)
	}
	port, err := r.ListenTCP(0, "127.0.0.1", 50, func(net.Addr) reactor.Protocol {
		if err := rt.PCall(L.GetGlobal("new_echo")); err != nil {
			t.Error(err)
			return nil
		}
		return rt.newLuaStream(L.GetGlobal("ECHO"))
	})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("z", 999)
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"lines in pieces", []string{"hello\r\nwor", "ld\r", "\n" + long[:500], long[500:] + "\r\n", "quit\r\n"},
			"5 hello\r\n5 world\r\n999 " + long + "\r\nbye\r\n"},
		{"nothing after lose_connection is parsed", []string{"a\r\nquit\r\nb\r\n"},
			"1 a\r\nbye\r\n"},
		{"a line too long closes the connection", []string{"ok\r\n" + long + "zz\r\nnot this\r\n"},
			"2 ok\r\n"},
	}
	results := make([]string, len(tests))
	errs := make([]error, len(tests))
	addr := port.Addr().String()
	go func() {
		defer r.CallFromGoroutine(func() { r.Stop() })
		for i, tc := range tests {
			results[i], errs[i] = talk(addr, tc.writes)
		}
	}()
	timedOut := false
	r.CallLater(30*time.Second, func() {
		timedOut = true
		r.Stop()
	})
	if err := rt.PCall(L.GetGlobal("run")); err != nil {
		t.Fatal(err)
	}
	if timedOut {
		t.Fatal("the connections did not end within 30 s")
	}
	for i, tc := range tests {
		if errs[i] != nil {
			t.Errorf("%s: %v", tc.name, errs[i])
		} else if results[i] != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, results[i], tc.want)
		}
	}
}

// talk connects to addr, sends each write separately (a pause between
// them lets each reach the server as its own segment, though nothing relies
// on it) and returns all it reads until the server closes.
func talk(addr string, writes []string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	for _, w := range writes {
		if _, err := c.Write([]byte(w)); err != nil {
			return "", err
		}
		time.Sleep(5 * time.Millisecond)
	}
	var out bytes.Buffer
	_, err = out.ReadFrom(bufio.NewReader(c))
	return out.String(), err
}

func deref(s *string) string {
	if s == nil {
		return "(default)"
	}
	return *s
}
