package checkpoint_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/netfile"
)

// run is a small feed-forward network with every variable and the spikes
// recorded, so that two runs can be compared completely.
type run[T engine.Float] struct {
	ff     *netfile.Built[T]
	traces []*engine.Trace[T]
	spikes *engine.SpikeRecorder[T]
}

func newRun[T engine.Float](t testing.TB, neurons int, seed uint64) *run[T] {
	t.Helper()
	cfg := netfile.DefaultFeedForward()
	// A high rate makes the neurons spike often, so the spike masks and
	// counters carry real state across the interruption.
	cfg.Batch, cfg.Inputs, cfg.Neurons, cfg.Rate, cfg.Seed = 2, 50, neurons, 200, seed
	cfg.DType = engine.DType[T]()
	ff, err := netfile.BuildFeedForward[T](cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &run[T]{ff: ff}
	for _, v := range []engine.Var{engine.VarV, engine.VarI, engine.VarIin} {
		tr, err := engine.NewTrace(ff.Pop, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		ff.Net.AddRecorder(tr)
		r.traces = append(r.traces, tr)
	}
	r.spikes = engine.NewSpikeRecorder(ff.Pop)
	ff.Net.AddRecorder(r.spikes)
	return r
}

var desc = checkpoint.Description{
	{Key: "dtype", Value: "float32"}, {Key: "neurons", Value: "70"}, {Key: "seed", Value: "7"},
}

// TestInterruptResume cancels a run part-way, saves a checkpoint, restores
// it into a freshly built network, finishes the run and checks every
// recorded value and the final state bit for bit against an uninterrupted
// run.
func TestInterruptResume(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testInterruptResume[float32](t) })
	t.Run("float64", func(t *testing.T) { testInterruptResume[float64](t) })
}

func testInterruptResume[T engine.Float](t *testing.T) {
	const steps, stopAt = 200, 77
	whole := newRun[T](t, 70, 7)
	if err := whole.ff.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	if whole.ff.Pop.SpikeCount() == 0 {
		t.Fatal("the workload produced no spikes; the test would not exercise the spike state")
	}

	first := newRun[T](t, 70, 7)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := first.ff.Net.Run(ctx, steps, func(done int) {
		if done == stopAt {
			cancel()
		}
	})
	if !errors.Is(err, engine.ErrInterrupted) {
		t.Fatalf("Run after cancel returned %v, want ErrInterrupted", err)
	}
	if got := first.ff.Net.StepIndex(); got != stopAt {
		t.Fatalf("interrupted at step %d, want %d", got, stopAt)
	}
	path := filepath.Join(t.TempDir(), "run.lkc")
	counters := []checkpoint.Counter{{Name: "rows/v.npy", Value: stopAt}}
	if err := checkpoint.Save(path, first.ff.Net, engine.Version, desc, counters); err != nil {
		t.Fatal(err)
	}

	second := newRun[T](t, 70, 7)
	h, err := checkpoint.Load(path, second.ff.Net, engine.Version, desc)
	if err != nil {
		t.Fatal(err)
	}
	if h.Step != stopAt {
		t.Errorf("header step %d, want %d", h.Step, stopAt)
	}
	if v, ok := h.Counter("rows/v.npy"); !ok || v != stopAt {
		t.Errorf("counter rows/v.npy = %d, %v; want %d", v, ok, stopAt)
	}
	if err := second.ff.Net.Run(context.Background(), steps-stopAt, nil); err != nil {
		t.Fatal(err)
	}

	for k, tr := range whole.traces {
		joined := append(slices.Clone(first.traces[k].Data), second.traces[k].Data...)
		if !sameBits(joined, tr.Data) {
			t.Errorf("%s trace of the resumed run differs from the uninterrupted run", tr.Var)
		}
	}
	joined := append(slices.Clone(first.spikes.Events), second.spikes.Events...)
	if !slices.Equal(joined, whole.spikes.Events) {
		t.Errorf("resumed run has %d spike values, uninterrupted %d, or they differ", len(joined), len(whole.spikes.Events))
	}
	if err := engine.SameState(whole.ff.Net.StateVars(), second.ff.Net.StateVars()); err != nil {
		t.Errorf("final state of the resumed run: %v", err)
	}
}

func sameBits[T engine.Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

// saved runs a small network some steps and returns a checkpoint's bytes.
func saved(t testing.TB) (string, []byte) {
	t.Helper()
	r := newRun[float32](t, 70, 7)
	if err := r.ff.Net.Run(context.Background(), 30, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.lkc")
	if err := checkpoint.Save(path, r.ff.Net, engine.Version, desc, []checkpoint.Counter{{Name: "rows", Value: 30}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// TestRefuse checks that every kind of mismatch or damage is refused with
// a message naming it, and that the network is left untouched.
func TestRefuse(t *testing.T) {
	path, data := saved(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := slices.Clone(data)
	flipped[len(flipped)/2] ^= 0x10
	badMagic := slices.Clone(data)
	badMagic[1] = 'X'
	otherDesc := slices.Clone(desc)
	otherDesc[1].Value = "80"

	cases := []struct {
		name    string
		path    string
		neurons int
		version string
		desc    checkpoint.Description
		want    string
	}{
		{"corrupt byte", write("flip", flipped), 70, engine.Version, desc, "checksum does not match"},
		{"truncated", write("trunc", data[:len(data)-100]), 70, engine.Version, desc, "truncated"},
		{"empty", write("empty", nil), 70, engine.Version, desc, "too short"},
		{"magic", write("magic", badMagic), 70, engine.Version, desc, "not a leaky checkpoint"},
		{"missing", filepath.Join(dir, "nope"), 70, engine.Version, desc, "no such file"},
		{"version", path, 70, "9.9.9", desc, "written by leaky " + engine.Version + ", this is leaky 9.9.9"},
		{"description", path, 70, engine.Version, otherDesc, `neurons is "70" in the checkpoint but "80" now`},
		{"shape", path, 130, engine.Version, desc, `state "pop/lif/V" has 256 values but the network's has 384`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRun[float32](t, c.neurons, 7)
			r.ff.Pop.V[0] = 42
			_, err := checkpoint.Load(c.path, r.ff.Net, c.version, c.desc)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("error %q does not name the file %s", err, c.path)
			}
			if r.ff.Pop.V[0] != 42 || r.ff.Net.StepIndex() != 0 {
				t.Error("a refused checkpoint changed the network")
			}
		})
	}
}

// TestOtherType refuses a float64 checkpoint restored into a float32
// network even when the caller's descriptions agree.
func TestOtherType(t *testing.T) {
	r := newRun[float64](t, 70, 7)
	path := filepath.Join(t.TempDir(), "c.lkc")
	if err := checkpoint.Save(path, r.ff.Net, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	_, err := checkpoint.Load(path, newRun[float32](t, 70, 7).ff.Net, engine.Version, desc)
	if err == nil || !strings.Contains(err.Error(), `state "pop/lif/V" is float64 but the network's is float32`) {
		t.Fatalf("got %v", err)
	}
}

// TestSaveAtomic checks that saving replaces the file whole and leaves no
// temporary files behind, and that a failed save keeps the old file.
func TestSaveAtomic(t *testing.T) {
	path, before := saved(t)
	r := newRun[float32](t, 70, 7)
	if err := checkpoint.Save(path, r.ff.Net, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after saving, want only the checkpoint", len(entries))
	}
	h, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.Step != 0 {
		t.Errorf("replaced checkpoint has step %d, want 0", h.Step)
	}
	// Duplicate keys cannot be hashed unambiguously: Save refuses them
	// before touching the file.
	bad := append(slices.Clone(desc), desc[0])
	if err := checkpoint.Save(path, r.ff.Net, engine.Version, bad, nil); err == nil || !strings.Contains(err.Error(), `"dtype" appears twice`) {
		t.Errorf("duplicate key: got %v", err)
	}
	if err := checkpoint.Save(filepath.Join(path, "sub"), r.ff.Net, engine.Version, desc, nil); err == nil {
		t.Error("saving under a file succeeded")
	}
	if now, _ := os.ReadFile(path); bytes.Equal(now, before) {
		t.Error("the second save did not replace the file")
	}
}

// TestHeader checks what Read reports about a file.
func TestHeader(t *testing.T) {
	_, data := saved(t)
	h, err := checkpoint.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.Format != checkpoint.FormatVersion || h.Leaky != engine.Version || h.Step != 30 {
		t.Errorf("header %+v", h)
	}
	if h.Hash != desc.Hash() {
		t.Error("hash differs from the description's")
	}
	if v, _ := h.Description.Get("neurons"); v != "70" {
		t.Errorf("description neurons = %q", v)
	}
	names := make([]string, len(h.Vars))
	for i, v := range h.Vars {
		names[i] = v.Name
	}
	want := []string{"network/step", "source/input/emitted", "pop/lif/V", "pop/lif/I", "pop/lif/Iin", "pop/lif/spikes", "pop/lif/spike_count", "pop/lif/stepped_at"}
	if !slices.Equal(names, want) {
		t.Errorf("vars %v, want %v", names, want)
	}
	// The hash must not depend on the order of the fields.
	rev := slices.Clone(desc)
	slices.Reverse(rev)
	if rev.Hash() != desc.Hash() {
		t.Error("hash depends on field order")
	}
}

// TestCraftedSpikeBits restores a checkpoint whose checksum is valid but
// whose spike mask has bits past the last neuron; the network must mask
// them rather than later index past its arrays.
func TestCraftedSpikeBits(t *testing.T) {
	r := newRun[float32](t, 70, 7)
	for i := range r.ff.Pop.Spikes {
		r.ff.Pop.Spikes[i] = math.MaxUint64
	}
	path := filepath.Join(t.TempDir(), "c.lkc")
	if err := checkpoint.Save(path, r.ff.Net, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	fresh := newRun[float32](t, 70, 7)
	if _, err := checkpoint.Load(path, fresh.ff.Net, engine.Version, desc); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < fresh.ff.Pop.Batch; b++ {
		ev := fresh.ff.Pop.Events(b)
		if len(ev) != 70 || ev[len(ev)-1] != 69 {
			t.Errorf("trial %d: %d events, last %v; want 70 ending at 69", b, len(ev), ev[len(ev)-1:])
		}
	}
}

// fixChecksum replaces the last 32 bytes of data with the SHA-256 of the
// rest, so the fuzzer can reach the checks behind the checksum.
func fixChecksum(data []byte) []byte {
	if len(data) < 32 {
		return data
	}
	out := slices.Clone(data)
	sum := sha256.Sum256(out[:len(out)-32])
	copy(out[len(out)-32:], sum[:])
	return out
}

// FuzzDecode feeds arbitrary bytes to the reader, as they are and with a
// valid checksum, and restores whatever is accepted into a real network
// and steps it: nothing may panic, and an accepted file must round-trip.
func FuzzDecode(f *testing.F) {
	_, data := saved(f)
	f.Add(data)
	f.Add(data[:40])
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, fixChecksum(data)} {
			h, err := checkpoint.Decode(in)
			if err != nil {
				continue
			}
			if h.Format != checkpoint.FormatVersion {
				t.Fatalf("accepted format %d", h.Format)
			}
			path := filepath.Join(dir, "f.lkc")
			if err := os.WriteFile(path, in, 0o644); err != nil {
				t.Fatal(err)
			}
			r := newRun[float32](t, 70, 7)
			if _, err := checkpoint.Load(path, r.ff.Net, h.Leaky, h.Description); err != nil {
				continue
			}
			if err := r.ff.Net.Run(context.Background(), 2, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// recorded is a network plus a recorder's growing data, saved as one, the
// way a driver checkpoints its recorders.
type recorded struct {
	*engine.Network[float32]
	trace []float64
	limit int
	step  int // when not −1, the step the header is told
}

func (r *recorded) StateVars() []engine.StateVar {
	return append(r.Network.StateVars(), engine.GrowVar("rec/trace", &r.trace, r.limit))
}

func (r *recorded) StepIndex() int {
	if r.step >= 0 {
		return r.step
	}
	return r.Network.StepIndex()
}

// TestGrowingState restores a recorder's growing data without the caller
// sizing it first, refuses more than its limit, and refuses a header whose
// step is not the step the state restores.
func TestGrowingState(t *testing.T) {
	src := &recorded{Network: newRun[float32](t, 70, 7).ff.Net, trace: []float64{1, 2, 3, 4, 5}, limit: 10, step: -1}
	if err := src.Run(context.Background(), 5, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.lkc")
	if err := checkpoint.Save(path, src, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	dst := &recorded{Network: newRun[float32](t, 70, 7).ff.Net, trace: make([]float64, 0, 10), limit: 10, step: -1}
	if _, err := checkpoint.Load(path, dst, engine.Version, desc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst.trace, src.trace) || cap(dst.trace) != 10 {
		t.Errorf("restored trace %v (cap %d), want %v in the recorder's own memory", dst.trace, cap(dst.trace), src.trace)
	}
	small := &recorded{Network: newRun[float32](t, 70, 7).ff.Net, limit: 4, step: -1}
	if _, err := checkpoint.Load(path, small, engine.Version, desc); err == nil || !strings.Contains(err.Error(), `state "rec/trace" has 5 values, more than the 4 the network's can hold`) {
		t.Errorf("restoring 5 values into a limit of 4: %v", err)
	}
	if small.trace != nil || small.StepIndex() != 0 {
		t.Error("a refused checkpoint changed the network")
	}

	src.step = 3
	if err := checkpoint.Save(path, src, engine.Version, desc, nil); err != nil {
		t.Fatal(err)
	}
	if h, err := checkpoint.Read(path); err != nil || h.Step != 3 {
		t.Fatalf("header: %v, %v", h, err)
	}
	_, err := checkpoint.Load(path, dst, engine.Version, desc)
	if err == nil || !strings.Contains(err.Error(), "its header is at step 3 but its state restores step 5") {
		t.Errorf("a header that disagrees with the state: %v", err)
	}
}
