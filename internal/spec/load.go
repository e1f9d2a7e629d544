package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Dialect is the primary `naftiko:` version this package reads (SPEC §1).
const Dialect = "1.0.0-alpha2"

// maxFileSize bounds what the loader reads, for the capability file and for
// imported files alike: a capability is a few hundred kilobytes at most, and
// an import location must not make the loader swallow a device or a huge file.
const maxFileSize = 16 << 20

// Load reads and parses the capability file at path. It never returns a nil
// Document when the file could be read, so callers can inspect partial
// results next to the diagnostics.
func Load(path string) (*Document, Diagnostics) {
	data, err := readLimited(path)
	if err != nil {
		var ds Diagnostics
		ds.Errorf(Loc{Pos: Pos{File: path}}, "", "cannot read capability file: %v", err)
		return nil, ds
	}
	return Parse(path, data)
}

// Parse parses data as the capability file named file (used in positions and
// to resolve imports relative to its folder), links it and checks it. All
// problems are collected; Parse never panics.
func Parse(file string, data []byte) (doc *Document, ds Diagnostics) {
	l := &loader{file: file, pos: map[string]Pos{}, imported: map[string]bool{}}
	defer func() {
		// The YAML parser is third-party code fed with arbitrary input: a
		// panic there must become a diagnostic, not a crash of `serve`.
		if r := recover(); r != nil {
			doc = nil
			l.diags.Errorf(Loc{Pos: Pos{File: file, Line: 1, Col: 1}}, "", "internal error while loading: %v", r)
			ds = l.diags
		}
	}()
	doc = l.parseDocument(data)
	if doc != nil && !l.stop {
		l.resolveImports(doc)
		l.link(doc)
	}
	sortDiagnostics(l.diags)
	return doc, l.diags
}

// readLimited reads a regular file of at most maxFileSize bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

func sortDiagnostics(ds Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// loader holds the state of one Parse call.
type loader struct {
	file  string
	diags Diagnostics
	// stop is set when the document is of a kind that must not be walked
	// further (an unsupported dialect): everything else would be noise.
	stop bool
	// budget bounds the work spent decoding free-form values (bodies, const,
	// logs) so that YAML alias bombs cannot exhaust memory.
	budget int
	// imported records the files whose diagnostics were already reported.
	imported map[string]bool
	// pos records where each key's value is, by document path, so that the
	// linker can position diagnostics at a `call` or `ref` value.
	pos map[string]Pos
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (l *loader) parseDocument(data []byte) *Document {
	l.budget = 200000
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			l.diags.Errorf(Loc{Pos: Pos{File: l.file, Line: 1, Col: 1}}, "a capability starts with `naftiko: "+Dialect+"`", "empty document")
			return nil
		}
		line := 1
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
				line = n
			}
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", line))
		l.diags.Errorf(Loc{Pos: Pos{File: l.file, Line: line, Col: 1}}, "", "invalid YAML: %s", msg)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		l.diags.Warnf(l.loc(&next, ""), "split the documents into separate files", "only the first YAML document of the file is read")
	}
	n := &root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			l.diags.Errorf(Loc{Pos: Pos{File: l.file, Line: 1, Col: 1}}, "", "empty document")
			return nil
		}
		n = n.Content[0]
	}
	return l.document(n)
}

// at returns the location of the value at document path path, falling back
// to fallback's position when the path was never read.
func (l *loader) at(path string, fallback Loc) Loc {
	if p, ok := l.pos[path]; ok {
		return Loc{Pos: p, Path: path}
	}
	return Loc{Pos: fallback.Pos, Path: path}
}

// loc returns the location of node n at document path path.
func (l *loader) loc(n *yaml.Node, path string) Loc {
	if n == nil {
		return Loc{Pos: Pos{File: l.file}, Path: path}
	}
	return Loc{Pos: Pos{File: l.file, Line: n.Line, Col: n.Column}, Path: path}
}

func (l *loader) errorf(n *yaml.Node, path, hint, format string, args ...any) {
	l.diags.Errorf(l.loc(n, path), hint, format, args...)
}

func (l *loader) warnf(n *yaml.Node, path, hint, format string, args ...any) {
	l.diags.Warnf(l.loc(n, path), hint, format, args...)
}

// resolve follows aliases. The YAML parser only creates aliases to anchors
// already defined, so the chain is finite; the bound guards anyway.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a string"
	}
	return "an unknown node"
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func indexPath(base string, i int) string {
	return fmt.Sprintf("%s[%d]", base, i)
}

// obj reads one YAML mapping: values are fetched by key (marking the key as
// used) and done reports the keys nobody asked for.
type obj struct {
	l        *loader
	node     *yaml.Node
	path     string
	what     string // e.g. "consumed operation", for messages
	keys     []*yaml.Node
	vals     map[string]*yaml.Node
	keyNodes map[string]*yaml.Node
	used     map[string]bool
	// extra are keys the schema does not allow but the engine reads; done
	// does not report them (the caller warns with a specific message).
	known []string
}

// object returns a reader over n, or nil (after an error diagnostic) when n
// is not a mapping. what names the construct in messages.
func (l *loader) object(n *yaml.Node, path, what string) *obj {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			l.errorf(n, path, "", "%s is empty", what)
			return nil
		}
		l.errorf(n, path, "", "%s must be a map, not %s", what, kindName(n))
		return nil
	}
	o := &obj{l: l, node: n, path: path, what: what, vals: map[string]*yaml.Node{}, keyNodes: map[string]*yaml.Node{}, used: map[string]bool{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, path, "", "map keys must be strings, not %s", kindName(k))
			continue
		}
		if _, dup := o.vals[k.Value]; dup {
			l.errorf(k, joinPath(path, k.Value), "", "duplicate key %q", k.Value)
			continue
		}
		o.keys = append(o.keys, k)
		o.vals[k.Value] = v
		o.keyNodes[k.Value] = k
	}
	return o
}

func (o *obj) sub(key string) string { return joinPath(o.path, key) }

// has reports whether key is present (even with a null value).
func (o *obj) has(key string) bool {
	_, ok := o.vals[key]
	return ok
}

// raw returns the value node of key (aliases resolved), marking it used; nil
// when absent or null.
func (o *obj) raw(key string) *yaml.Node {
	o.known = append(o.known, key)
	v, ok := o.vals[key]
	if !ok {
		return nil
	}
	o.used[key] = true
	if o.l.pos != nil {
		o.l.pos[o.sub(key)] = Pos{File: o.l.file, Line: v.Line, Col: v.Column}
	}
	v = resolve(v)
	if isNull(v) {
		return nil
	}
	return v
}

// str reads a scalar as text. Numbers and booleans are accepted as their text
// (`naftiko: 0.5`, `created: 2026-05-19`).
func (o *obj) str(key string) (string, bool) {
	v := o.raw(key)
	if v == nil {
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		o.l.errorf(v, o.sub(key), "", "%q must be a string, not %s", key, kindName(v))
		return "", false
	}
	return v.Value, true
}

func (o *obj) s(key string) string {
	s, _ := o.str(key)
	return s
}

// required reads a string that must be present and non-empty. A missing
// value is an error when fatal (the engine cannot run without it), else a
// warning (the schema requires it but the engine can do without).
func (o *obj) required(key string, fatal bool) string {
	s, _ := o.str(key)
	if s != "" {
		return s
	}
	report := o.l.warnf
	suffix := " (required by the alpha2 schema)"
	if fatal {
		report, suffix = o.l.errorf, ""
	}
	v, present := o.vals[key]
	switch {
	case !present:
		report(o.node, o.path, "", "%s is missing %q%s", o.what, key, suffix)
	case isNull(resolve(v)) || resolve(v).Kind == yaml.ScalarNode:
		report(o.keyNodes[key], o.sub(key), "", "%s has an empty %q%s", o.what, key, suffix)
	}
	// Otherwise str already reported the wrong type.
	return s
}

// integer reads an integer; ok is false when absent or invalid.
func (o *obj) integer(key string) (int, bool) {
	v := o.raw(key)
	if v == nil {
		return 0, false
	}
	if v.Kind == yaml.ScalarNode {
		if n, err := strconv.Atoi(strings.TrimSpace(v.Value)); err == nil {
			if v.ShortTag() != "!!int" {
				o.l.warnf(v, o.sub(key), "write it without quotes", "%q is a string, the schema wants an integer", key)
			}
			return n, true
		}
	}
	o.l.errorf(v, o.sub(key), "", "%q must be an integer, not %s %q", key, kindName(v), v.Value)
	return 0, false
}

// number reads a float.
func (o *obj) number(key string) (float64, bool) {
	v := o.raw(key)
	if v == nil {
		return 0, false
	}
	if v.Kind == yaml.ScalarNode && (v.ShortTag() == "!!int" || v.ShortTag() == "!!float") {
		if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
			return f, true
		}
	}
	o.l.errorf(v, o.sub(key), "", "%q must be a number, not %s %q", key, kindName(v), v.Value)
	return 0, false
}

// boolean reads a boolean; nil when absent or invalid.
func (o *obj) boolean(key string) *bool {
	v := o.raw(key)
	if v == nil {
		return nil
	}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		var b bool
		if err := v.Decode(&b); err == nil {
			return &b
		}
	}
	o.l.errorf(v, o.sub(key), "", "%q must be true or false, not %s %q", key, kindName(v), v.Value)
	return nil
}

// list returns the items of a sequence value (aliases resolved).
func (o *obj) list(key string) []*yaml.Node {
	v := o.raw(key)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		o.l.errorf(v, o.sub(key), "", "%q must be a list, not %s", key, kindName(v))
		return nil
	}
	return v.Content
}

// strings reads a list of scalars.
func (o *obj) strs(key string) []string {
	items := o.list(key)
	out := make([]string, 0, len(items))
	for i, it := range items {
		it = resolve(it)
		if it == nil || it.Kind != yaml.ScalarNode {
			if it != nil {
				o.l.errorf(it, indexPath(o.sub(key), i), "", "items of %q must be strings, not %s", key, kindName(it))
			}
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

// extension marks key as read and warns that the alpha2 schema forbids it;
// tail says what the engine does with it instead.
func (o *obj) extension(key, tail string) {
	if tail == "" {
		tail = "the engine honours it"
	}
	if k, ok := o.keyNodes[key]; ok {
		o.l.warnf(k, o.sub(key), "", "%q is not allowed on a %s by the alpha2 schema; %s", key, o.what, tail)
	}
}

// done reports every key that was never read, with a "did you mean" hint.
func (o *obj) done() {
	for _, k := range o.keys {
		if o.used[k.Value] {
			continue
		}
		hint := suggest(k.Value, o.known)
		if hint == "" && len(o.known) > 0 {
			hint = "allowed keys: " + strings.Join(uniqueSorted(o.known), ", ")
		}
		o.l.warnf(k, o.sub(k.Value), hint, "unknown key %q", k.Value)
	}
}

// toAny decodes a free-form value (request body data, const, logs) into
// string / float64 / int / bool / nil / []any / map[string]any, within the
// loader's budget.
func (l *loader) toAny(n *yaml.Node, path string, depth int) any {
	n = resolve(n)
	if n == nil {
		return nil
	}
	l.budget--
	if l.budget < 0 || depth > 100 {
		if l.budget == -1 || depth == 101 {
			l.errorf(n, path, "", "value is too large or too deeply nested")
		}
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b
			}
		case "!!int":
			if i, err := strconv.Atoi(n.Value); err == nil {
				return i
			}
			var f float64
			if n.Decode(&f) == nil {
				return f
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil {
				return f
			}
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			out = append(out, l.toAny(c, indexPath(path, i), depth+1))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				l.errorf(n.Content[i], path, "", "map keys must be strings")
				continue
			}
			out[k.Value] = l.toAny(n.Content[i+1], joinPath(path, k.Value), depth+1)
		}
		return out
	}
	return nil
}
