package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// convertDelimited reads RFC 4180 records separated by sep; the first record
// names the fields of every following one.
func convertDelimited(body []byte, sep rune) (any, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = sep
	r.FieldsPerRecord = -1
	// Jackson keeps a quote inside an unquoted field as a literal character.
	r.LazyQuotes = true
	r.ReuseRecord = true

	rows := []any{}
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return rows, nil
	}
	if err != nil {
		return nil, err
	}
	header = append([]string(nil), header...)
	budget := tableBudget(len(body))
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		for i := len(header); i < len(record); i++ {
			if record[i] != "" {
				line, _ := r.FieldPos(i)
				return nil, fmt.Errorf("record on line %d has %d fields, the header has %d", line, len(record), len(header))
			}
		}
		if budget -= len(header); budget < 0 {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("a table of %d columns is too large to convert by line %d (more than %d cells for a %d-byte document)",
				len(header), line, tableBudget(len(body)), len(body))
		}
		row := make(map[string]any, len(header))
		for i, name := range header {
			cell := ""
			if i < len(record) {
				cell = record[i]
			}
			row[name] = cell
		}
		rows = append(rows, row)
	}
}
