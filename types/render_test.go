package types

import (
	"strings"
	"testing"
)

// TestRenderReferenceErrors: stubs the pages cannot show faithfully are
// refused, with the reason.
func TestRenderReferenceErrors(t *testing.T) {
	tests := []struct {
		name string
		srcs []string
		want string
	}{
		{"code block in a field", []string{stubOf("---A.", "---@class A", "---Like this:", "---```lua", "---x()", "---```", "---@field f integer")},
			"holds a code block"},
		{"heading shared with a section", []string{stubOf("---A.", "---@class Fields")}, `"Fields" and "Fields" would share`},
		{"headings sharing an anchor", []string{stubOf("---F.", "function m.f() end", "", "---A.", "---@class Mf")},
			"would share the anchor"},
		{"unknown parent", []string{stubOf("---A.", "---@class A: Nowhere")}, "the parent Nowhere of A is declared in no stub"},
		{"ancestry loop", []string{stubOf("---A.", "---@class A: B", "", "---B.", "---@class B: A")}, "is its own ancestor"},
		{"class in two stubs", []string{stubOf("---A.", "---@class A"), "---@meta n\n---N.\n---@class n\n\n---A.\n---@class A\n"},
			"A is declared in two stubs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stubs []*Stub
			for i, src := range tt.srcs {
				s, err := ParseStub([]string{"m.lua", "n.lua"}[i], []byte(src))
				if err != nil {
					t.Fatal(err)
				}
				stubs = append(stubs, s)
			}
			_, err := renderReference(stubs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTypeLink(t *testing.T) {
	targets := map[string]string{"Deferred": "defer.md#deferred", "Port": "reactor.md#port"}
	for typ, want := range map[string]string{
		"Deferred":         "[`Deferred`](defer.md#deferred)",
		"Deferred?":        "[`Deferred?`](defer.md#deferred)",
		"Deferred[]":       "[`Deferred[]`](defer.md#deferred)",
		"Port":             "[`Port`](#port)",
		"Deferred|nil":     "`Deferred|nil`",
		"string":           "`string`",
		"fun(d: Deferred)": "`fun(d: Deferred)`",
	} {
		if got := typeLink(typ, "reactor", targets); got != want {
			t.Errorf("typeLink(%q) = %s, want %s", typ, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	for doc, want := range map[string]string{
		"One. Two.":                "One.",
		"One line\nand more. Two.": "One line and more.",
		"Intro\n```lua\nx. y\n```": "Intro",
		"No stop":                  "No stop",
	} {
		if got := summary(doc); got != want {
			t.Errorf("summary(%q) = %q, want %q", doc, got, want)
		}
	}
}
