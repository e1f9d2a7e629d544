package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotSupported is wrapped by the error Convert returns for a format the
// specification defines but this engine cannot decode yet (avro, protobuf).
var ErrNotSupported = errors.New("not supported yet")

// ErrUnknownFormat is wrapped by the error Convert returns for a format name
// the specification does not define.
var ErrUnknownFormat = errors.New("unknown outputRawFormat")

// Format names, lower case, as they appear in a capability file.
const (
	JSON     = "json"
	XML      = "xml"
	YAML     = "yaml"
	CSV      = "csv"
	TSV      = "tsv"
	PSV      = "psv"
	HTML     = "html"
	Markdown = "markdown"
	Avro     = "avro"
	Protobuf = "protobuf"
)

// allowed lists every format the specification defines, for error messages.
const allowed = "json, xml, yaml, csv, tsv, psv, html, markdown, avro, protobuf"

// Supported reports whether Convert can decode format (case-insensitive):
// json, xml, yaml, csv, tsv, psv, html and markdown. The empty name means
// json and is supported too.
func Supported(format string) bool {
	switch normalize(format) {
	case JSON, XML, YAML, CSV, TSV, PSV, HTML, Markdown:
		return true
	}
	return false
}

// Convert decodes body, declared as format, into a JSON value
// (map[string]any, []any, string, json.Number, bool or nil). schema is the
// operation's `outputSchema`: a CSS selector for html, a heading prefix for
// markdown, ignored otherwise. The package documentation describes each
// conversion.
func Convert(format, schema string, body []byte) (any, error) {
	name := normalize(format)
	body = bytes.TrimPrefix(body, utf8BOM)
	var (
		v   any
		err error
	)
	switch name {
	case JSON:
		v, err = convertJSON(body)
	case XML:
		v, err = convertXML(body)
	case YAML:
		v, err = convertYAML(body)
	case CSV:
		v, err = convertDelimited(body, ',')
	case TSV:
		v, err = convertDelimited(body, '\t')
	case PSV:
		v, err = convertDelimited(body, '|')
	case HTML:
		v, err = convertHTML(body, schema)
	case Markdown:
		v, err = convertMarkdown(body, schema)
	case Avro, Protobuf:
		return nil, fmt.Errorf("%w: outputRawFormat %s", ErrNotSupported, name)
	default:
		return nil, fmt.Errorf("%w %q (allowed: %s)", ErrUnknownFormat, format, allowed)
	}
	if err != nil {
		return nil, fmt.Errorf("convert %s response: %w", name, err)
	}
	return v, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func normalize(format string) string {
	name := strings.ToLower(strings.TrimSpace(format))
	if name == "" {
		return JSON
	}
	return name
}

// convertJSON decodes exactly one JSON value; trailing data is an error so
// that a concatenation of documents is not silently cut to the first.
func convertJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}
