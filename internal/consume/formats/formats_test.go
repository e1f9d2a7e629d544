package formats

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convertCase is one conversion: want is the expected value written as JSON
// (decoded with UseNumber), or wantErr a substring of the expected error.
type convertCase struct {
	name    string
	format  string
	schema  string
	body    string
	want    string
	wantErr string
}

func runConvertCases(t *testing.T, cases []convertCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Convert(tc.format, tc.schema, []byte(tc.body))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, decodeJSON(t, tc.want), got)
			// Whatever Convert returns must survive encoding/json unchanged.
			out, err := json.Marshal(got)
			require.NoError(t, err)
			assert.Equal(t, decodeJSON(t, tc.want), decodeJSON(t, string(out)))
		})
	}
}

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "expected JSON in the test is invalid: %s", s)
	return v
}

func TestSupported(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]bool{
		"json": true, "": true, "XML": true, " yaml ": true, "csv": true, "tsv": true,
		"psv": true, "HTML": true, "Markdown": true,
		"avro": false, "protobuf": false, "toml": false, "md": false,
	} {
		assert.Equal(t, want, Supported(format), "Supported(%q)", format)
	}
}

func TestConvertFormatErrors(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"avro", "Protobuf"} {
		_, err := Convert(format, "schema.avsc", []byte{0x02, 0x04})
		require.ErrorIs(t, err, ErrNotSupported)
		assert.Equal(t, "not supported yet: outputRawFormat "+strings.ToLower(format), err.Error())
	}
	_, err := Convert("toml", "", []byte("a = 1"))
	require.ErrorIs(t, err, ErrUnknownFormat)
	assert.Equal(t, `unknown outputRawFormat "toml" (allowed: json, xml, yaml, csv, tsv, psv, html, markdown, avro, protobuf)`, err.Error())
}

func TestConvertJSON(t *testing.T) {
	t.Parallel()
	runConvertCases(t, []convertCase{
		{name: "object keeps number literals", format: "json", body: `{"a": 1.50, "b": [1e3, -0, true, null, "x"]}`, want: `{"a": 1.50, "b": [1e3, -0, true, null, "x"]}`},
		{name: "empty format means json", format: "", body: `[1, 2]`, want: `[1, 2]`},
		{name: "format is case-insensitive", format: "JSON", body: `"s"`, want: `"s"`},
		{name: "byte order mark ignored", format: "json", body: "\uFEFF{\"a\":1}", want: `{"a":1}`},
		{name: "whitespace-only body is null", format: "json", body: " \n", want: `null`},
		{name: "trailing value is an error", format: "json", body: `{"a":1} {"b":2}`, wantErr: "convert json response: invalid character after top-level value"},
		{name: "trailing garbage is an error", format: "json", body: `{"a":1}]`, wantErr: "convert json response"},
		{name: "invalid json", format: "json", body: `<html>`, wantErr: "convert json response: invalid character '<'"},
	})
}

func TestConvertXML(t *testing.T) {
	t.Parallel()
	const vessels = `<?xml version="1.0" encoding="UTF-8"?>
<vessels>
  <vessel>
    <vesselCode>LEGACY-4012</vesselCode>
    <vesselName>Old Faithful</vesselName>
    <category>tug</category>
    <grossTonnage>310</grossTonnage>
  </vessel>
  <vessel>
    <vesselCode>LEGACY-4013</vesselCode>
    <vesselName>Sea Breeze</vesselName>
    <category>ferry</category>
    <grossTonnage>1200.5</grossTonnage>
  </vessel>
</vessels>`
	runConvertCases(t, []convertCase{
		{name: "root dropped, repeated children become an array, leaves are strings", format: "xml", body: vessels, want: `{"vessel": [
			{"vesselCode": "LEGACY-4012", "vesselName": "Old Faithful", "category": "tug", "grossTonnage": "310"},
			{"vesselCode": "LEGACY-4013", "vesselName": "Sea Breeze", "category": "ferry", "grossTonnage": "1200.5"}]}`},
		{name: "single child stays an object", format: "XML", body: `<vessels><vessel><code>A</code></vessel></vessels>`, want: `{"vessel": {"code": "A"}}`},
		{name: "non-adjacent repeats are collected", format: "xml", body: `<r><a>1</a><b>2</b><a>3</a></r>`, want: `{"a": ["1", "3"], "b": "2"}`},
		{name: "attributes become fields, text goes under the empty key", format: "xml", body: `<r id="7"><price currency="USD">12.50</price><tag code="x"/></r>`, want: `{"id": "7", "price": {"currency": "USD", "": "12.50"}, "tag": {"code": "x"}}`},
		{name: "empty elements are empty strings", format: "xml", body: `<r><a/><b></b><c>  </c></r>`, want: `{"a": "", "b": "", "c": ""}`},
		{name: "leaf text is kept verbatim", format: "xml", body: `<r><a> padded </a></r>`, want: `{"a": " padded "}`},
		{name: "mixed content text is trimmed under the empty key", format: "xml", body: `<r><p> Hello <b>world</b>!</p></r>`, want: `{"p": {"b": "world", "": "Hello !"}}`},
		{name: "namespaces dropped", format: "xml", body: `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="urn:x"><x:entry x:id="1">a</x:entry></feed>`, want: `{"entry": {"id": "1", "": "a"}}`},
		{name: "cdata and entities", format: "xml", body: `<r><a><![CDATA[<b>&]]></a><c>&lt;&amp;&#233;</c></r>`, want: `{"a": "<b>&", "c": "<&é"}`},
		{name: "declared latin-1 encoding", format: "xml", body: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><n>caf\xe9</n></r>", want: `{"n": "café"}`},
		{name: "root with only text", format: "xml", body: `<r>hi</r>`, want: `{"": "hi"}`},
		{name: "empty root", format: "xml", body: `<?xml version="1.0"?><!-- c --><r/>`, want: `{}`},
		{name: "whitespace-only body is null", format: "xml", body: "\n", want: `null`},
		{name: "no root element", format: "xml", body: `<?xml version="1.0"?>`, wantErr: "convert xml response: no root element"},
		{name: "malformed", format: "xml", body: `<r><a></r>`, wantErr: "convert xml response"},
	})
}

func TestConvertYAML(t *testing.T) {
	t.Parallel()
	runConvertCases(t, []convertCase{
		{name: "users", format: "yaml", body: "users:\n  - id: 1\n    name: Alice Smith\n    active: true\n  - id: 2\n    name: Bob Johnson\n    score: 9.50\n    manager: ~\n",
			want: `{"users": [{"id": 1, "name": "Alice Smith", "active": true}, {"id": 2, "name": "Bob Johnson", "score": 9.50, "manager": null}]}`},
		{name: "keys are their literal text", format: "YAML", body: "1: one\ntrue: yes\nnull: x\n", want: `{"1": "one", "true": "yes", "null": "x"}`},
		{name: "numbers in other spellings are normalised", format: "yaml", body: "hex: 0x1F\noct: 0o17\nplus: +5\nfrac: .5\nbig: 18446744073709551615\n",
			want: `{"hex": 31, "oct": 15, "plus": 5, "frac": 0.5, "big": 18446744073709551615}`},
		{name: "non-finite floats, timestamps, quoted numbers and tags stay strings", format: "yaml", body: "inf: .inf\nnan: .NaN\nwhen: 2024-01-02T03:04:05Z\nday: 2024-01-02\nzip: \"01234\"\ncustom: !thing abc\n",
			want: `{"inf": ".inf", "nan": ".NaN", "when": "2024-01-02T03:04:05Z", "day": "2024-01-02", "zip": "01234", "custom": "abc"}`},
		{name: "aliases expanded, merge key is an ordinary key", format: "yaml", body: "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n",
			want: `{"base": {"x": 1}, "use": {"x": 1}, "merged": {"<<": {"x": 1}, "y": 2}}`},
		{name: "first document only", format: "yaml", body: "---\na: 1\n---\nb: 2\n", want: `{"a": 1}`},
		{name: "scalar document", format: "yaml", body: "hello\n", want: `"hello"`},
		{name: "empty body is null", format: "yaml", body: "", want: `null`},
		{name: "invalid yaml", format: "yaml", body: "a: [1, 2\n", wantErr: "convert yaml response"},
		{name: "non-scalar key", format: "yaml", body: "? [a, b]\n: c\n", wantErr: "line 1: mapping key is not a scalar"},
		{name: "self-referencing alias refused", format: "yaml", body: "a: &a [*a]\n", wantErr: "line 1: alias *a refers to itself"},
		{name: "alias bomb refused", format: "yaml", body: aliasBomb(), wantErr: "document expands to too many values"},
	})
}

// aliasBomb is a "billion laughs" document: 9 levels of 9 aliases each.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("l")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(": &l")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(" [")
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l")
			b.WriteString(string(rune('0' + i - 1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestConvertDelimited(t *testing.T) {
	t.Parallel()
	runConvertCases(t, []convertCase{
		{name: "csv users", format: "csv", body: "id,name,email\n1,Alice Smith,alice@example.com\n2,Bob Johnson,bob@example.com\n",
			want: `[{"id": "1", "name": "Alice Smith", "email": "alice@example.com"}, {"id": "2", "name": "Bob Johnson", "email": "bob@example.com"}]`},
		{name: "quoted commas, quotes and newlines", format: "CSV", body: "id,name,note\r\n1,\"Smith, Alice\",\"said \"\"hi\"\"\"\r\n2,Bob,\"two\nlines\"\r\n",
			want: `[{"id": "1", "name": "Smith, Alice", "note": "said \"hi\""}, {"id": "2", "name": "Bob", "note": "two\nlines"}]`},
		{name: "values stay strings and are not trimmed", format: "csv", body: "n,b\n 007 ,true\n", want: `[{"n": " 007 ", "b": "true"}]`},
		{name: "short rows padded, empty extra cells ignored, blank lines skipped", format: "csv", body: "a,b,c\n1\n\n1,2,3,\n", want: `[{"a": "1", "b": "", "c": ""}, {"a": "1", "b": "2", "c": "3"}]`},
		{name: "stray quote kept literally", format: "csv", body: "a,b\n5\"4,x\n", want: `[{"a": "5\"4", "b": "x"}]`},
		{name: "byte order mark ignored", format: "csv", body: "\uFEFFid\n1\n", want: `[{"id": "1"}]`},
		{name: "header only", format: "csv", body: "id,name\n", want: `[]`},
		{name: "empty body", format: "csv", body: "", want: `[]`},
		{name: "extra non-empty cell is an error", format: "csv", body: "a,b\n1,2,3\n", wantErr: "record on line 2 has 3 fields, the header has 2"},
		{name: "tsv", format: "tsv", body: "id\tname\n1\tSmith, Alice\n", want: `[{"id": "1", "name": "Smith, Alice"}]`},
		{name: "psv", format: "PSV", body: "id|name\n1|\"a|b\"\n", want: `[{"id": "1", "name": "a|b"}]`},
	})
}

func TestConvertHTML(t *testing.T) {
	t.Parallel()
	const page = `<!doctype html><html><body>
<h1>Catalog</h1>
<table class="products">
  <thead><tr><th>Name</th><th>Price</th><th>Stock</th></tr></thead>
  <tbody>
    <tr><td>Widget</td><td>$10</td><td>5</td></tr>
    <tr><td> Gadget
      Pro </td><td>$99</td></tr>
  </tbody>
</table>
<div id="staff">
  <table>
    <tr><th>Who</th><th>Role</th></tr>
    <tr><td>Ann<br>Lee</td><td><p>Lead</p><p>Ops</p></td></tr>
    <tr><th>Section</th><td>ignored: has a th</td></tr>
    <tr></tr>
  </table>
</div>
<table><tr><td>no</td><td>headers</td></tr></table>
</body></html>`
	products := `[{"Name": "Widget", "Price": "$10", "Stock": "5"}, {"Name": "Gadget Pro", "Price": "$99", "Stock": ""}]`
	staff := `[{"Who": "Ann Lee", "Role": "Lead Ops"}]`
	runConvertCases(t, []convertCase{
		{name: "every table with headers", format: "html", body: page, want: `{"tables": [` + products + `, ` + staff + `]}`},
		{name: "selector matching a table", format: "html", schema: "table.products", body: page, want: `{"tables": [` + products + `]}`},
		{name: "selector matching a container", format: "HTML", schema: "#staff", body: page, want: `{"tables": [` + staff + `]}`},
		{name: "selector group keeps document order, each table once", format: "html", schema: "#staff, table, body", body: page, want: `{"tables": [` + products + `, ` + staff + `]}`},
		{name: "selector matching nothing", format: "html", schema: "table.none", body: page, want: `{"tables": []}`},
		{name: "duplicate headers keep the last cell, extra cells dropped, nbsp is space", format: "html", body: `<table><tr><th>A</th><th>A</th></tr><tr><td>1</td><td>2&nbsp;x</td><td>3</td></tr></table>`, want: `{"tables": [[{"A": "2 x"}]]}`},
		{name: "blank headers skip the table", format: "html", body: `<table><tr><th> </th></tr><tr><td>1</td></tr></table>`, want: `{"tables": []}`},
		{name: "script text left out", format: "html", body: `<table><tr><th>A</th></tr><tr><td>x<script>var y</script></td></tr></table>`, want: `{"tables": [[{"A": "x"}]]}`},
		{name: "not html at all", format: "html", body: `just text`, want: `{"tables": []}`},
		{name: "invalid selector", format: "html", schema: "table[", body: page, wantErr: `outputSchema "table[" is not a CSS selector`},
	})
}

func TestConvertMarkdown(t *testing.T) {
	t.Parallel()
	const doc = "---\r\ntitle: Product Release Notes\r\nversion: 2.1\r\ntags: [api, release]\r\n---\r\n" +
		"Intro before any heading is not a section.\n\n" +
		"# Overview\n\nThe *new* release ships `v2`\nand more.  \nSee <https://example.com>.\n\n" +
		"| Feature | Status |\n|---|:---:|\n| Search | GA |\n| Export \\| CSV | Beta |\n| Sync |\n\n" +
		"## Changes in detail\n\n- first &amp; foremost\n- second\n\n> quoted\n\n```go\nfmt.Println(1)\n```\n\n<div>raw</div>\n\n---\n"
	table := `[{"Feature": "Search", "Status": "GA"}, {"Feature": "Export | CSV", "Status": "Beta"}, {"Feature": "Sync", "Status": ""}]`
	overview := `{"heading": "Overview", "level": 1, "content": "The new release ships v2 and more.\nSee https://example.com."}`
	changes := `{"heading": "Changes in detail", "level": 2, "content": "first & foremost\nsecond\nquoted\nfmt.Println(1)"}`
	runConvertCases(t, []convertCase{
		{name: "front matter, table, sections", format: "markdown", body: doc,
			want: `{"frontMatter": {"title": "Product Release Notes", "version": 2.1, "tags": ["api", "release"]}, "tables": [` + table + `], "sections": [` + overview + `, ` + changes + `]}`},
		{name: "heading prefix filter", format: "Markdown", schema: "Change", body: doc,
			want: `{"frontMatter": {"title": "Product Release Notes", "version": 2.1, "tags": ["api", "release"]}, "tables": [` + table + `], "sections": [` + changes + `]}`},
		{name: "no front matter", format: "markdown", body: "## A\ntext\n### B\n", want: `{"frontMatter": {}, "tables": [], "sections": [{"heading": "A", "level": 2, "content": "text"}, {"heading": "B", "level": 3, "content": ""}]}`},
		{name: "empty front matter", format: "markdown", body: "---\n---\n# T\n", want: `{"frontMatter": {}, "tables": [], "sections": [{"heading": "T", "level": 1, "content": ""}]}`},
		{name: "front matter that is not a mapping", format: "markdown", body: "---\n- a\n---\n", want: `{"frontMatter": {}, "tables": [], "sections": []}`},
		{name: "unclosed front matter is markdown", format: "markdown", body: "---\ntitle: x\n# T\nbody\n", want: `{"frontMatter": {}, "tables": [], "sections": [{"heading": "T", "level": 1, "content": "body"}]}`},
		{name: "invalid front matter yaml", format: "markdown", body: "---\na: [\n---\n", wantErr: "convert markdown response"},
		{name: "empty body", format: "markdown", body: "", want: `{"frontMatter": {}, "tables": [], "sections": []}`},
	})
}

// TestConvertConcurrent runs every format at once so that -race sees any
// state shared between conversions (the markdown parser is package-level).
func TestConvertConcurrent(t *testing.T) {
	t.Parallel()
	for format, body := range benchBodies() {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			for range 4 {
				_, err := Convert(format, "", body)
				require.NoError(t, err)
			}
		})
	}
}

// benchBodies is one realistic body per supported format.
func benchBodies() map[string][]byte {
	var js, xm, ym, cs, ht, md bytes.Buffer
	js.WriteString(`{"items":[`)
	xm.WriteString(`<items>`)
	ym.WriteString("items:\n")
	cs.WriteString("id,name,email\n")
	ht.WriteString(`<table><thead><tr><th>id</th><th>name</th></tr></thead><tbody>`)
	md.WriteString("---\ntitle: Bench\n---\n# Items\n\n| id | name |\n|---|---|\n")
	for i := range 200 {
		if i > 0 {
			js.WriteString(",")
		}
		n := strings.Repeat("x", i%17)
		js.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"` + n + `"}`)
		xm.WriteString(`<item id="` + strconv.Itoa(i) + `"><name>` + n + `</name></item>`)
		ym.WriteString("  - id: " + strconv.Itoa(i) + "\n    name: " + n + "y\n")
		cs.WriteString(strconv.Itoa(i) + `,"` + n + `, jr",a@example.com` + "\n")
		ht.WriteString(`<tr><td>` + strconv.Itoa(i) + `</td><td>` + n + `</td></tr>`)
		md.WriteString("| " + strconv.Itoa(i) + " | " + n + " |\n")
	}
	js.WriteString(`]}`)
	xm.WriteString(`</items>`)
	ht.WriteString(`</tbody></table>`)
	md.WriteString("\n## Notes\n\nSome *text* here.\n")
	return map[string][]byte{
		"json": js.Bytes(), "xml": xm.Bytes(), "yaml": ym.Bytes(), "csv": cs.Bytes(),
		"tsv":  bytes.ReplaceAll(cs.Bytes(), []byte(","), []byte("\t")),
		"psv":  bytes.ReplaceAll(cs.Bytes(), []byte(","), []byte("|")),
		"html": ht.Bytes(), "markdown": md.Bytes(),
	}
}

// TestHTMLTableSizeBound: the same bound for HTML tables, whose rows may
// also be much shorter than their header.
func TestHTMLTableSizeBound(t *testing.T) {
	t.Parallel()
	body := "<table><tr>" + strings.Repeat("<th>h</th>", 20000) + "</tr>" + strings.Repeat("<tr><td>x", 20000) + "</table>"
	_, err := convertHTML([]byte(body), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "an HTML table of 20000 columns and 20001 rows is too large")

	v, err := convertHTML([]byte("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td></tr></table>"), "")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"tables": []any{[]any{map[string]any{"a": "1", "b": ""}}}}, v)
}

// TestDelimitedSizeBound: the same bound for CSV, whose records may be
// much shorter than the header.
func TestDelimitedSizeBound(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("h,", 20000) + "h\n" + strings.Repeat("x\n", 20000)
	_, err := convertDelimited([]byte(body), ',')
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a table of 20001 columns is too large to convert by line")

	v, err := convertDelimited([]byte("a,b\n1\n"), ',')
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"a": "1", "b": ""}}, v)
}
