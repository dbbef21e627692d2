package nir

import (
	"fmt"
	"strings"
	"testing"
)

// TestPaddingWords: a convolution's padding "valid" is none and "same"
// PyTorch's even split of dilation·(k − 1); "same" that would pad unevenly
// or with a stride, and any other word, is refused naming the node.
func TestPaddingWords(t *testing.T) {
	conv := func(padding string, k, stride, dilation float64) *fakeStore {
		out := 9.0
		if padding == "valid" {
			out = 9 - dilation*(k-1)
		}
		s := newFake()
		s.strings["/node/type"] = []string{"NIRGraph"}
		s.node("/node/nodes/input", "Input", map[string]Array{"shape": vec(1, 9)})
		s.node("/node/nodes/c", "Conv1d", map[string]Array{"weight": {Data: make([]float64, 2*int(k)), Shape: []int{2, 1, int(k)}}, "bias": vec(0, 0),
			"stride": vec(stride), "dilation": vec(dilation), "groups": vec(1), "input_shape": vec(9)})
		s.strings["/node/nodes/c/padding"] = []string{padding}
		s.node("/node/nodes/output", "Output", map[string]Array{"shape": vec(2, out)})
		s.strings["/node/edges"] = []string{"input", "c", "c", "output"}
		return s
	}
	for _, c := range []struct {
		padding             string
		k, stride, dilation float64
		want                string // the output shape, or the error
	}{
		{"same", 3, 1, 2, "[2, 9] padding [2]"},
		{"same", 5, 1, 1, "[2, 9] padding [2]"},
		{"valid", 3, 1, 2, "[2, 5] padding [0]"},
		{"same", 4, 1, 1, `node c: padding "same" with stride [1], dilation [1] and a kernel of [4] pads unevenly`},
		{"same", 3, 2, 1, `node c: padding "same" with stride [2]`},
		{"full", 3, 1, 1, `node c: padding "full": want a number, "same" or "valid"`},
	} {
		m, err := Read("pad.nir", conv(c.padding, c.k, c.stride, c.dilation))
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			n := m.Graph.Node("c")
			got = fmt.Sprintf("%s padding %v", shapeString(n.Out), n.Params["padding"].Data)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("padding %q, kernel %v, stride %v, dilation %v: %s; want %s", c.padding, c.k, c.stride, c.dilation, got, c.want)
		}
	}
}
