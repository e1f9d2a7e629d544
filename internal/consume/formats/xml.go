package formats

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// mixedTextKey is the field that holds the text of an element that also has
// attributes or child elements; Jackson's XmlMapper uses the same key.
const mixedTextKey = ""

// xmlElement is an element being built: its fields (attributes and child
// elements, repeated names collected into arrays) and its character data.
type xmlElement struct {
	fields   map[string]any
	text     strings.Builder
	hasChild bool
}

func (e *xmlElement) add(key string, v any) {
	if e.fields == nil {
		e.fields = make(map[string]any)
	}
	prev, ok := e.fields[key]
	if !ok {
		e.fields[key] = v
		return
	}
	if arr, isArr := prev.(xmlRepeated); isArr {
		e.fields[key] = append(arr, v)
		return
	}
	e.fields[key] = xmlRepeated{prev, v}
}

// xmlRepeated is the array a repeated name collects into, distinct from
// []any so that add never appends to a value that merely looks like one.
type xmlRepeated []any

// value is the element's JSON value: a string for a text-only element, an
// object otherwise.
func (e *xmlElement) value() any {
	if e.fields == nil && !e.hasChild {
		text := e.text.String()
		if strings.TrimSpace(text) == "" {
			return ""
		}
		return text
	}
	obj := make(map[string]any, len(e.fields)+1)
	for k, v := range e.fields {
		if arr, ok := v.(xmlRepeated); ok {
			v = []any(arr)
		}
		obj[k] = v
	}
	if text := strings.TrimSpace(e.text.String()); text != "" {
		obj[mixedTextKey] = text
	}
	return obj
}

// convertXML walks the token stream with an explicit stack (no recursion, so
// nesting depth is bounded by memory only) and returns the root element's
// content.
func convertXML(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charset.NewReaderLabel
	var stack []*xmlElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no root element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &xmlElement{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				el.add(a.Name.Local, a.Value)
			}
			if n := len(stack); n > 0 {
				stack[n-1].hasChild = true
			}
			stack = append(stack, el)
		case xml.EndElement:
			el := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				v := el.value()
				if s, ok := v.(string); ok {
					// The root is dropped, so its text alone has no name.
					if s == "" {
						return map[string]any{}, nil
					}
					return map[string]any{mixedTextKey: s}, nil
				}
				return v, nil
			}
			stack[len(stack)-1].add(t.Name.Local, el.value())
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
}
