package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// yamlBudgetBase and yamlBudgetPerByte bound the number of values a document
// may expand to: aliases make a few bytes stand for an exponential tree
// ("billion laughs"); a document without aliases stays far below the budget.
const (
	yamlBudgetBase    = 10_000
	yamlBudgetPerByte = 4
)

func convertYAML(body []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	c := yamlConverter{budget: yamlBudgetBase + yamlBudgetPerByte*len(body), active: map[*yaml.Node]bool{}}
	return c.convert(&doc)
}

type yamlConverter struct {
	budget int
	// active holds the alias targets being expanded, to refuse cycles.
	active map[*yaml.Node]bool
}

func (c *yamlConverter) convert(n *yaml.Node) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, errors.New("document expands to too many values (aliases)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0])
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		if c.active[n.Alias] {
			return nil, fmt.Errorf("line %d: alias *%s refers to itself", n.Line, n.Value)
		}
		c.active[n.Alias] = true
		v, err := c.convert(n.Alias)
		delete(c.active, n.Alias)
		return v, err
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.convert(item)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case yaml.MappingNode:
		obj := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			v, err := c.convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			obj[k.Value] = v
		}
		return obj, nil
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	}
	return nil, fmt.Errorf("line %d: unexpected yaml node", n.Line)
}

// yamlScalar maps a resolved scalar to its JSON value. Numbers keep their
// literal when it is already valid JSON (1.50 stays 1.50); other spellings
// (0x1F, +5, 1e3 is fine, .5) are re-formatted; NaN and infinities, which
// JSON cannot hold, stay strings, as do timestamps and unknown tags.
func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value)
		}
		var v any
		if err := n.Decode(&v); err == nil {
			switch x := v.(type) {
			case int:
				return json.Number(strconv.Itoa(x))
			case int64:
				return json.Number(strconv.FormatInt(x, 10))
			case uint64:
				return json.Number(strconv.FormatUint(x, 10))
			case float64:
				return floatNumber(n.Value, x)
			}
		}
	case "!!float":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value)
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			return floatNumber(n.Value, f)
		}
	}
	return n.Value
}

func floatNumber(literal string, f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return literal
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// isJSONNumber reports whether s is a number in JSON's own grammar.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}
