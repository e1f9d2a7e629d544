// Package expr holds the expression languages of a capability file, compiled
// once at load time and evaluated many times, concurrently, on the request
// path:
//
//   - Templates: Mustache ({{x}}, {{ns.x}}, sections) without HTML escaping,
//     rendered for a text context ([Template.Render]) or for a JSON document
//     context ([Template.RenderJSON]). Dotted names follow the JMustache rule
//     of the reference engine: the whole dotted key first, then a walk.
//   - JSONPath: RFC 9535 (theory/jsonpath) behind the compatibility rules of
//     the reference engine (Jayway): "$" and "$." are the root, a missing path
//     is nil, a singular path yields a value and any other path a list, and
//     dotted names that RFC 9535 rejects ("$.foo bar", "$.get-ship.x") are
//     retried in bracket notation.
//   - `with` blocks (SPEC §7): references to caller inputs, templates and
//     constants.
//   - Output shaping (SPEC §8): passthrough, sub-node extraction, or a
//     declared shape built from mappings, with lossless scalar coercion.
//     Built objects are [OrderedObject]s so that JSON output keeps the
//     declaration order of the capability file.
//
// The package imports nothing from the project; every other package may use
// it.
package expr
