package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"leaky/checkpoint"
	"leaky/internal/mpitest"
)

// buildMPI builds leaky with -tags mpi into a temporary directory (what
// make build-mpi builds) and returns it with mpirun's path. Without
// mpirun or OpenMPI's headers the test skips, except under CI=true.
func buildMPI(t *testing.T) (leaky, mpirun string) {
	t.Helper()
	mpirun = mpitest.Mpirun(t)
	if err := exec.Command("pkg-config", "--exists", "ompi-c").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pkg-config ompi-c: %v (CI=true: failing; make mpi-deps installs libopenmpi-dev)", err)
		}
		t.Skipf("pkg-config ompi-c: %v (make mpi-deps installs libopenmpi-dev)", err)
	}
	leaky = filepath.Join(t.TempDir(), "leaky-mpi")
	if out, err := exec.Command("go", "build", "-tags", "mpi"+buildTags, "-o", leaky, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return leaky, mpirun
}

// mpiRun runs leaky-mpi on np ranks and returns its status and output.
func mpiRun(t *testing.T, mpirun, leaky string, np int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(mpirun, mpitest.Args(np, leaky, args...)...)
	cmd.Env = mpitest.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("mpirun: %v", err)
	}
	return 0, string(out)
}

// comparableSummary is summary.json without what may differ between two
// runs of the same network: timings, the output directory, threads and
// ranks, and how each population stepped (which they decide).
func comparableSummary(t *testing.T, path string) (s map[string]any, ranks, every int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	r, _ := s["ranks"].(float64)
	e, _ := s["exchange_every"].(float64)
	for _, k := range []string{"wall_seconds", "realtime_factor", "neuron_steps_per_second", "out", "threads", "ranks", "exchange_seconds", "rank_exchange_seconds", "exchange_every", "rank_weight_bytes", "setup_seconds"} {
		delete(s, k)
	}
	for _, p := range s["populations"].([]any) {
		delete(p.(map[string]any), "threads")
		delete(p.(map[string]any), "stepping")
	}
	return s, int(r), int(e)
}

// TestMPIRanksMatchOneProcess runs networks on 1, 2 and 3 MPI ranks and
// compares every file they write with one process's at 1 and 2 threads:
// examples/small.yaml (populations of fewer 64-neuron words than ranks,
// a delay, a readout, two trials), CUBA (exchanging ahead, with exc's V
// recorded and without), a delayed recurrent network, a
// network whose weights and synapse lists come from .npy files (each rank
// reading its share), and a feed-forward population of 10^5 neurons (not
// a multiple of 64·K); the delayed network once more and the feed-forward
// one exchange every 3 and every 64 steps (min-delay exchange).
func TestMPIRanksMatchOneProcess(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	dir := t.TempDir()
	delayed, minDelay := filepath.Join(dir, "delayed.yaml"), filepath.Join(dir, "mindelay.yaml")
	for path, shortest := range map[string]int{delayed: 1, minDelay: 3} {
		if err := os.WriteFile(path, []byte(mpitest.DelayedNet(400, 2, shortest)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := filepath.Join(dir, "files.yaml")
	if err := os.WriteFile(files, []byte(mpitest.FilesNet(t, dir, 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	// CUBA without its V recorder: no state is gathered before exc's
	// update, which then overlaps the collective before each step.
	cuba, err := os.ReadFile("../../examples/cuba.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spikes, untraced := filepath.Join(dir, "cuba-spikes.yaml"), regexp.MustCompile(`(?m)^.*vars: \[v\].*\n`).ReplaceAll(cuba, nil)
	if bytes.Equal(untraced, cuba) {
		t.Fatal("examples/cuba.yaml has no `vars: [v]` recorder to leave out")
	}
	if err := os.WriteFile(spikes, untraced, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		// every is the steps between exchanges over ranks.
		every int
	}{
		{"small", []string{"--net", "../../examples/small.yaml"}, 1},
		{"cuba", []string{"--net", "../../examples/cuba.yaml", "--steps", "300"}, 1},
		{"cuba-spikes", []string{"--net", spikes, "--steps", "300"}, 1},
		{"delayed", []string{"--net", delayed}, 1},
		{"mindelay", []string{"--net", minDelay}, 3},
		{"files", []string{"--net", files}, 1},
		{"feedforward", []string{"--neurons", "100000", "--n-inputs", "100", "--steps", "100", "--record", "spikes,v,isyn", "--record-neurons", "0,63,64,50000,99999", "--procedural-weights"}, 64},
	}
	for _, c := range cases {
		want := filepath.Join(dir, c.name+"-1")
		mustRun(t, append([]string{"run", "--threads", "1", "--out", want}, c.args...)...)
		files, err := os.ReadDir(want)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 3 {
			t.Fatalf("%s: one process wrote only %d files", c.name, len(files))
		}
		wantSum, _, _ := comparableSummary(t, filepath.Join(want, "summary.json"))
		if wantSum["output_spikes"].(float64) == 0 {
			t.Fatalf("%s: no spikes; the comparison would prove little", c.name)
		}
		check := func(label, got string, ranks int) {
			t.Helper()
			mpitest.SameFiles(t, c.name+" "+label+" against one process at 1 thread", want, got)
			s, r, every := comparableSummary(t, filepath.Join(got, "summary.json"))
			if r != ranks {
				t.Errorf("%s %s: summary says %d ranks, want %d", c.name, label, r, ranks)
			}
			if want := c.every; ranks > 1 && every != want || ranks == 1 && every != 1 {
				t.Errorf("%s %s: summary says the ranks exchanged every %d steps, want %d", c.name, label, every, want)
			}
			a, _ := json.Marshal(wantSum)
			b, _ := json.Marshal(s)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %s: summary.json differs from one process's:\n%s\n%s", c.name, label, a, b)
			}
		}
		two := filepath.Join(dir, c.name+"-t2")
		mustRun(t, append([]string{"run", "--threads", "2", "--out", two}, c.args...)...)
		check("one process × 2 threads", two, 1)
		for _, np := range []int{1, 2, 3} {
			for _, threads := range []string{"1", "2"} {
				if np == 3 && threads == "2" {
					continue // 6 threads on a 2-core machine prove nothing more
				}
				got := filepath.Join(dir, c.name+"-np"+string(rune('0'+np))+"t"+threads)
				status, out := mpiRun(t, mpirun, leaky, np, append([]string{"run", "--threads", threads, "--out", got}, c.args...)...)
				if status != 0 {
					t.Fatalf("%s on %d ranks: status %d\n%s", c.name, np, status, out)
				}
				if n := strings.Count(out, "leaky: "); n != 1 {
					t.Errorf("%s on %d ranks printed %d lines, want rank 0's one:\n%s", c.name, np, n, out)
				}
				check("on "+string(rune('0'+np))+" ranks × "+threads+" threads", got, np)
			}
		}
	}
}

// TestMPIBadInputOnce: bad input is refused by every rank alike, said
// once, with status 2.
func TestMPIBadInputOnce(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	status, out := mpiRun(t, mpirun, leaky, 3, "run", "--threads", "-1", "--out", t.TempDir())
	if status != exitUsage || strings.Count(out, "--threads -1: must be ≥ 0") != 1 {
		t.Fatalf("status %d, want %d and the message once:\n%s", status, exitUsage, out)
	}
}

// TestMPIRefusedWithoutMPI: the pure-Go build under mpirun with several
// ranks says how to build with MPI instead of running the network alone
// on every rank.
func TestMPIRefusedWithoutMPI(t *testing.T) {
	mpirun := mpitest.Mpirun(t)
	plain := filepath.Join(t.TempDir(), "leaky")
	if out, err := exec.Command("go", "build", "-o", plain, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := t.TempDir()
	status, msg := mpiRun(t, mpirun, plain, 2, "run", "--steps", "5", "--out", out)
	if status != exitUsage || strings.Count(msg, "make build-mpi") != 1 {
		t.Fatalf("status %d, want %d and one line naming make build-mpi:\n%s", status, exitUsage, msg)
	}
	if files, _ := os.ReadDir(out); len(files) != 0 {
		t.Fatalf("wrote %d files", len(files))
	}
}

// mpiRunWithin runs mpirun with args under a deadline and returns its
// status and stderr, failing the test if it has not ended by then (a rank
// left waiting in a collective).
func mpiRunWithin(t *testing.T, limit time.Duration, mpirun string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpirun, args...)
	cmd.Env = mpitest.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mpirun %s still running after %v: hung\n%s", strings.Join(args, " "), limit, stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatalf("mpirun: %v", err)
	}
	return 0, stderr.String()
}

// interruptOnce starts mpirun with args, sends it sig once the file
// exists (a checkpoint every rank has saved) and returns what it printed
// and its exit status when it has ended.
func interruptOnce(t *testing.T, mpirun string, args []string, file string, sig os.Signal) (log string, status int) {
	t.Helper()
	cmd := exec.Command(mpirun, args...)
	cmd.Env = mpitest.Env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(file); err == nil {
			break
		}
	}
	_ = cmd.Process.Signal(sig)
	_ = cmd.Wait()
	return out.String(), cmd.ProcessState.ExitCode()
}

// leakyLines are the lines of out that leaky printed (mpirun adds its own
// notice when a rank exits non-zero).
func leakyLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "leaky: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestMPIStartFailsOnOneRank: a rank that fails before the first step —
// its checkpoint missing on resume, or flags only it was given — stops
// every rank: one line from that rank, status 2, no rank left waiting in
// the first exchange. The resume then succeeds once the checkpoint is
// back (the failed attempt kept rank 0's .part files) and writes one
// process's spikes.
func TestMPIStartFailsOnOneRank(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "three")
	flags := []string{"--neurons", "3000", "--record", "spikes", "--steps", "200000", "--threads", "1"}
	// Interrupt a run over 3 ranks once every rank has checkpointed.
	ckpt := filepath.Join(out, "checkpoint.lkc")
	rank2 := ckpt + ".rank2"
	log, _ := interruptOnce(t, mpirun, mpitest.Args(3, leaky, append([]string{"run", "--checkpoint-every", "100", "--out", out}, flags...)...), rank2, syscall.SIGTERM)
	if !strings.Contains(log, "interrupted by") {
		t.Fatalf("the run over 3 ranks was not interrupted:\n%s", log)
	}
	// Rank 2 alone lacks its checkpoint.
	saved := filepath.Join(dir, "rank2.lkc")
	if err := os.Rename(rank2, saved); err != nil {
		t.Fatal(err)
	}
	status, stderr := mpiRunWithin(t, 60*time.Second, mpirun, mpitest.Args(3, leaky, "run", "--resume", ckpt, "--threads", "1")...)
	lines := leakyLines(stderr)
	if status != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "leaky: rank 2 of 3: --resume: ") || !strings.Contains(lines[0], "checkpoint.lkc.rank2") {
		t.Fatalf("status %d, want %d and one line from rank 2 naming its checkpoint:\n%s", status, exitUsage, stderr)
	}
	if err := os.Rename(saved, rank2); err != nil {
		t.Fatal(err)
	}
	// Rank 1 alone given a flag leaky does not know (mpirun's colon
	// syntax): refused before the run, while ranks 0 and 2 reach the start.
	good := []string{"run", "--resume", ckpt, "--threads", "1"}
	mpmd := append(append(mpitest.Args(1, leaky, good...), ":", "-np", "1", leaky, "run", "--bogus", ":", "-np", "1", leaky), good...)
	status, stderr = mpiRunWithin(t, 60*time.Second, mpirun, mpmd...)
	lines = leakyLines(stderr)
	if status != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "leaky: rank 1 of 3: ") || !strings.Contains(lines[0], "-bogus") {
		t.Fatalf("status %d, want %d and one line from rank 1 naming --bogus:\n%s", status, exitUsage, stderr)
	}
	// Back in place, the same resume finishes the run as one process
	// would have.
	if status, stderr := mpiRunWithin(t, 120*time.Second, mpirun, mpitest.Args(3, leaky, "run", "--resume", ckpt, "--threads", "1")...); status != 0 {
		t.Fatalf("resume over 3 ranks: status %d\n%s", status, stderr)
	}
	one := filepath.Join(dir, "one")
	mustRun(t, append([]string{"run", "--out", one}, flags...)...)
	a, _ := os.ReadFile(filepath.Join(one, "spikes.npy"))
	b, err := os.ReadFile(filepath.Join(out, "spikes.npy"))
	if err != nil || len(a) < 1000 || !bytes.Equal(a, b) {
		t.Fatalf("spikes.npy of the resumed 3 ranks (%d bytes, %v) differs from one process's (%d bytes)", len(b), err, len(a))
	}
}

// TestMPIInterruptResume: SIGINT to mpirun (which sends the ranks
// SIGTERM, and kills them a second later), and SIGUSR1 (which it passes
// on as it is, and then waits for the ranks), stop a run over 2 ranks with
// min-delay exchange (a population fed only by its source: every 64
// steps; checkpoints every 1000, not a multiple) with every rank's
// checkpoint at the same step, one the ranks had exchanged at, and
// (SIGUSR1) mpirun's status the ranks' 128 + 10; resuming gives every
// file one uninterrupted process writes, byte for byte. The network fires
// little and its figure is quick, within SIGTERM's second.
func TestMPIInterruptResume(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	dir := t.TempDir()
	flags := []string{"--neurons", "3000", "--record", "spikes,v", "--record-neurons", "0,64,2999", "--steps", "200000", "--threads", "1"}
	one := filepath.Join(dir, "one")
	mustRun(t, append([]string{"run", "--out", one}, flags...)...)
	for _, c := range []struct {
		sent, got os.Signal
	}{{syscall.SIGINT, syscall.SIGTERM}, {syscall.SIGUSR1, syscall.SIGUSR1}} {
		out := filepath.Join(dir, fmt.Sprint(int(c.sent.(syscall.Signal))))
		ckpt := filepath.Join(out, "checkpoint.lkc")
		log, status := interruptOnce(t, mpirun, mpitest.Args(2, leaky, append([]string{"run", "--checkpoint-every", "1000", "--out", out}, flags...)...), ckpt+".rank1", c.sent)
		if !strings.Contains(log, "interrupted by "+c.got.String()) {
			t.Fatalf("%v to mpirun: the run over 2 ranks was not interrupted by %v:\n%s", c.sent, c.got, log)
		}
		// After SIGINT mpirun exits with a status of its own; after
		// SIGUSR1 it waits for the ranks and passes theirs on.
		if want := 128 + int(syscall.SIGUSR1); c.sent == syscall.SIGUSR1 && status != want {
			t.Errorf("%v to mpirun: status %d, want %d", c.sent, status, want)
		}
		h0, err := checkpoint.Read(ckpt)
		if err != nil {
			t.Fatal(err)
		}
		h1, err := checkpoint.Read(ckpt + ".rank1")
		if err != nil {
			t.Fatal(err)
		}
		if h0.Step != h1.Step || h0.Step <= 0 || h0.Step >= 200000 {
			t.Fatalf("%v to mpirun: the ranks' checkpoints are at steps %d and %d, want one step inside the run", c.sent, h0.Step, h1.Step)
		}
		if !strings.Contains(log, fmt.Sprintf("at step %d;", h0.Step)) {
			t.Errorf("%v to mpirun: the message does not name step %d:\n%s", c.sent, h0.Step, log)
		}
		if status, stderr := mpiRunWithin(t, 120*time.Second, mpirun, mpitest.Args(2, leaky, "run", "--resume", ckpt, "--threads", "1")...); status != 0 {
			t.Fatalf("resume over 2 ranks: status %d\n%s", status, stderr)
		}
		mpitest.SameFiles(t, fmt.Sprintf("2 ranks interrupted by %v and resumed", c.sent), one, out)
	}
}

// TestMPICPUProfile: under 2 ranks --cpuprofile FILE gives each rank a
// profile of its own, FILE.rank0 and FILE.rank1, and none at FILE; the
// summary lists each rank's exchange time, the longest of them its
// exchange_seconds.
func TestMPICPUProfile(t *testing.T) {
	leaky, mpirun := buildMPI(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	status, out := mpiRun(t, mpirun, leaky, 2, "run", "--neurons", "5000", "--steps", "500", "--record", "spikes", "--out", filepath.Join(dir, "out"), "--cpuprofile", prof)
	if status != 0 {
		t.Fatalf("status %d:\n%s", status, out)
	}
	for _, name := range []string{prof + ".rank0", prof + ".rank1"} {
		if fi, err := os.Stat(name); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v (want a profile)", name, err)
		}
	}
	if _, err := os.Stat(prof); err == nil {
		t.Errorf("%s written: the ranks should each write their own", prof)
	}
	var sum struct {
		Exchange float64   `json:"exchange_seconds"`
		PerRank  []float64 `json:"rank_exchange_seconds"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.PerRank) != 2 || sum.Exchange <= 0 || max(sum.PerRank[0], sum.PerRank[1]) != sum.Exchange || min(sum.PerRank[0], sum.PerRank[1]) <= 0 {
		t.Errorf("exchange_seconds %v, rank_exchange_seconds %v: want two positive times, the longer the first", sum.Exchange, sum.PerRank)
	}
}
