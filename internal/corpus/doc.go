// Package corpus holds the test that loads and builds every public Naftiko
// capability file of the shared corpus (../shared/corpus/wild from the
// repository root). It has no code of its own: see corpus_test.go and
// docs/CORPUS.md.
package corpus
