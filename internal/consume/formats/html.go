package formats

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The selectors the reference engine (jsoup) applies to each table. Like
// jsoup's select, goquery's Find searches all descendants, nested tables
// included.
var (
	selTable       = cascadia.MustCompile("table")
	selHeadHeaders = cascadia.MustCompile("thead tr:first-child th")
	selRowHeaders  = cascadia.MustCompile("tr:first-child th")
	selBodyRows    = cascadia.MustCompile("tbody tr")
	selRows        = cascadia.MustCompile("tr")
	selTH          = cascadia.MustCompile("th")
	selTD          = cascadia.MustCompile("td")
)

func convertHTML(body []byte, selector string) (any, error) {
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	doc := goquery.NewDocumentFromNode(root)
	var tables *goquery.Selection
	if strings.TrimSpace(selector) == "" {
		tables = doc.FindMatcher(selTable)
	} else {
		m, err := cascadia.Compile(selector)
		if err != nil {
			return nil, fmt.Errorf("outputSchema %q is not a CSS selector: %w", selector, err)
		}
		tables = scopedTables(doc, m)
	}
	out := []any{}
	budget := tableBudget(len(body))
	var tooLarge error
	tables.EachWithBreak(func(_ int, t *goquery.Selection) bool {
		headers := htmlHeaders(t)
		if headers == nil {
			return true
		}
		rows := t.FindMatcher(selBodyRows)
		if rows.Length() == 0 {
			rows = t.FindMatcher(selRows)
		}
		table := []any{}
		rows.EachWithBreak(func(_ int, tr *goquery.Selection) bool {
			if tr.FindMatcher(selTH).Length() > 0 {
				return true
			}
			cells := tr.FindMatcher(selTD)
			if cells.Length() == 0 {
				return true
			}
			if budget -= len(headers); budget < 0 {
				tooLarge = fmt.Errorf("an HTML table of %d columns and %d rows is too large to convert (more than %d cells for a %d-byte document)",
					len(headers), rows.Length(), tableBudget(len(body)), len(body))
				return false
			}
			values := make([]string, 0, cells.Length())
			cells.Each(func(_ int, td *goquery.Selection) {
				values = append(values, elementText(td.Get(0)))
			})
			table = append(table, rowObject(headers, values))
			return true
		})
		if tooLarge != nil {
			return false
		}
		out = append(out, table)
		return true
	})
	if tooLarge != nil {
		return nil, tooLarge
	}
	return map[string]any{"tables": out}, nil
}

// scopedTables returns, in document order and each once, the tables that m
// matches plus the tables inside the other elements m matches.
func scopedTables(doc *goquery.Document, m cascadia.Selector) *goquery.Selection {
	keep := map[*html.Node]bool{}
	doc.FindMatcher(m).Each(func(_ int, s *goquery.Selection) {
		n := s.Get(0)
		if n.DataAtom == atom.Table {
			keep[n] = true
			return
		}
		for _, t := range s.FindMatcher(selTable).Nodes {
			keep[t] = true
		}
	})
	all := doc.FindMatcher(selTable)
	return all.FilterFunction(func(_ int, s *goquery.Selection) bool { return keep[s.Get(0)] })
}

// htmlHeaders returns the table's trimmed header texts, or nil when there
// are none or all are blank (the table is then skipped).
func htmlHeaders(t *goquery.Selection) []string {
	cells := t.FindMatcher(selHeadHeaders)
	if cells.Length() == 0 {
		cells = t.FindMatcher(selRowHeaders)
	}
	headers := make([]string, 0, cells.Length())
	blank := true
	cells.Each(func(_ int, th *goquery.Selection) {
		h := elementText(th.Get(0))
		blank = blank && h == ""
		headers = append(headers, h)
	})
	if blank {
		return nil
	}
	return headers
}

// Bounds on the cells the tables of one document (HTML or Markdown) may be
// read as: a short row of a wide table reads its missing cells as "", so a
// few kilobytes could otherwise ask for millions of values. Real tables stay far
// below: each of their cells takes at least one byte of the document.
const (
	tableCellsPerByte = 16
	tableCellsFloor   = 1 << 16
	maxTableCells     = 4 << 20
)

// tableBudget is how many cells the tables of a document of n bytes may be
// read as.
func tableBudget(n int) int {
	return min(maxTableCells, tableCellsFloor+tableCellsPerByte*n)
}

// rowObject maps headers to values, padding with "" and dropping extra
// values; a repeated header keeps its last value.
func rowObject(headers, values []string) map[string]any {
	row := make(map[string]any, len(headers))
	for i, h := range headers {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		row[h] = v
	}
	return row
}

// elementText is the element's text as jsoup's Element.text() gives it:
// runs of whitespace collapsed to one space, a space between block elements
// and for <br>, script and style content left out, trimmed.
func elementText(n *html.Node) string {
	var b strings.Builder
	space := true // suppresses leading whitespace
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				for _, r := range c.Data {
					if isHTMLSpace(r) {
						if !space {
							b.WriteByte(' ')
							space = true
						}
						continue
					}
					b.WriteRune(r)
					space = false
				}
			case html.ElementNode:
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Template {
					continue
				}
				block := htmlBlocks[c.DataAtom]
				if block && !space {
					b.WriteByte(' ')
					space = true
				}
				walk(c)
				if block && !space {
					b.WriteByte(' ')
					space = true
				}
			}
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// isHTMLSpace is jsoup's notion of whitespace, which includes the
// non-breaking space.
func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\f', '\r', '\u00a0':
		return true
	}
	return false
}

// htmlBlocks are the elements whose text jsoup separates from its
// neighbours' (<br> included).
var htmlBlocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Br: true, atom.Dd: true, atom.Details: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true,
	atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true,
	atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true,
	atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true,
	atom.Tr: true, atom.Ul: true, atom.Caption: true,
}
