package luastate

import (
	"bufio"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's io library keeps each file in a private lFile, whose reader
// (a *bufio.Reader, nil for a file opened only to write) is the one buffer
// every read of the file goes through. FileReader hands it out, so that
// loopscript can read a file's formats as Lua 5.1 does (gopher-lua reads
// "*n" with Go's Fscanf, which stops at a newline) without losing what the
// buffer holds.

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
	file := p.Elem()
	if file.Kind() != reflect.Struct || file.Type().Name() != "lFile" || file.Type().PkgPath() != Module {
		return nil, false
	}
	field, ok := file.Type().FieldByName("reader")
	if !ok || field.Type != reflect.TypeFor[*bufio.Reader]() {
		return nil, false
	}
	return *(**bufio.Reader)(unsafe.Pointer(file.Field(field.Index[0]).UnsafeAddr())), true
}
