package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupLeavesOutCostlyPackages pins packages the loopscript command
// must not link: Go initialises every package a binary links at every
// start, whatever the script uses, and each of these cost W1 (a script that
// prints "hello") measurable package initialisation when it was linked, for a
// feature a cheaper call provides.
func TestStartupLeavesOutCostlyPackages(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	linked := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		linked[p] = true
	}
	for _, tc := range []struct{ pkg, instead string }{
		{"runtime/metrics", "0.12 ms of init (a description per GODEBUG setting); collectgarbage(\"count\") reads runtime.ReadMemStats"},
		{"encoding/xml", "0.05 ms of init, for loopscript test's JUnit report only; luatest writes the XML itself"},
	} {
		if linked[tc.pkg] {
			t.Errorf("loopscript links %s: %s", tc.pkg, tc.instead)
		}
	}
}
