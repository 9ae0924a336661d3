package types

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Stub is one stub file as data: the module it declares and its classes
// and aliases, in the file's order. The module's own class (named after the
// module) holds the module's fields and functions.
type Stub struct {
	File    string
	Module  string
	Classes []*Class
	Aliases []*Alias
}

// Class is a `---@class`: its doc text, its fields (`---@field`), the call
// forms of a callable class (`---@overload`) and the functions declared on
// its table (`function Class.f` or `function Class:m`).
type Class struct {
	Name      string
	Parent    string // "" for a root class
	Doc       string
	Fields    []*Field
	Overloads []string
	Functions []*Function
	Line      int
}

// Field is a `---@field name[?] type`, with the doc text above it.
type Field struct {
	Name     string
	Optional bool
	Type     string
	Doc      string
}

// Function is a `function Class.name(...) end` declaration with its doc text
// and its `---@param` and `---@return` annotations. Params are in the
// declaration's order.
type Function struct {
	Class   string
	Name    string
	Method  bool // declared with `:`, called as obj:name(...)
	Doc     string
	Params  []*Param
	Returns []*Return
	Line    int
}

// Param is a `---@param name[?] type [description]`.
type Param struct {
	Name     string
	Optional bool
	Type     string
	Doc      string
}

// Return is a `---@return type [name] [description]`.
type Return struct {
	Type string
	Name string
	Doc  string
}

// Alias is a `---@alias Name type` with the doc text above it.
type Alias struct {
	Name string
	Type string
	Doc  string
	Line int
}

// FullName is how a script calls f: "reactor.run" or "DelayedCall:cancel".
func (f *Function) FullName() string {
	sep := "."
	if f.Method {
		sep = ":"
	}
	return f.Class + sep + f.Name
}

// Signature is f's declaration as the stub writes it, without `end`:
// "function reactor.call_later(seconds, fn, ...)".
func (f *Function) Signature() string {
	names := make([]string, len(f.Params))
	for i, p := range f.Params {
		names[i] = p.Name
	}
	return "function " + f.FullName() + "(" + strings.Join(names, ", ") + ")"
}

// Class returns the class of that name the stub declares, or nil.
func (s *Stub) Class(name string) *Class {
	for _, c := range s.Classes {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ModuleClass is the class that describes the module table itself.
func (s *Stub) ModuleClass() *Class { return s.Class(s.Module) }

// Stubs parses every embedded stub file, in the order of Files.
func Stubs() ([]*Stub, error) {
	var all []*Stub
	for _, name := range Files() {
		data, err := Read(name)
		if err != nil {
			return nil, err
		}
		s, err := ParseStub(name, data)
		if err != nil {
			return nil, err
		}
		all = append(all, s)
	}
	return all, nil
}

// stubLines are the patterns of a stub's code lines, compiled on first use:
// a loopscript run that writes no stub does not pay for them.
var stubLines = sync.OnceValue(func() *stubPatterns {
	const ident = `[A-Za-z_][A-Za-z0-9_]*`
	return &stubPatterns{
		function:  regexp.MustCompile(`^function\s+(` + ident + `)([.:])(` + ident + `)\s*\(([^()]*)\)\s*end\s*$`),
		local:     regexp.MustCompile(`^local\s+(` + ident + `)\s*=\s*\{\s*\}\s*$`),
		ret:       regexp.MustCompile(`^return\s+(` + ident + `)\s*$`),
		identOnly: regexp.MustCompile(`^` + ident + `$`),
	}
})

type stubPatterns struct {
	function, local, ret, identOnly *regexp.Regexp
}

// stubParser holds what ParseStub has read of the annotation block it is in:
// the doc text not yet attached, the class the block declares, and the
// annotations of the function the block precedes.
type stubParser struct {
	stub    *Stub
	line    int
	pending []string
	class   *Class    // the class of the current ---@class block
	fn      *Function // ---@param / ---@return seen, the function line to come
	// names are the names declared so far, each once: "Class" for a class
	// or an alias, "Class.name" for a field or a function, so that a check
	// costs the same in a stub of any size.
	names   map[string]bool
	classes map[string]*Class
	params  map[string]bool // the ---@param names of fn
}

// ParseStub reads a stub file written in the subset of lua-language-server's
// annotations loopscript's stubs use: `---@meta NAME` on the first line; doc
// text (`---text`) above the `---@class`, `---@field`, `---@alias` or
// function it describes; `---@param` and `---@return` after a function's doc
// text; `local NAME = {}` and `return NAME` lines. Anything else is an error
// naming the file and line, so that nothing a stub says is silently left out
// of the reference. Every class, field, alias and function must carry doc
// text, and every parameter of a function its `---@param`.
func ParseStub(file string, src []byte) (*Stub, error) {
	p := &stubParser{stub: &Stub{File: file}, names: map[string]bool{}, classes: map[string]*Class{}}
	lines := strings.Split(string(src), "\n")
	for i, raw := range lines {
		p.line = i + 1
		line := strings.TrimRight(raw, " \t\r")
		var err error
		switch {
		case i == 0:
			err = p.meta(line)
		case strings.HasPrefix(line, "---@"):
			err = p.annotation(line[len("---@"):])
		case strings.HasPrefix(line, "---"):
			// Verbatim: the stubs write no space after ---, and an
			// example's indentation is the text's own.
			p.pending = append(p.pending, line[len("---"):])
		default:
			err = p.code(strings.TrimSpace(line))
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, p.line, err)
		}
	}
	p.line = len(lines)
	if err := p.endBlock(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, p.line, err)
	}
	if p.stub.ModuleClass() == nil {
		return nil, fmt.Errorf("%s: declares no ---@class %s for its module", file, p.stub.Module)
	}
	return p.stub, nil
}

func (p *stubParser) meta(line string) error {
	name, ok := strings.CutPrefix(line, "---@meta ")
	name = strings.TrimSpace(name)
	if !ok || !stubLines().identOnly.MatchString(name) {
		return fmt.Errorf("the first line must be ---@meta MODULE, not %q", line)
	}
	p.stub.Module = name
	return nil
}

// takeDoc returns the pending doc text and forgets it.
func (p *stubParser) takeDoc() string {
	doc := strings.TrimSpace(strings.Join(p.pending, "\n"))
	p.pending = nil
	return doc
}

func (p *stubParser) annotation(text string) error {
	tag, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	switch tag {
	case "class":
		return p.classTag(rest)
	case "field":
		return p.fieldTag(rest)
	case "overload":
		if p.class == nil {
			return fmt.Errorf("---@overload outside a ---@class block")
		}
		typ, extra, err := scanType(rest)
		if err != nil {
			return fmt.Errorf("---@overload: %w", err)
		}
		if !strings.HasPrefix(typ, "fun(") || extra != "" {
			return fmt.Errorf("---@overload takes one fun(...) type, not %q", rest)
		}
		p.class.Overloads = append(p.class.Overloads, typ)
		return nil
	case "alias":
		return p.aliasTag(rest)
	case "param", "return":
		if p.class != nil {
			return fmt.Errorf("---@%s in a ---@class block (a blank line must end the class)", tag)
		}
		if p.fn == nil {
			p.fn = &Function{Doc: p.takeDoc()}
			p.params = map[string]bool{}
		} else if len(p.pending) > 0 {
			return fmt.Errorf("doc text between a function's annotations: put it above its first ---@param or ---@return")
		}
		if tag == "param" {
			return p.paramTag(rest)
		}
		return p.returnTag(rest)
	}
	return fmt.Errorf("---@%s is not an annotation the reference knows", tag)
}

func (p *stubParser) classTag(rest string) error {
	if p.fn != nil {
		return fmt.Errorf("---@class after a function's ---@param or ---@return")
	}
	name, parent, hasParent := strings.Cut(rest, ":")
	name, parent = strings.TrimSpace(name), strings.TrimSpace(parent)
	if !stubLines().identOnly.MatchString(name) || (hasParent && !stubLines().identOnly.MatchString(parent)) {
		return fmt.Errorf("---@class takes NAME or NAME: PARENT, not %q", rest)
	}
	if p.names[name] {
		return fmt.Errorf("---@class %s is declared twice (as a class or an alias)", name)
	}
	p.names[name] = true
	doc := p.takeDoc()
	if doc == "" {
		return fmt.Errorf("---@class %s has no doc text above it", name)
	}
	p.class = &Class{Name: name, Parent: parent, Doc: doc, Line: p.line}
	p.classes[name] = p.class
	p.stub.Classes = append(p.stub.Classes, p.class)
	return nil
}

// cutName splits "name rest" where name is an identifier, or "..." when
// dots is true, optionally followed by "?".
func cutName(s string, dots bool) (name string, optional bool, rest string, ok bool) {
	end := 0
	if dots && strings.HasPrefix(s, "...") {
		end = 3
	} else {
		for end < len(s) && (s[end] == '_' || isAlnum(s[end])) {
			end++
		}
		if end == 0 || (s[0] >= '0' && s[0] <= '9') {
			return "", false, s, false
		}
	}
	name, rest = s[:end], s[end:]
	if strings.HasPrefix(rest, "?") {
		optional, rest = true, rest[1:]
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false, s, false
	}
	return name, optional, strings.TrimSpace(rest), true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// description is the free text after an annotation's type; lua-language-server
// lets it start with "#".
func description(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "#"))
}

func (p *stubParser) fieldTag(rest string) error {
	if p.class == nil {
		return fmt.Errorf("---@field outside a ---@class block")
	}
	name, optional, rest, ok := cutName(rest, false)
	if !ok {
		return fmt.Errorf("---@field takes NAME TYPE, not %q", rest)
	}
	typ, extra, err := scanType(rest)
	if err != nil {
		return fmt.Errorf("---@field %s: %w", name, err)
	}
	if p.names[p.class.Name+"."+name] {
		return fmt.Errorf("---@field %s is declared twice in %s (as a field or a function)", name, p.class.Name)
	}
	p.names[p.class.Name+"."+name] = true
	doc := p.takeDoc()
	if extra != "" {
		doc = strings.TrimSpace(doc + "\n" + description(extra))
	}
	if doc == "" {
		return fmt.Errorf("---@field %s has no doc text above it", name)
	}
	p.class.Fields = append(p.class.Fields, &Field{Name: name, Optional: optional, Type: typ, Doc: doc})
	return nil
}

func (p *stubParser) aliasTag(rest string) error {
	if p.fn != nil {
		return fmt.Errorf("---@alias after a function's ---@param or ---@return")
	}
	name, _, rest, ok := cutName(rest, false)
	if !ok || rest == "" {
		return fmt.Errorf("---@alias takes NAME TYPE, not %q", rest)
	}
	typ, extra, err := scanType(rest)
	if err != nil {
		return fmt.Errorf("---@alias %s: %w", name, err)
	}
	if extra != "" {
		return fmt.Errorf("---@alias %s: text after the type: %q", name, extra)
	}
	if p.names[name] {
		return fmt.Errorf("---@alias %s is declared twice (as a class or an alias)", name)
	}
	p.names[name] = true
	doc := p.takeDoc()
	if doc == "" {
		return fmt.Errorf("---@alias %s has no doc text above it", name)
	}
	p.class = nil
	p.stub.Aliases = append(p.stub.Aliases, &Alias{Name: name, Type: typ, Doc: doc, Line: p.line})
	return nil
}

func (p *stubParser) paramTag(rest string) error {
	name, optional, rest, ok := cutName(rest, true)
	if !ok {
		return fmt.Errorf("---@param takes NAME TYPE, not %q", rest)
	}
	typ, extra, err := scanType(rest)
	if err != nil {
		return fmt.Errorf("---@param %s: %w", name, err)
	}
	if p.params[name] {
		return fmt.Errorf("---@param %s is given twice", name)
	}
	p.params[name] = true
	p.fn.Params = append(p.fn.Params, &Param{Name: name, Optional: optional, Type: typ, Doc: description(extra)})
	return nil
}

func (p *stubParser) returnTag(rest string) error {
	typ, extra, err := scanType(rest)
	if err != nil {
		return fmt.Errorf("---@return: %w", err)
	}
	r := &Return{Type: typ}
	if !strings.HasPrefix(extra, "#") {
		if name, _, after, ok := cutName(extra, false); ok {
			r.Name, extra = name, after
		}
	}
	r.Doc = description(extra)
	p.fn.Returns = append(p.fn.Returns, r)
	return nil
}

// code handles a line that is not a doc comment: it ends the annotation
// block above it, which only a function declaration may take.
func (p *stubParser) code(line string) error {
	if m := stubLines().function.FindStringSubmatch(line); m != nil {
		return p.function(m[1], m[2] == ":", m[3], m[4])
	}
	if err := p.endBlock(); err != nil {
		return err
	}
	switch {
	case line == "" || strings.HasPrefix(line, "--"):
		return nil
	case stubLines().local.MatchString(line):
		name := stubLines().local.FindStringSubmatch(line)[1]
		if p.classes[name] == nil {
			return fmt.Errorf("local %s = {} names no class declared above it", name)
		}
		return nil
	case stubLines().ret.MatchString(line):
		if name := stubLines().ret.FindStringSubmatch(line)[1]; name != p.stub.Module {
			return fmt.Errorf("return %s: a stub returns its module, %s", name, p.stub.Module)
		}
		return nil
	}
	return fmt.Errorf("a stub holds annotations, `local NAME = {}`, `function NAME.f(...) end` and `return MODULE`, not %q", line)
}

// endBlock checks that an annotation block ending here left nothing
// unattached.
func (p *stubParser) endBlock() error {
	defer func() { p.class, p.fn, p.pending = nil, nil, nil }()
	if p.fn != nil {
		return fmt.Errorf("---@param or ---@return not followed by a function declaration")
	}
	if len(p.pending) > 0 && p.takeDoc() != "" {
		return fmt.Errorf("doc text that describes nothing (it must sit right above what it describes)")
	}
	return nil
}

func (p *stubParser) function(class string, method bool, name, paramList string) error {
	fn := p.fn
	if fn == nil {
		fn = &Function{Doc: p.takeDoc()}
	} else if len(p.pending) > 0 {
		return fmt.Errorf("doc text after the ---@param and ---@return of %s: put it above them", name)
	}
	p.class, p.fn, p.pending = nil, nil, nil
	c := p.classes[class]
	if c == nil {
		return fmt.Errorf("function %s%s%s: no ---@class %s above it", class, map[bool]string{true: ":", false: "."}[method], name, class)
	}
	fn.Class, fn.Name, fn.Method, fn.Line = class, name, method, p.line
	if fn.Doc == "" {
		return fmt.Errorf("%s has no doc text above it", fn.FullName())
	}
	if p.names[class+"."+name] {
		return fmt.Errorf("%s is declared twice (as a field or a function)", fn.FullName())
	}
	p.names[class+"."+name] = true
	byName := map[string]*Param{}
	for _, q := range fn.Params {
		byName[q.Name] = q // paramTag refused a name given twice
	}
	var ordered []*Param
	seen := map[string]bool{}
	if strings.TrimSpace(paramList) != "" {
		declared := strings.Split(paramList, ",")
		for i, d := range declared {
			d = strings.TrimSpace(d)
			switch {
			case d != "..." && !stubLines().identOnly.MatchString(d):
				return fmt.Errorf("%s: %q is not a parameter name", fn.FullName(), d)
			case seen[d]:
				return fmt.Errorf("%s: parameter %s is declared twice", fn.FullName(), d)
			case d == "..." && i != len(declared)-1:
				return fmt.Errorf("%s: ... must be the last parameter", fn.FullName())
			case byName[d] == nil:
				return fmt.Errorf("%s: parameter %s has no ---@param", fn.FullName(), d)
			}
			seen[d] = true
			ordered = append(ordered, byName[d])
		}
	}
	for _, q := range fn.Params {
		if !seen[q.Name] {
			return fmt.Errorf("%s: ---@param %s names no parameter of the declaration", fn.FullName(), q.Name)
		}
	}
	fn.Params = ordered
	c.Functions = append(c.Functions, fn)
	return nil
}
