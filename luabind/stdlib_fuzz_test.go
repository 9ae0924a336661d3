package luabind

import (
	"errors"
	"math"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// FuzzStdlibArgs calls the base, table and math functions loopscript
// checks or implements as Lua 5.1's with values picked from a palette
// (strings, numbers, tables of every shape, nil, a function, a table whose
// __index raises, and no value at all): none may panic in Go, and a bad
// argument is always Lua 5.1's "bad argument #N to 'NAME' (...)".
// table.insert is left out: given a position far below 1 it moves the
// elements one at a time, as Lua 5.1's does, which is slow, not wrong.
func FuzzStdlibArgs(f *testing.F) {
	f.Add([]byte{0, 5, 2, 3}, "x", 1.0)
	f.Add([]byte{7, 18, 18, 18, 20, 3, 2, 2}, "2", 2.5)
	f.Add([]byte{30, 17, 1, 1, 33, 2, 2, 2}, "0x10", math.Inf(-1))
	f.Add([]byte{40, 2, 1, 0, 12, 23, 3, 4}, "", math.NaN())
	f.Fuzz(func(t *testing.T, program []byte, s string, n float64) {
		L, _, _ := fuzzState(t, func(IORequest) error { return errors.New("no I/O here") })
		palette := fuzzPalette(t, L, s, n)
		type target struct{ lib, name string }
		var targets []target
		for name := range baseArgChecks {
			targets = append(targets, target{"", name})
		}
		for _, name := range []string{"remove", "sort", "maxn", "getn", "setn", "foreach", "foreachi", "concat"} {
			targets = append(targets, target{"table", name})
		}
		for _, name := range []string{"abs", "floor", "fmod", "modf", "frexp", "ldexp", "max", "min", "pow", "log", "huge"} {
			targets = append(targets, target{"math", name})
		}
		// Map iteration order must not pick the function: sort the names.
		sort.Slice(targets, func(i, j int) bool {
			return targets[i].lib+"."+targets[i].name < targets[j].lib+"."+targets[j].name
		})
		for i := 0; i+3 < len(program); i += 4 {
			tg := targets[int(program[i])%len(targets)]
			fn := L.GetGlobal(tg.name)
			if tg.lib != "" {
				fn = L.GetField(L.GetGlobal(tg.lib), tg.name)
			}
			L.Push(fn)
			nargs := 0
			for _, b := range program[i+1 : i+4] {
				if int(b)%(len(palette)+1) == len(palette) {
					break // no value from here on
				}
				L.Push(palette[int(b)%(len(palette)+1)])
				nargs++
			}
			err := L.PCall(nargs, lua.MultRet, nil)
			L.SetTop(0)
			var apiErr *lua.ApiError
			if !errors.As(err, &apiErr) {
				continue
			}
			msg := lua.LVAsString(apiErr.Object)
			if apiErr.Type == lua.ApiErrorPanic || goPanicText(msg) {
				t.Fatalf("%s.%s: a Go panic: %v", tg.lib, tg.name, apiErr)
			}
			if i := strings.Index(msg, "bad argument #"); i >= 0 && !strings.Contains(msg[i:], " to '") {
				t.Fatalf("%s.%s: not Lua 5.1's wording: %q", tg.lib, tg.name, msg)
			}
		}
	})
}
