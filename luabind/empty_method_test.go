package luabind

import (
	"io"
	"testing"
)

// TestHasEmptyMethod pins which methods may be left uncalled: only a Lua
// function with an empty body found without running Lua, and none while
// callbacks are traced.
func TestHasEmptyMethod(t *testing.T) {
	cases := []struct {
		name   string
		setup  string // makes the global obj
		method string // "m" if ""
		want   bool
	}{
		{"empty, on the object", `obj = {m = function(self, reason) end}`, "", true},
		{"empty vararg", `obj = {m = function(...) end}`, "", true},
		{"empty, inherited through __index tables", `
			local Base = {m = function() end}; Base.__index = Base
			local Sub = setmetatable({}, Base); Sub.__index = Sub
			obj = setmetatable({}, Sub)`, "", true},
		{"the ProcessProtocol's default", `obj = require("protocol").ProcessProtocol()`, "process_exited", true},
		{"a body", `obj = {m = function(self) self.called = true end}`, "", false},
		{"a return value", `obj = {m = function() return 1 end}`, "", false},
		{"a Go function", `obj = {m = print}`, "", false},
		{"not a function", `obj = {m = 1}`, "", false},
		{"no method", `obj = {}`, "", false},
		{"behind an __index function", `obj = setmetatable({}, {__index = function() return function() end end})`, "", false},
		{"an override of an empty default", `
			local P = require("protocol").ProcessProtocol:extend()
			function P:m() print("m") end
			obj = P()`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			L, rt, _ := testState(t, Config{})
			if err := L.DoString(tc.setup); err != nil {
				t.Fatal(err)
			}
			method := tc.method
			if method == "" {
				method = "m"
			}
			if got := rt.hasEmptyMethod(L.GetGlobal("obj"), method); got != tc.want {
				t.Errorf("hasEmptyMethod(obj, %q) = %v, want %v", method, got, tc.want)
			}
			L2, traced, _ := testState(t, Config{Trace: io.Discard})
			if err := L2.DoString(tc.setup); err != nil {
				t.Fatal(err)
			}
			if traced.hasEmptyMethod(L2.GetGlobal("obj"), method) {
				t.Error("an empty method is left out while callbacks are traced")
			}
		})
	}
}
