package luastate

import (
	"bufio"
	"reflect"
	"sync/atomic"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's io library keeps each file in a private lFile, whose reader
// (a *bufio.Reader, nil for a file opened only to write) is the one buffer
// every read of the file goes through. FileReader hands it out, so that
// loopscript can read a file's formats as Lua 5.1 does (gopher-lua reads
// "*n" with Go's Fscanf, which stops at a newline) without losing what the
// buffer holds.

// fileLayout is where an lFile keeps its reader, found by reflection at the
// first FileReader of a file and read at every later one (a file's read
// is a call per line).
var fileLayout atomic.Pointer[readerField]

type readerField struct {
	typ    reflect.Type // *lFile
	offset uintptr
}

// FileReader returns the reader of v when v is one of gopher-lua's files
// (isFile), nil for a file that cannot be read. It reports false for any
// other value, and when the linked gopher-lua's lFile has no reader field
// of that type.
func FileReader(v lua.LValue) (r *bufio.Reader, isFile bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok || ud.Value == nil {
		return nil, false
	}
	p := reflect.ValueOf(ud.Value)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return nil, false
	}
	field := fileLayout.Load()
	if field == nil || field.typ != p.Type() {
		if field = lFileReader(p.Type()); field == nil {
			return nil, false
		}
		fileLayout.Store(field)
	}
	return *(**bufio.Reader)(unsafe.Add(p.UnsafePointer(), field.offset)), true
}

// lFileReader is the reader field of ptr's element when ptr is a pointer to
// gopher-lua's lFile with a *bufio.Reader named reader, else nil.
func lFileReader(ptr reflect.Type) *readerField {
	file := ptr.Elem()
	if file.Kind() != reflect.Struct || file.Name() != "lFile" || file.PkgPath() != Module {
		return nil
	}
	f, ok := file.FieldByName("reader")
	if !ok || f.Type != reflect.TypeFor[*bufio.Reader]() || len(f.Index) != 1 {
		return nil
	}
	return &readerField{typ: ptr, offset: f.Offset}
}
