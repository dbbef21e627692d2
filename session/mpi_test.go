package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"leaky/internal/mpitest"
	"leaky/netfile"
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
	w := mpitest.NewWorld(k)
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
// only: both stop at the same step with a checkpoint each; another rank
// count is refused, and the 2 ranks resumed write one process's files.
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
		if !errors.As(err, &ie) || ie.Step != 120 {
			t.Fatalf("rank %d: %v, want interrupted at step 120", r, err)
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
