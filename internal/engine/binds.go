package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// bindValues are the resolved binds of one document: every variable by its
// own name, and every namespace as a map of its variables, so templates can
// say {{VAR}} or {{namespace.VAR}} (SPEC §3).
type bindValues struct {
	vars    map[string]any
	secrets []string // every resolved value, for redaction
}

// resolveBinds reads the values of the root and capability binds of doc.
// Every missing variable is reported in one diagnostic, so a user fixes them
// all at once.
func resolveBinds(doc *spec.Document, lookupEnv func(string) (string, bool)) (bindValues, spec.Diagnostics) {
	bv := bindValues{vars: map[string]any{}}
	var diags spec.Diagnostics
	var missing []string
	var firstMissing *spec.Bind
	binds := append([]*spec.Bind{}, doc.Binds...)
	if doc.Capability != nil {
		binds = append(binds, doc.Capability.Binds...)
	}
	for _, b := range binds {
		values, err := bindSource(doc, b, lookupEnv)
		if err != nil {
			diags.Errorf(b.Loc, "", "bind %q: %v", b.Namespace, err)
			continue
		}
		nsVars, _ := bv.vars[b.Namespace].(map[string]any)
		if nsVars == nil {
			nsVars = map[string]any{}
		}
		for _, k := range b.Keys {
			v, ok := values(k.Source)
			if !ok {
				if b.Location == "" {
					missing = append(missing, fmt.Sprintf("%s (environment variable %s)", k.Variable, k.Source))
				} else {
					missing = append(missing, fmt.Sprintf("%s (key %q in %s)", k.Variable, k.Source, b.Location))
				}
				if firstMissing == nil {
					firstMissing = b
				}
				continue
			}
			bv.vars[k.Variable] = v
			nsVars[k.Variable] = v
			if v != "" {
				bv.secrets = append(bv.secrets, v)
			}
		}
		if b.Namespace != "" {
			bv.vars[b.Namespace] = nsVars
		}
	}
	if len(missing) > 0 {
		diags.Errorf(firstMissing.Loc, "set them in the environment (or with --env-file) before `naftiko serve`",
			"missing bind values: %s", strings.Join(missing, ", "))
	}
	return bv, diags
}

// bindSource returns a lookup function for the source keys of one bind.
func bindSource(doc *spec.Document, b *spec.Bind, lookupEnv func(string) (string, bool)) (func(string) (string, bool), error) {
	if b.Location == "" {
		return lookupEnv, nil
	}
	path, err := spec.FilePath(doc.File, b.Location)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read bind file: %w", err)
	}
	var m map[string]any
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		err = yaml.Unmarshal(data, &m)
	} else {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		return nil, fmt.Errorf("bind file %s is not a YAML or JSON map: %w", path, err)
	}
	return func(key string) (string, bool) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", false
		}
		if s, ok := v.(string); ok {
			return s, true
		}
		return fmt.Sprint(v), true
	}, nil
}

// sortedKeys returns the keys of m in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
