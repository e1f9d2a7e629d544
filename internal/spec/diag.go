package spec

import (
	"fmt"
	"strings"
)

// Severity tells whether a diagnostic stops the file from running.
type Severity int

const (
	// SeverityWarning marks something that runs but is not schema-clean.
	SeverityWarning Severity = iota
	// SeverityError marks something that stops the file from running.
	SeverityError
)

// String returns "warning" or "error".
func (s Severity) String() string {
	if s == SeverityError {
		return "error"
	}
	return "warning"
}

// Diagnostic is one problem found while loading, linking or building a
// capability file.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	Path     string // document path, e.g. capability.exposes[1].tools[2].call
	Summary  string
	Hint     string // e.g. `did you mean "x"?`; may be empty
}

// String formats the diagnostic as `file:line:col: severity: summary (at path); hint`.
func (d Diagnostic) String() string {
	var b strings.Builder
	switch {
	case d.Pos.File != "" && d.Pos.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Pos.File, d.Pos.Line, d.Pos.Col)
	case d.Pos.File != "":
		// A file-level problem (e.g. unreadable): no line to point at.
		fmt.Fprintf(&b, "%s: ", d.Pos.File)
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Summary)
	if d.Path != "" {
		fmt.Fprintf(&b, " (at %s)", d.Path)
	}
	if d.Hint != "" {
		b.WriteString("; ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// Diagnostics is an ordered collection of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Strict returns a copy in which every warning is an error (schema conformance).
func (ds Diagnostics) Strict() Diagnostics {
	out := make(Diagnostics, len(ds))
	for i, d := range ds {
		d.Severity = SeverityError
		out[i] = d
	}
	return out
}

// Error implements error: the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Errorf appends an error diagnostic located at loc.
func (ds *Diagnostics) Errorf(loc Loc, hint, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: SeverityError, Pos: loc.Pos, Path: loc.Path, Summary: fmt.Sprintf(format, args...), Hint: hint})
}

// Warnf appends a warning diagnostic located at loc.
func (ds *Diagnostics) Warnf(loc Loc, hint, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: SeverityWarning, Pos: loc.Pos, Path: loc.Path, Summary: fmt.Sprintf(format, args...), Hint: hint})
}
