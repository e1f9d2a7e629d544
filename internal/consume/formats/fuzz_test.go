package formats

import (
	"encoding/json"
	"testing"
)

// FuzzConvert checks that no format panics on any body or schema and that
// every successful result is valid for encoding/json. The seed corpus (below
// and in testdata/fuzz/FuzzConvert) runs in every `go test`.
func FuzzConvert(f *testing.F) {
	f.Add("xml", "", []byte(`<r a="1"><b>2</b><b/>x</r>`))
	f.Add("yaml", "", []byte("a: &a [*a]\n"))
	f.Add("csv", "", []byte("a,b\n\"1\n"))
	f.Add("html", "div > table", []byte(`<div><table><tr><th>h</th></tr><tr><td>v</td></tr></table></div>`))
	f.Add("markdown", "O", []byte("---\nk: v\n---\n# One\n| a |\n|---|\n| 1 |\n"))
	f.Add("json", "", []byte(`{"a":[1,2.5e10,null]}`))
	f.Fuzz(func(t *testing.T, format, schema string, body []byte) {
		v, err := Convert(format, schema, body)
		if err != nil {
			if v != nil {
				t.Fatalf("Convert(%q) returned %v with error %v", format, v, err)
			}
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("Convert(%q) result is not JSON-encodable: %v", format, err)
		}
	})
}
