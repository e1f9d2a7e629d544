// Package cli is the naftiko command line: serve, validate and version
// (SPEC §11). Main is testable: it takes the arguments and the output
// streams and returns the exit code instead of exiting.
package cli
