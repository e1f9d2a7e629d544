package spec

import (
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the loader panic. The seed corpus
// (testdata/fuzz/FuzzParse plus the inputs below) runs in every go test.
func FuzzParse(f *testing.F) {
	f.Add([]byte("naftiko: 1.0.0-alpha2\ncapability:\n  exposes:\n    - type: rest\n      port: 1\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("naftiko: 1\nconsumes: [{location: ./nope.yaml, import: a}]\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ds := Parse(filepath.Join(dir, "fuzz.yaml"), data)
		if doc == nil && !ds.HasErrors() {
			t.Fatalf("no document and no error")
		}
		for _, d := range ds {
			_ = d.String()
		}
	})
}
