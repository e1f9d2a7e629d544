package consume

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expr"
	"github.com/naftiko-go/naftiko/internal/spec"
)

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
		// SPEC §4: {{VAR}} comes from binds, else from the environment;
		// {{ns.VAR}} from environment variable VAR, the name the error
		// below tells the user to set.
		envOf := func(name string) string { return name[strings.LastIndexByte(name, '.')+1:] }
		for _, name := range t.Names() {
			if _, ok := lookup(scope, name); ok {
				continue
			}
			if v, ok := lookupEnv(envOf(name)); ok && v != "" {
				scope[name] = v
			}
		}
		if m := t.Missing(scope); len(m) > 0 {
			for _, name := range m {
				missing = append(missing, "{{"+name+"}}")
				envs = append(envs, envOf(name))
			}
		} else {
			s = t.Render(scope)
		}
	}

	// [tenant_id], {subdomain}, ${VAR}: a bind of that name (as written or
	// upper-cased), else environment variable spec.EnvVarName(name).
	s = spec.ReplacePlaceholders(s, func(p spec.Placeholder) (string, bool) {
		for _, k := range []string{p.Name, strings.ToUpper(p.Name), p.EnvVar} {
			if v, ok := lookup(vars, k); ok {
				if t := text(v); t != "" {
					return t, true
				}
			}
		}
		if v, ok := lookupEnv(p.EnvVar); ok && v != "" {
			return v, true
		}
		missing = append(missing, p.Text)
		envs = append(envs, p.EnvVar)
		return "", false
	})

	if strings.TrimSpace(raw) == "" {
		// Generated files leave the base URI empty for the user to fill in.
		return nil, &BaseURIError{Namespace: ns, BaseURI: raw}
	}
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
