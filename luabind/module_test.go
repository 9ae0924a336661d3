package luabind

import (
	"slices"
	"testing"
)

// loopscript's own modules that are Modules go through the same lifecycle
// as a host's: opened on the first require, once, in order.
func TestOwnModulesAreModules(t *testing.T) {
	L, rt, _ := testState(t, Config{})
	if err := L.DoString(`
		require("task"); require("defer"); require("task")
		package.loaded.stdio = nil; require("stdio")
		package.loaded.stdio = nil; require("stdio")
		require("protocol")`); err != nil {
		t.Fatal(err)
	}
	var opened []string
	for _, om := range rt.mods.opened {
		opened = append(opened, om.name)
	}
	// defer requires errors itself, through require, before it is done.
	want := []string{"task", "errors", "defer", "stdio", "protocol"}
	if !slices.Equal(opened, want) {
		t.Errorf("opened %q, want %q", opened, want)
	}
	if err := rt.CloseModules(); err != nil || len(rt.mods.opened) != 0 {
		t.Errorf("CloseModules: %v, left %d opened", err, len(rt.mods.opened))
	}
}
