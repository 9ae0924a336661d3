package luastate

import (
	lua "github.com/yuin/gopher-lua"
)

// Naming the value an error is about, as Lua 5.1's getobjname does: a
// register is a local when a local variable lives in it at the failing
// instruction; otherwise the instruction that last wrote it tells where the
// value came from (a global, a field, an upvalue, a method, or a copy of
// another register). gopher-lua compiles to Lua 5.1's instruction set plus
// GETTABLEKS, SETTABLEKS, MOVEN and NOP, so the same reading works on its
// bytecode.

// Fields of an instruction (gopher-lua's encoding, Lua 5.1's layout).
func opcodeOf(i uint32) int { return int(i >> 26) }
func argA(i uint32) int     { return int(i>>18) & 0xff }
func argB(i uint32) int     { return int(i & 0x1ff) }
func argC(i uint32) int     { return int(i>>9) & 0x1ff }
func argBx(i uint32) int    { return int(i & 0x3ffff) }
func argSBx(i uint32) int   { return argBx(i) - 0x3ffff>>1 }

// rkConstant is the bit of a B or C argument that makes it a constant's index.
const rkConstant = 0x100

// objectName is how Lua 5.1 names register reg of proto p at instruction pc
// (the failing one): kind is "local", "global", "field", "upvalue" or
// "method", and kind is "" when no name is known.
func objectName(p *lua.FunctionProto, pc, reg int) (kind, name string) {
	if name, ok := localName(p, pc, reg); ok {
		return "local", name
	}
	inst, ok := lastWrite(p, pc, reg)
	if !ok {
		return "", ""
	}
	switch opcodeOf(inst) {
	case lua.OP_GETGLOBAL:
		if k := argBx(inst); k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return "global", string(s)
			}
		}
	case lua.OP_MOVE, lua.OP_MOVEN:
		if b := argB(inst); b < argA(inst) {
			return objectName(p, pc, b)
		}
	case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
		return "field", constantName(p, argC(inst))
	case lua.OP_GETUPVAL:
		if u := argB(inst); u < len(p.DbgUpvalues) {
			return "upvalue", p.DbgUpvalues[u]
		}
		return "upvalue", "?"
	case lua.OP_SELF:
		return "method", constantName(p, argC(inst))
	}
	return "", ""
}

// constantName is the string constant an RK argument names, else "?".
func constantName(p *lua.FunctionProto, rk int) string {
	if rk&rkConstant != 0 {
		if k := rk &^ rkConstant; k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// localName is the local variable held in register reg at instruction pc.
// gopher-lua records a local's range as the index of its first instruction
// in scope (StartPc) and of its last (EndPc, inclusive), where Lua 5.1's
// endpc is one past; locals are listed in the order they come into scope,
// so the n-th one alive is in register n.
func localName(p *lua.FunctionProto, pc, reg int) (string, bool) {
	n := reg
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc <= l.EndPc {
			if n == 0 {
				return l.Name, true
			}
			n--
		}
	}
	return "", false
}

// writesA reports whether an opcode stores into its register A.
var writesA = [lua.OP_NOP + 1]bool{
	lua.OP_MOVE: true, lua.OP_MOVEN: true, lua.OP_LOADK: true, lua.OP_LOADBOOL: true,
	lua.OP_LOADNIL: true, lua.OP_GETUPVAL: true, lua.OP_GETGLOBAL: true,
	lua.OP_GETTABLE: true, lua.OP_GETTABLEKS: true, lua.OP_NEWTABLE: true, lua.OP_SELF: true,
	lua.OP_ADD: true, lua.OP_SUB: true, lua.OP_MUL: true, lua.OP_DIV: true, lua.OP_MOD: true,
	lua.OP_POW: true, lua.OP_UNM: true, lua.OP_NOT: true, lua.OP_LEN: true, lua.OP_CONCAT: true,
	lua.OP_TESTSET: true, lua.OP_CALL: true, lua.OP_TAILCALL: true, lua.OP_FORLOOP: true,
	lua.OP_FORPREP: true, lua.OP_CLOSURE: true, lua.OP_VARARG: true,
}

// lastWrite is the instruction before pc that last stored into register
// reg, following the code from the start as Lua 5.1's symbolic execution
// does: a forward jump that lands at or before pc skips the code it jumps
// over (that code did not run on the way to pc, or ran only on another
// path). ok is false when no instruction wrote it (a parameter, say).
func lastWrite(p *lua.FunctionProto, pc, reg int) (inst uint32, ok bool) {
	code := p.Code
	if pc > len(code) {
		pc = len(code)
	}
	last := -1
	for i := 0; i < pc; i++ {
		in := code[i]
		op := opcodeOf(in)
		if op > lua.OP_NOP {
			return 0, false
		}
		a := argA(in)
		if writesA[op] && a == reg {
			last = i
		}
		switch op {
		case lua.OP_LOADNIL:
			if a <= reg && reg <= argB(in) {
				last = i
			}
		case lua.OP_SELF:
			if reg == a+1 {
				last = i
			}
		case lua.OP_TFORLOOP:
			if reg >= a+2 {
				last = i
			}
		case lua.OP_CALL, lua.OP_TAILCALL:
			if reg >= a {
				last = i
			}
		case lua.OP_JMP, lua.OP_FORLOOP, lua.OP_FORPREP:
			if dest := i + 1 + argSBx(in); i < dest && dest <= pc {
				i = dest - 1
			}
		case lua.OP_SETLIST:
			if argC(in) == 0 {
				i++ // the next word is the block number, not an instruction
			}
		case lua.OP_CLOSURE:
			// The instructions after a CLOSURE list the new function's
			// upvalues; they are not executed.
			if k := argBx(in); k < len(p.FunctionPrototypes) {
				i += int(p.FunctionPrototypes[k].NumUpvalues)
			}
		}
	}
	if last < 0 {
		return 0, false
	}
	return code[last], true
}
