package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"leaky/internal/mpitest"
	"leaky/netfile"
	"leaky/npy"
	"leaky/session"
)

const ranksNet = `
run: {dt: 0.001, steps: 300, batch: 2, seed: 3}
sources:
  - {name: in, poisson: {size: 150, rate: 60}}
populations:
  - {name: a, size: 333, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: b, size: 97, params: {tau_mem: 0.02, tau_syn: 0.005, refractory: 0.002}}
  - {name: out, kind: li, size: 5, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: in, target: a, type: sparse, p: 0.3, weight: 0.4}
  - {source: a, target: b, type: sparse, p: 0.1, weight: 0.5, delay: 5}
  - {source: b, target: a, type: sparse, p: 0.2, weight: -0.3, delay: 2}
  - {source: b, target: out, type: dense, weight: default}
recorders:
  - {population: a, vars: [spikes, v], neurons: [0, 64, 332]}
  - {population: b, vars: [spikes, iinp]}
  - {population: out, vars: [v]}
`

// runRanks runs d on k in-process ranks with the options each(r) gives
// and returns each rank's error.
func runRanks(d *netfile.File, k int, each func(r int) (context.Context, session.Options)) []error {
	return runRanksOn(mpitest.NewWorld(k), d, each)
}

// runRanksOn is runRanks on the ranks of w.
func runRanksOn(w *mpitest.World, d *netfile.File, each func(r int) (context.Context, session.Options)) []error {
	k := w.Size()
	errs := make([]error, k)
	var wg sync.WaitGroup
	for r := range k {
		wg.Go(func() {
			ctx, o := each(r)
			o.Comm = w.Rank(r)
			_, errs[r] = session.Run(ctx, d, o)
		})
	}
	wg.Wait()
	return errs
}

// oneProcess parses the description src and runs it in one process on
// one thread into want, in the test's directory dir.
func oneProcess(t *testing.T, name, src string) (d *netfile.File, dir, want string) {
	t.Helper()
	d, err := netfile.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	want = filepath.Join(dir, "one")
	if _, err := session.Run(context.Background(), d, session.Options{Out: want, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	return d, dir, want
}

// resumeRanks resumes the checkpoint ckpt of d on k in-process ranks of
// threads threads each, failing the test if any rank fails.
func resumeRanks(t *testing.T, d *netfile.File, k int, ckpt string, threads int) {
	t.Helper()
	errs := runRanks(d, k, func(r int) (context.Context, session.Options) {
		return context.Background(), session.Options{Resume: ckpt, Threads: threads}
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d resumed from %s: %v", r, ckpt, err)
		}
	}
}

// TestRanksInterruptResume interrupts a run over 2 ranks on one rank
// only: both stop at the same step with a checkpoint each — step 121 for
// a cancellation after step 120, since the stop flags ride on the next
// step's spike exchange; another rank count is refused, and the 2 ranks
// resumed write one process's files.
func TestRanksInterruptResume(t *testing.T) {
	d, dir, want := oneProcess(t, "ranks.yaml", ranksNet)
	got := filepath.Join(dir, "two")
	var cancels []context.CancelCauseFunc
	defer func() {
		for _, c := range cancels {
			c(nil)
		}
	}()
	var mu sync.Mutex
	errs := runRanks(d, 2, func(r int) (context.Context, session.Options) {
		ctx, cancel := context.WithCancelCause(context.Background())
		mu.Lock()
		cancels = append(cancels, cancel)
		mu.Unlock()
		o := session.Options{Out: got, Threads: 1}
		if r == 0 {
			o.AfterStep = func(step int) {
				if step == 120 {
					cancel(session.Interrupt(syscall.SIGTERM))
				}
			}
		}
		return ctx, o
	})
	for r, err := range errs {
		var ie *session.InterruptedError
		if !errors.As(err, &ie) || ie.Step != 121 {
			t.Fatalf("rank %d: %v, want interrupted at step 121", r, err)
		}
	}
	ckpt := filepath.Join(got, "checkpoint.lkc")
	for _, p := range []string{ckpt, session.RankPath(ckpt, 1)} {
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
	}
	errs = runRanks(d, 3, func(r int) (context.Context, session.Options) {
		return context.Background(), session.Options{Resume: ckpt, Threads: 1}
	})
	if errs[0] == nil || !errors.Is(errs[0], session.ErrBadInput) || !strings.Contains(errs[0].Error(), "saved by 2 MPI ranks and this run has 3 MPI ranks: resume it with mpirun -np 2") {
		t.Fatalf("resumed on 3 ranks: %v", errs[0])
	}
	if _, err := session.Run(context.Background(), d, session.Options{Resume: ckpt}); err == nil || !strings.Contains(err.Error(), "saved by 2 MPI ranks and this run has one process") {
		t.Fatalf("resumed in one process: %v", err)
	}
	resumeRanks(t, d, 2, ckpt, 2)
	mpitest.SameFiles(t, "2 ranks resumed", want, got)
}

// TestRanksAgreeInTheExchange: the ranks' agreement to go on rides on
// the spike exchange, so a run makes the same Allreduce calls (agreeing
// to start, and the summary's figures) however many steps it has, and
// one more per checkpoint it saves; the exchange itself makes per step
// one collective per population — an Iallgatherv, which the next
// population's early part overlaps, for all but the last, whose
// Allgatherv carries the vote — and one Allgatherv of the LI readout's V
// (ranksNet exchanges every step), or two Allgatherv per window of 3
// steps (min-delay exchange: the sizes, then the spikes). Every run
// writes one process's files.
func TestRanksAgreeInTheExchange(t *testing.T) {
	for _, c := range []struct {
		name, src string
		// gathers and started are the Allgatherv and Iallgatherv
		// calls over the 300 steps less those over the first 12.
		gathers, started int
	}{
		{"every step", ranksNet, 2 * (300 - 12), 2 * (300 - 12)},
		{"min-delay", mpitest.DelayedNet(300, 2, 3), 2 * (300 - 12) / 3, 0},
	} {
		d, dir, want := oneProcess(t, "ranks.yaml", c.src)
		calls := func(steps, every int) mpitest.Calls {
			t.Helper()
			e := *d
			e.Run.Steps = &steps
			w := mpitest.NewWorld(2)
			out := filepath.Join(dir, fmt.Sprintf("steps%d-every%d", steps, every))
			for r, err := range runRanksOn(w, &e, func(r int) (context.Context, session.Options) {
				return context.Background(), session.Options{Out: out, Threads: 1, CheckpointEvery: every}
			}) {
				if err != nil {
					t.Fatalf("%s, rank %d: %v", c.name, r, err)
				}
			}
			if steps == *d.Run.Steps {
				mpitest.SameFiles(t, c.name, want, out)
			}
			if a, b := w.Calls(0), w.Calls(1); a != b {
				t.Errorf("%s, %d steps: rank 0 made %+v collectives, rank 1 %+v", c.name, steps, a, b)
			}
			return w.Calls(1)
		}
		short, long, saving := calls(12, 0), calls(300, 0), calls(300, 100)
		if short.Allreduce != long.Allreduce || short.Allreduce > 3 {
			t.Errorf("%s: %d Allreduce calls over 12 steps, %d over 300: want the same few", c.name, short.Allreduce, long.Allreduce)
		}
		if saving.Allreduce != long.Allreduce+2 {
			t.Errorf("%s: %d Allreduce calls with checkpoints at steps 100 and 200, want %d", c.name, saving.Allreduce, long.Allreduce+2)
		}
		if got := long.Allgatherv - short.Allgatherv; got != c.gathers {
			t.Errorf("%s: %d more Allgatherv calls over 300 steps than over 12, want %d", c.name, got, c.gathers)
		}
		if got := long.Iallgatherv - short.Iallgatherv; got != c.started {
			t.Errorf("%s: %d more Iallgatherv calls over 300 steps than over 12, want %d", c.name, got, c.started)
		}
	}
}

// TestRanksCheckpointInsideWindow: with min-delay exchange (every 3
// steps) a checkpoint due at step 200, inside a window, is saved after
// the ranks exchanged what was pending; resuming 2 ranks from it — as
// after a crash — writes one process's files.
func TestRanksCheckpointInsideWindow(t *testing.T) {
	d, dir, want := oneProcess(t, "mindelay.yaml", mpitest.DelayedNet(400, 2, 3))
	got, kept := filepath.Join(dir, "two"), filepath.Join(dir, "kept")
	ckpt := filepath.Join(got, "checkpoint.lkc")
	errs := runRanks(d, 2, func(r int) (context.Context, session.Options) {
		ctx, cancel := context.WithCancelCause(context.Background())
		t.Cleanup(func() { cancel(nil) })
		o := session.Options{Out: got, Threads: 1, CheckpointEvery: 100}
		if r == 0 {
			o.AfterStep = func(step int) {
				switch step {
				case 210: // both ranks saved step 200 before they agreed at it
					for k := range 2 {
						b, err := os.ReadFile(session.RankPath(ckpt, k))
						if err == nil {
							err = os.WriteFile(session.RankPath(kept, k), b, 0o644)
						}
						if err != nil {
							t.Error(err)
						}
					}
				case 250:
					cancel(session.Interrupt(syscall.SIGTERM))
				}
			}
		}
		return ctx, o
	})
	for r, err := range errs {
		var ie *session.InterruptedError
		if !errors.As(err, &ie) || ie.Step < 250 || ie.Step > 253 {
			t.Fatalf("rank %d: %v, want interrupted at the exchange after step 250", r, err)
		}
	}
	for k := range 2 {
		if err := os.Rename(session.RankPath(kept, k), session.RankPath(ckpt, k)); err != nil {
			t.Fatal(err)
		}
	}
	resumeRanks(t, d, 2, ckpt, 1)
	mpitest.SameFiles(t, "2 ranks resumed from step 200", want, got)
}

// TestRanksAdmitTheirShare: over ranks the memory check counts each rank's
// share of the drawn weights, not the whole matrix: a network whose
// weights alone exceed the memory available is refused in one process
// and runs on 2 ranks, each holding about half of them.
func TestRanksAdmitTheirShare(t *testing.T) {
	const src = `
run: {dt: 0.001, steps: 20, seed: 3}
sources:
  - {name: in, poisson: {size: 1000, rate: 5}}
populations:
  - {name: lif, size: 20000, params: {tau_mem: 0.01, tau_syn: 0.005}}
projections:
  - {source: in, target: lif, type: dense, weight: notebook}
`
	d, err := netfile.Parse("share.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := d.Memory(4, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	meminfo, unlimited := filepath.Join(dir, "meminfo"), filepath.Join(dir, "unlimited")
	// Room for everything but a quarter of the weights.
	avail := (m.Total() - m.Weights/4) / 1024
	if err := os.WriteFile(meminfo, fmt.Appendf(nil, "MemAvailable: %d kB\n", avail), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unlimited, []byte("max\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(a, b, c string) { session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = a, b, c }(session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath)
	session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = meminfo, unlimited, unlimited

	_, err = session.Run(context.Background(), d, session.Options{Out: filepath.Join(dir, "one"), Threads: 1})
	if !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("one process: %v, want it refused as too large", err)
	}
	errs := runRanks(d, 2, func(r int) (context.Context, session.Options) {
		return context.Background(), session.Options{Out: filepath.Join(dir, "two"), Threads: 1}
	})
	for r, err := range errs {
		if err != nil {
			t.Errorf("rank %d of 2: %v", r, err)
		}
	}
}

// TestRanksFileWeights runs a network whose dense weights and synapse
// lists come from .npy files, which each rank reads only its share of, on
// 2 and 3 in-process ranks: every file is one process's, and each rank
// holds less than the whole.
func TestRanksFileWeights(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "files.yaml")
	if err := os.WriteFile(path, []byte(mpitest.FilesNet(t, dir, 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := netfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "one")
	one, err := session.Run(context.Background(), d, session.Options{Out: want, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if one.OutputSpikes == 0 {
		t.Fatal("no spikes: the comparison would prove little")
	}
	for _, k := range []int{2, 3} {
		out := filepath.Join(dir, fmt.Sprintf("ranks%d", k))
		for r, err := range runRanks(d, k, func(int) (context.Context, session.Options) {
			return context.Background(), session.Options{Out: out, Threads: 1}
		}) {
			if err != nil {
				t.Fatalf("rank %d of %d: %v", r, k, err)
			}
		}
		mpitest.SameFiles(t, fmt.Sprintf("%d ranks", k), want, out)
		var sum session.Summary
		if b, err := os.ReadFile(filepath.Join(out, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil {
			t.Fatalf("%d ranks: summary.json: %v", k, err)
		}
		if got, whole := sum.RankWeightBytes, one.RankWeightBytes; got <= 0 || got >= whole {
			t.Errorf("%d ranks: the most a rank holds is %d weight bytes, one process %d", k, got, whole)
		}
	}
}

// TestRanksBadWeightOnOneRank: a weight that is not finite in rank 1's
// columns of a weight file is found by rank 1 alone, which reads them,
// and stops every rank before the first step, rank 1 naming the weight.
func TestRanksBadWeightOnOneRank(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "files.yaml")
	if err := os.WriteFile(path, []byte(mpitest.FilesNet(t, dir, 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	w := make([]float32, 150*333)
	w[5*333+300] = float32(math.NaN())
	wr, err := npy.Create(filepath.Join(dir, "dense.npy"), "float32", 333)
	if err == nil {
		err = wr.WriteFloat32(w)
	}
	if err == nil {
		err = wr.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	d, err := netfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	errs := runRanks(d, 2, func(int) (context.Context, session.Options) {
		return context.Background(), session.Options{Out: filepath.Join(dir, "out"), Threads: 1}
	})
	for r, err := range errs {
		var se *session.StartError
		if !errors.As(err, &se) || se.Rank != 1 {
			t.Fatalf("rank %d: %v; want rank 1's failure to start", r, err)
		}
	}
	if msg := errs[1].Error(); !strings.Contains(msg, "weight [5, 300] is NaN") || strings.Contains(msg, "\n") {
		t.Errorf("rank 1 says %q; want one line naming weight [5, 300]", msg)
	}
}

// TestRanksDivideCores runs 2 and 3 ranks on one machine without a
// thread count: each steps on the cores divided among them (all cores
// for each would put several threads on every core, where every rank
// waits for the slowest at each exchange); a count given is kept.
func TestRanksDivideCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	d, err := netfile.Parse("ranks.yaml", []byte(ranksNet))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ranks, threads, want int }{{2, 0, 2}, {3, 0, 1}, {2, 3, 3}} {
		out := filepath.Join(t.TempDir(), "out")
		errs := runRanks(d, c.ranks, func(r int) (context.Context, session.Options) {
			return context.Background(), session.Options{Out: out, Threads: c.threads}
		})
		for r, err := range errs {
			if err != nil {
				t.Fatalf("%d ranks, rank %d: %v", c.ranks, r, err)
			}
		}
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ Threads int }
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if s.Threads != c.want {
			t.Errorf("%d ranks on 4 cores with threads %d: each stepped on %d threads, want %d", c.ranks, c.threads, s.Threads, c.want)
		}
	}
}
