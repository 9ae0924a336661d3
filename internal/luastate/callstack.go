package luastate

import lua "github.com/yuin/gopher-lua"

// The call stack's limit, and the frames kept back for message handlers.
//
// Lua 5.1 raises "stack overflow" when a call would go past LUAI_MAXCALLS
// frames, and then lets the error's message handler (xpcall's) run on the
// room it keeps past that limit: xpcall(f, debug.traceback) on a runaway
// recursion gives the traceback, and only a handler that overflows too
// gives "error in error handling". gopher-lua has no such room: its limit
// is the stack's end. So on a marked state the calls a script makes stop
// at CallStackSize less the handler's frames (handlerFrames), raised as
// Lua's positioned "stack overflow" by the handlers of the instructions
// that push a frame: a call, a for-in generator, and a metamethod the VM
// calls (__index, __newindex, arithmetic, __unm, a userdata's __len,
// __concat, __lt, __le), which gopher-lua calls from Go with no check of
// its own. Between EnterHandler and LeaveHandler the thread's calls may use
// those frames too. A program that wants its scripts to have N frames of
// their own creates the state with CallStackSize WithHandlerFrames(N).

// HandlerFrames is how many frames at the end of a marked state's call
// stack are kept for message handlers, at most a quarter of the stack.
const HandlerFrames = 200

// handlerFrames is the number of frames kept for handlers on a stack of n.
func handlerFrames(n int) int { return min(HandlerFrames, n/4) }

// WithHandlerFrames is the CallStackSize that leaves a marked state's
// scripts limit frames of their own, the handlers' kept apart.
func WithHandlerFrames(limit int) int {
	for n := limit; ; n++ {
		if n-handlerFrames(n) >= limit {
			return n
		}
	}
}

// EnterHandler lets L's calls use the frames kept for message handlers,
// until LeaveHandler(L, prev) with the prev it returns. Calls made on other
// threads meanwhile (a coroutine the handler resumes) are limited as
// before. It does nothing on an unmarked state.
func EnterHandler(L *lua.LState) (prev *lua.LState) {
	m := markOf(L)
	if m == nil {
		return nil
	}
	prev, m.inHandler = m.inHandler, L
	return prev
}

// LeaveHandler ends what EnterHandler began: prev is its result.
func LeaveHandler(L *lua.LState, prev *lua.LState) {
	if m := markOf(L); m != nil {
		m.inHandler = prev
	}
}

// callStackAtLimit reports whether a call that pushes a frame on s (L) must
// raise "stack overflow" first. On a marked state that is when the frames
// left are the handlers' and L runs no handler; in a handler, or on an
// unmarked state, when a growing stack (Options.MinimizeStackMemory) holds
// CallStackSize frames, since its own push would panic with no position
// there (its capacity is CallStackSize rounded up to a whole segment; see
// stackIsFull). A fixed stack at its end raises the message itself.
func callStackAtLimit(L *lua.LState, s *vmState) bool {
	// The running frame is the stack's top, and gopher-lua numbers each
	// frame it pushes: far from the limit, that is all there is to read.
	n := s.Options.CallStackSize
	if s.currentFrame.Idx+1 < n-handlerFrames(n) {
		return false
	}
	stack, ok := s.stack.(frameStack)
	if !ok {
		return false
	}
	sp := stack.Sp()
	if sp < n-handlerFrames(n) {
		return false
	}
	if m := markOf(L); m != nil && m.inHandler != L {
		return true
	}
	return s.Options.MinimizeStackMemory && sp >= n
}

// raiseIfAtLimit raises Lua's "stack overflow" at the running instruction
// when a call it makes (a metamethod's) would pass the limit.
func raiseIfAtLimit(L *lua.LState, s *vmState) {
	if callStackAtLimit(L, s) {
		L.RaiseError("stack overflow")
	}
}

// indexCalls reports whether gopher-lua's obj[key] calls a function: the key
// is missing along the chain of __index tables up to one whose __index is a
// function.
func indexCalls(L *lua.LState, obj, key lua.LValue) bool {
	return chainCalls(L, obj, key, "__index")
}

// newindexCalls is indexCalls for an assignment obj[key] = v and __newindex.
func newindexCalls(L *lua.LState, obj, key lua.LValue) bool {
	return chainCalls(L, obj, key, "__newindex")
}

// mayCall reports whether an index through next, an __index or __newindex
// value, may call a function: next is one, or a table with a metatable of
// its own.
func mayCall(next lua.LValue) bool {
	switch next := next.(type) {
	case *lua.LFunction:
		return true
	case *lua.LTable:
		return !isNilValue(next.Metatable)
	}
	return false
}

func chainCalls(L *lua.LState, obj, key lua.LValue, event string) bool {
	for range lua.MaxTableGetLoop { // as far as gopher-lua follows the chain
		if t, ok := obj.(*lua.LTable); ok && !isNilValue(t.RawGet(key)) {
			return false
		}
		next := metamethod(L, obj, event)
		if isFunction(next) {
			return true
		}
		if isNilValue(next) {
			return false
		}
		obj = next
	}
	return false
}
