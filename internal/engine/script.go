package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Script steps (reference §1.8.1) run JavaScript with goja. Each run gets a
// fresh runtime with no host access (goja offers no file, network or
// process API unless given one): a `context` object holding the runtime
// parameters, every stored step output and the step's `with`, and the
// script assigns `result`, which becomes the step output.
//
// Limits, as far as goja allows:
//   - time: the runtime is interrupted after the timeout (Options.
//     ScriptTimeout, default DefaultScriptTimeout: much lower than the
//     reference's 60 s because a script holds a request open; a capability's
//     management.scripting.timeout, in ms, overrides it) or when the request
//     is cancelled;
//   - stack: recursion deeper than scriptMaxCallStack frames fails;
//   - memory: String.prototype.repeat/padStart/padEnd refuse results above
//     scriptMaxString characters and the result must fit in scriptMaxResult
//     bytes of JSON. goja has no statement counter nor heap limit, so
//     management.scripting.statementLimit is not enforced: a script that
//     allocates in a tight loop is stopped only by the timeout.
//
// Script files are read and compiled once, at build time: `location` is a
// file:// directory relative to the capability file (file:///./scripts)
// or absolute (file:///opt/scripts); `file` and `dependencies` are relative
// paths whose segments match [a-zA-Z0-9._-]+ and that stay inside it, even
// through symbolic links.

// DefaultScriptTimeout bounds a script step when the capability sets no
// management.scripting.timeout.
const DefaultScriptTimeout = 5 * time.Second

const (
	scriptMaxCallStack = 256
	scriptMaxResult    = 4 << 20
	scriptMaxFile      = 1 << 20
)

// scriptGuard caps the string builders that can allocate the most in one
// call. It runs before the dependencies and the script.
const scriptGuard = `(function () {
  var max = 1048576; // characters
  var repeat = String.prototype.repeat, padStart = String.prototype.padStart, padEnd = String.prototype.padEnd;
  function check(n) { if (n > max) throw new RangeError("string longer than " + max + " characters"); }
  Object.defineProperty(String.prototype, "repeat", { value: function (n) { check(String(this).length * n); return repeat.call(this, n); } });
  Object.defineProperty(String.prototype, "padStart", { value: function (n, s) { check(n); return padStart.call(this, n, s); } });
  Object.defineProperty(String.prototype, "padEnd", { value: function (n, s) { check(n); return padEnd.call(this, n, s); } });
})();`

// guardProgram is compiled on first use: most capabilities have no script,
// and compiling it at start-up costs most of a millisecond.
var guardProgram = sync.OnceValue(func() *goja.Program { return goja.MustCompile("guard.js", scriptGuard, true) })

// scriptPlan is a compiled script step.
type scriptPlan struct {
	programs []*goja.Program // dependencies in order, then the script
	with     *expr.With
	timeout  time.Duration
}

// scriptingOf returns the scripting governance of doc's first control
// adapter (reference: only the first counts), or nil.
func scriptingOf(doc *spec.Document) *spec.Scripting {
	if doc == nil || doc.Capability == nil {
		return nil
	}
	for _, x := range doc.Capability.Exposes {
		if x.Control != nil {
			if x.Control.Management != nil {
				return x.Control.Management.Scripting
			}
			return nil
		}
	}
	return nil
}

func (e *Engine) compileScript(s *spec.Step, prefixes []string) (*scriptPlan, error) {
	gov := e.scripting
	if v, ok := e.opts.LookupEnv("NAFTIKO_SCRIPTING"); ok && strings.EqualFold(v, "false") && (gov == nil || gov.Enabled == nil) {
		return nil, errors.New("scripting is disabled by NAFTIKO_SCRIPTING=false")
	}
	if gov != nil && gov.Enabled != nil && !*gov.Enabled {
		return nil, errors.New("scripting is disabled by management.scripting.enabled: false")
	}
	lang := s.Language
	if lang == "" && gov != nil {
		lang = gov.DefaultLanguage
	}
	if lang == "" {
		lang = "javascript"
	}
	if lang != "javascript" {
		return nil, fmt.Errorf("not supported yet: script steps in %s (only javascript is implemented)", lang)
	}
	if gov != nil && len(gov.AllowedLanguages) > 0 && !slices.Contains(gov.AllowedLanguages, lang) {
		return nil, fmt.Errorf("language %q is not in management.scripting.allowedLanguages %v", lang, gov.AllowedLanguages)
	}
	location := s.Location
	if location == "" && gov != nil {
		location = gov.DefaultLocation
	}
	if location == "" {
		return nil, errors.New("no location: set `location` on the step (file:///./scripts) or management.scripting.defaultLocation")
	}
	dir, err := scriptDir(s.Pos.File, location)
	if err != nil {
		return nil, err
	}
	sp := &scriptPlan{timeout: e.opts.ScriptTimeout}
	if gov != nil && gov.Timeout > 0 {
		sp.timeout = time.Duration(gov.Timeout) * time.Millisecond
	}
	for _, f := range append(append([]string(nil), s.Dependencies...), s.File) {
		src, err := readScript(dir, f)
		if err != nil {
			return nil, err
		}
		prg, err := goja.Compile(f, src, false)
		if err != nil {
			return nil, fmt.Errorf("script %s: %w", f, err)
		}
		sp.programs = append(sp.programs, prg)
	}
	if sp.with, err = compileWith(s.With, prefixes); err != nil {
		return nil, err
	}
	return sp, nil
}

// scriptDir resolves a script location: a file:// URI of a directory,
// relative to the folder of the capability file unless absolute.
func scriptDir(capFile, location string) (string, error) {
	if !strings.HasPrefix(location, "file://") {
		return "", fmt.Errorf("script location %q must be a file:// URI", location)
	}
	return spec.FilePath(capFile, location)
}

// readScript reads file (a relative path of safe segments) below dir,
// refusing anything that leaves dir, symbolic links included.
func readScript(dir, file string) (string, error) {
	if err := expose.SafeRelPath(filepath.ToSlash(file)); err != nil {
		return "", fmt.Errorf("script file %q: each path segment must match [a-zA-Z0-9._-]+ and not be . or ..", file)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("script location %s: %w", dir, err)
	}
	full, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return "", fmt.Errorf("script file %q: %w", file, err)
	}
	if rel, err := filepath.Rel(root, full); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("script file %q resolves outside its location", file)
	}
	f, err := os.Open(full)
	if err != nil {
		return "", fmt.Errorf("script file %q: %w", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, scriptMaxFile+1))
	if err != nil {
		return "", fmt.Errorf("script file %q: %w", file, err)
	}
	if len(data) > scriptMaxFile {
		return "", fmt.Errorf("script file %q is larger than %d bytes", file, scriptMaxFile)
	}
	return string(data), nil
}

// errScriptTimeout and errScriptCancelled are the interrupt values.
var (
	errScriptTimeout   = errors.New("timeout")
	errScriptCancelled = errors.New("cancelled")
)

// run executes the script. It returns the value the script assigned to
// `result` (decoded JSON) and whether it assigned one.
func (sp *scriptPlan) run(ctx context.Context, rt, outputs map[string]any, in expose.Inputs) (any, bool, error) {
	bindings := make(map[string]any, len(rt)+len(outputs)+4)
	for k, v := range rt {
		bindings[k] = v
	}
	for k, v := range outputs {
		bindings[k] = v
	}
	for k, v := range sp.with.Apply(bindings, in.Body, in.HasBody, bindings) {
		bindings[k] = v
	}
	ctxJSON, err := json.Marshal(expr.Plain(bindings))
	if err != nil {
		return nil, false, fmt.Errorf("script context: %w", err)
	}

	vm := goja.New()
	vm.SetMaxCallStackSize(scriptMaxCallStack)
	timer := time.AfterFunc(sp.timeout, func() { vm.Interrupt(errScriptTimeout) })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, func() { vm.Interrupt(errScriptCancelled) })
	defer stop()

	explain := func(err error) error {
		var ie *goja.InterruptedError
		if errors.As(err, &ie) {
			if ie.Value() == errScriptTimeout {
				return fmt.Errorf("script did not finish within %s", sp.timeout)
			}
			return errors.New("script cancelled with the request")
		}
		var so *goja.StackOverflowError
		if errors.As(err, &so) {
			return fmt.Errorf("script recursed deeper than %d calls", scriptMaxCallStack)
		}
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return fmt.Errorf("script failed: %s", ex.Value().String())
		}
		return fmt.Errorf("script failed: %v", err)
	}

	if _, err := vm.RunProgram(guardProgram()); err != nil {
		return nil, false, explain(err)
	}
	parse, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	cv, err := parse(goja.Undefined(), vm.ToValue(string(ctxJSON)))
	if err != nil {
		return nil, false, explain(err)
	}
	if err := vm.Set("context", cv); err != nil {
		return nil, false, explain(err)
	}
	for _, prg := range sp.programs {
		if _, err := vm.RunProgram(prg); err != nil {
			return nil, false, explain(err)
		}
	}
	res := vm.Get("result")
	if res == nil || goja.IsUndefined(res) {
		return nil, false, nil
	}
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	sv, err := stringify(goja.Undefined(), res)
	if err != nil {
		return nil, false, explain(err)
	}
	if goja.IsUndefined(sv) {
		return nil, false, nil // a function or a symbol: nothing JSON can hold
	}
	text := sv.String()
	if len(text) > scriptMaxResult {
		return nil, false, fmt.Errorf("script result is larger than %d bytes of JSON", scriptMaxResult)
	}
	v, err := expose.DecodeJSON([]byte(text))
	if err != nil {
		return nil, false, fmt.Errorf("script result: %w", err)
	}
	return v, true, nil
}
