package types_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/loopscript/loopscript/types"
)

// TestReferenceIsUpToDate fails when docs/ is not what the generator writes
// from the stubs: a page differs, is missing, or is left over.
func TestReferenceIsUpToDate(t *testing.T) {
	pages, err := types.Reference()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "docs")
	var stale []string
	for _, name := range sortedPages(pages) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, pages[name]) {
			stale = append(stale, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, made := pages[e.Name()]; !made && strings.HasSuffix(e.Name(), ".md") {
			stale = append(stale, e.Name()+" (no stub makes it)")
		}
	}
	if len(stale) > 0 {
		t.Errorf("docs/ is not the reference the stubs make: %s\nrun `%s` from the repository's root",
			strings.Join(stale, ", "), types.RegenerateCommand)
	}
}

// TestReferenceCoversTheStubs checks that every module has a page that the
// index links, and that every class, function and field of the stubs is
// on its module's page, so the renderer cannot drop a part of a stub.
func TestReferenceCoversTheStubs(t *testing.T) {
	pages, err := types.Reference()
	if err != nil {
		t.Fatal(err)
	}
	stubs, err := types.Stubs()
	if err != nil {
		t.Fatal(err)
	}
	index := string(pages["README.md"])
	for _, s := range stubs {
		page := string(pages[s.Module+".md"])
		if page == "" {
			t.Errorf("no page for module %s", s.Module)
			continue
		}
		if !strings.Contains(index, "("+s.Module+".md)") {
			t.Errorf("the index does not link %s.md", s.Module)
		}
		for _, c := range s.Classes {
			if c.Name != s.Module && !strings.Contains(page, "\n## "+c.Name+"\n") {
				t.Errorf("%s.md: no section for class %s", s.Module, c.Name)
			}
			for _, f := range c.Fields {
				if !strings.Contains(page, "| `"+f.Name+"`") {
					t.Errorf("%s.md: no row for field %s.%s", s.Module, c.Name, f.Name)
				}
			}
			for _, f := range c.Functions {
				if !strings.Contains(page, "\n### "+f.FullName()+"\n") || !strings.Contains(page, f.Signature()) {
					t.Errorf("%s.md: no section with the signature of %s", s.Module, f.FullName())
				}
				for _, p := range f.Params {
					if !strings.Contains(page, "- `"+p.Name+"`: ") {
						t.Errorf("%s.md: %s's parameter %s is not listed", s.Module, f.FullName(), p.Name)
					}
				}
			}
		}
	}
}

func sortedPages(pages map[string][]byte) []string {
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
