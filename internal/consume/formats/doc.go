// Package formats converts an upstream response body, declared with an
// operation's `outputRawFormat`, into the decoded JSON value that output
// mapping works on — the same representation encoding/json produces with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil.
//
// The conversions follow the Java reference engine (Jackson, jsoup,
// commonmark), so that a capability maps the same JSONPath over the same
// tree in both engines:
//
//   - json (also ""): the body as JSON. A body of only whitespace is null.
//   - xml: the root element is dropped, repeated child elements become
//     arrays (an element that occurs once stays an object or a string),
//     attributes become fields, every leaf value is a string and an empty
//     element is "". Text that sits beside attributes or child elements is
//     kept under the key "" (Jackson's convention), trimmed. Namespace
//     prefixes are dropped and xmlns declarations are not fields. A root
//     with only text becomes {"": text}.
//   - yaml: the first document as the equivalent JSON tree; mapping keys are
//     their literal text, integers and finite floats are json.Number,
//     timestamps and other tagged scalars stay strings, merge keys (<<) are
//     ordinary keys, as in Jackson.
//   - csv, tsv, psv: the first record is the header; one object per further
//     record, all values strings; missing trailing cells are "", extra empty
//     cells are ignored, extra non-empty cells are an error (Jackson fails
//     on them too); blank lines are skipped; quoting follows RFC 4180, and a
//     stray quote inside an unquoted field is kept literally.
//   - html: {"tables": [[{header: cell text}…]…]} for every <table>, or, when
//     the schema is a CSS selector, for the matched tables and the tables
//     inside the matched elements (each table once, in document order).
//     Headers come from `thead tr:first-child th`, else `tr:first-child th`;
//     a table whose headers are all blank is skipped; rows come from
//     `tbody tr` (else `tr`); rows with a <th> or without a <td> are skipped;
//     short rows are padded with "" and extra cells dropped. Cell text is
//     jsoup-like: whitespace collapsed, block elements and <br> separated by
//     a space, trimmed.
//   - markdown: {"frontMatter": {…}, "tables": [[{header: cell}…]…],
//     "sections": [{"heading", "level", "content"}…]}. Front matter is a
//     leading `---` … `---` YAML block (an object, {} when absent or not a
//     mapping; invalid YAML is an error). Tables are the top-level GFM tables.
//     A section is a top-level heading and the blocks up to the next
//     heading, tables excluded; the schema, when not blank, keeps only the
//     sections whose heading starts with it. Two deliberate improvements on
//     the reference: the blocks nested in a list or quote are joined with a
//     newline (the reference runs their text together), and code blocks are
//     part of the content (the reference drops them).
//   - avro, protobuf: recognised but not supported yet (ErrNotSupported).
//
// Format names are case-insensitive. A leading UTF-8 byte order mark is
// ignored for every text format.
package formats
