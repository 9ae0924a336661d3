package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// A callback the reactor calls has no calling instruction to name it (Lua
// 5.1 says "function <FILE:LINE>"), and once the function that made it has
// returned no live local holds it: the three counters of
// scripts/three-counters.lua are `local function count` inside
// start_counter. definitionName recovers the name the source gave the
// function where it was made, which is what a reader calls it.

// definitionName is the name fn was given where it was defined, "" when the
// source gave it none (a function literal passed as an argument):
//   - a function that refers to itself by an upvalue (the usual way to
//     reschedule: call_later(1, count) inside count) is named by it;
//   - else the instruction that made the closure is found in the code of a
//     function still on the stack (the main chunk, while reactor.run runs),
//     and what stored it there names it: a local, a global, an upvalue, or a
//     table field ("M.f" and "M:f" both give "f", as Lua's field names do).
func definitionName(L *lua.LState, fn *lua.LFunction) string {
	if fn == nil || fn.IsG {
		return ""
	}
	for i, uv := range fn.Upvalues {
		if uv != nil && uv.Value() == fn && i < len(fn.Proto.DbgUpvalues) {
			return fn.Proto.DbgUpvalues[i]
		}
	}
	seen := map[*lua.FunctionProto]bool{}
	name := ""
	nearLevels(L, 0, func(dbg *lua.Debug) bool {
		f, _ := L.GetInfo("f", dbg, lua.LNil)
		lf, ok := f.(*lua.LFunction)
		if !ok || lf.IsG {
			return false
		}
		parent, child := findParent(lf.Proto, fn.Proto, seen)
		if parent == nil {
			return false
		}
		name = closureName(parent, child)
		return true
	})
	return name
}

// findParent searches the prototypes nested in p (p included) for the one
// whose child number i is target. seen keeps each tree searched once.
func findParent(p, target *lua.FunctionProto, seen map[*lua.FunctionProto]bool) (*lua.FunctionProto, int) {
	if seen[p] {
		return nil, 0
	}
	seen[p] = true
	for i, c := range p.FunctionPrototypes {
		if c == target {
			return p, i
		}
	}
	for _, c := range p.FunctionPrototypes {
		if parent, i := findParent(c, target, seen); parent != nil {
			return parent, i
		}
	}
	return nil, 0
}

// Instruction fields, in gopher-lua's layout of Lua 5.1's opcodes: the
// opcode in the top 6 bits, then A (8 bits), C (9) and B (9); Bx is B and C
// together. An RK operand with its top bit set names a constant.
func opcode(inst uint32) int { return int(inst >> 26) }
func argA(inst uint32) int   { return int(inst>>18) & 0xff }
func argB(inst uint32) int   { return int(inst & 0x1ff) }
func argC(inst uint32) int   { return int(inst>>9) & 0x1ff }
func argBx(inst uint32) int  { return int(inst & 0x3ffff) }

const rkConstant = 1 << 8

// closureName names the closure of child prototype number child made in p:
// by the local register it lands in, or by the instruction right after it
// that stores it (SETGLOBAL, SETUPVAL, SETTABLE, MOVE into a local).
func closureName(p *lua.FunctionProto, child int) string {
	code := p.Code
	for pc, inst := range code {
		if opcode(inst) != lua.OP_CLOSURE || argBx(inst) != child {
			continue
		}
		reg := argA(inst)
		// The closure's upvalues follow it as pseudo-instructions.
		next := pc + 1 + int(p.FunctionPrototypes[child].NumUpvalues)
		if name := localName(p, reg, next); name != "" {
			return name
		}
		if next >= len(code) {
			return ""
		}
		store := code[next]
		switch opcode(store) {
		case lua.OP_SETGLOBAL:
			if argA(store) == reg {
				return stringConstant(p, argBx(store))
			}
		case lua.OP_SETUPVAL:
			if argA(store) == reg && argB(store) < len(p.DbgUpvalues) {
				return p.DbgUpvalues[argB(store)]
			}
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			if argC(store) == reg {
				return keyName(p, argB(store), pc)
			}
		case lua.OP_MOVE:
			if argB(store) == reg {
				return localName(p, argA(store), next+1)
			}
		}
		return ""
	}
	return ""
}

// localName is the name of the local variable in register reg once the
// instruction before pc has run, "" when reg holds no local (a temporary).
func localName(p *lua.FunctionProto, reg, pc int) string {
	name, _ := (&lua.LFunction{Proto: p}).LocalName(reg+1, pc)
	if name == "" || name[0] == '(' { // "(for index)" and the like
		return ""
	}
	return name
}

// keyName is the string key of the SETTABLE storing the closure made at
// closurePC: a constant, or the register the LOADK right before the closure
// filled with one (gopher-lua compiles `function M.f()` that way).
func keyName(p *lua.FunctionProto, rk, closurePC int) string {
	if rk&rkConstant != 0 {
		return stringConstant(p, rk&^rkConstant)
	}
	if closurePC > 0 {
		if load := p.Code[closurePC-1]; opcode(load) == lua.OP_LOADK && argA(load) == rk {
			return stringConstant(p, argBx(load))
		}
	}
	return ""
}

func stringConstant(p *lua.FunctionProto, i int) string {
	if i < len(p.Constants) {
		if s, ok := p.Constants[i].(lua.LString); ok {
			return string(s)
		}
	}
	return ""
}
