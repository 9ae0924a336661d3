package luabind

import (
	"os"
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// SequentialSpawns is W11's sequential half: N spawns of /bin/true, the
// next from the last one's process_ended, then done = the number started;
// the protocol keeps the ProcessProtocol's other defaults, as most scripts
// do. It is exported for BenchmarkSpawnSequential, in package
// luabind_test, which times what TestSpawnAllocations counts.
const SequentialSpawns = `
local reactor = require("reactor")
local protocol = require("protocol")
local Proc = protocol.ProcessProtocol:extend()
local started = 0
local function next_one()
	if started == N then return reactor.stop() end
	started = started + 1
	reactor.spawn_process(Proc(), "/bin/true", {"true"})
end
function Proc:process_ended(reason)
	if reason.value.exit_code ~= 0 then error("/bin/true ended with " .. tostring(reason.value.exit_code)) end
	next_one()
end
reactor.call_when_running(next_one)
reactor.run()
done = started`

// TestSpawnAllocations pins what a spawn allocates, the reactor's part and
// the bindings' together: about 10 are the reactor's (see its own
// TestSpawnAllocations), 20 the reason process_ended gets, the rest the
// protocol instance and its fields, the transport and the arguments. It
// was 83 when the default process_exited and the three *_connection_lost
// were called (process_exited with a reason of its own), 63 before the
// reactor kept a spawn's parts in its Process (49 after), 49 when the
// default make_connection ran in Lua, and 45 before the reason's message
// was boxed once and the transport's userdata lived in luaProcess.
func TestSpawnAllocations(t *testing.T) {
	if _, err := os.Stat("/bin/true"); err != nil {
		t.Skip("no /bin/true:", err)
	}
	if raceEnabled {
		t.Skip("the race detector's allocations are counted too")
	}
	mallocs := func(n int) uint64 {
		L, rt, _ := testState(t, Config{})
		fn, err := L.Load(strings.NewReader(SequentialSpawns), "spawns.lua")
		if err != nil {
			t.Fatal(err)
		}
		L.SetGlobal("N", lua.LNumber(n))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := rt.PCall(fn); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if got := L.GetGlobal("done"); got != lua.LNumber(n) {
			t.Fatalf("%v spawns ended, want %d", got, n)
		}
		return after.Mallocs - before.Mallocs
	}
	const few, many = 50, 250
	mallocs(1) // what is made once per process (the boxed reason values) is left out
	perSpawn := float64(mallocs(many)-mallocs(few)) / (many - few)
	t.Logf("%.1f allocations per spawn", perSpawn)
	const limit = 43.5 // half an allocation of room for what the runtime makes meanwhile
	if perSpawn > limit {
		t.Errorf("a spawn allocates %.1f times, want at most %v", perSpawn, limit)
	}
}
