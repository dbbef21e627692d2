package engine_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"leaky/engine"
)

// TestCloneCopyState: a clone is a snapshot that CopyState puts back, after
// which the network replays exactly the steps it ran from there.
func TestCloneCopyState(t *testing.T) {
	cfg := DefaultFeedForward()
	cfg.Neurons, cfg.Batch, cfg.Inputs, cfg.Rate = 130, 2, 100, 40
	ff, err := NewFeedForward[float32](cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := ff.Net.Run(ctx, 25, nil); err != nil {
		t.Fatal(err)
	}
	snap, err := engine.CloneState(ff.Net.StateVars())
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(snap, ff.Net.StateVars()); err != nil {
		t.Fatalf("fresh clone differs: %v", err)
	}
	if err := ff.Net.Run(ctx, 40, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := engine.CloneState(ff.Net.StateVars())
	// The clone did not follow the network: its step counter and V are
	// the old ones.
	if err := engine.SameState(snap, ff.Net.StateVars()); err == nil || !strings.Contains(err.Error(), "network/step") {
		t.Fatalf("clone should differ from the stepped network at network/step, got %v", err)
	}
	if err := engine.CopyState(ff.Net.StateVars(), snap); err != nil {
		t.Fatal(err)
	}
	ff.Net.Restored()
	if ff.Net.StepIndex() != 25 {
		t.Fatalf("restored step %d, want 25", ff.Net.StepIndex())
	}
	if err := ff.Net.Run(ctx, 40, nil); err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(after, ff.Net.StateVars()); err != nil {
		t.Fatalf("replay from the copied state differs: %v", err)
	}
}

func TestCopyStateRefusesMismatch(t *testing.T) {
	v := []float32{1, 2, 3}
	n := 7
	good := []engine.StateVar{engine.SliceVar("a", v), engine.IntVar("n", &n)}
	for _, c := range []struct {
		name string
		src  []engine.StateVar
		want string
	}{
		{"count", good[:1], "1 variables into 2"},
		{"name", []engine.StateVar{engine.SliceVar("b", []float32{0, 0, 0}), good[1]}, `"a", not "b"`},
		{"length", []engine.StateVar{engine.SliceVar("a", []float32{0, 0}), good[1]}, "[]float32 of 2 into a []float32 of 3"},
		{"kind", []engine.StateVar{engine.SliceVar("a", []float64{0, 0, 0}), good[1]}, "[]float64 of 3 into a []float32 of 3"},
		// The first variable would copy; the second is refused, so
		// neither may be written.
		{"scalar", []engine.StateVar{engine.SliceVar("a", []float32{9, 9, 9}), engine.Int64Var("n", new(int64))}, "*int64 into a *int"},
		{"zero", []engine.StateVar{engine.SliceVar("a", []float32{9, 9, 9}), engine.IntVar("n", nil)}, `"n" has no data`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := engine.CopyState(good, c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if v[0] != 1 || v[1] != 2 || v[2] != 3 || n != 7 {
				t.Fatalf("a refused copy changed the state: %v %d", v, n)
			}
		})
	}
	// The set of kinds is closed: the only StateVar a constructor did not
	// make is the zero value, and it is refused by name.
	if _, err := engine.CloneState([]engine.StateVar{{}}); err == nil || !strings.Contains(err.Error(), `"" has no data`) {
		t.Fatalf("CloneState of a zero StateVar: %v", err)
	}
}

func TestSameStateBits(t *testing.T) {
	neg := []engine.StateVar{engine.SliceVar("v", []float64{1, math.Copysign(0, -1)})}
	pos := []engine.StateVar{engine.SliceVar("v", []float64{1, 0})}
	if err := engine.SameState(neg, pos); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Fatalf("-0 and +0 must differ in bits at element 1, got %v", err)
	}
	if err := engine.SameState(neg, neg); err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(neg, []engine.StateVar{engine.SliceVar("v", []float32{1, 0})}); err == nil {
		t.Fatal("different kinds compared equal")
	}
}

// TestGrowVar: a growable slice takes the length of what is copied or
// decoded into it, up to its limit, and keeps its capacity when that
// suffices; beyond the limit it is refused by name and left as it was.
func TestGrowVar(t *testing.T) {
	trace := make([]float64, 0, 8)
	dst := []engine.StateVar{engine.GrowVar("trace", &trace, 8)}
	backing := &trace[:1][0]
	if err := engine.CopyState(dst, []engine.StateVar{engine.SliceVar("trace", []float64{1, 2, 3})}); err != nil {
		t.Fatal(err)
	}
	if len(trace) != 3 || trace[2] != 3 || &trace[0] != backing {
		t.Fatalf("after copying 3 values: %v (cap %d); want them in the same memory", trace, cap(trace))
	}
	long := make([]float64, 9)
	err := engine.CopyState(dst, []engine.StateVar{engine.SliceVar("trace", long)})
	if err == nil || !strings.Contains(err.Error(), "[]float64 of 9 into a []float64 of 3 (growable to 8)") || len(trace) != 3 {
		t.Fatalf("copying 9 values into a limit of 8: %v, now %d values", err, len(trace))
	}
	var buf bytes.Buffer
	if err := engine.EncodeState(&buf, []engine.StateVar{engine.SliceVar("trace", long)}); err != nil {
		t.Fatal(err)
	}
	r := &io.LimitedReader{R: bytes.NewReader(buf.Bytes()), N: int64(buf.Len())}
	if _, err := engine.DecodeState(r, 0, dst); err == nil || !strings.Contains(err.Error(), `state "trace" has 9 values, more than the 8 the network's can hold`) {
		t.Fatalf("decoding 9 values into a limit of 8: %v", err)
	}
	if err := engine.EncodeState(io.Discard, []engine.StateVar{engine.GrowVar("long", &long, 8)}); err == nil || !strings.Contains(err.Error(), `"long" has 9 values`) {
		t.Fatalf("encoding a GrowVar past its limit: %v", err)
	}
}

// TestStateCodec round-trips every kind through the encoding, checks what
// DecodeState reports without a destination, and refuses damaged input
// with a message naming what and where.
func TestStateCodec(t *testing.T) {
	n, c := 5, int64(-9)
	f32, f64 := []float32{1.5, float32(math.NaN())}, []float64{math.Inf(-1), math.Copysign(0, -1), 3}
	i32, i64, u64 := []int32{-1, 7}, []int64{math.MinInt64}, []uint64{math.MaxUint64, 0}
	grown := []float64{4, 5, 6, 7}
	src := []engine.StateVar{
		engine.IntVar("n", &n), engine.Int64Var("c", &c), engine.SliceVar("f32", f32), engine.SliceVar("f64", f64),
		engine.SliceVar("i32", i32), engine.SliceVar("i64", i64), engine.SliceVar("u64", u64), engine.GrowVar("grown", &grown, 10),
	}
	var buf bytes.Buffer
	if err := engine.EncodeState(&buf, src); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	decode := func(b []byte, into []engine.StateVar) ([]engine.StateInfo, *io.LimitedReader, error) {
		r := &io.LimitedReader{R: bytes.NewReader(b), N: int64(len(b))}
		infos, err := engine.DecodeState(r, 100, into)
		return infos, r, err
	}
	infos, r, err := decode(data, nil)
	if err != nil || r.N != 0 {
		t.Fatalf("decode: %v, %d bytes left", err, r.N)
	}
	for i, v := range src {
		if infos[i] != v.Info() {
			t.Errorf("variable %d: decoded %+v, encoded %+v", i, infos[i], v.Info())
		}
	}
	var n2 int
	var c2 int64
	var grown2 []float64
	dst := []engine.StateVar{
		engine.IntVar("n", &n2), engine.Int64Var("c", &c2), engine.SliceVar("f32", make([]float32, 2)), engine.SliceVar("f64", make([]float64, 3)),
		engine.SliceVar("i32", make([]int32, 2)), engine.SliceVar("i64", make([]int64, 1)), engine.SliceVar("u64", make([]uint64, 2)), engine.GrowVar("grown", &grown2, 10),
	}
	if err := engine.MatchState(infos, dst); err != nil {
		t.Fatal(err)
	}
	if _, _, err := decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if err := engine.SameState(src, dst); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if len(grown2) != 4 {
		t.Fatalf("the GrowVar holds %d values, want 4", len(grown2))
	}

	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "state count at byte 100 needs 4 bytes but only 0 remain"},
		{"truncated", data[:len(data)-3], `state "grown" claims 4 values of 8 bytes but only 29 bytes remain: the state is truncated`},
		{"count", []byte{0xff, 0xff, 0xff, 0xff}, "state count at byte 100 is 4294967295"},
		{"type", patch(data, 4+4+1, 9), `state "n" has unknown type code 9`},
		{"int", patch(data, 4+4+1+1, 2), `state "n" is an int counter with 2 values`},
		{"twice", patch(data, 4+4+1+1+8+8+4, 'n'), `state "n" appears twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := decode(c.data, nil); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	// What matches in name and type but not in length, and what the
	// network lists differently, is refused by MatchState.
	for _, c := range []struct {
		name string
		vars []engine.StateVar
		want string
	}{
		{"count", dst[:2], "holds 8 state variables but the network has 2"},
		{"name", append([]engine.StateVar{engine.IntVar("m", &n2)}, dst[1:]...), `state variable 0 is "n" but the network's is "m"`},
		{"type", append([]engine.StateVar{engine.Int64Var("n", &c2)}, dst[1:]...), `state "n" is int but the network's is int64`},
		{"length", append(dst[:2:2], append([]engine.StateVar{engine.SliceVar("f32", make([]float32, 3))}, dst[3:]...)...), `state "f32" has 2 values but the network's has 3`},
	} {
		t.Run("match/"+c.name, func(t *testing.T) {
			if err := engine.MatchState(infos, c.vars); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// patch returns a copy of b with byte i set to x.
func patch(b []byte, i int, x byte) []byte {
	out := slices.Clone(b)
	out[i] = x
	return out
}

// TestCloseThenStep: Close stops the workers, and stepping afterwards must
// start them again and carry on exactly as if the network had not been
// closed (it used to step into the closed pool).
func TestCloseThenStep(t *testing.T) {
	build := func() *FeedForward[float32] {
		cfg := DefaultFeedForward()
		cfg.Neurons, cfg.Inputs, cfg.Rate = 20000, 50, 40
		ff, err := NewFeedForward[float32](cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ff.Net.SetThreads(2)
		return ff
	}
	ctx := context.Background()
	whole, closed := build(), build()
	if err := whole.Net.Run(ctx, 30, nil); err != nil {
		t.Fatal(err)
	}
	if err := closed.Net.Run(ctx, 10, nil); err != nil {
		t.Fatal(err)
	}
	closed.Net.Close()
	if err := closed.Net.Run(ctx, 20, nil); err != nil {
		t.Fatal(err)
	}
	whole.Net.Close()
	closed.Net.Close()
	if err := engine.SameState(whole.Net.StateVars(), closed.Net.StateVars()); err != nil {
		t.Fatalf("closing between steps changed the run: %v", err)
	}
}
