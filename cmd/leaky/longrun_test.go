package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"leaky/session"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"leaky/engine"
	"leaky/netfile"
	"leaky/npy"
)

// outputsOf lists the files a run writes that must match bit for bit
// (summary.json holds wall times and so is compared field by field
// elsewhere).
var outputsOf = []string{"v.npy", "isyn.npy", "iinp.npy", "spikes.npy", "figure.png"}

func sameOutputs(t *testing.T, a, b string) {
	t.Helper()
	sameFiles(t, a, b, outputsOf)
}

// sameFiles checks that the files named exist in directories a and b with
// the same bytes.
func sameFiles(t *testing.T, a, b string, files []string) {
	t.Helper()
	for _, f := range files {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s (%d and %d bytes)", f, a, b, len(x), len(y))
		}
	}
}

// buildLeaky builds the leaky command into dir for subprocess tests.
func buildLeaky(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "leaky")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// interruptedJSON is what the tests read of an interrupted summary.json.
type interruptedJSON struct {
	Interrupted bool                 `json:"interrupted"`
	StepReached int                  `json:"step_reached"`
	Steps       int                  `json:"steps"`
	Signal      string               `json:"signal"`
	PartFiles   []string             `json:"part_files"`
	Memory      session.MemoryReport `json:"memory"`
}

// readInterrupted reads out/summary.json and checks that it reports a run
// interrupted by signal part-way through its steps.
func readInterrupted(t *testing.T, out, signal string) interruptedJSON {
	t.Helper()
	var s interruptedJSON
	readJSON(t, filepath.Join(out, "summary.json"), &s)
	if !s.Interrupted || s.StepReached <= 0 || s.StepReached >= s.Steps || s.Signal != signal || s.Memory.TotalBytes <= 0 {
		t.Fatalf("summary.json after %s: %+v", signal, s)
	}
	for _, f := range s.PartFiles {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s was not kept: %v", f, err)
		}
	}
	return s
}

// interruptAtCheckpoint runs bin with args, sends it SIGINT once the
// checkpoint ckpt exists, and checks that it exits with status 130, says
// how to resume, and leaves an interrupted summary.json in out.
func interruptAtCheckpoint(t *testing.T, bin string, args []string, ckpt, out string) interruptedJSON {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint appeared within 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitSIGINT {
		t.Fatalf("interrupted run ended with %v, want exit status %d; stderr: %s", err, exitSIGINT, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--resume "+ckpt) {
		t.Errorf("stderr does not say how to resume: %q", stderr.String())
	}
	return readInterrupted(t, out, "interrupt")
}

// TestSIGINTResume builds leaky, interrupts a run with SIGINT once its
// first checkpoint exists, checks the exit status and summary.json,
// resumes it and compares every output file byte for byte with an
// uninterrupted run.
func TestSIGINTResume(t *testing.T) {
	dir := t.TempDir()
	bin := buildLeaky(t, dir)
	flags := []string{"run", "--steps", "30000", "--neurons", "400", "--batch", "2", "--rate", "40", "--record-neurons", "0-15", "--threads", "1"}
	interrupted := filepath.Join(dir, "interrupted")
	ckpt := filepath.Join(interrupted, "checkpoint.lkc")
	s := interruptAtCheckpoint(t, bin, append(append([]string{}, flags...), "--out", interrupted, "--checkpoint-every", "200"), ckpt, interrupted)
	for _, f := range []string{"v.npy.part", "spikes.npy.part"} {
		if !slices.Contains(s.PartFiles, f) {
			t.Errorf("summary.json does not list %s among %v", f, s.PartFiles)
		}
	}

	resume := exec.Command(bin, append(append([]string{}, flags...), "--out", interrupted, "--resume", ckpt)...)
	if out, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command(bin, append(append([]string{}, flags...), "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	sameOutputs(t, interrupted, whole)
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Error("the checkpoint of a finished run was not removed")
	}
}

// TestResumeInProcess interrupts a run in-process by cancelling through a
// SIGTERM to this process, and checks exit status 143 and the resumed
// outputs; it also checks that other flags are refused on resume.
func TestResumeInProcess(t *testing.T) {
	dir := t.TempDir()
	flags := []string{"run", "--steps", "3000", "--neurons", "300", "--batch", "2", "--rate", "40", "--seed", "9"}
	whole := filepath.Join(dir, "whole")
	mustRun(t, append(append([]string{}, flags...), "--out", whole)...)

	// A checkpoint every 700 steps, then stop the process's own run with
	// SIGTERM after the second: the signal handler is installed for the
	// whole run, so the signal cannot kill the test binary.
	part := filepath.Join(dir, "part")
	ckpt := filepath.Join(dir, "ck", "run.lkc")
	go func() {
		for i := 0; i < 4000; i++ {
			if h, err := os.Stat(ckpt); err == nil && h.Size() > 0 {
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	status, _, stderr := run(t, append(append([]string{}, flags...), "--out", part, "--checkpoint", ckpt, "--checkpoint-every", "700")...)
	if status != exitSIGTERM {
		t.Fatalf("status %d, want %d: %s", status, exitSIGTERM, stderr)
	}
	status, _, stderr = run(t, "run", "--steps", "3000", "--neurons", "300", "--batch", "2", "--rate", "40", "--seed", "10", "--out", part, "--resume", ckpt)
	if status != exitUsage || !strings.Contains(stderr, `seed is "9" in the checkpoint but "10" now`) {
		t.Errorf("resume with another seed: status %d, %q", status, stderr)
	}
	mustRun(t, append(append([]string{}, flags...), "--out", part, "--resume", ckpt)...)
	sameOutputs(t, part, whole)
}

// TestStreamLargerThanBuffer records traces several times larger than the
// writers' in-memory buffer and checks every value on disk against an
// in-memory engine.Trace of the same network.
func TestStreamLargerThanBuffer(t *testing.T) {
	const steps, batch, neurons = 1500, 2, 250
	if steps*batch*neurons*4 < 2*(1<<20+64<<10) { // twice what a stream buffers
		t.Fatal("the traces would fit in the stream buffer; enlarge the run")
	}
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, "run", "--steps", strconv.Itoa(steps), "--batch", strconv.Itoa(batch), "--neurons", strconv.Itoa(neurons), "--rate", "40", "--seed", "3", "--out", out)

	cfg := netfile.DefaultFeedForward()
	cfg.Batch, cfg.Inputs, cfg.Neurons, cfg.Rate, cfg.Seed = batch, 100, neurons, 40, 3
	ff, err := netfile.BuildFeedForward[float32](cfg)
	if err != nil {
		t.Fatal(err)
	}
	var traces []*engine.Trace[float32]
	for _, v := range []engine.Var{engine.VarV, engine.VarI, engine.VarIin} {
		tr, err := engine.NewTrace(ff.Pop, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		ff.Net.AddRecorder(tr)
		traces = append(traces, tr)
	}
	sr := engine.NewSpikeRecorder(ff.Pop)
	ff.Net.AddRecorder(sr)
	if err := ff.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	for _, tr := range traces {
		a, err := npy.Read(filepath.Join(out, tr.Var.String()+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		if a.ShapeString() != "(1500, 2, 250)" || len(a.Data) != len(tr.Data) {
			t.Fatalf("%s: shape %s, %d values; want %d", tr.Var, a.ShapeString(), len(a.Data), len(tr.Data))
		}
		for i, want := range tr.Data {
			if math.Float32bits(float32(a.Data[i])) != math.Float32bits(want) {
				t.Fatalf("%s: value %d is %v on disk, %v in memory", tr.Var, i, a.Data[i], want)
			}
		}
	}
	a, err := npy.Read(filepath.Join(out, "spikes.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data) != len(sr.Events) || len(sr.Events) == 0 {
		t.Fatalf("spikes: %d values on disk, %d in memory", len(a.Data), len(sr.Events))
	}
	for i, want := range sr.Events {
		if a.Data[i] != float64(want) {
			t.Fatalf("spikes: value %d is %v on disk, %d in memory", i, a.Data[i], want)
		}
	}
}

// TestMemoryLimits checks the limit readers on fixtures and that a run
// estimated larger than the memory available is refused with the estimate
// and what to change, unless --force.
func TestMemoryLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	meminfo := write("meminfo", "MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 2048 kB\n")
	cmax := write("max", "1048576\n")
	ccur := write("cur", "524288\n")
	unlimited := write("unlimited", "max\n")
	if b, src, ok := session.MemoryLimit(meminfo, cmax, ccur); !ok || b != 524288 || !strings.Contains(src, "max") {
		t.Errorf("cgroup limit: %d from %q (%v), want 524288 from the cgroup", b, src, ok)
	}
	if b, src, ok := session.MemoryLimit(meminfo, unlimited, ccur); !ok || b != 2048*1024 || !strings.Contains(src, "MemAvailable") {
		t.Errorf("meminfo: %d from %q (%v), want 2 MiB from MemAvailable", b, src, ok)
	}
	if _, _, ok := session.MemoryLimit(filepath.Join(dir, "none"), filepath.Join(dir, "none"), ccur); ok {
		t.Error("a limit was reported with no files to read")
	}

	defer func(a, b, c string) { session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = a, b, c }(session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath)
	session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = meminfo, unlimited, ccur
	out := filepath.Join(dir, "out")
	status, _, stderr := run(t, "run", "--steps", "10", "--neurons", "20000", "--out", out)
	if status != exitUsage {
		t.Fatalf("status %d, want %d: %s", status, exitUsage, stderr)
	}
	for _, want := range []string{"run too large", "of memory", "bytes per neuron", "2 MiB is available", "fewer --neurons", "--force"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("refusal %q does not mention %q", stderr, want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a refused run created its output directory")
	}
	mustRun(t, "run", "--steps", "10", "--neurons", "20000", "--out", out, "--force", "--record", "")
	var s struct {
		Memory session.MemoryReport `json:"memory"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	// 20000 float32 neurons: V, I, Iin (12 bytes), a spike bit and a
	// 4-byte spike slot, a little over 16 bytes each.
	if s.Memory.StateBytesPerNeuron < 16 || s.Memory.StateBytesPerNeuron > 16.2 || s.Memory.TotalBytes < 100*20000*4 {
		t.Errorf("summary.json memory: %+v", s.Memory)
	}
}

// TestHugeSizesRefused checks that sizes past what can be addressed are
// one-line errors with status 2, never panics.
func TestHugeSizesRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--neurons", "1000000000000"}, "1000000000000 neurons is more than"},
		{[]string{"--neurons", "3000000", "--n-inputs", "1000"}, "1000 × 3000000 weights"},
		{[]string{"--checkpoint-every", "-5"}, "--checkpoint-every -5"},
	} {
		status, _, stderr := run(t, append([]string{"run", "--steps", "10", "--out", out}, c.args...)...)
		if status != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: status %d, stderr %q; want 2 and one line containing %q", c.args, status, stderr, c.want)
		}
	}
}

// TestFullDiskKeepsCheckpoint runs leaky under a file-size limit (the shell's
// ulimit -f), so that a write fails part-way through as on a full disk:
// the run must stop at that step with exit status 1 and one line saying
// what failed, keep the last checkpoint and the .part files up to it, and
// resume from them, once the limit is gone, to the bytes of an
// uninterrupted run.
func TestFullDiskKeepsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	bin := buildLeaky(t, dir)
	flags := []string{"run", "--steps", "20000", "--neurons", "200", "--rate", "40", "--threads", "1", "--record", "v,spikes"}
	out := filepath.Join(dir, "full")
	cmd := exec.Command("sh", "-c", `ulimit -f 4096 && exec "$0" "$@"`, bin)
	cmd.Args = append(cmd.Args, append(slices.Clone(flags), "--out", out, "--checkpoint-every", "500")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("run under the limit ended with %v, want status %d; stderr %q", err, exitError, stderr.String())
	}
	msg := stderr.String()
	ckpt := filepath.Join(out, "checkpoint.lkc")
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "file too large") || !strings.Contains(msg, "--resume "+ckpt) {
		t.Errorf("stderr %q; want one line naming the failure and how to resume", msg)
	}
	for _, f := range []string{"checkpoint.lkc", "v.npy.part", "spikes.npy.part"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("after the failure: %v", err)
		}
	}
	mustRunBin(t, bin, "run", "--resume", ckpt)
	whole := filepath.Join(dir, "whole")
	mustRunBin(t, bin, append(slices.Clone(flags), "--out", whole)...)
	sameFiles(t, out, whole, []string{"v.npy", "spikes.npy", "figure.png"})
}
