package spec

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Consumer returns the consumer of the capability (or, failing that, of the
// root consumes) with namespace ns, or nil.
func (d *Document) Consumer(ns string) *Consumer {
	for _, c := range d.consumers() {
		if c.Namespace == ns {
			return c
		}
	}
	for _, c := range d.Consumes {
		if c.Namespace == ns {
			return c
		}
	}
	return nil
}

// Operation returns the consumed operation named by call
// ("<consumer-namespace>.<operation-name>"), or nil.
func (d *Document) Operation(call string) *ConsumedOperation {
	ns, name, ok := splitRef(call)
	if !ok {
		return nil
	}
	c := d.Consumer(ns)
	if c == nil {
		return nil
	}
	for _, r := range c.Resources {
		for _, op := range r.Operations {
			if op.Name == name {
				return op
			}
		}
	}
	return nil
}

// Function returns the aggregate function named by ref
// ("<aggregate-namespace>.<function-name>"), or nil.
func (d *Document) Function(ref string) *Function {
	ns, name, ok := splitRef(ref)
	if !ok || d.Capability == nil {
		return nil
	}
	for _, a := range d.Capability.Aggregates {
		if a.Namespace != ns {
			continue
		}
		for _, f := range a.Functions {
			if f.Name == name {
				return f
			}
		}
	}
	return nil
}

// BindVariables returns the variable names declared by the root and
// capability binds, in order.
func (d *Document) BindVariables() []string {
	var out []string
	for _, b := range d.binds() {
		for _, k := range b.Keys {
			out = append(out, k.Variable)
		}
	}
	return out
}

func (d *Document) consumers() []*Consumer {
	if d.Capability == nil {
		return nil
	}
	return d.Capability.Consumes
}

func (d *Document) binds() []*Bind {
	out := append([]*Bind(nil), d.Binds...)
	if d.Capability != nil {
		out = append(out, d.Capability.Binds...)
	}
	return out
}

// ---------------------------------------------------------------- imports

// FilePath turns a location of a capability file (imports, bind files,
// script folders, MCP static resources and prompts, skills) into a
// file-system path. Relative paths are relative to the folder of the file
// that names them (from), whatever the working directory (SPEC §3):
// `./x`, `x`, `file:x`, `file://./x`, `file://x`, and `file:///./x` or
// `file:///../x` as the reference tutorial writes them; `/abs` and
// `file:///abs` are absolute. Other schemes are an error naming them.
func FilePath(from, location string) (string, error) {
	p := location
	if scheme, rest, ok := strings.Cut(location, ":"); ok && len(scheme) > 1 && !strings.ContainsAny(scheme, `/\.`) {
		if !strings.EqualFold(scheme, "file") {
			return "", fmt.Errorf("location scheme %q is not supported (use a file path or file://)", scheme)
		}
		p = strings.TrimPrefix(rest, "//")
		if strings.HasPrefix(p, "/./") || strings.HasPrefix(p, "/../") {
			p = p[1:]
		}
	}
	if p == "" {
		return "", fmt.Errorf("location %q: the path is empty", location)
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(from), p)
	}
	return filepath.Clean(p), nil
}

func (l *loader) resolveImports(doc *Document) {
	if doc.Capability == nil {
		return
	}
	for i, c := range doc.Capability.Consumes {
		if !c.IsImport() || c.Import == "" {
			continue
		}
		loc := l.at(c.Path+".location", c.Loc)
		src, err := FilePath(l.file, c.Location)
		if err != nil {
			l.diags.Errorf(loc, "", "import %q: import %v", c.Import, err)
			continue
		}
		data, err := readLimited(src)
		if err != nil {
			l.diags.Errorf(loc, "the location is relative to the importing file's folder", "import %q: cannot read source file %s: %v", c.Import, src, err)
			continue
		}
		il := &loader{file: src}
		idoc := il.parseDocument(data)
		if !l.imported[src] {
			l.imported[src] = true
			sortDiagnostics(il.diags)
			l.diags = append(l.diags, il.diags...)
		}
		if idoc == nil || il.stop {
			l.diags.Errorf(loc, "", "import %q: source file %s cannot be loaded", c.Import, src)
			continue
		}
		sources := idoc.Consumes
		if len(sources) == 0 && idoc.Capability != nil && len(idoc.Capability.Consumes) > 0 {
			// A whole capability used as a shared file: its consumers are
			// what the import means.
			l.diags.Warnf(loc, "move the consumers to a root \"consumes\"", "import %q: source file %s has no root \"consumes\"; its capability's consumers are read", c.Import, src)
			sources = idoc.Capability.Consumes
		}
		if len(sources) == 0 {
			l.diags.Errorf(loc, "", "import %q: source file %s has no root \"consumes\"", c.Import, src)
			continue
		}
		var found *Consumer
		var names []string
		for _, ic := range sources {
			names = append(names, ic.Namespace)
			if ic.Namespace == c.Import && found == nil {
				found = ic
			}
		}
		if found == nil {
			l.diags.Errorf(l.at(c.Path+".import", c.Loc), suggest(c.Import, names), "import %q: namespace not found in source file %s", c.Import, src)
			continue
		}
		if found.IsImport() {
			l.diags.Errorf(loc, "", "import %q: %s imports it from another file; transitive imports are not supported", c.Import, src)
			continue
		}
		// The copy keeps the source's positions for its content but takes
		// the import entry's place and name in this document.
		found.Loc = c.Loc
		found.Location, found.Import, found.As = c.Location, c.Import, c.As
		found.Namespace = c.Namespace
		if c.Description != "" {
			found.Description = c.Description
		}
		found.source = src + "#" + c.Import
		doc.Capability.Consumes[i] = found
	}
}

// ---------------------------------------------------------------- link

type linker struct {
	l       *loader
	doc     *Document
	targets map[string]*ConsumedOperation
	names   []string // known call targets, for hints
	funcs   map[string]*Function
	fnames  []string
	bindVar map[string]bool
	bindNS  map[string]bool
	broken  map[string]bool // namespaces of imports that could not be resolved
}

func (l *loader) link(doc *Document) {
	k := &linker{l: l, doc: doc, targets: map[string]*ConsumedOperation{}, funcs: map[string]*Function{}, bindVar: map[string]bool{}, bindNS: map[string]bool{}, broken: map[string]bool{}}
	for _, b := range doc.binds() {
		k.bindNS[b.Namespace] = true
		for _, key := range b.Keys {
			k.bindVar[key.Variable] = true
		}
	}
	k.consumers(doc.Consumes, false)
	cap := doc.Capability
	if cap == nil {
		return
	}
	for _, c := range cap.Consumes {
		if c.IsImport() && c.source == "" {
			k.broken[c.Namespace] = true
		}
	}
	k.consumers(cap.Consumes, true)
	k.namespaces()
	for _, ag := range cap.Aggregates {
		for _, f := range ag.Functions {
			key := ag.Namespace + "." + f.Name
			if _, dup := k.funcs[key]; dup && f.Name != "" {
				l.diags.Errorf(l.at(f.Path+".name", f.Loc), "", "duplicate function %q in aggregate %q", f.Name, ag.Namespace)
				continue
			}
			k.funcs[key] = f
			k.fnames = append(k.fnames, key)
		}
	}
	for _, ag := range cap.Aggregates {
		for _, f := range ag.Functions {
			if f.Ref != "" {
				l.diags.Errorf(l.at(f.Path+".ref", f.Loc), "", "aggregate function %q cannot use \"ref\"", f.Name)
			}
			k.endpoint(&f.Endpoint, "aggregate function", false)
		}
	}
	ports := map[int]*Expose{}
	for _, a := range cap.Exposes {
		a.doc = doc
		switch {
		case a.Rest != nil:
			k.rest(a)
		case a.MCP != nil:
			k.mcp(a)
		case a.Skill != nil:
			k.skill(a)
		}
		if !listens(a) {
			continue
		}
		if first, dup := ports[a.Port]; dup {
			l.diags.Errorf(l.at(a.Path+".port", a.Loc), "give each adapter its own port", "port %d is already used by %s at %s", a.Port, describe(first), posString(first.Pos))
			continue
		}
		ports[a.Port] = a
	}
}

// listens reports whether an adapter takes a network port.
func listens(a *Expose) bool {
	if !a.HasPort || a.Port == 0 {
		return false
	}
	return a.MCP == nil || a.MCP.Transport != "stdio"
}

func describe(a *Expose) string {
	if a.Namespace == "" {
		return fmt.Sprintf("the %s adapter", a.Type)
	}
	return fmt.Sprintf("%s adapter %q", a.Type, a.Namespace)
}

func posString(p Pos) string {
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// consumers sets back-pointers, records call targets and reports duplicate
// operation names.
func (k *linker) consumers(cs []*Consumer, targets bool) {
	for _, c := range cs {
		seen := map[string]bool{}
		for _, r := range c.Resources {
			for _, op := range r.Operations {
				op.Resource, op.Consumer = r, c
				if op.Name == "" {
					continue
				}
				if seen[op.Name] {
					k.l.diags.Errorf(Loc{Pos: op.Pos, Path: op.Path + ".name"}, "", "duplicate operation name %q in consumer %q", op.Name, c.Namespace)
					continue
				}
				seen[op.Name] = true
				key := c.Namespace + "." + op.Name
				if _, dup := k.targets[key]; targets && !dup {
					k.targets[key] = op
					k.names = append(k.names, key)
				}
			}
		}
	}
	if !targets {
		// Root consumes (a shared consumer file) are not call targets of the
		// capability, but their namespaces must still be unique.
		first := map[string]*Consumer{}
		for _, c := range cs {
			if f, dup := first[c.Namespace]; dup && c.Namespace != "" {
				k.l.diags.Errorf(k.l.at(c.Path+".namespace", c.Loc), "", "namespace %q is already used at %s", c.Namespace, posString(f.Pos))
				continue
			}
			first[c.Namespace] = c
		}
	}
}

// namespaces reports namespaces used twice across consumes, exposes and
// aggregates of the capability.
func (k *linker) namespaces() {
	type owner struct {
		loc  Loc
		what string
	}
	first := map[string]owner{}
	add := func(ns string, loc Loc, what string) {
		if ns == "" {
			return
		}
		if f, dup := first[ns]; dup {
			k.l.diags.Errorf(k.l.at(loc.Path+".namespace", loc), "namespaces must be unique across consumes, exposes and aggregates", "namespace %q of %s is already used by %s at %s", ns, what, f.what, posString(f.loc.Pos))
			return
		}
		first[ns] = owner{loc, what}
	}
	cap := k.doc.Capability
	for _, c := range cap.Consumes {
		add(c.Namespace, c.Loc, "a consumer")
	}
	for _, a := range cap.Exposes {
		add(a.Namespace, a.Loc, "a "+a.Type+" adapter")
	}
	for _, a := range cap.Aggregates {
		add(a.Namespace, a.Loc, "an aggregate")
	}
}

// target resolves a call reference written at path.
func (k *linker) target(call, path string, fallback Loc) *ConsumedOperation {
	loc := k.l.at(path, fallback)
	if _, _, ok := splitRef(call); !ok {
		k.l.diags.Errorf(loc, "write <consumer-namespace>.<operation-name>", "call %q is not of the form namespace.operation", call)
		return nil
	}
	if op, ok := k.targets[call]; ok {
		return op
	}
	if ns, _, _ := splitRef(call); k.broken[ns] {
		// The failed import was reported; one error per call would bury it.
		return nil
	}
	k.l.diags.Errorf(loc, suggest(call, k.names), "unknown call target %q", call)
	return nil
}

// endpoint resolves the call, ref and step calls of an endpoint.
func (k *linker) endpoint(ep *Endpoint, what string, mayBeEmpty bool) {
	if ep.Call != "" {
		ep.Target = k.target(ep.Call, ep.Path+".call", ep.Loc)
	}
	if ep.Ref != "" {
		loc := k.l.at(ep.Path+".ref", ep.Loc)
		if _, _, ok := splitRef(ep.Ref); !ok {
			k.l.diags.Errorf(loc, "write <aggregate-namespace>.<function-name>", "ref %q is not of the form namespace.function", ep.Ref)
		} else if f, ok := k.funcs[ep.Ref]; ok {
			ep.Function = f
			// The reference engine lets a ref'd tool or operation inherit
			// what it does not state itself.
			if ep.Name == "" {
				ep.Name = f.Name
			}
			if ep.Description == "" {
				ep.Description = f.Description
			}
		} else {
			k.l.diags.Errorf(loc, suggest(ep.Ref, k.fnames), "unknown aggregate function ref %q", ep.Ref)
		}
	}
	steps := map[string]bool{}
	for _, s := range ep.Steps {
		if s.Name != "" && steps[s.Name] {
			k.l.diags.Errorf(k.l.at(s.Path+".name", s.Loc), "", "duplicate step name %q", s.Name)
		}
		switch s.Type {
		case "call":
			if s.Call != "" {
				s.Target = k.target(s.Call, s.Path+".call", s.Loc)
			}
		case "lookup":
			if s.Index != "" && !steps[s.Index] {
				k.l.diags.Errorf(k.l.at(s.Path+".index", s.Loc), suggest(s.Index, keys(steps)), "lookup step %q indexes %q, which is not an earlier step", s.Name, s.Index)
			}
		}
		steps[s.Name] = true
	}
	if ep.Call == "" && ep.Ref == "" && len(ep.Steps) == 0 && len(ep.OutputParameters) == 0 && !mayBeEmpty {
		k.l.diags.Errorf(ep.Loc, "add a call, steps, a ref or mock outputParameters", "%s %q does nothing", what, ep.Name)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (k *linker) rest(a *Expose) {
	type route struct{ loc Loc }
	routes := map[string]route{}
	for _, r := range a.Rest.Resources {
		if r.Forward != nil && r.Forward.TargetNamespace != "" {
			if k.doc.Consumer(r.Forward.TargetNamespace) == nil {
				var nss []string
				for _, c := range k.doc.consumers() {
					nss = append(nss, c.Namespace)
				}
				k.l.diags.Errorf(k.l.at(r.Forward.Path+".targetNamespace", r.Forward.Loc), suggest(r.Forward.TargetNamespace, nss), "forward target %q is not a consumer namespace", r.Forward.TargetNamespace)
			}
		}
		for _, op := range r.Operations {
			op.Resource = r
			// A resource with forward passes what its operations do not handle.
			k.endpoint(&op.Endpoint, "REST operation", r.Forward != nil)
			key := op.Method + " " + normalRoute(r.Path)
			if f, dup := routes[key]; dup {
				k.l.diags.Errorf(k.l.at(op.Path+".method", op.Loc), "", "duplicate route %s %s in adapter %q; first declared at %s", op.Method, r.Path, a.Namespace, posString(f.loc.Pos))
			} else {
				routes[key] = route{op.Loc}
			}
			k.placeholders(a, r, op)
		}
	}
}

// placeholders reports consumed path placeholders that a REST operation has
// no way to fill (SPEC §2). MCP tools always can: a placeholder becomes a
// required argument.
func (k *linker) placeholders(a *Expose, r *RestResource, op *RestOperation) {
	if op.Ref != "" {
		return
	}
	have := map[string]bool{}
	for _, v := range RouteVariables(r.Path) {
		have[v] = true
	}
	for _, p := range r.InputParameters {
		have[p.Name] = true
	}
	for _, p := range op.InputParameters {
		have[p.Name] = true
	}
	for _, w := range op.With {
		have[w.Key] = true
	}
	check := func(target *ConsumedOperation, with []*WithEntry, steps map[string]bool, at Loc) {
		if target == nil || target.Resource == nil {
			return
		}
		local := map[string]bool{}
		for _, w := range with {
			local[w.Key] = true
		}
		for _, name := range PathPlaceholders(target.Resource.Path) {
			if have[name] || local[name] || k.bindVar[name] || consumedValue(target, name) {
				continue
			}
			if prefix, rest, ok := strings.Cut(name, "."); ok && rest != "" && (steps[prefix] || (k.bindNS[prefix] && k.bindVar[rest])) {
				continue
			}
			k.l.diags.Errorf(at, fmt.Sprintf("add a route variable {%s}, a with entry %q, or a declared input parameter %q", name, name+": …", name),
				"path placeholder %q of %s.%s (%s) has no value in REST operation %s %s", name, target.Consumer.Namespace, target.Name, target.Resource.Path, op.Method, r.Path)
		}
	}
	check(op.Target, nil, nil, k.l.at(op.Path+".call", op.Loc))
	steps := map[string]bool{}
	for _, s := range op.Steps {
		if s.Type == "call" {
			check(s.Target, s.With, steps, k.l.at(s.Path+".call", s.Loc))
		}
		steps[s.Name] = true
	}
}

// consumedValue reports whether the consumed operation's parameters give
// name a value of their own (a `value` template or the environment).
func consumedValue(op *ConsumedOperation, name string) bool {
	for _, p := range consumedParams(op) {
		if p.Name == name && (p.HasValue || p.In == "environment") {
			return true
		}
	}
	return false
}

// consumedParams lists the parameters that apply to op: the operation's,
// then its resource's, then its consumer's (the most specific first).
func consumedParams(op *ConsumedOperation) []*ConsumedParam {
	out := append([]*ConsumedParam(nil), op.InputParameters...)
	if op.Resource != nil {
		out = append(out, op.Resource.InputParameters...)
	}
	if op.Consumer != nil {
		out = append(out, op.Consumer.InputParameters...)
	}
	return out
}

func (k *linker) mcp(a *Expose) {
	names := map[string]*Tool{}
	for _, t := range a.MCP.Tools {
		k.endpoint(&t.Endpoint, "tool", false)
		if t.Name == "" {
			k.l.diags.Errorf(t.Loc, "", "tool is missing \"name\"")
			continue
		}
		if t.Description == "" && t.Ref == "" {
			k.l.diags.Warnf(t.Loc, "agents choose tools by their description", "tool %q is missing \"description\" (required by the alpha2 schema)", t.Name)
		}
		if f, dup := names[t.Name]; dup {
			k.l.diags.Errorf(k.l.at(t.Path+".name", t.Loc), "", "duplicate tool name %q in adapter %q; first declared at %s", t.Name, a.Namespace, posString(f.Pos))
			continue
		}
		names[t.Name] = t
	}
	for _, r := range a.MCP.Resources {
		k.endpoint(&r.Endpoint, "MCP resource", true)
	}
}

func (k *linker) skill(a *Expose) {
	for _, s := range a.Skill.Skills {
		for _, t := range s.Tools {
			if t.From == nil || t.From.SourceNamespace == "" {
				continue
			}
			var src *Expose
			var nss []string
			for _, x := range k.doc.Capability.Exposes {
				if x.Rest != nil || x.MCP != nil {
					nss = append(nss, x.Namespace)
					if x.Namespace == t.From.SourceNamespace {
						src = x
					}
				}
			}
			if src == nil {
				k.l.diags.Errorf(k.l.at(t.From.Path+".sourceNamespace", t.From.Loc), suggest(t.From.SourceNamespace, nss), "skill tool %q: %q is not a rest or mcp adapter of this capability", t.Name, t.From.SourceNamespace)
				continue
			}
			var actions []string
			if src.Rest != nil {
				for _, r := range src.Rest.Resources {
					for _, op := range r.Operations {
						actions = append(actions, op.Name)
					}
				}
			} else {
				for _, tl := range src.MCP.Tools {
					actions = append(actions, tl.Name)
				}
			}
			if t.From.Action != "" && !oneOf(t.From.Action, actions) {
				k.l.diags.Errorf(k.l.at(t.From.Path+".action", t.From.Loc), suggest(t.From.Action, actions), "skill tool %q: adapter %q has no operation or tool %q", t.Name, src.Namespace, t.From.Action)
			}
		}
	}
}

// ---------------------------------------------------------------- set

// CheckSet reports collisions between documents served together: a
// namespace defined twice, two adapters on one port, and two tools with one
// name on one MCP port. Each diagnostic is positioned at the second
// occurrence and names the first. Collisions inside one document are
// reported by Parse, not here.
func CheckSet(docs []*Document) Diagnostics {
	var ds Diagnostics
	type seen struct {
		doc    int
		pos    Pos
		source string
	}
	nss := map[string]seen{}
	ports := map[int]seen{}
	tools := map[string]seen{} // "port/tool"
	for i, d := range docs {
		if d == nil || d.Capability == nil {
			continue
		}
		type named struct {
			ns, source string
			loc        Loc
		}
		var all []named
		for _, c := range d.Capability.Consumes {
			all = append(all, named{c.Namespace, c.source, c.Loc})
		}
		for _, a := range d.Capability.Exposes {
			all = append(all, named{a.Namespace, "", a.Loc})
		}
		for _, a := range d.Capability.Aggregates {
			all = append(all, named{a.Namespace, "", a.Loc})
		}
		for _, n := range all {
			if n.ns == "" {
				continue
			}
			f, dup := nss[n.ns]
			switch {
			case !dup:
				nss[n.ns] = seen{i, n.loc.Pos, n.source}
			case f.doc != i && !(n.source != "" && n.source == f.source):
				ds.Errorf(Loc{Pos: n.loc.Pos, Path: n.loc.Path + ".namespace"}, "namespaces must be unique across the files served together", "namespace %q is already defined at %s", n.ns, posString(f.pos))
			}
		}
		for _, a := range d.Capability.Exposes {
			if !listens(a) {
				continue
			}
			if f, dup := ports[a.Port]; !dup {
				ports[a.Port] = seen{doc: i, pos: a.Pos}
			} else if f.doc != i {
				ds.Errorf(Loc{Pos: a.Pos, Path: a.Path + ".port"}, "give each adapter its own port, or override with --port", "port %d is already used by the adapter at %s", a.Port, posString(f.pos))
			}
			if a.MCP == nil {
				continue
			}
			for _, t := range a.MCP.Tools {
				key := fmt.Sprintf("%d/%s", a.Port, t.Name)
				if f, dup := tools[key]; !dup {
					tools[key] = seen{doc: i, pos: t.Pos}
				} else if f.doc != i {
					ds.Errorf(Loc{Pos: t.Pos, Path: t.Path + ".name"}, "", "tool %q on port %d is already defined at %s", t.Name, a.Port, posString(f.pos))
				}
			}
		}
	}
	return ds
}
