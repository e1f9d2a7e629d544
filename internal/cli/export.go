package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/naftiko-go/naftiko/internal/openapi"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// export runs `naftiko export openapi [--adapter NS] [--format json|yaml]
// [-o FILE] FILE`: the OpenAPI 3.1 document of one REST adapter (default:
// the first), to FILE or stdout.
func (a *App) export(args []string) int {
	if len(args) == 0 || args[0] != "openapi" {
		fmt.Fprintln(a.Stderr, "Usage: naftiko export openapi [--adapter NS] [--format json|yaml] [-o FILE] FILE")
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(a.Stderr, "naftiko: unknown export %q: only openapi can be exported\n", args[0])
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("export openapi", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	adapter := fs.String("adapter", "", "namespace of the REST adapter to export (default: the first)")
	format := fs.String("format", "", "output `format`: json or yaml (default: from the -o extension, else yaml)")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	fs.StringVar(adapter, "a", "", "shorthand for --adapter")
	fs.StringVar(format, "f", "", "shorthand for --format")
	fs.StringVar(out, "output", "", "same as -o")
	fs.Usage = func() {
		fmt.Fprintln(a.Stderr, "Usage: naftiko export openapi [--adapter NS] [--format json|yaml] [-o FILE] FILE\n\nWrites the OpenAPI 3.1 document of a REST adapter of FILE (the document each REST adapter also serves at GET /openapi.json).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	f := strings.ToLower(*format)
	if f == "" {
		f = "yaml"
		if strings.EqualFold(filepath.Ext(*out), ".json") {
			f = "json"
		}
	}
	if f != "json" && f != "yaml" {
		fmt.Fprintf(a.Stderr, "naftiko: --format %q: use json or yaml\n", *format)
		return exitUsage
	}

	doc, diags := spec.Load(fs.Arg(0))
	if diags.HasErrors() {
		for _, d := range diags.Errors() {
			fmt.Fprintln(a.Stderr, d.String())
		}
		fmt.Fprintf(a.Stderr, "naftiko: cannot export: %d error(s) above\n", len(diags.Errors()))
		return exitFailure
	}
	x, err := restAdapter(doc, *adapter)
	if err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
		return exitFailure
	}
	d, err := openapi.Generate(doc, x, openapi.Options{})
	if err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
		return exitFailure
	}
	var body []byte
	if f == "json" {
		body, err = d.JSON()
	} else {
		body, err = d.YAML()
	}
	if err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: encoding the document: %v\n", err)
		return exitFailure
	}
	if *out == "" {
		_, _ = a.Stdout.Write(body)
		return exitOK
	}
	if err := os.WriteFile(*out, body, 0o644); err != nil {
		fmt.Fprintf(a.Stderr, "naftiko: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(a.Stderr, "wrote %s (adapter %s, OpenAPI %s, %s)\n", *out, x.Namespace, openapi.Version, f)
	return exitOK
}

// restAdapter returns the REST adapter named ns, or the first one.
func restAdapter(doc *spec.Document, ns string) (*spec.Expose, error) {
	var names []string
	if doc.Capability != nil {
		for _, x := range doc.Capability.Exposes {
			if x.Rest == nil {
				continue
			}
			if ns == "" || x.Namespace == ns {
				return x, nil
			}
			names = append(names, x.Namespace)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s has no REST adapter to export", doc.File)
	}
	return nil, fmt.Errorf("no REST adapter %q; REST adapters: %s", ns, strings.Join(names, ", "))
}
