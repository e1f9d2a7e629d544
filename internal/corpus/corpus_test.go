package corpus_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// corpusDir is the shared corpus of public capability files, relative to
// this package (../shared/corpus/wild from the repository root).
const corpusDir = "../../../shared/corpus/wild"

// listEnv, when set to a file name, makes the test write the list of
// failing files with their first error (the failure table of
// docs/CORPUS.md): NAFTIKO_CORPUS_LIST=/tmp/list.md go test ./internal/corpus
const listEnv = "NAFTIKO_CORPUS_LIST"

// threshold is the share of Naftiko documents that must load and build.
const threshold = 0.99

// kind is what a corpus file is, decided from its root keys.
type kind int

const (
	kindNaftiko    kind = iota // a `naftiko:` document of a dialect we read
	kindLater                  // a later dialect we reject on purpose (alpha3+, ikanos)
	kindNotNaftiko             // OpenAPI documents, secrets, other YAML
	kindCatalog                // `naftiko: {schema: …}`: an early catalog format, not a capability
)

var (
	naftikoLine = regexp.MustCompile(`(?m)^naftiko:`)
	laterLine   = regexp.MustCompile(`(?m)^(ikanos:|naftiko:\s*["']?1\.0\.0-alpha([3-9]|\d\d))`)
)

// classify reads only the text and root keys of a file, independently of
// the loader under test.

// minLoaded and minBuilt are the counts recorded in docs/CORPUS.md; raise
// them with the table when a change makes more files load or build.
const (
	minLoaded = 267
	minBuilt  = 263
)

func classify(data []byte) kind {
	var root map[string]any
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		// Invalid YAML: a Naftiko document if its text says so.
		if naftikoLine.Match(data) {
			return kindNaftiko
		}
		return kindNotNaftiko
	}
	if laterLine.Match(data) {
		return kindLater
	}
	if v, ok := root["naftiko"]; ok {
		if _, isMap := v.(map[string]any); isMap {
			return kindCatalog
		}
		return kindNaftiko
	}
	return kindNotNaftiko
}

type outcome struct {
	file   string
	loaded bool
	built  bool
	first  spec.Diagnostic // the first error when not loaded or not built
}

func TestWildCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("SKIP: the shared corpus is not at %s (it is in CI): %v", corpusDir, err)
	}
	var files []string
	require.NoError(t, filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	}))
	sort.Strings(files)
	require.NotEmpty(t, files)

	var naftiko, later, other []outcome
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		o := run(t, f)
		switch classify(data) {
		case kindNaftiko:
			naftiko = append(naftiko, o)
		case kindLater:
			// Rejected on purpose, with a positioned "not supported yet".
			assert.False(t, o.loaded, "%s: a later dialect must be rejected", f)
			assert.Contains(t, o.first.Summary, "not supported yet", f)
			later = append(later, o)
		case kindCatalog:
			assert.False(t, o.loaded, "%s: a catalog file must be rejected", f)
			assert.Contains(t, o.first.Summary, "not a Naftiko capability", f)
			other = append(other, o)
		default:
			// Recognised and reported as not a Naftiko document.
			assert.False(t, o.loaded, "%s: not a Naftiko document, yet it loaded", f)
			assert.Contains(t, o.first.Summary, "not a Naftiko document", f)
			other = append(other, o)
		}
	}

	known := knownDefects(t)
	loaded, built, listed := 0, 0, 0
	var failures []outcome
	var unexplained []string
	for _, o := range naftiko {
		rel, _ := filepath.Rel(corpusDir, o.file)
		if o.loaded {
			loaded++
		}
		switch {
		case o.built && known[rel]:
			t.Logf("%s builds now: remove it from docs/CORPUS.md", rel)
			built++
		case o.built:
			built++
		case known[rel]:
			listed++
			failures = append(failures, o)
		default:
			unexplained = append(unexplained, fmt.Sprintf("%s: %s", rel, o.first))
			failures = append(failures, o)
		}
	}
	m := len(naftiko)
	t.Logf("loaded %d/%d, built %d/%d; %d failures are defects of the files listed in docs/CORPUS.md, %d unexplained "+
		"(over the Naftiko documents of the dialects we read; %d files of a later dialect and %d other YAML files are not counted)",
		loaded, m, built, m, listed, len(unexplained), len(later), len(other))
	if name := os.Getenv(listEnv); name != "" {
		require.NoError(t, os.WriteFile(name, []byte(failureTable(failures, later, other)), 0o644))
	}
	// Every file either builds or fails for a reviewed defect of its own:
	// an unexplained failure is a loader or engine regression.
	// Floors at the numbers of docs/CORPUS.md: a loader or engine change that
	// loads or builds fewer files fails here even if its new failures happen
	// to be files already listed for another reason.
	assert.GreaterOrEqual(t, loaded, minLoaded, "fewer corpus files load than docs/CORPUS.md records")
	assert.GreaterOrEqual(t, built, minBuilt, "fewer corpus files build than docs/CORPUS.md records")
	explained := built + listed
	assert.GreaterOrEqual(t, float64(explained), threshold*float64(m),
		"only %d/%d files build or fail for a listed defect; unexplained:\n%s", explained, m, strings.Join(unexplained, "\n"))
}

// knownDefects reads the files listed in the failure table of
// docs/CORPUS.md (rows starting with "| `path`").
func knownDefects(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("../../docs/CORPUS.md")
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}
	}
	require.NoError(t, err)
	out := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `"); ok {
			if i := strings.Index(rest, "`"); i > 0 && (strings.HasSuffix(rest[:i], ".yaml") || strings.HasSuffix(rest[:i], ".yml")) {
				out[rest[:i]] = true
			}
		}
	}
	return out
}

// run loads one file and, when it loads without errors, builds it as
// `naftiko validate` does. Neither step may panic.
func run(t *testing.T, file string) (o outcome) {
	t.Helper()
	o.file = file
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", file, r)
		}
	}()
	doc, diags := spec.Load(file)
	if doc == nil && !diags.HasErrors() {
		t.Errorf("%s: no document and no error", file)
	}
	for _, d := range diags.Errors() {
		assert.NotEmpty(t, d.Pos.File, "%s: unpositioned diagnostic %s", file, d)
	}
	if diags.HasErrors() {
		o.first = diags.Errors()[0]
		return o
	}
	o.loaded = true
	_, bd := engine.Build([]*spec.Document{doc}, engine.Options{ValidateOnly: true})
	if bd.HasErrors() {
		o.first = bd.Errors()[0]
		return o
	}
	o.built = true
	return o
}

// failureTable renders the failures as the Markdown table of docs/CORPUS.md:
// the file path (relative to the corpus) and our diagnostic, nothing else.
func failureTable(failures, later, other []outcome) string {
	var b strings.Builder
	row := func(o outcome) {
		rel, _ := filepath.Rel(corpusDir, o.file)
		d := o.first
		msg := d.Summary
		if d.Path != "" {
			msg += " (at " + d.Path + ")"
		}
		stage := "load"
		if o.loaded {
			stage = "build"
		}
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", rel, d.Pos.Line, stage, strings.ReplaceAll(msg, "|", `\|`))
	}
	b.WriteString("| File | Line | Stage | Diagnostic |\n|---|---|---|---|\n")
	for _, o := range failures {
		row(o)
	}
	// Not counted: plain lines, so that knownDefects does not read them.
	fmt.Fprintf(&b, "\nLater dialects (%d):\n\n", len(later))
	for _, o := range later {
		rel, _ := filepath.Rel(corpusDir, o.file)
		fmt.Fprintf(&b, "- %s — %s\n", rel, o.first.Summary)
	}
	fmt.Fprintf(&b, "\nNot Naftiko documents (%d):\n\n", len(other))
	for _, o := range other {
		rel, _ := filepath.Rel(corpusDir, o.file)
		fmt.Fprintf(&b, "- %s — %s\n", rel, o.first.Summary)
	}
	return b.String()
}
