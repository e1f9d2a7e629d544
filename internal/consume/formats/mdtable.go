package formats

// GFM tables (https://github.github.com/gfm/#tables-extension-) for the
// goldmark parser, written here so the binary does not link
// github.com/yuin/goldmark/extension, whose package initialisation compiles
// regular expressions for extensions we never use.
//
// A table is recognised when a paragraph closes: its lines are scanned for a
// delimiter row, the line above it becomes the header and every line after
// it a body row; lines before the header stay a paragraph. The rules follow
// the behaviour of goldmark's own table extension, which the converter used
// before, so the JSON produced stays the same (see the differential tests):
//
//   - a delimiter row holds only '-', ':', '|' and spaces, is not made of
//     dashes alone, is indented by at most three columns, and each of its
//     cells is one of ---, :--, --:, :-: (any number of dashes);
//   - the header row may have fewer cells than the delimiter row (it is
//     padded with empty cells) but not more;
//   - body rows are padded with empty cells or cut to the column count;
//   - a cell ends at a '|' not preceded by a backslash (even an escaped
//     one, as in "\\|"); one leading and one trailing '|' of a row are
//     dropped (the trailing one even when escaped); cells are trimmed;
//   - "\|" is a '|' in a cell, inside code spans too (where backslash
//     escapes do not apply otherwise, so the backslash is dropped from them
//     once inline content has been parsed).

import (
	"bytes"
	"sort"
	"strconv"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// mdTableAlign is a column's alignment as its delimiter cell gives it.
type mdTableAlign uint8

const (
	mdAlignNone mdTableAlign = iota
	mdAlignLeft
	mdAlignRight
	mdAlignCenter
)

func (a mdTableAlign) String() string {
	switch a {
	case mdAlignLeft:
		return "left"
	case mdAlignRight:
		return "right"
	case mdAlignCenter:
		return "center"
	}
	return "none"
}

var (
	kindMDTable       = ast.NewNodeKind("MDTable")
	kindMDTableHeader = ast.NewNodeKind("MDTableHeader")
	kindMDTableRow    = ast.NewNodeKind("MDTableRow")
	kindMDTableCell   = ast.NewNodeKind("MDTableCell")
)

// mdTableNode is a GFM table: one mdTableHeader child followed by
// mdTableRow children, each holding one mdTableCell per column.
type mdTableNode struct {
	ast.BaseBlock
	aligns []mdTableAlign
}

func (n *mdTableNode) Kind() ast.NodeKind { return kindMDTable }

func (n *mdTableNode) Dump(source []byte, level int) {
	kv := map[string]string{}
	for i, a := range n.aligns {
		kv["Column"+strconv.Itoa(i)] = a.String()
	}
	ast.DumpHelper(n, source, level, kv, nil)
}

// mdTableHeader is the header row of a table.
type mdTableHeader struct{ ast.BaseBlock }

func (n *mdTableHeader) Kind() ast.NodeKind { return kindMDTableHeader }

func (n *mdTableHeader) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// mdTableRow is a body row of a table.
type mdTableRow struct{ ast.BaseBlock }

func (n *mdTableRow) Kind() ast.NodeKind { return kindMDTableRow }

func (n *mdTableRow) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// mdTableCell is a cell; its single line (none for a padding cell) is
// parsed for inline content like a paragraph's.
type mdTableCell struct {
	ast.BaseBlock
	align mdTableAlign
	// pipeEscapes holds the source offsets of the backslashes of escaped
	// pipes that are to be dropped when they fall inside a code span.
	pipeEscapes []int
}

func (n *mdTableCell) Kind() ast.NodeKind { return kindMDTableCell }

func (n *mdTableCell) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Align": n.align.String()}, nil)
}

// mdTableExtension turns paragraphs into tables and then fixes up escaped
// pipes in code spans; register it with mdTableParserOptions.
type mdTableExtension struct{}

// escapedCellsKey holds, during one parse, the cells with pipeEscapes.
var escapedCellsKey = parser.NewContextKey()

// mdTableParserOptions are the goldmark parser options adding GFM tables.
// The paragraph transformer runs after link reference definitions (100) have
// been taken out of the paragraph.
func mdTableParserOptions() []parser.Option {
	ext := mdTableExtension{}
	return []parser.Option{
		parser.WithParagraphTransformers(util.Prioritized(ext, 200)),
		parser.WithASTTransformers(util.Prioritized(mdTableEscapes{}, 0)),
	}
}

// Transform implements parser.ParagraphTransformer.
func (mdTableExtension) Transform(para *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := para.Lines()
	if lines.Len() < 2 {
		return
	}
	src := reader.Source()
	delim := -1
	var aligns []mdTableAlign
	for i := 1; i < lines.Len(); i++ {
		at := lines.At(i)
		if aligns = delimiterRow(at.Value(src)); aligns != nil {
			delim = i
			break
		}
	}
	if delim < 0 {
		return
	}
	header := &mdTableHeader{}
	if splitTableRow(header, lines.At(delim-1), aligns, true, src) != len(aligns) {
		return // a header row with more cells than the delimiter row
	}
	table := &mdTableNode{aligns: aligns}
	table.SetPos(para.Pos())
	table.AppendChild(table, header)
	for j := delim + 1; j < lines.Len(); j++ {
		row := &mdTableRow{}
		splitTableRow(row, lines.At(j), aligns, false, src)
		table.AppendChild(table, row)
	}
	rememberPipeEscapes(table, pc)

	parent := para.Parent()
	parent.InsertAfter(parent, para, table)
	// What precedes the header stays a paragraph, without its last newline.
	lines.SetSliced(0, delim-1)
	if lines.Len() == 0 {
		parent.RemoveChild(parent, para)
		return
	}
	last := lines.At(lines.Len() - 1)
	last.Stop--
	lines.Set(lines.Len()-1, last)
}

// delimiterRow returns the column alignments of a delimiter row, or nil when
// line is not one.
func delimiterRow(line []byte) []mdTableAlign {
	if w, _ := util.IndentWidth(line, 0); w > 3 {
		return nil
	}
	dashesOnly := true
	for _, c := range line {
		switch {
		case c == '-':
		case c == '|' || c == ':' || util.IsSpace(c):
			dashesOnly = false
		default:
			return nil
		}
	}
	if dashesOnly {
		return nil // a setext underline or thematic break, not a table
	}
	cells := bytes.Split(line, []byte{'|'})
	if util.IsBlank(cells[0]) {
		cells = cells[1:]
	}
	if n := len(cells); n > 0 && util.IsBlank(cells[n-1]) {
		cells = cells[:n-1]
	}
	var aligns []mdTableAlign
	for _, cell := range cells {
		a, ok := delimiterCell(cell)
		if !ok {
			return nil
		}
		aligns = append(aligns, a)
	}
	return aligns
}

// delimiterCell parses one delimiter cell: optional spaces around an
// optional ':', one or more '-', an optional ':'.
func delimiterCell(cell []byte) (mdTableAlign, bool) {
	core := util.TrimRightSpace(util.TrimLeftSpace(cell))
	left, right := false, false
	if len(core) > 0 && core[0] == ':' {
		left, core = true, core[1:]
	}
	if len(core) > 0 && core[len(core)-1] == ':' {
		right, core = true, core[:len(core)-1]
	}
	if len(core) == 0 || bytes.Count(core, []byte{'-'}) != len(core) {
		return mdAlignNone, false
	}
	switch {
	case left && right:
		return mdAlignCenter, true
	case left:
		return mdAlignLeft, true
	case right:
		return mdAlignRight, true
	}
	return mdAlignNone, true
}

// splitTableRow appends the cells of the row on line to row and returns how
// many the row has. A body row gets at most len(aligns) cells: missing ones
// are not made up (the converter reads them as ""), extra ones are dropped.
// A header row gets all of its cells, then empty ones up to len(aligns).
func splitTableRow(row ast.Node, line text.Segment, aligns []mdTableAlign, header bool, src []byte) int {
	line = line.TrimLeftSpace(src)
	line = line.TrimRightSpace(src)
	cells, escapes := rowCells(line.Value(src), line.Start)
	if !header && len(cells) > len(aligns) {
		cells = cells[:len(aligns)]
	}
	for i, c := range cells {
		cell := &mdTableCell{pipeEscapes: escapes[i]}
		if i < len(aligns) {
			cell.align = aligns[i]
		}
		c = c.TrimLeftSpace(src)
		c = c.TrimRightSpace(src)
		cell.Lines().Append(c)
		cell.SetPos(c.Start)
		row.AppendChild(row, cell)
	}
	n := len(cells)
	for ; header && n < len(aligns); n++ {
		row.AppendChild(row, &mdTableCell{align: aligns[n]})
	}
	return n
}

// rowCells cuts a trimmed row b, whose first byte is at source offset start,
// into cell segments: without one leading and one trailing '|' (the latter
// even when escaped, as goldmark has it), at every '|' that does not follow
// a backslash. escapes[i] lists the source offsets of the backslashes of the
// "\|" of cell i that follow a backtick of that cell: those may sit in a
// code span, where the backslash is dropped once inline parsing is done.
func rowCells(b []byte, start int) (cells []text.Segment, escapes [][]int) {
	lo, hi := 0, len(b)
	if hi > 0 && b[0] == '|' {
		lo = 1
	}
	if hi > 0 && b[hi-1] == '|' {
		hi--
	}
	cellStart := lo
	var esc []int
	backtick := false
	for k := lo; k < hi; k++ {
		switch {
		case b[k] == '`':
			backtick = true
		case b[k] == '|' && k > 0 && b[k-1] == '\\':
			if backtick {
				esc = append(esc, start+k-1)
			}
		case b[k] == '|':
			cells = append(cells, text.NewSegment(start+cellStart, start+k))
			escapes = append(escapes, esc)
			cellStart, esc, backtick = k+1, nil, false
		}
	}
	if cellStart < hi {
		cells = append(cells, text.NewSegment(start+cellStart, start+hi))
		escapes = append(escapes, esc)
	}
	return cells, escapes
}

// rememberPipeEscapes adds the cells of table with pipeEscapes to the list
// mdTableEscapes works through after inline parsing.
func rememberPipeEscapes(table *mdTableNode, pc parser.Context) {
	cells, _ := pc.Get(escapedCellsKey).([]*mdTableCell)
	n := len(cells)
	for row := table.FirstChild(); row != nil; row = row.NextSibling() {
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			if cell := c.(*mdTableCell); cell.pipeEscapes != nil {
				cells = append(cells, cell)
			}
		}
	}
	if len(cells) > n {
		pc.Set(escapedCellsKey, cells)
	}
}

// mdTableEscapes is the parser.ASTTransformer that, once inline content is
// parsed, drops the backslash of "\|" inside the code spans of table cells
// (GFM: the pipe is escaped for the table, not for the code span).
type mdTableEscapes struct{}

// Transform implements parser.ASTTransformer.
func (mdTableEscapes) Transform(_ *ast.Document, _ text.Reader, pc parser.Context) {
	cells, _ := pc.Get(escapedCellsKey).([]*mdTableCell)
	if cells == nil {
		return
	}
	pc.Set(escapedCellsKey, nil)
	for _, cell := range cells {
		_ = ast.Walk(cell, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if entering && n.Kind() == ast.KindCodeSpan {
				dropPipeEscapes(n, cell.pipeEscapes)
			}
			return ast.WalkContinue, nil
		})
	}
}

// dropPipeEscapes leaves out of the text children of a code span the
// backslashes at the given source offsets (ascending), splitting a text
// around each one.
func dropPipeEscapes(span ast.Node, offsets []int) {
	for c := span.FirstChild(); c != nil; {
		next := c.NextSibling()
		if t, ok := c.(*ast.Text); ok {
			seg := t.Segment
			// The offsets inside this text, found by binary search: a cell
			// can hold many code spans and many escapes.
			for _, off := range offsets[sort.SearchInts(offsets, seg.Start):] {
				if off >= seg.Stop {
					break
				}
				span.InsertBefore(span, c, ast.NewRawTextSegment(seg.WithStop(off)))
				seg = seg.WithStart(off + 1)
			}
			if seg != t.Segment {
				span.InsertBefore(span, c, ast.NewRawTextSegment(seg))
				span.RemoveChild(span, c)
			}
		}
		c = next
	}
}
