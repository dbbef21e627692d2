package npy

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	sbnpy "codeberg.org/sbinet/npyio/npy"
)

// BenchmarkRead decodes a float32 .npy image whole with Decode (a Reader
// read whole) against npyio's own decoding, which Decode used before it
// read in spans (impl=npyio, its float32 values widened to float64 as
// Decode widened them).
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 20} {
		var buf bytes.Buffer
		if err := sbnpy.Write(&buf, make([]float32, n)); err != nil {
			b.Fatal(err)
		}
		img := buf.Bytes()
		b.Run(fmt.Sprintf("impl=reader/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(img), int64(len(img))); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("impl=npyio/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				rd, err := sbnpy.NewReader(io.NewSectionReader(bytes.NewReader(img), 0, int64(len(img))))
				if err != nil {
					b.Fatal(err)
				}
				var arr sbnpy.Array
				if err := rd.Read(&arr); err != nil {
					b.Fatal(err)
				}
				x := arr.Data().([]float32)
				out := make([]float64, len(x))
				for i, v := range x {
					out[i] = float64(v)
				}
			}
		})
	}
}
