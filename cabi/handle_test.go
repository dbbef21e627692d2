//go:build cgo

package main

import (
	"strings"
	"testing"
	"unsafe"

	"leaky/netfile"
)

// TestCallStatuses checks the boundary: bad handles, errors by kind,
// panics recovered and the handle then only freeable.
func TestCallStatuses(t *testing.T) {
	for _, h := range []uintptr{0, 12345} {
		if st := call(h, func(*handle) error { return nil }); st != statusBadHandle {
			t.Errorf("handle %d: status %d", h, st)
		}
	}
	h := newHandle()
	x, _ := lookup(h)
	if st := call(h, func(x *handle) error { return x.openYAML("run: {dt: 0.001}\n", "") }); st != statusBadInput || !strings.Contains(x.message(), "<yaml>: run.steps: missing") {
		t.Errorf("bad YAML: status %d, %q", st, x.message())
	}
	if st := call(h, func(x *handle) error { _, err := x.network(); return err }); st != statusBadInput || !strings.Contains(x.message(), "no network is open") {
		t.Errorf("no network: status %d, %q", st, x.message())
	}
	if st := call(h, func(*handle) error { return notAvailable("NIR") }); st != statusNotAvailable {
		t.Errorf("not available: status %d", st)
	}
	if st := call(h, func(*handle) error { return nil }); st != statusOK || x.message() != "" {
		t.Errorf("success: status %d, message %q", st, x.message())
	}
	if st := call(h, func(x *handle) error { return x.debugPanic(0) }); st != statusPanic || !strings.Contains(x.message(), "forced panic") {
		t.Errorf("panic: status %d, %q", st, x.message())
	}
	if st := call(h, func(*handle) error { return nil }); st != statusPanic || !strings.Contains(x.message(), "can only be freed") {
		t.Errorf("after a panic: status %d, %q", st, x.message())
	}
	if st := free(h); st != statusOK {
		t.Errorf("free: %d", st)
	}
	if st := free(h); st != statusBadHandle {
		t.Errorf("free twice: %d", st)
	}
}

// TestFeedForwardNames checks that messages about leaky run's parameters
// name the fields as leaky run names its flags, with the values.
func TestFeedForwardNames(t *testing.T) {
	h := newHandle()
	defer free(h)
	x, _ := lookup(h)
	for _, c := range []struct {
		set  func(*feedForward)
		want string
	}{
		{func(p *feedForward) { p.ff.Neurons = 0 }, "neurons 0: must be at least 1, got 0"},
		{func(p *feedForward) { p.ff.Dt = 0 }, "dt 0: must be a positive number of seconds, got 0"},
		{func(p *feedForward) { p.dtype = "float16" }, `dtype "float16": want float32 or float64, got "float16"`},
		{func(p *feedForward) { p.record = "v,u" }, `record "v,u": unknown item "u" (want v, isyn, iinp, s or spikes)`},
		{func(p *feedForward) { p.recordNeurons = "5,2000" }, `record_neurons "5,2000": neuron 2000 is outside 0..999 of population "lif"`},
		{func(p *feedForward) { p.ff.InputsShape = []int{20, 2, 100}; p.ff.Steps = 30 }, "steps 30 disagrees with inputs, which has 20 steps (shape (20, 2, 100)); drop the option or change the array"},
		{func(p *feedForward) { p.ff.Inputs = 3 }, ""},
	} {
		p := &feedForward{ff: netfile.DefaultFeedForward(), reset: "subtract", dtype: "float32", record: "v,spikes"}
		p.ff.Steps = 10
		c.set(p)
		st := call(h, func(x *handle) error { return x.openFeedForward(p) })
		if c.want == "" {
			if st != statusOK {
				t.Errorf("status %d: %s", st, x.message())
			}
			continue
		}
		if st != statusBadInput || x.message() != c.want {
			t.Errorf("status %d, %q; want %q", st, x.message(), c.want)
		}
	}
}

// TestCSlice checks the views of caller memory.
func TestCSlice(t *testing.T) {
	buf := make([]float64, 4)
	v, err := cSlice(dtypeFloat64, unsafe.Pointer(&buf[0]), 4, "x")
	if err != nil || len(v.([]float64)) != 4 {
		t.Fatalf("%v %v", v, err)
	}
	for _, c := range []struct {
		dtype int32
		p     unsafe.Pointer
		n     int64
		want  string
	}{{9, unsafe.Pointer(&buf[0]), 4, "dtype 9"}, {dtypeFloat64, nil, 3, "NULL buffer"}, {dtypeFloat32, nil, -1, "out of range"}} {
		if _, err := cSlice(c.dtype, c.p, c.n, "x"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cSlice(%d, %v, %d): %v", c.dtype, c.p, c.n, err)
		}
	}
	if _, err := fitting(v, 5, "x"); err == nil || !strings.Contains(err.Error(), "holds 4 values, but 5 are needed") {
		t.Errorf("short buffer: %v", err)
	}
}
