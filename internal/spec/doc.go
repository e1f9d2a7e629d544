// Package spec is the typed model of a Naftiko capability file and the code
// that loads it: YAML is parsed into a yaml.Node tree and walked into the
// model so that every diagnostic carries file:line:col and a document path;
// the loader then resolves imports, links `call`/`ref` targets, and checks the
// document for the problems SPEC §2 lists (errors stop a file from running,
// warnings mark schema deviations the engine tolerates). It also infers the
// inputs of exposed endpoints (SPEC §6).
//
// The package reads files and nothing else: it never listens, never calls an
// upstream and never reads bind values.
package spec
