package luabind

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// referenceLua returns the path of a reference interpreter ("lua5.1",
// "lua5.4"), or skips the test when it is not installed.
func referenceLua(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian package %s)", name, name)
	}
	return path
}

// runReference runs code as the file test.lua (the chunk name messages
// show, as runLua's) under the reference interpreter at interp, with stdin
// as its standard input, and returns what it wrote to standard output and
// error; an interpreter that fails fails the test.
func runReference(t *testing.T, interp, code, stdin string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.lua"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(interp, "test.lua")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(interp), err, out)
	}
	return string(out)
}

// luaCase is a chunk and what it prints, byte for byte, as lua5.1 prints it.
type luaCase struct{ name, code, want string }

// checkCases runs each case under loopscript and compares what it prints.
func checkCases(t *testing.T, cases []luaCase) { t.Helper(); runCases(t, cases, false) }

// checkCasesLikeLua51 runs each case under lua5.1 (skipping when it is not
// installed), so that a case's want is the reference interpreter's.
func checkCasesLikeLua51(t *testing.T, cases []luaCase) {
	t.Helper()
	runCasesLikeLua51(t, cases, false)
}

// checkCasesNoPositions and checkCasesNoPositionsLikeLua51 are the two for
// cases whose wants leave out the "chunk:line:" of messages (see
// stripPositions): what is printed matches as it is or without them.
func checkCasesNoPositions(t *testing.T, cases []luaCase) { t.Helper(); runCases(t, cases, true) }

func checkCasesNoPositionsLikeLua51(t *testing.T, cases []luaCase) {
	t.Helper()
	runCasesLikeLua51(t, cases, true)
}

func matches(got, want string, noPositions bool) bool {
	return got == want || noPositions && stripPositions(got) == want
}

func runCases(t *testing.T, cases []luaCase, noPositions bool) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runLua(t, tc.code)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if !matches(res.out, tc.want, noPositions) {
				t.Errorf("got  %q\nwant %q", res.out, tc.want)
			}
		})
	}
}

func runCasesLikeLua51(t *testing.T, cases []luaCase, noPositions bool) {
	t.Helper()
	lua51 := referenceLua(t, "lua5.1")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := runReference(t, lua51, tc.code, ""); !matches(got, tc.want, noPositions) {
				t.Errorf("lua5.1 printed %q, the case wants %q", got, tc.want)
			}
		})
	}
}
