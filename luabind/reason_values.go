package luabind

import (
	"sync"
	"syscall"

	"github.com/loopscript/loopscript/reactor"
	lua "github.com/yuin/gopher-lua"
)

// The values a reason's fields hold, boxed into lua.LValue once for the
// process instead of at every reason: a message that never changes, a
// small number (an exit code, a signal, an errno, an exit status), an
// errno's text. Storing a Go string or a non-zero float64 in an interface
// allocates, and a Failure was made for every ended process and closed
// connection. The boxed values are immutable, so every LState may share
// them.

// lostMessage is what Twisted's CONNECTION_LOST says.
const lostMessage = "Connection to the other side was lost in a non-clean fashion."

// fixedMessages are the reasons' messages that never change, boxed.
var fixedMessages = sync.OnceValue(func() map[string]lua.LValue {
	m := map[string]lua.LValue{}
	for _, text := range []string{
		reactor.ErrConnectionDone.Error(),
		reactor.ErrConnectionAborted.Error(),
		"Uh: " + reactor.ErrFdWentAway.Error(),
		reactor.ErrLostAtShutdown.Error(),
		lostMessage,
		reactor.ErrConnectTimeout.Error(),
		reactor.ErrUserAborted.Error(),
		(&reactor.ProcessDone{}).Error(),
		reactor.ErrProcessExitedAlready.Error(),
	} {
		m[text] = lua.LString(text)
	}
	return m
})

// messageValue is message as a Lua string, boxed once if it is one of the
// fixed messages.
func messageValue(message string) lua.LValue {
	if v, ok := fixedMessages()[message]; ok {
		return v
	}
	return lua.LString(message)
}

// boxedNumbers hold 0 to 255 (exit codes, signals, errnos) and the wait
// statuses of the exit codes (code << 8).
var boxedNumbers = sync.OnceValue(func() *[2][256]lua.LValue {
	t := new([2][256]lua.LValue)
	for i := range t[0] {
		t[0][i] = lua.LNumber(i)
		t[1][i] = lua.LNumber(i << 8)
	}
	return t
})

// numberValue is n as a Lua number, boxed once if it is small or the wait
// status of an exit code.
func numberValue(n int) lua.LValue {
	small, statuses := &boxedNumbers()[0], &boxedNumbers()[1]
	switch {
	case n >= 0 && n < len(small):
		return small[n]
	case n >= 0 && n&0xff == 0 && n>>8 < len(statuses):
		return statuses[n>>8]
	}
	return lua.LNumber(n)
}

// errnoTexts are os_error's texts of the errnos below 256.
var errnoTexts = sync.OnceValue(func() *[256]lua.LValue {
	t := new([256]lua.LValue)
	for i := range t {
		t[i] = lua.LString(capitalized(syscall.Errno(i).Error()))
	}
	return t
})

// errnoTextValue is os_error for errno: Go's text of it, capitalized as
// Python's os.strerror words it.
func errnoTextValue(errno syscall.Errno) lua.LValue {
	if texts := errnoTexts(); errno < syscall.Errno(len(texts)) {
		return texts[errno]
	}
	return lua.LString(capitalized(errno.Error()))
}
