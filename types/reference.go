package types

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// RegenerateCommand is the command, run from the repository's root, that
// writes the reference pages of docs/ from the stubs.
const RegenerateCommand = "go generate ./types"

//go:generate go run ./docgen ../docs

// Reference renders the Markdown reference of every module from the
// embedded stubs: "<module>.md" per module and "README.md", the index,
// keyed by file name (the files of docs/). The pages link to each other and
// to ../types/<module>.lua, and each lists its contents with GitHub's
// heading anchors.
func Reference() (map[string][]byte, error) {
	stubs, err := Stubs()
	if err != nil {
		return nil, err
	}
	return renderReference(stubs)
}

func renderReference(stubs []*Stub) (map[string][]byte, error) {
	for _, s := range stubs {
		for _, c := range s.Classes {
			for _, f := range c.Fields {
				if strings.Contains(f.Doc, "```") {
					return nil, fmt.Errorf("%s: the doc text of %s.%s holds a code block, which a table cell cannot: put examples in a class's or function's doc text", s.File, c.Name, f.Name)
				}
			}
		}
	}
	targets := map[string]string{} // class or alias name -> "page.md#anchor"
	pages := map[string]*page{}
	for _, s := range stubs {
		pg, err := layout(s)
		if err != nil {
			return nil, err
		}
		pages[s.Module] = pg
		for _, c := range s.Classes {
			for _, f := range c.Functions {
				targets[f.FullName()] = s.Module + ".md#" + pg.anchors[f.FullName()]
			}
		}
		for name, anchor := range pg.typeAnchors {
			if other, taken := targets[name]; taken {
				return nil, fmt.Errorf("%s: %s is declared in two stubs (also %s)", s.File, name, other)
			}
			targets[name] = s.Module + ".md#" + anchor
		}
	}
	out := map[string][]byte{}
	classes := map[string]*Class{}
	for _, s := range stubs {
		for _, c := range s.Classes {
			classes[c.Name] = c
		}
	}
	for _, s := range stubs {
		for _, c := range s.Classes {
			for seen, p := map[string]bool{c.Name: true}, c.Parent; p != ""; p = classes[p].Parent {
				if classes[p] == nil {
					return nil, fmt.Errorf("%s: the parent %s of %s is declared in no stub", s.File, p, c.Name)
				}
				if seen[p] {
					return nil, fmt.Errorf("%s: %s is its own ancestor", s.File, c.Name)
				}
				seen[p] = true
			}
		}
	}
	for _, s := range stubs {
		out[s.Module+".md"] = pages[s.Module].render(s, targets, classes)
	}
	out["README.md"] = renderIndex(stubs, targets)
	return out, nil
}

// page is a module page's headings, decided before any is written so that
// links can point at them.
type page struct {
	anchors     map[string]string // heading text -> anchor
	headings    map[string]string // anchor -> heading text
	typeAnchors map[string]string // class or alias name -> anchor
}

// heading gives text its anchor, refusing one that another heading has:
// GitHub would number the second, and links made here would miss it.
func (pg *page) heading(text string) error {
	a := anchor(text)
	if other, taken := pg.headings[a]; taken {
		return fmt.Errorf("the headings %q and %q would share the anchor #%s", other, text, a)
	}
	pg.anchors[text], pg.headings[a] = a, text
	return nil
}

// layout assigns the anchors of a module page: its sections, its classes
// and every function.
func layout(s *Stub) (*page, error) {
	pg := &page{anchors: map[string]string{}, headings: map[string]string{}, typeAnchors: map[string]string{}}
	for _, h := range []string{moduleTitle(s.Module), "Contents", "Fields", "Functions", "Aliases"} {
		if err := pg.heading(h); err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
	}
	pg.typeAnchors[s.Module] = pg.anchors[moduleTitle(s.Module)]
	for _, c := range s.Classes {
		if c.Name != s.Module {
			if err := pg.heading(c.Name); err != nil {
				return nil, fmt.Errorf("%s: %w", s.File, err)
			}
			pg.typeAnchors[c.Name] = pg.anchors[c.Name]
		}
		for _, f := range c.Functions {
			if err := pg.heading(f.FullName()); err != nil {
				return nil, fmt.Errorf("%s: %w", s.File, err)
			}
		}
	}
	for _, a := range s.Aliases {
		pg.typeAnchors[a.Name] = pg.anchors["Aliases"]
	}
	return pg, nil
}

// anchor is the id GitHub gives a heading: lower case, spaces as hyphens,
// every other character but letters, digits, hyphens and underscores
// dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// moduleTitle is a module page's title, which must not share its anchor
// with a class named like the module (protocol's Protocol).
func moduleTitle(module string) string { return "Module `" + module + "`" }

func generatedNote(from string) string {
	return fmt.Sprintf("<!-- Generated from %s by `%s`. DO NOT EDIT. -->\n\n", from, RegenerateCommand)
}

func (pg *page) render(s *Stub, targets map[string]string, classes map[string]*Class) []byte {
	var b bytes.Buffer
	mod := s.ModuleClass()
	link := func(typ string) string { return typeLink(typ, s.Module, targets) }
	b.WriteString(generatedNote("types/" + s.File))
	fmt.Fprintf(&b, "# %s\n\n", moduleTitle(s.Module))
	fmt.Fprintf(&b, "[All modules](README.md) · stub: [types/%s](../types/%s)\n\n", s.File, s.File)
	b.WriteString(mod.Doc + "\n\n")

	b.WriteString("## Contents\n\n")
	if len(mod.Fields) > 0 {
		fmt.Fprintf(&b, "- [Fields](#%s)\n", pg.anchors["Fields"])
	}
	if len(mod.Functions) > 0 {
		fmt.Fprintf(&b, "- [Functions](#%s)\n", pg.anchors["Functions"])
		for _, f := range mod.Functions {
			fmt.Fprintf(&b, "  - [%s](#%s)\n", f.FullName(), pg.anchors[f.FullName()])
		}
	}
	for _, c := range s.Classes {
		if c == mod {
			continue
		}
		fmt.Fprintf(&b, "- [%s](#%s)", c.Name, pg.anchors[c.Name])
		for i, f := range c.Functions {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			fmt.Fprintf(&b, "%s[%s](#%s)", sep, f.Name, pg.anchors[f.FullName()])
		}
		b.WriteString("\n")
	}
	if len(s.Aliases) > 0 {
		fmt.Fprintf(&b, "- [Aliases](#%s)\n", pg.anchors["Aliases"])
	}
	b.WriteString("\n")

	if len(mod.Fields) > 0 {
		b.WriteString("## Fields\n\n")
		writeFields(&b, mod.Fields, link)
	}
	if len(mod.Functions) > 0 {
		b.WriteString("## Functions\n\n")
		for _, f := range mod.Functions {
			writeFunction(&b, f, link)
		}
	}
	for _, c := range s.Classes {
		if c != mod {
			writeClass(&b, c, classes, link)
		}
	}
	if len(s.Aliases) > 0 {
		b.WriteString("## Aliases\n\n")
		for _, a := range s.Aliases {
			fmt.Fprintf(&b, "### `%s`\n\n", a.Name)
			fmt.Fprintf(&b, "```lua\n---@alias %s %s\n```\n\n%s\n\n", a.Name, a.Type, a.Doc)
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func writeClass(b *bytes.Buffer, c *Class, classes map[string]*Class, link func(string) string) {
	fmt.Fprintf(b, "## %s\n\n", c.Name)
	if c.Parent != "" {
		fmt.Fprintf(b, "*Class*, extends %s.\n\n", link(c.Parent))
	} else {
		b.WriteString("*Class*\n\n")
	}
	b.WriteString(c.Doc + "\n\n")
	writeInherited(b, c, classes, link)
	if len(c.Overloads) > 0 {
		b.WriteString("Called as:\n\n```lua\n")
		for _, o := range c.Overloads {
			fmt.Fprintf(b, "%s\n", o)
		}
		b.WriteString("```\n\n")
	}
	if len(c.Fields) > 0 {
		writeFields(b, c.Fields, link)
	}
	for _, f := range c.Functions {
		writeFunction(b, f, link)
	}
}

// writeInherited lists what c gets from each ancestor and does not declare
// again, linked to where the ancestor documents it.
func writeInherited(b *bytes.Buffer, c *Class, classes map[string]*Class, link func(string) string) {
	own := map[string]bool{}
	for _, f := range c.Fields {
		own[f.Name] = true
	}
	for _, f := range c.Functions {
		own[f.Name] = true
	}
	for p := classes[c.Parent]; p != nil; p = classes[p.Parent] {
		var names []string
		for _, f := range p.Fields {
			if !own[f.Name] {
				own[f.Name] = true
				names = append(names, "`"+f.Name+"`")
			}
		}
		for _, f := range p.Functions {
			if !own[f.Name] {
				own[f.Name] = true
				names = append(names, strings.Replace(link(f.FullName()), f.FullName(), f.Name, 1))
			}
		}
		if len(names) > 0 {
			fmt.Fprintf(b, "Inherited from %s: %s.\n\n", link(p.Name), strings.Join(names, ", "))
		}
	}
}

func writeFields(b *bytes.Buffer, fields []*Field, link func(string) string) {
	b.WriteString("| Field | Type | Description |\n| --- | --- | --- |\n")
	for _, f := range fields {
		name := "`" + f.Name + "`"
		if f.Optional {
			name += " (optional)"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, tableCell(link(f.Type)), tableCell(f.Doc))
	}
	b.WriteString("\n")
}

func writeFunction(b *bytes.Buffer, f *Function, link func(string) string) {
	fmt.Fprintf(b, "### %s\n\n", f.FullName())
	fmt.Fprintf(b, "```lua\n%s\n```\n\n", f.Signature())
	b.WriteString(f.Doc + "\n\n")
	if len(f.Params) > 0 {
		b.WriteString("**Parameters**\n\n")
		for _, p := range f.Params {
			fmt.Fprintf(b, "- `%s`: %s", p.Name, link(p.Type))
			if p.Optional {
				b.WriteString(" (optional)")
			}
			if p.Doc != "" {
				b.WriteString(" — " + oneLine(p.Doc))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(f.Returns) > 0 {
		b.WriteString("**Returns**\n\n")
		for _, r := range f.Returns {
			b.WriteString("- ")
			if r.Name != "" {
				fmt.Fprintf(b, "`%s`: ", r.Name)
			}
			b.WriteString(link(r.Type))
			if r.Doc != "" {
				b.WriteString(" — " + oneLine(r.Doc))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
}

// typeLink writes a type as code, linked to its class's or alias's section
// when the type is one name (optionally `?` or `[]`).
func typeLink(typ, module string, targets map[string]string) string {
	code := "`" + typ + "`"
	base := strings.TrimRight(typ, "?")
	base = strings.TrimSuffix(base, "[]")
	target, ok := targets[base]
	if !ok {
		return code
	}
	if page, frag, _ := strings.Cut(target, "#"); page == module+".md" {
		target = "#" + frag
	}
	return "[" + code + "](" + target + ")"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tableCell makes text fit a Markdown table's cell: one line, its pipes
// escaped (GitHub reads `\|` as a pipe even inside code).
func tableCell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

// summary is the first sentence of a doc text.
func summary(doc string) string {
	text := oneLine(strings.Split(doc, "```")[0])
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}

func renderIndex(stubs []*Stub, targets map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString(generatedNote("types/*.lua"))
	b.WriteString("# loopscript reference\n\n")
	b.WriteString("One page per Lua module, generated from the lua-language-server stubs in [types/](../types)" +
		" (the ones `loopscript --types DIR` writes out for an editor), so the reference and what an editor" +
		" completes are the same text. `go test ./types` checks the stubs against the live modules and" +
		" these pages against the stubs; after changing a stub, run `" + RegenerateCommand + "`.\n\n")
	b.WriteString("## Modules\n\n| Module | What it is for | Classes |\n| --- | --- | --- |\n")
	var classes []string
	for _, s := range stubs {
		var names []string
		for _, c := range s.Classes {
			if c.Name != s.Module {
				names = append(names, "["+c.Name+"]("+targets[c.Name]+")")
				classes = append(classes, c.Name)
			}
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s |\n", s.Module, s.Module,
			tableCell(summary(s.ModuleClass().Doc)), strings.Join(names, ", "))
	}
	b.WriteString("\n## Classes\n\n")
	sort.Strings(classes)
	docs := map[string]string{}
	for _, s := range stubs {
		for _, c := range s.Classes {
			docs[c.Name] = c.Doc
		}
	}
	for _, name := range classes {
		page, _, _ := strings.Cut(targets[name], ".md")
		fmt.Fprintf(&b, "- [%s](%s) (%s): %s\n", name, targets[name], page, summary(docs[name]))
	}
	return b.Bytes()
}
