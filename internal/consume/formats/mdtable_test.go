package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// The converter used goldmark's GFM table extension before mdtable.go
// replaced it. The tests below run that old code path (test files may link
// the extension: it does not reach the binary) next to the new one and
// require the same result for every input.

var refMDParser parser.Parser = goldmark.New(goldmark.WithExtensions(extension.Table)).Parser()

// refConvertMarkdown is convertMarkdown as it was with goldmark's extension.
func refConvertMarkdown(body []byte, headingPrefix string) (any, error) {
	src := bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	frontMatter, src, err := splitFrontMatter(src)
	if err != nil {
		return nil, err
	}
	doc := refMDParser.Parse(text.NewReader(src))

	tables := []any{}
	sections := []any{}
	if strings.TrimSpace(headingPrefix) == "" {
		headingPrefix = ""
	}
	var current *mdSection
	flush := func() {
		if current != nil && strings.HasPrefix(current.heading, headingPrefix) {
			sections = append(sections, current.value())
		}
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *extast.Table:
			if t := refMDTable(n, src); t != nil {
				tables = append(tables, t)
			}
		case *ast.Heading:
			flush()
			current = &mdSection{heading: strings.TrimSpace(inlineText(n, src)), level: n.Level}
		default:
			if current != nil {
				if t := strings.TrimSpace(blockText(n, src)); t != "" {
					current.content = append(current.content, t)
				}
			}
		}
	}
	flush()
	return map[string]any{"frontMatter": frontMatter, "tables": tables, "sections": sections}, nil
}

// refMDTable is mdTable as it was with goldmark's extension.
func refMDTable(t *extast.Table, src []byte) []any {
	var headers []string
	rows := []any{}
	blank := true
	for c := t.FirstChild(); c != nil; c = c.NextSibling() {
		switch c.(type) {
		case *extast.TableHeader:
			for cell := c.FirstChild(); cell != nil; cell = cell.NextSibling() {
				h := strings.TrimSpace(inlineText(cell, src))
				blank = blank && h == ""
				headers = append(headers, h)
			}
		case *extast.TableRow:
			var values []string
			for cell := c.FirstChild(); cell != nil; cell = cell.NextSibling() {
				values = append(values, strings.TrimSpace(inlineText(cell, src)))
			}
			rows = append(rows, rowObject(headers, values))
		}
	}
	if blank {
		return nil
	}
	return rows
}

// convertedJSON is the conversion result as JSON (map keys sorted) or the
// error text.
func convertedJSON(convert func([]byte, string) (any, error), body []byte, prefix string) string {
	v, err := convert(body, prefix)
	if err != nil {
		return "error: " + err.Error()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "marshal error: " + err.Error()
	}
	return string(b)
}

// dumpMarkdownTree renders the parsed tree of the converter's input (after
// CRLF folding and front matter) with both parsers: block kinds with their
// lines, table alignments, and inline texts. It is stricter than the JSON:
// it also sees tables nested in lists and quotes, and where text went.
func dumpMarkdownTree(p parser.Parser, body []byte) string {
	src := bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	_, src, err := splitFrontMatter(src)
	if err != nil {
		return "error: " + err.Error()
	}
	doc := p.Parse(text.NewReader(src))
	var b strings.Builder
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		if paddingCell(n) {
			return // the converter reads a missing cell of a body row as ""
		}
		b.WriteString(strings.Repeat("  ", depth))
		switch n := n.(type) {
		case *mdTableNode:
			fmt.Fprintf(&b, "Table %v", n.aligns)
		case *extast.Table:
			fmt.Fprintf(&b, "Table %v", n.Alignments)
		case *mdTableHeader, *extast.TableHeader:
			b.WriteString("TableHeader")
		case *mdTableRow, *extast.TableRow:
			b.WriteString("TableRow")
		case *mdTableCell, *extast.TableCell:
			b.WriteString("TableCell")
		case *ast.Text:
			fmt.Fprintf(&b, "Text %q raw=%v soft=%v hard=%v", n.Segment.Value(src), n.IsRaw(), n.SoftLineBreak(), n.HardLineBreak())
		case *ast.String:
			fmt.Fprintf(&b, "String %q", n.Value)
		default:
			b.WriteString(n.Kind().String())
		}
		if n.Type() == ast.TypeBlock {
			fmt.Fprintf(&b, " lines=%q", n.Lines().Value(src))
		}
		b.WriteByte('\n')
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return b.String()
}

// paddingCell reports whether n is a cell that goldmark's table extension
// adds to a body row shorter than the header (a cell without any line; an
// empty cell of the source has one empty line). Our parser does not make
// them up: a short row costs nothing, however wide the table.
func paddingCell(n ast.Node) bool {
	switch n.(type) {
	case *mdTableCell, *extast.TableCell:
	default:
		return false
	}
	switch n.Parent().(type) {
	case *mdTableRow, *extast.TableRow:
		return n.Lines().Len() == 0
	}
	return false
}

// checkLikeGoldmarkTables fails t unless convertMarkdown and the old code
// path give the same JSON and the same parsed tree for body.
func checkLikeGoldmarkTables(t *testing.T, body []byte) {
	t.Helper()
	for _, prefix := range []string{"", "A"} {
		want := convertedJSON(refConvertMarkdown, body, prefix)
		got := convertedJSON(convertMarkdown, body, prefix)
		if got != want {
			t.Fatalf("input %q (heading prefix %q):\n got %s\nwant %s", body, prefix, got, want)
		}
	}
	want := dumpMarkdownTree(refMDParser, body)
	got := dumpMarkdownTree(mdParser, body)
	if got != want {
		t.Fatalf("input %q: parsed trees differ\n got:\n%s\nwant:\n%s", body, got, want)
	}
}

// mdTableCases are the differential test inputs and the seeds of the fuzz
// target. tables is the number of tables the conversion must give (so that a
// case cannot pass by both sides finding nothing), or -1 not to check it.
var mdTableCases = []struct {
	name   string
	body   string
	tables int
}{
	{"simple", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n", 1},
	{"no leading or trailing pipes", "a | b\n--- | ---\n1 | 2\n", 1},
	{"only leading pipes", "| a | b\n| --- | ---\n| 1 | 2\n", 1},
	{"single column", "| a |\n|---|\n| 1 |\n", 1},
	{"single column without pipes needs one", "a\n-|\n1\n", 1},
	{"alignment row", "| l | c | r | n |\n|:---|:---:|---:|---|\n| 1 | 2 | 3 | 4 |\n", 1},
	{"alignment with spaces", "a|b\n :-: | -:\nx|y\n", 1},
	{"escaped pipe", "| a | b |\n|---|---|\n| x \\| y | z |\n", 1},
	{"escaped pipe in code span", "| a | b |\n|---|---|\n| `x \\| y` | z |\n", 1},
	{"escaped pipe in code span of header", "| `a\\|b` | c |\n|---|---|\n| 1 | 2 |\n", 1},
	{"escaped pipes in code spans and text", "| a |\n|---|\n| \\| `p\\|q` \\| `r\\|s\\|t` |\n", 1},
	{"escaped pipe before code span", "| a |\n|---|\n| x\\| `y` |\n", 1},
	{"escaped pipe in emphasised code", "| a |\n|---|\n| *`x\\|y`* |\n", 1},
	{"escaped backslash then pipe", "| a | b |\n|---|---|\n| x\\\\| y |\n", 1},
	{"trailing escaped pipe", "| a | b |\n|---|---|\n| x | y \\|\n", 1},
	{"code span across cell border", "| a | b |\n|---|---|\n| `x | y` |\n", 1},
	{"inline code emphasis links", "| *a* | **b** | `c` |\n|---|---|---|\n| [l](http://x) | <https://y> | _e_ `f` |\n", 1},
	{"entities and escapes", "| &amp; | \\* |\n|---|---|\n| &#65; | \\_x\\_ |\n", 1},
	{"raw html in cells", "| <b>a</b> | b |\n|---|---|\n| <i>x</i> | y |\n", 1},
	{"fewer cells than headers", "| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 |\n", 1},
	{"more cells than headers", "| a | b |\n|---|---|\n| 1 | 2 | 3 | 4 |\n", 1},
	{"header with fewer cells than delimiter", "| a |\n|---|---|\n| 1 | 2 |\n", 1},
	{"header with more cells than delimiter", "| a | b | c |\n|---|---|\n| 1 | 2 |\n", 0},
	{"link reference definition taken before tables", "[x]:\n|\n|---|\n| 1 |\n", 0},
	{"blank header cells", "|  |  |\n|---|---|\n| 1 | 2 |\n", 0},
	{"one blank header cell", "| a |  |\n|---|---|\n| 1 | 2 |\n", 1},
	{"repeated header keeps last", "| a | a |\n|---|---|\n| 1 | 2 |\n", 1},
	{"empty cells", "| a | b |\n|---|---|\n|  | 2 |\n| 1 ||\n||\n", 1},
	{"header only", "| a | b |\n|---|---|\n", 1},
	{"table after a paragraph line", "intro text\n| a | b |\n|---|---|\n| 1 | 2 |\n", 1},
	{"table after paragraph lines", "one\ntwo  \nthree\n| a |\n|---|\n| 1 |\n", 1},
	{"table ends at blank line", "| a |\n|---|\n| 1 |\n\nafter\n", 1},
	{"table ends at heading", "| a |\n|---|\n| 1 |\n# H\ntext\n", 1},
	{"table ends at list", "| a |\n|---|\n| 1 |\n- item\n", 1},
	{"table ends at ordered list", "| a |\n|---|\n| 1 |\n1. item\n", 1},
	{"table ends at quote", "| a |\n|---|\n| 1 |\n> quote\n", 1},
	{"table ends at code fence", "| a |\n|---|\n| 1 |\n```\ncode\n```\n", 1},
	{"table ends at thematic break", "| a |\n|---|\n| 1 |\n***\n", 1},
	{"table ends at html block", "| a |\n|---|\n| 1 |\n<div>\nx\n</div>\n", 1},
	{"lazy line is a row", "| a | b |\n|---|---|\n| 1 | 2 |\nplain line\n", 1},
	{"setext underline after table", "| a |\n|---|\n| 1 |\n---\n", 1},
	{"setext underline after paragraph and table", "p\n| a |\n|---|\n| 1 |\n===\n", 1},
	{"delimiter row with more cells than header", "| a | b |\n|---|---|---|\n| 1 | 2 |\n", 1},
	{"mismatched delimiter row is no table", "| a | b | c |\n|---|---|\n", 0},
	{"invalid delimiter cell", "| a | b |\n|---|-x-|\n| 1 | 2 |\n", 0},
	{"delimiter with inner space", "| a |\n| - - |\n| 1 |\n", 0},
	{"colon only delimiter", "| a |\n|:|\n| 1 |\n", 0},
	{"empty delimiter cell", "| a | b |\n|---||\n", 0},
	{"indented delimiter row", "| a |\n    |---|\n| 1 |\n", 0},
	{"indented header", "   | a |\n   |---|\n   | 1 |\n", 1},
	{"tab in delimiter", "a\t|\tb\n:-\t|\t-:\n1\t|\t2\n", 1},
	{"dash and tab starts a list", "a\t|\tb\n-\t|\t-\n1\t|\t2\n", 0},
	{"two delimiter rows", "| a |\n|---|\n|---|\n| 1 |\n", 1},
	{"two tables", "| a |\n|---|\n| 1 |\n\n| b |\n|---|\n| 2 |\n", 2},
	{"heading then table section", "# A\n\n| a |\n|---|\n| 1 |\n\ntext\n", 1},
	{"table in list item", "- | a | b |\n  |---|---|\n  | 1 | 2 |\n", 0},
	{"table in list item under heading", "# A\n- | a | b |\n  |---|---|\n  | 1 | 2 |\n- next\n", 0},
	{"table in ordered list item", "# A\n1. x\n\n   | a |\n   |---|\n   | 1 |\n", 0},
	{"table in block quote", "> | a | b |\n> |---|---|\n> | 1 | 2 |\n", 0},
	{"table in block quote under heading", "# A\n> | a | b |\n> |---|---|\n> | 1 | 2 |\n", 0},
	{"table in nested quote and list", "# A\n> - | a |\n>   |---|\n>   | `x\\|y` |\n", 0},
	{"lazy continuation in quote", "# A\n> | a |\n|---|\n| 1 |\n", -1},
	{"pipes in ordinary paragraphs", "# A\na | b\nc | d\n\nx|y|z\n", 0},
	{"pipe paragraph then dashes", "# A\na | b\n---\n", 0},
	{"CRLF input", "| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n\r\n# A\r\ntext\r\n", 1},
	{"front matter and table", "---\ntitle: t\n---\n| a |\n|---|\n| 1 |\n", 1},
	{"front matter CRLF and table", "---\r\ntitle: t\r\n---\r\n| a |\r\n|---|\r\n| 1 |\r\n", 1},
	{"unicode", "|名前 | ✓ |\n|---|:-:|\n| Ünïcödé | 😀 |\n", 1},
	{"no final newline", "| a | b |\n|---|---|\n| 1 | 2 |", 1},
	{"delimiter is last line without newline", "| a | b |\n|---|---|", 1},
	{"dashes only last line", "a\n--", 0},
	{"dashes only lazy last line in quote", "# A\n> a\n--", 0},
	{"dashes only lazy last line in list", "# A\n- a\n--", 0},
	{"link reference definition before table", "[x]: http://x\n| a |\n|---|\n| [x] |\n", 1},
	{"hard break in row", "| a |\n|---|\n| 1 \\\n| 2 |\n", 1},
	{"header row of a single pipe", "|\n|-|\n| 1 |\n", 0},
	{"table in indented code is code", "    | a |\n    |---|\n", 0},
	{"sections with table between", "# A\ntext\n\n| h |\n|---|\n| v |\n\n## B\nmore\n", 1},
}

func TestMarkdownTablesLikeGoldmark(t *testing.T) {
	t.Parallel()
	for _, tc := range mdTableCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tc.body)
			checkLikeGoldmarkTables(t, body)
			if tc.tables < 0 {
				return
			}
			v, err := convertMarkdown(body, "")
			if err != nil {
				t.Fatal(err)
			}
			if n := len(v.(map[string]any)["tables"].([]any)); n != tc.tables {
				t.Fatalf("got %d tables, want %d: %s", n, tc.tables, convertedJSON(convertMarkdown, body, ""))
			}
		})
	}
}

// TestMarkdownTableValues pins a few results down, independently of goldmark.
func TestMarkdownTableValues(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"x | y\n:-|-:\n`a\\|b` \\| c | **d**\n| e |\n":   `[[{"x":"a|b | c","y":"d"},{"x":"e","y":""}]]`,
		"| a | b |\n|---|---|\n| 1 | 2 | 3 |\n":          `[[{"a":"1","b":"2"}]]`,
		"| a |\n|---|---|\n| 1 | 2 |\n":                  `[[{"":"2","a":"1"}]]`,
		"p\n| a | b | c |\n|---|---|\n| 1 | 2 |\n":       `[]`,
		"- | a |\n  |---|\n  | 1 |\n":                    `[]`,
		"| a |\n|---|\n| 1 |\n# A\n| b |\n":              `[[{"a":"1"}]]`,
		"| a | b |\n| -- | -- |\n| [l](u) | <x@y.z> |\n": `[[{"a":"l","b":"x@y.z"}]]`,
	} {
		v, err := convertMarkdown([]byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(v.(map[string]any)["tables"])
		if string(got) != want {
			t.Errorf("%q: got %s, want %s", body, got, want)
		}
	}
}

// FuzzMarkdownTableDifferential checks convertMarkdown against the old code
// path with goldmark's table extension on arbitrary input. An input it finds
// diverging belongs in testdata/fuzz/FuzzMarkdownTableDifferential, so that
// plain `go test` replays it (none so far).
func FuzzMarkdownTableDifferential(f *testing.F) {
	for _, tc := range mdTableCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkLikeGoldmarkTables(t, body)
		checkLikeGoldmarkTables(t, tableishMarkdown(body))
	})
}

// tableTokens are the pieces tableishMarkdown builds Markdown from: table
// syntax, the blocks that end or contain tables, and inline syntax.
var tableTokens = []string{
	"|", "|", "|", "-", "-", "-", ":", "\\", "\\|", "`", " ", "  ", "\t", "\n", "\n", "\n",
	"a", "b", "*", "_", "> ", "- ", "1. ", "# ", "---", "|---|", "| a |", "\r\n",
	"    ", "&amp;", "<b>", "[x]", "[x]: /u\n", "```", "=", "é", "<http://a>", "\r",
}

// tableishMarkdown reads every byte of b as one of tableTokens, so that the
// fuzzer explores table-like Markdown much more often than with raw bytes.
func tableishMarkdown(b []byte) []byte {
	var out []byte
	for _, c := range b {
		out = append(out, tableTokens[int(c)%len(tableTokens)]...)
	}
	return out
}

// TestMarkdownTableDumpKinds keeps the tree dump honest: it must tell the
// table node kinds apart from others (else the tree comparison is vacuous).
func TestMarkdownTableDumpKinds(t *testing.T) {
	t.Parallel()
	body := []byte("| a |\n|:-:|\n| 1 |\n")
	for _, p := range []parser.Parser{mdParser, refMDParser} {
		d := dumpMarkdownTree(p, body)
		for _, want := range []string{"Table [center]", "TableHeader", "TableRow", "TableCell", `Text "a"`, `Text "1"`} {
			if !strings.Contains(d, want) {
				t.Errorf("dump lacks %q:\n%s", want, d)
			}
		}
	}
}

// TestMarkdownTableSizeBound: a table whose short rows would be read as far
// more cells than the document has bytes is refused with an error naming
// its size; a large real table is converted.
func TestMarkdownTableSizeBound(t *testing.T) {
	t.Parallel()
	wideDelimiter := "| a |\n" + strings.Repeat("|-", 8192) + "|\n" + strings.Repeat("x\n", 8190)
	var distinct strings.Builder
	for i := range 8192 {
		fmt.Fprintf(&distinct, "|h%d", i)
	}
	distinctHeaders := distinct.String() + "|\n" + strings.Repeat("|-", 8192) + "|\n" + strings.Repeat("x\n", 8190)
	for name, body := range map[string]string{"padded header": wideDelimiter, "distinct headers": distinctHeaders} {
		_, err := convertMarkdown([]byte(body), "")
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "8192 columns and 8190 rows is too large", name)
	}

	var real strings.Builder
	const cols, rows = 50, 2000
	for c := range cols {
		fmt.Fprintf(&real, "| c%d ", c)
	}
	real.WriteString("|\n" + strings.Repeat("|---", cols) + "|\n")
	for r := range rows {
		for c := range cols {
			fmt.Fprintf(&real, "| %d.%d ", r, c)
		}
		real.WriteString("|\n")
	}
	v, err := convertMarkdown([]byte(real.String()), "")
	require.NoError(t, err)
	tables := v.(map[string]any)["tables"].([]any)
	require.Len(t, tables, 1)
	got := tables[0].([]any)
	require.Len(t, got, rows)
	assert.Equal(t, "1999.49", got[rows-1].(map[string]any)["c49"])
}
