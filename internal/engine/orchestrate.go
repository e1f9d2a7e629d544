package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/naftiko-go/naftiko/internal/consume"
	"github.com/naftiko-go/naftiko/internal/consume/formats"
	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Orchestration (reference §1.8): steps run in order against a runtime pool
// that starts as the endpoint's pool. Each step's output is stored under
// its name and added to the pool, so later templates say {{step.field}}
// and `$.step.field` paths (lookup values, mappings) read it.
//
// Decisions beyond the reference engine (docs/COMPATIBILITY.md):
//   - A failing step stops the operation; nothing answers 200 after a
//     failure. An upstream answer >= 400 becomes a Result with the upstream
//     status whose body is an engine-made problem document naming the step
//     and carrying the upstream body (typeStepFailed); a transport failure is
//     an *expose.Error (502/504) whose detail names the step; a lookup whose
//     index step stored nothing is a 502 naming both steps.
//   - Lookup results are visible to later templates too (the reference
//     stores them for paths only).
//   - Mapping values are full JSONPath (expr.Path), so `$.step.items[0].id`
//     works; the reference only walks dotted names.

// typeStepFailed is the problem type of an orchestration stopped by an
// upstream answer >= 400.
const typeStepFailed = "urn:naftiko:problem:step-failed"

// stepPlan is one compiled step.
type stepPlan struct {
	name string
	kind string // call, lookup, script
	// call
	client     *consume.Client
	op         *spec.ConsumedOperation
	with       *expr.With
	projection []projection
	// lookup
	index      string
	match      string
	valuePath  *expr.Path     // lookupValue "$.step.path"
	valueTmpl  *expr.Template // any other lookupValue
	fields     []string
	indexIsRaw bool // the index step is a call step (its output is an upstream body)
	// script
	script *scriptPlan
}

// projection is one named JSONPath of a consumed operation's
// outputParameters, applied to a call step's output (reference §1.6.7).
type projection struct {
	name string
	path *expr.Path
}

// mappingPlan is one compiled `mappings` entry: a dotted target and the
// path of its value in the step outputs.
type mappingPlan struct {
	target []string
	path   *expr.Path
}

// compileSteps compiles the steps and mappings of ep into b. prefixes are
// the reference prefixes of step `with` blocks: the adapter's, or the
// aggregate namespace for a function.
func (e *Engine) compileSteps(ep *spec.Endpoint, prefixes []string, clients map[string]*consume.Client, b *body) error {
	kinds := map[string]string{}
	for _, s := range ep.Steps {
		sp := &stepPlan{name: s.Name, kind: s.Type}
		var err error
		switch s.Type {
		case "call":
			err = compileCallStep(s, prefixes, clients, sp)
		case "lookup":
			err = compileLookupStep(s, kinds, sp)
		case "script":
			sp.script, err = e.compileScript(s, prefixes)
		default:
			err = fmt.Errorf("unknown step type %q", s.Type)
		}
		if err != nil {
			return fmt.Errorf("step %q: %w", s.Name, err)
		}
		kinds[s.Name] = s.Type
		b.steps = append(b.steps, sp)
	}
	for _, m := range ep.Mappings {
		if m.TargetName == "" || strings.Contains(m.TargetName, "..") || strings.HasPrefix(m.TargetName, ".") || strings.HasSuffix(m.TargetName, ".") {
			return fmt.Errorf("mapping target %q: write names separated by single dots", m.TargetName)
		}
		p, err := expr.ParsePath(m.Value)
		if err != nil {
			return fmt.Errorf("mapping %q: %w", m.TargetName, err)
		}
		b.mappings = append(b.mappings, &mappingPlan{target: strings.Split(m.TargetName, "."), path: p})
	}
	// Orchestrated outputParameters only document the result; they shape the
	// last call's answer only when they map something.
	if !mapsAnything(ep.OutputParameters) {
		b.shaper = nil
	}
	return nil
}

func compileCallStep(s *spec.Step, prefixes []string, clients map[string]*consume.Client, sp *stepPlan) error {
	if s.Target == nil {
		return fmt.Errorf("call %q does not resolve to a consumed operation", s.Call)
	}
	sp.op = s.Target
	sp.client = clients[s.Target.Consumer.Namespace]
	if sp.client == nil {
		return fmt.Errorf("no client for consumer %q", s.Target.Consumer.Namespace)
	}
	var err error
	if sp.with, err = compileWith(s.With, prefixes); err != nil {
		return err
	}
	for _, o := range s.Target.OutputParameters {
		if !strings.HasPrefix(strings.TrimSpace(o.Value), "$") {
			continue // the reference engine projects JSONPath values only
		}
		p, err := expr.ParsePath(o.Value)
		if err != nil {
			return fmt.Errorf("outputParameters of %s: %w", opName(s.Target), err)
		}
		sp.projection = append(sp.projection, projection{name: o.Name, path: p})
	}
	return nil
}

func compileLookupStep(s *spec.Step, kinds map[string]string, sp *stepPlan) error {
	kind, ok := kinds[s.Index]
	if !ok {
		return fmt.Errorf("index %q is not an earlier step", s.Index)
	}
	sp.index, sp.match, sp.fields, sp.indexIsRaw = s.Index, s.Match, s.LookupOutputs, kind == "call"
	v := strings.TrimSpace(s.LookupValue)
	var err error
	if strings.HasPrefix(v, "$.") || strings.HasPrefix(v, "$[") {
		sp.valuePath, err = expr.ParsePath(v)
	} else {
		sp.valueTmpl, err = expr.ParseTemplate(s.LookupValue)
	}
	if err != nil {
		return fmt.Errorf("lookupValue: %w", err)
	}
	return nil
}

// mapsAnything reports whether an output parameter, at any depth, has a
// mapping, a value or a const.
func mapsAnything(outs []*spec.OutputParam) bool {
	for _, o := range outs {
		if o == nil {
			continue
		}
		if o.HasMapping || o.HasValue || o.HasConst || mapsAnything(o.Properties) || mapsAnything(o.ItemList) {
			return true
		}
		if o.Items != nil && mapsAnything([]*spec.OutputParam{o.Items}) {
			return true
		}
	}
	return false
}

// orchestrate runs the steps of b and builds the answer: the object of the
// mappings that resolve (200), else the last call step's answer shaped like
// a simple call.
func (c *call) orchestrate(ctx context.Context, b *body, pool map[string]any) (*expose.Result, error) {
	rt := make(map[string]any, len(pool)+len(b.steps))
	for k, v := range pool {
		rt[k] = v
	}
	outputs := make(map[string]any, len(b.steps))
	var last *consume.Response
	var lastStep *stepPlan
	var lastPool map[string]any
	for _, s := range b.steps {
		var out any
		var stored bool
		switch s.kind {
		case "call":
			sp := make(map[string]any, len(rt)+4)
			for k, v := range rt {
				sp[k] = v
			}
			for k, v := range s.with.Apply(rt, c.in.Body, c.in.HasBody, rt) {
				sp[k] = v
			}
			resp, err := c.e.callUpstream(ctx, s.client, s.op, sp) // observed like any call
			if err != nil {
				return nil, stepError(s, err)
			}
			if resp.Status >= 400 {
				return stepFailure(s, resp)
			}
			last, lastStep, lastPool = resp, s, sp
			if doc, ok := stepDocument(s.op, resp); ok {
				out, stored = s.project(doc), true
			}
		case "lookup":
			table, ok := outputs[s.index]
			if !ok {
				return nil, lookupError(s)
			}
			out = s.lookup(table, outputs, rt)
			stored = out != nil
		case "script":
			v, ok, err := s.script.run(ctx, rt, outputs, c.in)
			if err != nil {
				return nil, &expose.Error{Kind: expose.KindInput, Detail: fmt.Sprintf("step %q: %v", s.name, err), Err: err}
			}
			out, stored = v, ok
		}
		if stored {
			outputs[s.name] = out
			rt[s.name] = out
		}
	}

	if len(b.mappings) > 0 {
		var obj expr.OrderedObject
		for _, m := range b.mappings {
			if v := m.path.Eval(outputs); v != nil {
				obj = setDotted(obj, m.target, v)
			}
		}
		if len(obj) > 0 {
			return jsonResult(http.StatusOK, obj)
		}
	}
	if last == nil {
		return nil, &expose.Error{Kind: expose.KindInternal,
			Detail: "the orchestration produced no result: no mapping resolved and no call step answered"}
	}
	return result(lastStep.op, b.shaper, last, lastPool)
}

// stepDocument decodes a call step's answer: JSON, or the operation's
// outputRawFormat converted to JSON (the reference engine only tries JSON
// here, which leaves XML or CSV steps empty). A body that does not decode is
// stored as nothing, as in the reference.
func stepDocument(op *spec.ConsumedOperation, resp *consume.Response) (any, bool) {
	if len(resp.Body) == 0 {
		return nil, false
	}
	if !isJSONFormat(op) {
		doc, err := formats.Convert(op.OutputRawFormat, op.OutputSchema, resp.Body)
		return doc, err == nil
	}
	doc, err := expose.DecodeJSON(resp.Body)
	if err != nil {
		return nil, false
	}
	return doc, true
}

// project applies the consumed operation's outputParameters to a call
// step's output as the reference engine does: an array keeps its elements,
// each object element gaining the named projections evaluated on it; any
// other document becomes the object of the named projections (missing →
// null).
func (s *stepPlan) project(doc any) any {
	if len(s.projection) == 0 {
		return doc
	}
	if list, ok := doc.([]any); ok {
		out := make([]any, len(list))
		for i, el := range list {
			m := map[string]any{}
			if obj, ok := el.(map[string]any); ok {
				for k, v := range obj {
					m[k] = v
				}
			}
			for _, p := range s.projection {
				if p.name == "" {
					continue
				}
				if v := p.path.Eval(el); v != nil {
					m[p.name] = v
				}
			}
			out[i] = m
		}
		return out
	}
	m := map[string]any{}
	var unnamed any
	for _, p := range s.projection {
		v := p.path.Eval(doc)
		if p.name != "" {
			m[p.name] = v
		} else if unnamed == nil {
			unnamed = v
		}
	}
	switch {
	case len(m) > 0:
		return m
	case unnamed != nil:
		return unnamed
	}
	return doc
}

// lookup finds, in the index table (an array of objects or one object), the
// first entry whose match field has the lookup value's text, and returns
// only the listed fields (missing → null). An array lookup value looks up
// each element and returns the matches (nil when none matches).
func (s *stepPlan) lookup(table any, outputs, rt map[string]any) any {
	var value any
	if s.valuePath != nil {
		value = s.valuePath.Eval(outputs)
	} else {
		value = s.valueTmpl.Render(rt)
	}
	if value == nil {
		return nil
	}
	if list, ok := value.([]any); ok {
		var found []any
		for _, v := range list {
			if m := s.find(table, asText(v)); m != nil {
				found = append(found, m)
			}
		}
		if len(found) == 0 {
			return nil
		}
		return found
	}
	if m := s.find(table, asText(value)); m != nil {
		return m
	}
	return nil
}

func (s *stepPlan) find(table any, want string) map[string]any {
	var rows []any
	switch t := table.(type) {
	case []any:
		rows = t
	case map[string]any:
		rows = []any{t}
	}
	for _, r := range rows {
		obj, ok := r.(map[string]any)
		if !ok {
			continue
		}
		if v, ok := obj[s.match]; ok && v != nil && asText(v) == want {
			out := make(map[string]any, len(s.fields))
			for _, f := range s.fields {
				out[f] = obj[f] // a missing field is null
			}
			return out
		}
	}
	return nil
}

// asText is the text a lookup compares: strings as they are, numbers and
// booleans in JSON form, anything else as compact JSON.
func asText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// setDotted sets path in obj, creating (or replacing non-object values
// with) nested objects on the way, members in first-set order.
func setDotted(obj expr.OrderedObject, path []string, v any) expr.OrderedObject {
	key := path[0]
	idx := -1
	for i, m := range obj {
		if m.Key == key {
			idx = i
			break
		}
	}
	if len(path) > 1 {
		var child expr.OrderedObject
		if idx >= 0 {
			child, _ = obj[idx].Value.(expr.OrderedObject)
		}
		v = setDotted(child, path[1:], v)
	}
	if idx >= 0 {
		obj[idx].Value = v
		return obj
	}
	return append(obj, expr.Member{Key: key, Value: v})
}

// stepError maps a failed call step to an engine error naming the step.
func stepError(s *stepPlan, err error) error {
	xe := toExposeError(opName(s.op), err)
	out := *xe
	out.Detail = fmt.Sprintf("step %q (%s): %s", s.name, opName(s.op), xe.Detail)
	if out.Err == nil {
		out.Err = err
	}
	return &out
}

// lookupError reports a lookup whose index step stored no output.
func lookupError(s *stepPlan) error {
	kind := expose.KindInternal
	why := "produced no output"
	if s.indexIsRaw {
		kind, why = expose.KindUnreachable, "answered with a body that is not JSON"
	}
	return &expose.Error{Kind: kind, Detail: fmt.Sprintf("step %q: its index step %q %s", s.name, s.index, why)}
}

// stepProblem is the body of a step stopped by an upstream answer >= 400:
// an RFC 9457 problem document with the step, the upstream operation and
// the upstream body (JSON as JSON, other text as a string).
type stepProblem struct {
	Type         string `json:"type"`
	Title        string `json:"title"`
	Status       int    `json:"status"`
	Detail       string `json:"detail"`
	Step         string `json:"step"`
	Upstream     string `json:"upstream"`
	UpstreamBody any    `json:"upstreamBody,omitempty"`
}

// maxEchoedBody bounds the non-JSON upstream text a step problem repeats.
const maxEchoedBody = 4096

// stepFailure answers an upstream status >= 400 of a call step.
func stepFailure(s *stepPlan, resp *consume.Response) (*expose.Result, error) {
	p := stepProblem{
		Type: typeStepFailed, Title: "Step failed", Status: resp.Status,
		Detail:   fmt.Sprintf("step %q: upstream %s answered HTTP %d", s.name, opName(s.op), resp.Status),
		Step:     s.name,
		Upstream: opName(s.op),
	}
	if doc, err := expose.DecodeJSON(resp.Body); err == nil && len(resp.Body) > 0 {
		p.UpstreamBody = doc
	} else if len(resp.Body) > 0 {
		text := resp.Body
		if len(text) > maxEchoedBody {
			text = text[:maxEchoedBody]
		}
		p.UpstreamBody = strings.ToValidUTF8(string(text), string(utf8.RuneError))
	}
	res, err := jsonResult(resp.Status, p)
	if err != nil {
		return nil, err
	}
	res.ContentType = "application/problem+json"
	return res, nil
}
