package expr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const shipDoc = `{
	"imo_number": "IMO-1",
	"vessel_name": "Aurora",
	"year_built": "1999",
	"gross_tonnage": 5000,
	"active": "true",
	"dimensions": {"length_overall": 120.5},
	"crewIds": ["C1", "C2"],
	"vessels": [
		{"imo_number": "A", "vessel_name": "Alpha", "year": "2001"},
		{"imo_number": "B", "vessel_name": "Beta"}
	],
	"data": {"id": 7, "name": "seven"},
	"long": "abcdefghij",
	"nums": [1, 2, 3]
}`

// mapped is a Shape with a mapping, the most common kind.
func mapped(name, typ, mapping string) *Shape {
	return &Shape{Name: name, Type: typ, Mapping: mapping, HasMapping: true}
}

func TestShaperPassthrough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		outputs []*Shape
		want    bool
	}{
		{name: "no outputs", want: true},
		{name: "object mapped to $.", outputs: []*Shape{mapped("", "object", "$.")}, want: true},
		{name: "object mapped to $", outputs: []*Shape{mapped("", "object", "$")}, want: true},
		{name: "value $.", outputs: []*Shape{{Type: "string", Value: "$.", HasValue: true}}, want: true},
		{name: "sub-node", outputs: []*Shape{mapped("", "object", "$.data")}},
		{name: "root with properties", outputs: []*Shape{{Type: "object", Mapping: "$.", HasMapping: true, Properties: []*Shape{mapped("id", "string", "$.id")}}}},
		{name: "root array with items", outputs: []*Shape{{Type: "array", Mapping: "$.", HasMapping: true, Items: mapped("", "string", "$.id")}}},
		{name: "two root outputs", outputs: []*Shape{mapped("", "object", "$."), mapped("", "object", "$.")}},
	}
	doc := decode(t, shipDoc)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := CompileShaper(tt.outputs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.Passthrough())
			if tt.want {
				assert.Equal(t, doc, s.Apply(doc, nil))
			}
		})
	}
}

func TestShaperApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		outputs []*Shape
		scope   map[string]any
		want    string // the result as JSON (checks member order), "null" for nil
	}{
		{
			name:    "object without properties passes the sub-node",
			outputs: []*Shape{mapped("", "object", "$.data")},
			want:    `{"id":7,"name":"seven"}`,
		},
		{
			name: "declared object shape in declaration order",
			outputs: []*Shape{{Type: "object", Properties: []*Shape{
				mapped("name", "string", "$.vessel_name"),
				mapped("imo", "string", "$.imo_number"),
				{Name: "specs", Type: "object", Properties: []*Shape{
					mapped("yearBuilt", "number", "$.year_built"),
					mapped("length", "number", "$.dimensions.length_overall"),
				}},
				{Name: "crewIds", Type: "array", Mapping: "$.crewIds", HasMapping: true, Items: &Shape{Type: "string"}},
				mapped("absent", "string", "$.nope"),
			}}},
			want: `{"name":"Aurora","imo":"IMO-1","specs":{"yearBuilt":1999,"length":120.5},"crewIds":["C1","C2"],"absent":null}`,
		},
		{
			name: "nested object ignores its mapping: properties map from the root",
			outputs: []*Shape{{Type: "object", Properties: []*Shape{
				{Name: "dims", Type: "object", Mapping: "$.dimensions", HasMapping: true, Properties: []*Shape{
					mapped("length", "number", "$.dimensions.length_overall"),
				}},
			}}},
			want: `{"dims":{"length":120.5}}`,
		},
		{
			name: "array items map relative to each element",
			outputs: []*Shape{{Type: "array", Mapping: "$.vessels", HasMapping: true, Items: &Shape{Type: "object", Properties: []*Shape{
				mapped("imo", "string", "$.imo_number"),
				mapped("name", "string", "$.vessel_name"),
				mapped("year", "integer", "$.year"),
			}}}},
			want: `[{"imo":"A","name":"Alpha","year":2001},{"imo":"B","name":"Beta","year":null}]`,
		},
		{
			name:    "array items with a scalar mapping",
			outputs: []*Shape{{Type: "array", Mapping: "$.vessels", HasMapping: true, Items: mapped("", "string", "$.vessel_name")}},
			want:    `["Alpha","Beta"]`,
		},
		{
			name:    "array without items copies the elements",
			outputs: []*Shape{mapped("", "array", "$.nums")},
			want:    `[1,2,3]`,
		},
		{
			name:    "array items without mapping are the elements, coerced",
			outputs: []*Shape{{Type: "array", Mapping: "$.nums", HasMapping: true, Items: &Shape{Type: "string"}}},
			want:    `["1","2","3"]`,
		},
		{
			name:    "wildcard mapping feeds an array",
			outputs: []*Shape{{Type: "array", Mapping: "$.vessels[*].imo_number", HasMapping: true}},
			want:    `["A","B"]`,
		},
		{
			name:    "array mapping on a non-array is null",
			outputs: []*Shape{mapped("", "array", "$.data")},
			want:    `null`,
		},
		{
			name:    "scalar coercion: number from string",
			outputs: []*Shape{mapped("", "number", "$.year_built")},
			want:    `1999`,
		},
		{
			name:    "scalar coercion: string from number",
			outputs: []*Shape{mapped("", "string", "$.gross_tonnage")},
			want:    `"5000"`,
		},
		{
			name:    "scalar coercion: boolean from string",
			outputs: []*Shape{mapped("", "boolean", "$.active")},
			want:    `true`,
		},
		{
			name:    "not lossless: kept as found",
			outputs: []*Shape{mapped("", "number", "$.vessel_name")},
			want:    `"Aurora"`,
		},
		{
			name:    "maxLength truncates",
			outputs: []*Shape{{Type: "string", Mapping: "$.long", HasMapping: true, MaxLength: 3}},
			want:    `"abc"`,
		},
		{
			name:    "value renders against scope",
			outputs: []*Shape{{Type: "string", Value: "Hello {{who}}", HasValue: true}},
			scope:   map[string]any{"who": "Ada"},
			want:    `"Hello Ada"`,
		},
		{
			name:    "value rendered then coerced to the declared type",
			outputs: []*Shape{{Type: "number", Value: "{{n}}", HasValue: true}},
			scope:   map[string]any{"n": json.Number("42")},
			want:    `42`,
		},
		{
			name:    "value that is a JSONPath maps",
			outputs: []*Shape{{Type: "string", Value: "$.vessel_name", HasValue: true}},
			want:    `"Aurora"`,
		},
		{
			name:    "const",
			outputs: []*Shape{{Type: "string", Const: "fixed", HasConst: true}},
			want:    `"fixed"`,
		},
		{
			name:    "several outputs: first non-null wins",
			outputs: []*Shape{mapped("", "string", "$.absent"), mapped("", "string", "$.vessel_name"), mapped("", "string", "$.imo_number")},
			want:    `"Aurora"`,
		},
		{
			name:    "several outputs: none maps",
			outputs: []*Shape{mapped("", "string", "$.absent"), mapped("", "array", "$.data")},
			want:    `null`,
		},
		{
			name:    "object without properties or mapping is empty",
			outputs: []*Shape{{Type: "object"}},
			want:    `{}`,
		},
	}
	doc := decode(t, shipDoc)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := CompileShaper(tt.outputs)
			require.NoError(t, err)
			assert.False(t, s.Passthrough())
			got, err := json.Marshal(s.Apply(doc, tt.scope))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestCoerce(t *testing.T) {
	t.Parallel()
	obj := map[string]any{"a": "b"}
	tests := []struct {
		name string
		in   any
		typ  string
		want any
	}{
		{name: "string from json.Number", in: json.Number("42"), typ: "string", want: "42"},
		{name: "string from float", in: 1.5, typ: "string", want: "1.5"},
		{name: "string from bool", in: false, typ: "string", want: "false"},
		{name: "string keeps objects", in: obj, typ: "string", want: obj},
		{name: "number from string", in: "42", typ: "number", want: json.Number("42")},
		{name: "number from decimal string", in: "-1.5e3", typ: "number", want: json.Number("-1.5e3")},
		{name: "number rejects padded string", in: " 42", typ: "number", want: " 42"},
		{name: "number rejects hex", in: "0x10", typ: "number", want: "0x10"},
		{name: "number rejects NaN", in: "NaN", typ: "number", want: "NaN"},
		{name: "integer from string", in: "42", typ: "integer", want: json.Number("42")},
		{name: "integer from integral decimal", in: json.Number("42.0"), typ: "integer", want: json.Number("42")},
		{name: "integer keeps a fraction", in: json.Number("42.5"), typ: "integer", want: json.Number("42.5")},
		{name: "integer keeps a long literal", in: "123456789012345678901234567890", typ: "integer", want: json.Number("123456789012345678901234567890")},
		{name: "boolean from string", in: "false", typ: "boolean", want: false},
		{name: "boolean rejects yes", in: "yes", typ: "boolean", want: "yes"},
		{name: "nil stays nil", in: nil, typ: "string", want: nil},
		{name: "unknown type", in: "42", typ: "money", want: "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, coerce(tt.in, tt.typ))
		})
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "hé", truncate("héllo", 2))
	assert.Equal(t, "abc", truncate("abc", 5))
	assert.Equal(t, "日本", truncate("日本語", 2))
}

func TestCompileShaperErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		outputs []*Shape
		msg     string
	}{
		{name: "bad mapping", outputs: []*Shape{mapped("out", "string", "$.a[")}, msg: "output out: mapping"},
		{name: "bad value", outputs: []*Shape{{Type: "string", Value: "{{x", HasValue: true}}, msg: "output 0: value"},
		{
			name:    "bad nested mapping",
			outputs: []*Shape{{Type: "object", Properties: []*Shape{{Name: "route", Type: "object", Properties: []*Shape{mapped("from", "string", "$[")}}}}},
			msg:     "property route: property from: mapping",
		},
		{name: "bad items", outputs: []*Shape{{Type: "array", Mapping: "$.a", HasMapping: true, Items: mapped("", "string", "$$")}}, msg: "items: mapping"},
		{name: "nil output", outputs: []*Shape{nil}, msg: "output 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileShaper(tt.outputs)
			assert.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestOrderedObject(t *testing.T) {
	t.Parallel()
	o := OrderedObject{
		{Key: "z", Value: "<&>"},
		{Key: "a", Value: OrderedObject{{Key: "y", Value: json.Number("1")}, {Key: "b", Value: nil}}},
		{Key: "l", Value: []any{OrderedObject{{Key: "k", Value: true}}}},
	}
	b, err := json.Marshal(o)
	require.NoError(t, err)
	assert.JSONEq(t, `{"z":"<&>","a":{"y":1,"b":null},"l":[{"k":true}]}`, string(b))
	assert.Regexp(t, `^\{"z":.*"a":\{"y":1,"b":null\},"l":`, string(b))

	v, ok := o.Get("z")
	assert.True(t, ok)
	assert.Equal(t, "<&>", v)
	_, ok = o.Get("nope")
	assert.False(t, ok)

	assert.Equal(t, map[string]any{
		"z": "<&>",
		"a": map[string]any{"y": json.Number("1"), "b": nil},
		"l": []any{map[string]any{"k": true}},
	}, Plain(o))
	plain := map[string]any{"x": []any{"y"}}
	assert.Equal(t, plain, Plain(plain))
}

func BenchmarkShape(b *testing.B) {
	doc := decode(b, shipDoc)
	s, err := CompileShaper([]*Shape{{Type: "object", Properties: []*Shape{
		mapped("name", "string", "$.vessel_name"),
		mapped("imo", "string", "$.imo_number"),
		{Name: "specs", Type: "object", Properties: []*Shape{
			mapped("yearBuilt", "number", "$.year_built"),
			mapped("length", "number", "$.dimensions.length_overall"),
		}},
		{Name: "vessels", Type: "array", Mapping: "$.vessels", HasMapping: true, Items: &Shape{Type: "object", Properties: []*Shape{
			mapped("imo", "string", "$.imo_number"),
			mapped("name", "string", "$.vessel_name"),
		}}},
	}}})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Apply(doc, nil)
	}
}
