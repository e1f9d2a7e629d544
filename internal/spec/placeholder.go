package spec

import (
	"regexp"
	"strings"
)

// Placeholder is a placeholder of a base URI (SPEC §4): `{{VAR}}` (binds,
// then the environment), or one of the forms generated files use —
// `[tenant_id]`, `{subdomain}`, `${VAR}` — resolved from a bind of that name,
// else from the environment variable EnvVar.
type Placeholder struct {
	Text   string // as written: "[tenant_id]", "{subdomain}", "${HOST}", "{{URL}}"
	Name   string // the name inside: "tenant_id", "subdomain", "HOST", "URL"
	EnvVar string // the environment variable that resolves it: "TENANT_ID"
	// Template reports the `{{VAR}}` form, which binds and templates share.
	Template bool
}

// basePlaceholder matches every placeholder form. An IPv6 literal (`[::1]`)
// never matches: it is not an identifier. `{+…}+` takes `{{x}}` whole so
// that its inside is not read as `{x}`.
var basePlaceholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}|\[([A-Za-z_][A-Za-z0-9_-]*)\]|\{+\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}+`)

// EnvVarName is the environment variable that resolves a non-template
// placeholder: its name upper-cased, with '-' and '.' as '_'.
func EnvVarName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, strings.ToUpper(name))
}

func placeholderAt(m string, sub []string) Placeholder {
	switch {
	case sub[1] != "":
		return Placeholder{Text: m, Name: sub[1], EnvVar: EnvVarName(sub[1])}
	case sub[2] != "":
		return Placeholder{Text: m, Name: sub[2], EnvVar: EnvVarName(sub[2])}
	}
	name := sub[3]
	if strings.HasPrefix(m, "{{") {
		// {{env.URL}} reads variable URL of bind namespace env; the
		// environment variable is the last segment, as written.
		return Placeholder{Text: m, Name: name, EnvVar: name[strings.LastIndexByte(name, '.')+1:], Template: true}
	}
	return Placeholder{Text: m, Name: name, EnvVar: EnvVarName(name)}
}

// BaseURIPlaceholders lists the placeholders of a base URI, in order, each
// once.
func BaseURIPlaceholders(raw string) []Placeholder {
	var out []Placeholder
	seen := map[string]bool{}
	for _, sub := range basePlaceholder.FindAllStringSubmatch(raw, -1) {
		p := placeholderAt(sub[0], sub)
		if !seen[p.Text] {
			seen[p.Text] = true
			out = append(out, p)
		}
	}
	return out
}

// ReplacePlaceholders replaces the non-template placeholders of s
// (`[x]`, `{x}`, `${X}`) by what value returns; a placeholder for which it
// returns false stays as written. `{{…}}` templates are left alone.
func ReplacePlaceholders(s string, value func(Placeholder) (string, bool)) string {
	return basePlaceholder.ReplaceAllStringFunc(s, func(m string) string {
		p := placeholderAt(m, basePlaceholder.FindStringSubmatch(m))
		if p.Template || strings.Count(m, "{") != strings.Count(m, "}") {
			return m
		}
		if v, ok := value(p); ok {
			return v
		}
		return m
	})
}
