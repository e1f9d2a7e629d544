package formats

import "testing"

// BenchmarkConvert converts a 200-record body in each supported format.
func BenchmarkConvert(b *testing.B) {
	for format, body := range benchBodies() {
		b.Run(format, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Convert(format, "", body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
