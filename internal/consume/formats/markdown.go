package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// mdParser is CommonMark plus GFM tables (mdtable.go); goldmark parsers are
// safe for concurrent use (their set-up runs once under a sync.Once).
var mdParser parser.Parser = goldmark.New(goldmark.WithParserOptions(mdTableParserOptions()...)).Parser()

func convertMarkdown(body []byte, headingPrefix string) (any, error) {
	src := bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	frontMatter, src, err := splitFrontMatter(src)
	if err != nil {
		return nil, err
	}
	doc := mdParser.Parse(text.NewReader(src))

	tables := []any{}
	sections := []any{}
	if strings.TrimSpace(headingPrefix) == "" {
		headingPrefix = "" // a blank filter keeps every section
	}
	var current *mdSection
	flush := func() {
		if current != nil && strings.HasPrefix(current.heading, headingPrefix) {
			sections = append(sections, current.value())
		}
	}
	budget := tableBudget(len(src))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *mdTableNode:
			t, err := mdTable(n, src, &budget)
			if err != nil {
				return nil, err
			}
			if t != nil {
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

type mdSection struct {
	heading string
	level   int
	content []string
}

func (s *mdSection) value() map[string]any {
	return map[string]any{
		"heading": s.heading,
		"level":   json.Number(strconv.Itoa(s.level)),
		"content": strings.TrimSpace(strings.Join(s.content, "\n")),
	}
}

// splitFrontMatter separates a leading `---` … `---` block and decodes it as
// YAML; a block that is not a mapping gives {}.
func splitFrontMatter(src []byte) (map[string]any, []byte, error) {
	empty := map[string]any{}
	rest, ok := bytes.CutPrefix(src, []byte("---\n"))
	if !ok {
		return empty, src, nil
	}
	var block, body []byte
	switch {
	case bytes.HasPrefix(rest, []byte("---\n")):
		body = rest[4:]
	case bytes.Equal(rest, []byte("---")):
	default:
		if i := bytes.Index(rest, []byte("\n---\n")); i >= 0 {
			block, body = rest[:i], rest[i+5:]
		} else if b, ok := bytes.CutSuffix(rest, []byte("\n---")); ok {
			block = b
		} else {
			return empty, src, nil
		}
	}
	v, err := convertYAML(block)
	if err != nil {
		return nil, nil, err
	}
	if m, ok := v.(map[string]any); ok {
		return m, body, nil
	}
	return empty, body, nil
}

// mdTable maps a GFM table's body rows to objects keyed by its header cells;
// nil when every header is blank. It fails when the table would be read as
// more cells than *budget, which it decreases.
func mdTable(t *mdTableNode, src []byte, budget *int) ([]any, error) {
	header, ok := t.FirstChild().(*mdTableHeader)
	if !ok {
		return nil, nil
	}
	var headers []string
	blank := true
	for cell := header.FirstChild(); cell != nil; cell = cell.NextSibling() {
		h := strings.TrimSpace(inlineText(cell, src))
		blank = blank && h == ""
		headers = append(headers, h)
	}
	if blank {
		return nil, nil
	}
	n := t.ChildCount() - 1
	cells := n * len(headers)
	if cells > *budget {
		return nil, fmt.Errorf("a Markdown table of %d columns and %d rows is too large to convert (more than %d cells for a %d-byte document)",
			len(headers), n, tableBudget(len(src)), len(src))
	}
	*budget -= cells
	rows := make([]any, 0, n)
	for c := header.NextSibling(); c != nil; c = c.NextSibling() {
		values := make([]string, 0, c.ChildCount())
		for cell := c.FirstChild(); cell != nil; cell = cell.NextSibling() {
			values = append(values, strings.TrimSpace(inlineText(cell, src)))
		}
		rows = append(rows, rowObject(headers, values))
	}
	return rows, nil
}

// blockText is the text of a block: inline text for a leaf block, the lines
// of a code block, and the texts of the child blocks of a container (list,
// item, quote) one per line. Raw HTML and thematic breaks have none.
func blockText(n ast.Node, src []byte) string {
	switch n := n.(type) {
	case *ast.HTMLBlock, *ast.ThematicBreak:
		return ""
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return string(n.Lines().Value(src))
	}
	first := n.FirstChild()
	if first == nil || first.Type() != ast.TypeBlock {
		return inlineText(n, src)
	}
	var parts []string
	for c := first; c != nil; c = c.NextSibling() {
		if t := strings.TrimSpace(blockText(c, src)); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n")
}

// inlineText concatenates the text under n as the reference engine does:
// text and code literals, a space for a soft line break, a newline for a
// hard one; raw HTML is left out.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if s, ok := t.(*ast.Text); ok {
					v := s.Segment.Value(src)
					if v, ok := bytes.CutSuffix(v, []byte("\n")); ok {
						b.Write(v)
						b.WriteByte(' ')
					} else {
						b.Write(v)
					}
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			v := c.Segment.Value(src)
			if !c.IsRaw() {
				v = util.ResolveNumericReferences(util.ResolveEntityNames(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			switch {
			case c.HardLineBreak():
				b.WriteByte('\n')
			case c.SoftLineBreak():
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(src))
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
