//go:build cgo

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/cgo"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"leaky/engine"
	"leaky/kernels"
	"leaky/netfile"
	"leaky/nir"
	"leaky/session"
)

// Status codes, as leaky.h numbers them.
const (
	statusOK           = 0
	statusBadInput     = 1
	statusError        = 2
	statusInterrupted  = 3
	statusNotAvailable = 4
	statusBadHandle    = 5
	statusPanic        = 6
)

// Element types of buffers, as leaky.h numbers them.
const (
	dtypeFloat32 = 1
	dtypeFloat64 = 2
	dtypeInt64   = 3
)

// errNotAvailable marks what this version of leaky cannot do yet.
var errNotAvailable = errors.New("not available in this version of leaky")

// handle is what a leaky_net stands for: the options for the network it
// opens, the network, and the message of its last call. Calls on it are
// serialised by mu; cancel and the message have their own locks, so that
// leaky_cancel and leaky_last_error work while a run holds mu.
type handle struct {
	mu   sync.Mutex
	opts session.Options
	sim  *session.Sim
	// ff is set when the network was opened from leaky run's parameters:
	// messages then name its fields.
	ff *feedForward
	// broken is the panic that made the handle unusable.
	broken string

	msgMu sync.Mutex
	msg   string

	cancel  atomic.Pointer[context.CancelFunc]
	panicAt atomic.Int64
}

func newHandle() uintptr {
	x := &handle{}
	x.opts.AfterStep = x.afterStep
	return uintptr(cgo.NewHandle(x))
}

// lookup returns the handle h stands for; ok is false for 0, a value that
// never was a handle and a freed one (cgo.Handle.Value panics on those).
func lookup(h uintptr) (x *handle, ok bool) {
	if h == 0 {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			x, ok = nil, false
		}
	}()
	x, ok = cgo.Handle(h).Value().(*handle)
	return x, ok
}

// call runs f with the handle h under its lock and returns its status,
// keeping the message for leaky_last_error. A panic in f — a bug in
// leaky — is recovered here, at the boundary, returned as statusPanic
// and makes the handle unusable, since its network may be half-way
// through a step.
func call(h uintptr, f func(x *handle) error) (status int32) {
	x, ok := lookup(h)
	if !ok {
		return statusBadHandle
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			x.broken = fmt.Sprintf("internal error in leaky %s (a bug: please report it with this message): %v\n%s", engine.Version, r, debug.Stack())
			x.setMsg(x.broken)
			status = statusPanic
		}
	}()
	if x.broken != "" {
		x.setMsg("this network can only be freed: an earlier call failed inside leaky: " + x.broken)
		return statusPanic
	}
	err := f(x)
	if err == nil {
		x.setMsg("")
		return statusOK
	}
	err = x.explain(err)
	x.setMsg(err.Error())
	switch {
	case errors.Is(err, engine.ErrInterrupted):
		return statusInterrupted
	case errors.Is(err, errNotAvailable):
		return statusNotAvailable
	case errors.Is(err, session.ErrBadInput):
		return statusBadInput
	}
	return statusError
}

// free closes the handle's network and frees the handle, broken or not:
// the one thing a broken handle allows.
func free(h uintptr) int32 {
	x, ok := lookup(h)
	if !ok {
		return statusBadHandle
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	func() {
		defer func() { _ = recover() }()
		x.close()
	}()
	cgo.Handle(h).Delete()
	return statusOK
}

// recovered runs f, which needs no handle, turning a panic into
// statusPanic.
func recovered(f func() int32) (status int32) {
	defer func() {
		if recover() != nil {
			status = statusPanic
		}
	}()
	return f()
}

func (x *handle) setMsg(m string) {
	x.msgMu.Lock()
	x.msg = m
	x.msgMu.Unlock()
}

func (x *handle) message() string {
	x.msgMu.Lock()
	defer x.msgMu.Unlock()
	return x.msg
}

// afterStep is every network's Options.AfterStep: the test hook of
// leaky_debug_panic.
func (x *handle) afterStep(step int) {
	if at := x.panicAt.Load(); at > 0 && int64(step) == at {
		x.panicAt.Store(0)
		panic(fmt.Sprintf("leaky_debug_panic: forced panic at step %d", step))
	}
}

// bad marks err as caused by the caller's input.
type bad struct{ err error }

func (e bad) Error() string   { return e.err.Error() }
func (e bad) Unwrap() []error { return []error{e.err, session.ErrBadInput} }

func badf(format string, args ...any) error { return bad{fmt.Errorf(format, args...)} }

// unavailable marks what this version cannot do.
type unavailable struct{ err error }

func (e unavailable) Error() string   { return e.err.Error() }
func (e unavailable) Unwrap() []error { return []error{e.err, errNotAvailable} }

func notAvailable(format string, args ...any) error { return unavailable{fmt.Errorf(format, args...)} }

// renamed is an error whose message names the caller's option instead of
// a description key.
type renamed struct {
	msg string
	err error
}

func (e renamed) Error() string { return e.msg }
func (e renamed) Unwrap() error { return e.err }

// explain names, for a network opened from leaky run's parameters, the
// field that set the key an error is about, with its value, as leaky run
// names the flag: "neurons 0: must be at least 1, got 0" where leaky run
// says "--neurons 0: …".
func (x *handle) explain(err error) error {
	var ne *netfile.Error
	if x.ff == nil || !errors.As(err, &ne) || ne.Key == "" {
		return err
	}
	opt := netfile.FeedForwardOption(ne.Key)
	if opt == "" {
		return err
	}
	name := keyword(opt)
	if v, ok := x.ff.value(opt); ok {
		name += " " + v
	}
	return renamed{name + ": " + ne.Msg, err}
}

// keyword is an option of leaky run, or of session, as the C fields and
// the Python keywords spell it: n-inputs → n_inputs.
func keyword(option string) string { return strings.ReplaceAll(option, "-", "_") }

// feedForward is a leaky_feedforward in Go, with the fields as given, for
// messages.
type feedForward struct {
	ff                    netfile.FeedForward
	reset, dtype          string
	record, recordNeurons string
}

// value is the value of leaky run's option opt as the caller gave it,
// quoted unless a number as leaky run quotes a flag's; ok is false for
// inputs and weights given as arrays, which have none to show.
func (p *feedForward) value(opt string) (string, bool) {
	ff := &p.ff
	var v string
	switch opt {
	case "steps":
		v = strconv.Itoa(ff.Steps)
	case "n-inputs":
		v = strconv.Itoa(ff.Inputs)
	case "neurons":
		v = strconv.Itoa(ff.Neurons)
	case "batch":
		v = strconv.Itoa(ff.Batch)
	case "seed":
		v = strconv.FormatUint(ff.Seed, 10)
	case "rate", "dt", "tau-mem", "tau-syn", "threshold":
		f := map[string]float64{"rate": ff.Rate, "dt": ff.Dt, "tau-mem": ff.TauMem, "tau-syn": ff.TauSyn, "threshold": ff.Threshold}[opt]
		v = strconv.FormatFloat(f, 'g', -1, 64)
	case "reset":
		v = p.reset
	case "dtype":
		v = p.dtype
	case "inputs":
		if v = ff.InputsFile; v == "" {
			return "", false
		}
	case "weights":
		if v = ff.WeightsFile; v == "" {
			return "", false
		}
	case "procedural-weights":
		v = strconv.FormatBool(ff.Procedural)
	case "record":
		v = p.record
	case "record-neurons":
		v = p.recordNeurons
	case "figure-neuron":
		v = strconv.Itoa(ff.FigureNeuron)
	default:
		return "", false
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v, true
	}
	return strconv.Quote(v), true
}

// name renames a description key or a session option in session's
// messages for a network opened from leaky run's parameters.
func (p *feedForward) name(key string) string {
	if opt := netfile.FeedForwardOption(key); opt != "" {
		return keyword(opt)
	}
	if !strings.ContainsAny(key, ".[") {
		return keyword(key)
	}
	return key
}

// open replaces the handle's network with one built from d.
func (x *handle) open(d *netfile.File) error {
	s, err := session.Open(d, x.opts)
	if err != nil {
		return err
	}
	x.close()
	x.sim = s
	return nil
}

// openNIR opens the NIR graph at path, its Input fed by the caller, with
// the time step dt, semantics (nir.Semantics, as leaky run --semantics:
// norse, snntorch, spyx, leaky, rockpool, sinabs or lava; "" norse) and
// reset (zero or subtract; "" the semantics' own: subtract for spyx,
// rockpool and sinabs, zero for the others), one trial.
func (x *handle) openNIR(path string, dt float64, semantics, reset string) error {
	m, err := nir.Open(path)
	if err != nil {
		return bad{err}
	}
	d, err := m.Description(nir.Options{Dt: dt, Rule: semantics, Reset: reset, Feed: true})
	if err != nil {
		return bad{err}
	}
	return x.open(d)
}

// openFeedForward opens leaky run's network from p.
func (x *handle) openFeedForward(p *feedForward) error {
	x.ff = p
	x.opts.Name = p.name
	rec, err := netfile.ParseRecord("record", p.record)
	if err != nil {
		return bad{err}
	}
	p.ff.Record = rec
	if p.ff.RecordNeurons, err = netfile.ParseNeurons("record_neurons", p.recordNeurons); err != nil {
		return bad{err}
	}
	p.ff.Reset, p.ff.DType = p.reset, p.dtype
	d, err := p.ff.File(keyword)
	if err != nil {
		return bad{err}
	}
	return x.open(d)
}

// openYAML opens the description in text, named name.
func (x *handle) openYAML(text, name string) error {
	x.ff, x.opts.Name = nil, nil
	if name == "" {
		name = "<yaml>"
	}
	d, err := netfile.Parse(name, []byte(text))
	if err != nil {
		return bad{err}
	}
	return x.open(d)
}

// openFile opens the network file at path.
func (x *handle) openFile(path string) error {
	x.ff, x.opts.Name = nil, nil
	d, err := netfile.Load(path)
	if err != nil {
		return bad{err}
	}
	return x.open(d)
}

// load opens the network of a checkpoint at its step.
func (x *handle) load(path string) error {
	x.ff, x.opts.Name = nil, nil
	s, err := session.Load(path, x.opts)
	if err != nil {
		return err
	}
	x.close()
	x.sim = s
	return nil
}

func (x *handle) close() {
	if x.sim != nil {
		x.sim.Close()
		x.sim = nil
	}
}

// network is the open network, or an error saying none is.
func (x *handle) network() (*session.Sim, error) {
	if x.sim == nil {
		return nil, badf("no network is open in this handle: open one first (leaky_open_yaml, leaky_open_file, leaky_open_feedforward or leaky_load)")
	}
	return x.sim, nil
}

func (x *handle) setThreads(n int) error {
	if n < 0 {
		return badf("%s %d: must be ≥ 0 (0 uses all cores)", x.name("threads"), n)
	}
	x.opts.Threads = n
	if x.sim != nil {
		return x.sim.SetThreads(n)
	}
	return nil
}

func (x *handle) setKernel(name string) error {
	if err := kernels.Use(name); err != nil {
		return badf("%s %s: %v", x.name("kernel"), name, err)
	}
	x.opts.Kernel = name
	return nil
}

func (x *handle) name(key string) string {
	if x.opts.Name != nil {
		return x.opts.Name(key)
	}
	return key
}

// run runs steps steps, cancellable by leaky_cancel.
func (x *handle) run(steps int64, inputs []session.Input) error {
	s, err := x.network()
	if err != nil {
		return err
	}
	if steps < 0 || steps > math.MaxInt32 {
		return badf("steps %d: must be between 0 and %d", steps, math.MaxInt32)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x.cancel.Store(&cancel)
	defer x.cancel.Store(nil)
	return s.Run(ctx, int(steps), inputs...)
}

// cSlice is the caller's n values of dtype at p as a Go slice over the
// caller's memory, for the length of the call only.
func cSlice(dtype int32, p unsafe.Pointer, n int64, what string) (any, error) {
	if n < 0 || n > math.MaxInt/8 {
		return nil, badf("%s: count %d is out of range", what, n)
	}
	if p == nil {
		if n > 0 {
			return nil, badf("%s: a NULL buffer for %d values", what, n)
		}
	}
	switch dtype {
	case dtypeFloat32:
		return unsafe.Slice((*float32)(p), n), nil
	case dtypeFloat64:
		return unsafe.Slice((*float64)(p), n), nil
	case dtypeInt64:
		return unsafe.Slice((*int64)(p), n), nil
	}
	return nil, badf("%s: dtype %d; want LEAKY_FLOAT32 (1), LEAKY_FLOAT64 (2) or LEAKY_INT64 (3)", what, dtype)
}

// fitting is dst cut to n values, or an error when it holds fewer.
func fitting(dst any, n int, what string) (any, error) {
	var have int
	switch d := dst.(type) {
	case []float32:
		if have = len(d); have >= n {
			return d[:n], nil
		}
	case []float64:
		if have = len(d); have >= n {
			return d[:n], nil
		}
	case []int64:
		if have = len(d); have >= n {
			return d[:n], nil
		}
	}
	return nil, badf("%s: the buffer holds %d values, but %d are needed", what, have, n)
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// debugPanic is leaky_debug_panic.
func (x *handle) debugPanic(at int64) error {
	if at <= 0 {
		panic("leaky_debug_panic: forced panic")
	}
	x.panicAt.Store(at)
	return nil
}

// main is required of a c-shared build and never runs.
func main() {}
