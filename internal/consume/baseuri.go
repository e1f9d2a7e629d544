package consume

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expr"
)

// bracketPlaceholder matches the bracket placeholders of generated files,
// `[tenant_id]`. An IPv6 literal (`[::1]`) never matches: it is not an
// identifier.
var bracketPlaceholder = regexp.MustCompile(`\[([A-Za-z_][A-Za-z0-9_]*)\]`)

// resolveBaseURI substitutes the placeholders of a base URI (SPEC §4) and
// parses the result. It returns a *BaseURIError listing every unresolved
// placeholder, so that one run of `serve` reports them all.
func resolveBaseURI(ns, raw string, vars map[string]any, lookupEnv func(string) (string, bool)) (*url.URL, error) {
	s := raw
	var missing, envs []string

	if strings.Contains(s, "{{") {
		t, err := expr.ParseTemplate(s)
		if err != nil {
			return nil, fmt.Errorf("base URI %q of consumer %q: %w", raw, ns, err)
		}
		scope := make(map[string]any, len(vars)+2)
		for k, v := range vars {
			scope[k] = v
		}
		// SPEC §4: {{VAR}} comes from binds, else from the environment.
		for _, name := range t.Names() {
			if _, ok := lookup(scope, name); ok {
				continue
			}
			if v, ok := lookupEnv(name); ok && v != "" {
				scope[name] = v
			}
		}
		if m := t.Missing(scope); len(m) > 0 {
			for _, name := range m {
				missing = append(missing, "{{"+name+"}}")
				envs = append(envs, name[strings.LastIndexByte(name, '.')+1:])
			}
		} else {
			s = t.Render(scope)
		}
	}

	s = bracketPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		upper := strings.ToUpper(name)
		for _, k := range []string{name, upper} {
			if v, ok := lookup(vars, k); ok {
				if t := text(v); t != "" {
					return t
				}
			}
		}
		if v, ok := lookupEnv(upper); ok && v != "" {
			return v
		}
		missing = append(missing, m)
		envs = append(envs, upper)
		return m
	})

	if len(missing) > 0 {
		return nil, &BaseURIError{Namespace: ns, BaseURI: raw, Placeholders: missing, EnvVars: envs}
	}

	u, err := url.Parse(strings.TrimSpace(s))
	if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		err = errors.New("not an absolute http or https URL")
	}
	if err != nil {
		// The rendered URI may hold bind values: name only the URI as
		// written, and not the parser's message (which quotes the input).
		return nil, fmt.Errorf("base URI %q of consumer %q is not a valid http(s) URL", raw, ns)
	}
	u.Fragment, u.RawFragment = "", ""
	// A trailing slash is tolerated: the resource path supplies its own.
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}
