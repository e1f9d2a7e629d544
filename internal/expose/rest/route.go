package rest

import (
	"fmt"
	"regexp"
	"strings"
)

// placeholderRE finds {{x}} (with optional inner spaces) and {x} in a path.
var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}]*)\}`)

// varNameRE is what a path variable may be called. It excludes ':' (which
// starts a pattern) and '*' (a chi wildcard), so the converted pattern never
// asks chi for something the file did not say.
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// route is a resource path converted for chi.
type route struct {
	// pattern is the chi pattern, every placeholder written {name}.
	pattern string
	// shape is pattern with the variable names erased: two routes with the
	// same shape are the same route to chi.
	shape string
	// vars are the path variable names in order.
	vars []string
}

// parseRoute converts a resource path to a chi pattern, checking everything
// that would make chi panic at registration so that a bad file is an error.
func parseRoute(path string) (route, error) {
	if !strings.HasPrefix(path, "/") {
		return route{}, fmt.Errorf("path %q must start with /", path)
	}
	if strings.ContainsAny(path, "?#") {
		return route{}, fmt.Errorf("path %q must not contain a query or fragment", path)
	}
	var r route
	var pat, shape strings.Builder
	seen := map[string]bool{}
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			pat.WriteByte('/')
			shape.WriteByte('/')
		}
		last := 0
		matches := placeholderRE.FindAllStringSubmatchIndex(seg, -1)
		for j, m := range matches {
			lit := seg[last:m[0]]
			// chi splits {a}-{b} and {a}.{b} at the literal between them;
			// two variables with nothing between cannot be told apart.
			if j > 0 && lit == "" {
				return route{}, fmt.Errorf("path %q: segment %q has two variables with nothing between them", path, seg)
			}
			if err := checkLiteral(path, lit); err != nil {
				return route{}, err
			}
			name, re := "", ""
			if m[2] >= 0 {
				name = seg[m[2]:m[3]]
			} else {
				// {name:regexp} is chi's (and Restlet's) constrained variable.
				var hasRE bool
				name, re, hasRE = strings.Cut(strings.TrimSpace(seg[m[4]:m[5]]), ":")
				if hasRE {
					if re == "" {
						return route{}, fmt.Errorf("path %q: variable %q has an empty pattern", path, name)
					}
					if _, err := regexp.Compile(re); err != nil {
						return route{}, fmt.Errorf("path %q: variable %q: invalid pattern: %w", path, name, err)
					}
					re = ":" + re
				}
			}
			if !varNameRE.MatchString(name) {
				return route{}, fmt.Errorf("path %q: %q is not a valid variable name (letters, digits, _ . -)", path, name)
			}
			if seen[name] {
				return route{}, fmt.Errorf("path %q: variable %q appears twice", path, name)
			}
			seen[name] = true
			r.vars = append(r.vars, name)
			pat.WriteString(lit + "{" + name + re + "}")
			shape.WriteString(lit + "{" + re + "}")
			last = m[1]
		}
		rest := seg[last:]
		if err := checkLiteral(path, rest); err != nil {
			return route{}, err
		}
		pat.WriteString(rest)
		shape.WriteString(rest)
	}
	r.pattern, r.shape = pat.String(), shape.String()
	return r, nil
}

// checkLiteral refuses the characters chi gives a meaning to in the literal
// parts of a path.
func checkLiteral(path, lit string) error {
	if strings.ContainsAny(lit, "{}") {
		return fmt.Errorf("path %q: unbalanced { or } in %q", path, lit)
	}
	if strings.Contains(lit, "*") {
		return fmt.Errorf("path %q: * is not allowed in a path", path)
	}
	return nil
}
