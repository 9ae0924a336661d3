package luabind

import (
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// os.clock counts processor time, as Lua 5.1's does: waiting costs none of
// it, work does. The bounds are loose, for a loaded machine.
func TestOSClockIsProcessorTime(t *testing.T) {
	L, _, _ := testState(t, Config{})
	L.SetGlobal("wait", L.NewFunction(func(L *lua.LState) int {
		time.Sleep(time.Duration(float64(L.CheckNumber(1)) * float64(time.Second)))
		return 0
	}))
	err := L.DoString(`
local t0 = os.clock()
assert(type(t0) == "number" and t0 > 0, "os.clock() should be the CPU time so far")
wait(0.3)
waited = os.clock() - t0
local t1 = os.clock()
local x = 0
while os.clock() - t1 < 0.05 do x = x + 1 end
worked = os.clock() - t1
`)
	if err != nil {
		t.Fatal(err)
	}
	if waited := float64(L.GetGlobal("waited").(lua.LNumber)); waited > 0.2 {
		t.Errorf("os.clock advanced %.3f s over a 0.3 s sleep: it counts wall time, not processor time", waited)
	}
	if worked := float64(L.GetGlobal("worked").(lua.LNumber)); worked < 0.05 {
		t.Errorf("os.clock advanced %.3f s over a busy loop that waits for 0.05 s of it", worked)
	}
}
