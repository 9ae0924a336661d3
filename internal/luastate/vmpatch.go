package luastate

import (
	"errors"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua runs each instruction through one entry of this table
// (vm.go's jumpTable). Its handlers take the private *callFrame third; an
// unsafe.Pointer is passed the same way.
//
//go:linkname jumpTable github.com/yuin/gopher-lua.jumpTable
var jumpTable [lua.OP_NOP + 1]instFunc

type instFunc func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int

// original holds gopher-lua's handlers of the instructions replaced here;
// it is written once, by init, and only read after.
var original [lua.OP_NOP + 1]instFunc

// patchErr is why the VM was left as gopher-lua's, or nil when the
// handlers below are installed.
var patchErr = installHandlers()

// The handlers are installed by this package's initialisation: Go runs it
// after gopher-lua's (which fills the table) and before any code of a
// package that imports this one, so before any state a loopscript binary
// creates runs, and it happens-before every goroutine the program starts
// (the table is never written again: the race detector has nothing to see).
// A gopher-lua state created by code that does not import this package
// still runs through the patched table, but states not marked with
// MarkLua51 go straight to gopher-lua's own handlers, and so behave as
// gopher-lua's.
func installHandlers() error {
	if err := Supported(); err != nil {
		return err
	}
	if vmLayoutErr != nil {
		return vmLayoutErr
	}
	handlers := map[int]instFunc{
		lua.OP_GETTABLE:   opIndexRead,
		lua.OP_GETTABLEKS: opIndexString,
		lua.OP_SELF:       opIndexString,
		lua.OP_SETTABLE:   opIndexWrite,
		lua.OP_SETTABLEKS: opIndexWrite,
		lua.OP_ADD:        opArith,
		lua.OP_SUB:        opArith,
		lua.OP_MUL:        opArith,
		lua.OP_DIV:        opArith,
		lua.OP_MOD:        opArith,
		lua.OP_POW:        opArith,
		lua.OP_UNM:        opUnm,
		lua.OP_LEN:        opLen,
		lua.OP_CONCAT:     opConcat,
		lua.OP_LT:         opOrder,
		lua.OP_LE:         opOrder,
		lua.OP_CALL:       opCall,
		lua.OP_TAILCALL:   opCall,
		lua.OP_FORPREP:    opForPrep,
		lua.OP_TFORLOOP:   opForIn,
	}
	for op := range handlers {
		if jumpTable[op] == nil {
			return errors.New("luastate: gopher-lua's instruction table is not filled")
		}
	}
	for op, h := range handlers {
		original[op] = jumpTable[op]
		jumpTable[op] = h
	}
	return nil
}

// Lua51VM reports nil when the VM's handlers that raise Lua 5.1's messages
// are installed, else why not.
func Lua51VM() error { return patchErr }

// lua51 is what a state marked by MarkLua51 asks of the VM.
type lua51 struct {
	numberString func(float64) string // a number as `..` writes it
	// fastIndex holds what SetFastIndex registered: the work of __index
	// Go functions the VM does without calling them.
	fastIndex map[*lua.LFunction]FastIndex
	// inHandler is the thread running a message handler, whose calls may
	// use the frames kept for it (see callstack.go); nil when none is.
	inHandler *lua.LState
}

// The mark lives in the metatable slot of the Global's registry table, a
// field nothing else uses: the registry is out of a script's reach
// (gopher-lua has no debug.getregistry), and gopher-lua looks metamethods
// up only in a metatable that is a table, which the mark's userdata is not.
// The handlers read the mark at every instruction that can raise and at
// every %, so it is reached by two loads and a type check, not a lookup by
// name.

// MarkLua51 makes the states of L's Global (L, its coroutines) raise Lua
// 5.1's runtime errors from the VM, compute % as Lua 5.1 does and write
// numbers in `..` with numberString. Other states keep gopher-lua's
// behaviour. It does nothing when Lua51VM reports an error.
func MarkLua51(L *lua.LState, numberString func(float64) string) {
	if patchErr != nil {
		return
	}
	ud := L.NewUserData()
	ud.Value = &lua51{numberString: numberString}
	L.G.Registry.Metatable = ud
}

// markOf is L's mark, or nil when L was not marked.
func markOf(L *lua.LState) *lua51 {
	ud, ok := L.G.Registry.Metatable.(*lua.LUserData)
	if !ok {
		return nil
	}
	m, _ := ud.Value.(*lua51)
	return m
}

// register is the value of register r of the running function.
func register(s *vmState, r int) lua.LValue {
	return s.reg.array[s.currentFrame.LocalBase+r]
}

// rk is the value an RK argument names: a constant or a register.
func rk(s *vmState, arg int) lua.LValue {
	if arg&rkConstant != 0 {
		return s.currentFrame.Fn.Proto.Constants[arg&^rkConstant]
	}
	return s.reg.array[s.currentFrame.LocalBase+arg]
}

// rkRegister is the register an RK argument names, or -1 for a constant:
// Lua 5.1 names only values on the stack.
func rkRegister(arg int) int {
	if arg&rkConstant != 0 {
		return -1
	}
	return arg
}

// typeError raises Lua 5.1's "attempt to OP NAME (a TYPE value)", naming
// register reg (-1: no register) as getobjname would.
func typeError(L *lua.LState, reg int, v lua.LValue, op string) {
	kind, name := "", ""
	if f := stateOf(L).currentFrame; reg >= 0 && !f.Fn.IsG {
		kind, name = objectName(f.Fn.Proto, f.Pc-1, reg)
	}
	if kind == "" {
		L.RaiseError("attempt to %s a %s value", op, v.Type().String())
		return
	}
	L.RaiseError("attempt to %s %s '%s' (a %s value)", op, kind, name, v.Type().String())
}
