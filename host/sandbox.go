package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loopscript/loopscript/internal/luastate"
	"github.com/loopscript/loopscript/luabind"
	lua "github.com/yuin/gopher-lua"
)

// Sandbox restricts a host to what untrusted scripts may do. Set
// Options.Sandbox to use it; the zero value is the strictest sandbox.
//
// A sandboxed script gets only the safe parts of the standard library: the
// base functions without dofile and loadfile (load and loadstring compile
// strings only), string, table, math, coroutine, and os.time, os.clock,
// os.date and os.difftime. There is no io, no debug, no os.execute, remove,
// rename, exit, getenv or tmpname, no package.loadlib. require finds the
// host's own modules (reactor, task, the reactor installers, plugins) and Lua
// files inside AllowedDirs, nothing else.
//
// Under a sandbox, Options.MaxCallbackTime defaults to
// DefaultSandboxCallbackTime, so no callback and no stretch of the main chunk
// can hold the host's goroutine for long; set Options.MaxRunTime too if the
// script must not keep the reactor running for ever. Strings built by
// string.rep, string.format and table.concat are capped at
// DefaultSandboxStringSize unless Options.MaxStringSize says otherwise.
type Sandbox struct {
	// AllowedDirs are the folders require may load Lua files from: for
	// require("a.b"), a/b.lua or a/b/init.lua inside one of them, tried in
	// order. A file must lie inside its folder, symbolic links included.
	// Empty: require finds only the host's modules.
	AllowedDirs []string
	// CallStackSize is the deepest nesting of Lua calls; deeper recursion
	// raises "stack overflow". Zero means DefaultSandboxCallStack, the same
	// depth as outside a sandbox (the registry bounds the memory).
	CallStackSize int
	// RegistryMaxSize caps the value stack of each coroutine (gopher-lua's
	// "registry"), in values: the arguments, results and locals live at
	// once. Beyond it a script gets "registry overflow". Zero means
	// DefaultSandboxRegistry.
	RegistryMaxSize int

	// AllowNetwork lets scripts make sockets, listeners and connections
	// (TCP, UNIX, UDP); AllowProcesses lets them start child processes;
	// AllowStdio lets them read the process's standard input through
	// stdio.StandardIO. Without them, the functions stay present and raise
	// "listen_tcp: not allowed in the sandbox (network)".
	AllowNetwork   bool
	AllowProcesses bool
	AllowStdio     bool
	// AllowDescriptors lets scripts reach descriptors by number: add_reader
	// and add_writer of an object whose fileno is not a socket the script
	// opened (passed as itself), and StandardIO on descriptors other than 0
	// and 1. Without it they raise "add_reader: not allowed in the sandbox
	// (descriptor)".
	AllowDescriptors bool
	// ApproveIO, when set, is asked about each call the Allow fields let
	// through (the address, the socket's path, the program, the
	// descriptor; see luabind.IORequest); a non-nil error refuses that call
	// with the error's text. A host name is asked about before it is looked
	// up, and each address it resolves to before it is used (Name then
	// holds the host name); a UNIX path or a program arrives absolute,
	// cleaned and free of symbolic links, after the PATH search, and the
	// call uses exactly that path.
	ApproveIO func(luabind.IORequest) error
}

// ErrSandboxIO is the error of an I/O call a Sandbox does not allow.
var ErrSandboxIO = errors.New("not allowed in the sandbox")

// allowIO is the sandbox's luabind.Config.AllowIO.
func (sb *Sandbox) allowIO(q luabind.IORequest) error {
	allowed := false
	switch q.Kind {
	case luabind.IONetwork:
		allowed = sb.AllowNetwork
	case luabind.IOProcess:
		allowed = sb.AllowProcesses
	case luabind.IOStdio:
		allowed = sb.AllowStdio
	case luabind.IODescriptor:
		allowed = sb.AllowDescriptors
	}
	if !allowed {
		return fmt.Errorf("%w (%s)", ErrSandboxIO, q.Kind)
	}
	if sb.ApproveIO != nil {
		return sb.ApproveIO(q)
	}
	return nil
}

// Defaults of a Sandbox's fields.
const (
	DefaultSandboxCallStack = callStackSize
	DefaultSandboxRegistry  = 1 << 16
)

// Sizes of the Lua state outside a sandbox. The registry (the value stack)
// may grow to a million slots, in steps large enough that growing it stays
// linear: gopher-lua copies it whole at each step, and with its default step
// of 32 pushing a million values (unpack, string.byte) took minutes in Go
// code that no time limit can interrupt. Past that, a script gets "registry
// overflow".
//
// Lua calls may nest 20,000 deep, Lua 5.1's LUAI_MAXCALLS. The call stack
// grows on demand (gopher-lua's MinimizeStackMemory), in segments of eight
// frames: allocated whole, it would be a 1.6 MB object of pointers that the
// Go collector scans at every cycle, however shallow the script. A full
// stack is still Lua's "stack overflow" at the calling line (raised by
// internal/luastate's call handler and protected call, which gopher-lua's
// growing stack lacks), and no protected call enters gopher-lua's PCall on
// a full one (luastate.PCallSafe says why). The stack holds
// luastate.HandlerFrames more, for xpcall's handler of a "stack overflow".
const (
	callStackSize    = 20000
	registryMaxSize  = 1 << 20
	registryGrowStep = 1 << 14
)

// newState creates the Lua state: all the standard libraries, or only the
// safe ones under a sandbox.
func newState(sb *Sandbox) *lua.LState {
	if sb == nil {
		return lua.NewState(lua.Options{
			CallStackSize:       luastate.WithHandlerFrames(callStackSize),
			MinimizeStackMemory: true,
			RegistryMaxSize:     registryMaxSize,
			RegistryGrowStep:    registryGrowStep,
			// Lets a Go panic in a builtin be reported with the Lua position
			// (see luabind.goPanicMessage); it costs nothing until one happens.
			IncludeGoStackTrace: true,
		})
	}
	stack, registry := sb.CallStackSize, sb.RegistryMaxSize
	if stack <= 0 {
		stack = DefaultSandboxCallStack
	}
	if registry <= 0 {
		registry = DefaultSandboxRegistry
	}
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       luastate.WithHandlerFrames(stack),
		RegistrySize:        min(lua.RegistrySize, registry),
		RegistryMaxSize:     registry,
		RegistryGrowStep:    min(registryGrowStep, registry),
		MinimizeStackMemory: true,
		IncludeGoStackTrace: true,
	})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage}, // first: the others register in it
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	return L
}

// sandboxOS is what stays of the os library in a sandbox.
var sandboxOS = map[string]bool{"time": true, "clock": true, "date": true, "difftime": true}

// restrict removes from a sandboxed state what newState could not leave out:
// the unsafe functions of the libraries it opened, and require's search of
// package.path.
func (h *Host) restrict(sb *Sandbox) {
	L := h.state
	for _, name := range []string{"dofile", "loadfile", "_printregs"} {
		L.SetGlobal(name, lua.LNil)
	}
	if os, ok := L.GetGlobal("os").(*lua.LTable); ok {
		var unsafe []lua.LValue
		os.ForEach(func(k, _ lua.LValue) {
			if !sandboxOS[lua.LVAsString(k)] {
				unsafe = append(unsafe, k)
			}
		})
		for _, k := range unsafe {
			os.RawSet(k, lua.LNil)
		}
	}
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	for _, name := range []string{"loadlib", "path", "cpath"} {
		pkg.RawSetString(name, lua.LNil)
	}
	// package.loaders and the registry's _LOADERS are one table: keep the
	// preload searcher, put ours in place of the one reading package.path.
	loaders, ok := pkg.RawGetString("loaders").(*lua.LTable)
	if !ok {
		return
	}
	preload := loaders.RawGetInt(1)
	for i := loaders.Len(); i >= 1; i-- {
		loaders.RawSetInt(i, lua.LNil)
	}
	loaders.RawSetInt(1, preload)
	if len(sb.AllowedDirs) > 0 {
		dirs := append([]string(nil), sb.AllowedDirs...)
		loaders.RawSetInt(2, L.NewFunction(func(L *lua.LState) int { return searchDirs(L, dirs) }))
	}
}

// searchDirs is the searcher of require in a sandbox: it looks for the
// module in the allowed folders through os.Root, which refuses any path
// (.., absolute, a symbolic link) that leads outside the folder.
func searchDirs(L *lua.LState, dirs []string) int {
	name := L.CheckString(1)
	if !moduleName().MatchString(name) {
		L.Push(lua.LString(fmt.Sprintf("\n\tno module '%s' in the allowed folders (invalid name)", name)))
		return 1
	}
	rel := strings.ReplaceAll(name, ".", "/")
	var tried []string
	for _, dir := range dirs {
		for _, file := range []string{rel + ".lua", rel + "/init.lua"} {
			path := filepath.Join(dir, file)
			code, err := readInside(dir, file)
			if err != nil {
				tried = append(tried, "\n\tno file '"+path+"'")
				continue
			}
			fn, err := luabind.Load(L, bytes.NewReader(code), path)
			if err != nil {
				// No position, as Lua's: the message names the file.
				L.Error(lua.LString(fmt.Sprintf("error loading module '%s' from file '%s':\n\t%v", name, path, err)), 0)
			}
			L.Push(fn)
			return 1
		}
	}
	// As Lua 5.1's searchers: each line starts "\n\t", and require joins them.
	L.Push(lua.LString(strings.Join(tried, "")))
	return 1
}

// readInside reads the file at rel inside dir, refusing to leave dir.
func readInside(dir, rel string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(rel)
}
