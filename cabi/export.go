package main

/*
#cgo CFLAGS: -I${SRCDIR}
#define LEAKY_INTERNAL_NO_PROTOTYPES
#include "leaky.h"
*/
import "C"

import (
	"encoding/json"
	"unsafe"

	"leaky/engine"
	"leaky/netfile"
	"leaky/session"
)

// Every function here converts its C arguments, runs through call (or
// recovered), which recovers panics and keeps the message, and copies
// results into the caller's memory. None keeps a pointer the caller gave
// beyond its return, and none hands out Go memory.

// putString copies s into the caller's buffer of cap bytes, truncated and
// NUL-terminated, and its full length into *n.
func putString(s string, buf *C.char, capacity C.size_t, n *C.size_t) {
	if n != nil {
		*n = C.size_t(len(s))
	}
	if buf == nil || capacity == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(capacity))
	k := copy(b[:len(b)-1], s)
	b[k] = 0
}

// goString copies a C string, "" for NULL.
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

//export leaky_version
func leaky_version(buf *C.char, capacity C.size_t, n *C.size_t) C.int {
	return C.int(recovered(func() int32 {
		putString(engine.Version, buf, capacity, n)
		return statusOK
	}))
}

//export leaky_new
func leaky_new(out *C.leaky_net) C.int {
	return C.int(recovered(func() int32 {
		if out == nil {
			return statusBadInput
		}
		*out = C.leaky_net(newHandle())
		return statusOK
	}))
}

//export leaky_free
func leaky_free(h C.leaky_net) C.int {
	return C.int(recovered(func() int32 {
		return free(uintptr(h))
	}))
}

//export leaky_last_error
func leaky_last_error(h C.leaky_net, buf *C.char, capacity C.size_t, n *C.size_t) C.int {
	return C.int(recovered(func() int32 {
		x, ok := lookup(uintptr(h))
		if !ok {
			putString("", buf, capacity, n)
			return statusBadHandle
		}
		putString(x.message(), buf, capacity, n)
		return statusOK
	}))
}

//export leaky_set_threads
func leaky_set_threads(h C.leaky_net, threads C.int32_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error { return x.setThreads(int(threads)) }))
}

//export leaky_set_kernel
func leaky_set_kernel(h C.leaky_net, kernel *C.char) C.int {
	name := goString(kernel)
	return C.int(call(uintptr(h), func(x *handle) error { return x.setKernel(name) }))
}

//export leaky_set_force
func leaky_set_force(h C.leaky_net, force C.int32_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error {
		x.opts.Force = force != 0
		return nil
	}))
}

//export leaky_open_yaml
func leaky_open_yaml(h C.leaky_net, text, name *C.char) C.int {
	t, n := goString(text), goString(name)
	return C.int(call(uintptr(h), func(x *handle) error { return x.openYAML(t, n) }))
}

//export leaky_open_file
func leaky_open_file(h C.leaky_net, path *C.char) C.int {
	p := goString(path)
	return C.int(call(uintptr(h), func(x *handle) error { return x.openFile(p) }))
}

//export leaky_feedforward_defaults
func leaky_feedforward_defaults(ff *C.leaky_feedforward) C.int {
	return C.int(recovered(func() int32 {
		if ff == nil {
			return statusBadInput
		}
		d := netfile.DefaultFeedForward()
		*ff = C.leaky_feedforward{}
		ff.steps, ff.n_inputs, ff.neurons, ff.batch = C.int64_t(d.Steps), C.int64_t(d.Inputs), C.int64_t(d.Neurons), C.int64_t(d.Batch)
		ff.rate, ff.dt, ff.tau_mem, ff.tau_syn, ff.threshold = C.double(d.Rate), C.double(d.Dt), C.double(d.TauMem), C.double(d.TauSyn), C.double(d.Threshold)
		ff.seed = C.uint64_t(d.Seed)
		return statusOK
	}))
}

//export leaky_open_feedforward
func leaky_open_feedforward(h C.leaky_net, cff *C.leaky_feedforward) C.int {
	return C.int(call(uintptr(h), func(x *handle) error {
		if cff == nil {
			return badf("leaky_open_feedforward: the parameters are NULL")
		}
		p := &feedForward{reset: "subtract", dtype: "float32", record: "v,isyn,iinp,spikes"}
		c := *cff
		p.ff = netfile.FeedForward{
			Steps: int(c.steps), Batch: int(c.batch), Inputs: int(c.n_inputs), Neurons: int(c.neurons),
			Rate: float64(c.rate), Dt: float64(c.dt), TauMem: float64(c.tau_mem), TauSyn: float64(c.tau_syn),
			Threshold: float64(c.threshold), Seed: uint64(c.seed), Procedural: c.procedural_weights != 0,
		}
		if c.reset != nil {
			p.reset = goString(c.reset)
		}
		if c.dtype != nil {
			p.dtype = goString(c.dtype)
		}
		if c.record != nil {
			p.record = goString(c.record)
		}
		p.recordNeurons = goString(c.record_neurons)
		switch {
		case c.inputs_ndim < 0 || c.inputs_ndim > 3:
			return badf("inputs: %d dimensions; want (T, n_in) or (T, B, n_in)", c.inputs_ndim)
		case c.inputs_ndim > 0:
			for _, d := range c.inputs_shape[:c.inputs_ndim] {
				p.ff.InputsShape = append(p.ff.InputsShape, int(d))
			}
		default:
			p.ff.InputsFile = goString(c.inputs)
		}
		switch {
		case c.weights_ndim < 0 || c.weights_ndim > 2:
			return badf("weights: %d dimensions; want (n_in, N)", c.weights_ndim)
		case c.weights_ndim > 0:
			for _, d := range c.weights_shape[:c.weights_ndim] {
				p.ff.WeightsShape = append(p.ff.WeightsShape, int(d))
			}
		default:
			p.ff.WeightsFile = goString(c.weights)
		}
		return x.openFeedForward(p)
	}))
}

//export leaky_open_nir
func leaky_open_nir(h C.leaky_net, path *C.char, dt C.double, scheme, reset *C.char) C.int {
	p, sem, rs := goString(path), goString(scheme), goString(reset)
	return C.int(call(uintptr(h), func(x *handle) error { return x.openNIR(p, float64(dt), sem, rs) }))
}

//export leaky_load
func leaky_load(h C.leaky_net, path *C.char) C.int {
	p := goString(path)
	return C.int(call(uintptr(h), func(x *handle) error { return x.load(p) }))
}

//export leaky_save
func leaky_save(h C.leaky_net, path *C.char) C.int {
	p := goString(path)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		return s.Save(p)
	}))
}

// inputs converts the caller's leaky_input array, whose data stay the
// caller's: the slices point into them only for the call.
func inputs(p *C.leaky_input, n C.int64_t) ([]session.Input, error) {
	if n < 0 || n > 1<<20 || p == nil && n > 0 {
		return nil, badf("inputs: %d entries at %p", n, p)
	}
	if n == 0 {
		return nil, nil
	}
	cs := unsafe.Slice(p, int(n))
	out := make([]session.Input, len(cs))
	for i, c := range cs {
		name := goString(c.source)
		data, err := cSlice(int32(c.dtype), c.data, int64(c.count), "inputs for source "+name)
		if err != nil {
			return nil, err
		}
		if _, ok := data.([]int64); ok {
			return nil, badf("inputs for source %s: dtype LEAKY_INT64; want LEAKY_FLOAT32 or LEAKY_FLOAT64", name)
		}
		out[i] = session.Input{Source: name, Data: data}
	}
	return out, nil
}

//export leaky_run
func leaky_run(h C.leaky_net, steps C.int64_t, in *C.leaky_input, n C.int64_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error {
		ins, err := inputs(in, n)
		if err != nil {
			return err
		}
		return x.run(int64(steps), ins)
	}))
}

//export leaky_step
func leaky_step(h C.leaky_net, in *C.leaky_input, n C.int64_t) C.int {
	return leaky_run(h, 1, in, n)
}

//export leaky_cancel
func leaky_cancel(h C.leaky_net) C.int {
	return C.int(recovered(func() int32 {
		x, ok := lookup(uintptr(h))
		if !ok {
			return statusBadHandle
		}
		if c := x.cancel.Load(); c != nil {
			(*c)()
		}
		return statusOK
	}))
}

//export leaky_step_index
func leaky_step_index(h C.leaky_net, step *C.int64_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		if step != nil {
			*step = C.int64_t(s.StepIndex())
		}
		return nil
	}))
}

//export leaky_info
func leaky_info(h C.leaky_net, buf *C.char, capacity C.size_t, n *C.size_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		b, err := json.Marshal(s.Info())
		if err != nil {
			return err
		}
		putString(string(b), buf, capacity, n)
		return nil
	}))
}

//export leaky_record
func leaky_record(h C.leaky_net, population, vars, neurons *C.char) C.int {
	pop, vs, ns := goString(population), goString(vars), goString(neurons)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		list, err := netfile.ParseRecord("vars", vs)
		if err != nil {
			return bad{err}
		}
		idx, err := netfile.ParseNeurons("neurons", ns)
		if err != nil {
			return bad{err}
		}
		return s.Record(pop, list, idx)
	}))
}

//export leaky_recorded
func leaky_recorded(h C.leaky_net, population, variable *C.char, dtype C.int32_t, buf unsafe.Pointer, capacity C.int64_t, ndim *C.int64_t, shape *C.int64_t, start *C.int64_t) C.int {
	pop, v := goString(population), goString(variable)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		r, err := s.ReadRecorded(pop, v, nil)
		if err != nil {
			return err
		}
		if ndim != nil {
			*ndim = C.int64_t(len(r.Shape))
		}
		if shape != nil {
			out := unsafe.Slice(shape, 3)
			for i := range out {
				out[i] = 0
				if i < len(r.Shape) {
					out[i] = C.int64_t(r.Shape[i])
				}
			}
		}
		if start != nil {
			*start = C.int64_t(r.Start)
		}
		if buf == nil {
			return nil
		}
		dst, err := cSlice(int32(dtype), buf, int64(capacity), "leaky_recorded")
		if err != nil {
			return err
		}
		if dst, err = fitting(dst, product(r.Shape), "leaky_recorded"); err != nil {
			return err
		}
		_, err = s.ReadRecorded(pop, v, dst)
		return err
	}))
}

//export leaky_state
func leaky_state(h C.leaky_net, population, variable *C.char, dtype C.int32_t, buf unsafe.Pointer, capacity C.int64_t, shape *C.int64_t) C.int {
	pop, v := goString(population), goString(variable)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		sh, err := s.ReadState(pop, v, nil)
		if err != nil {
			return err
		}
		if shape != nil {
			out := unsafe.Slice(shape, 2)
			out[0], out[1] = C.int64_t(sh[0]), C.int64_t(sh[1])
		}
		if buf == nil {
			return nil
		}
		dst, err := cSlice(int32(dtype), buf, int64(capacity), "leaky_state")
		if err != nil {
			return err
		}
		if dst, err = fitting(dst, product(sh), "leaky_state"); err != nil {
			return err
		}
		_, err = s.ReadState(pop, v, dst)
		return err
	}))
}

//export leaky_spikes
func leaky_spikes(h C.leaky_net, population *C.char, buf *C.int64_t, capacity C.int64_t, count *C.int64_t) C.int {
	pop := goString(population)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		a, err := s.Spikes(pop)
		if err != nil {
			return err
		}
		if count != nil {
			*count = C.int64_t(a.Shape[0])
		}
		if buf == nil {
			return nil
		}
		dst, err := cSlice(dtypeInt64, unsafe.Pointer(buf), int64(capacity), "leaky_spikes")
		if err != nil {
			return err
		}
		src := a.Data.([]int64)
		d, err := fitting(dst, len(src), "leaky_spikes")
		if err != nil {
			return err
		}
		copy(d.([]int64), src)
		return nil
	}))
}

//export leaky_set_weights
func leaky_set_weights(h C.leaky_net, projection *C.char, dtype C.int32_t, w unsafe.Pointer, count C.int64_t) C.int {
	name := goString(projection)
	return C.int(call(uintptr(h), func(x *handle) error {
		s, err := x.network()
		if err != nil {
			return err
		}
		data, err := cSlice(int32(dtype), w, int64(count), "weights")
		if err != nil {
			return err
		}
		if _, ok := data.([]int64); ok {
			return badf("weights: dtype LEAKY_INT64; want LEAKY_FLOAT32 or LEAKY_FLOAT64")
		}
		return s.SetWeights(name, data)
	}))
}

//export leaky_debug_panic
func leaky_debug_panic(h C.leaky_net, at C.int64_t) C.int {
	return C.int(call(uintptr(h), func(x *handle) error { return x.debugPanic(int64(at)) }))
}
