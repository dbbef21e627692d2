package main

import (
	"bytes"
	"context"
	"encoding/json"
	"leaky/session"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// smallOutputs are the files examples/small.yaml writes that must match
// bit for bit.
var smallOutputs = []string{"spikes_exc.npy", "v_exc.npy", "spikes_inh.npy", "v_out.npy", "figure.png"}

// runAt runs leaky run with args in-process and interrupts it, as SIGTERM
// would, at the end of step stop (0: never).
func runAt(t *testing.T, stop int, args ...string) (status int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	afterStep = func(step int) {
		if step == stop {
			cancel(session.Interrupt(syscall.SIGTERM))
		}
	}
	defer func() { afterStep = nil }()
	var o, e bytes.Buffer
	status = cmdRunContext(ctx, args, &o, &e)
	return status, e.String()
}

// TestRunNetResumeInProcess interrupts a run of examples/small.yaml (two
// receptors, refractoriness, a delayed projection, an LI readout) at step
// 700 by cancelling its context, checks the interrupted summary and the
// refusal of a changed seed or network file, resumes it and compares every
// output with an uninterrupted run byte for byte.
func TestRunNetResumeInProcess(t *testing.T) {
	dir := t.TempDir()
	net := filepath.Join(dir, "small.yaml")
	src, err := os.ReadFile("../../examples/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(net, src, 0o644); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--net", net, "--steps", "1500", "--threads", "1"}
	whole := filepath.Join(dir, "whole")
	if status, stderr := runAt(t, 0, append(flags, "--out", whole)...); status != exitOK {
		t.Fatalf("uninterrupted run: status %d: %s", status, stderr)
	}

	part := filepath.Join(dir, "part")
	ckpt := filepath.Join(part, "checkpoint.lkc")
	status, stderr := runAt(t, 700, append(flags, "--out", part, "--checkpoint-every", "300")...)
	if status != exitSIGTERM || !strings.Contains(stderr, "--resume "+ckpt) {
		t.Fatalf("interrupted run: status %d, stderr %q; want %d and how to resume", status, stderr, exitSIGTERM)
	}
	s := readInterrupted(t, part, "terminated")
	if s.StepReached != 700 || s.Steps != 1500 || len(s.PartFiles) != 4 {
		t.Errorf("interrupted summary: %+v; want step 700 of 1500 and 4 .part files", s)
	}

	status, stderr = runAt(t, 0, append(flags, "--out", part, "--resume", ckpt, "--seed", "8")...)
	if status != exitUsage || !strings.Contains(stderr, `seed is "7" in the checkpoint but "8" now`) {
		t.Errorf("resume with another seed: status %d, %q", status, stderr)
	}
	if err := os.WriteFile(net, bytes.Replace(src, []byte("rate: 20"), []byte("rate: 21"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	status, stderr = runAt(t, 0, append(flags, "--out", part, "--resume", ckpt)...)
	if status != exitUsage || !strings.Contains(stderr, `sources[0].poisson.rate in `+net+` is "20" in the checkpoint but "21" now`) {
		t.Errorf("resume with a changed network file: status %d, %q", status, stderr)
	}
	if err := os.WriteFile(net, src, 0o644); err != nil {
		t.Fatal(err)
	}

	if status, stderr := runAt(t, 0, append(flags, "--out", part, "--resume", ckpt)...); status != exitOK {
		t.Fatalf("resume: status %d: %s", status, stderr)
	}
	sameFiles(t, part, whole, smallOutputs)
	var a, b session.Summary
	readJSON(t, filepath.Join(part, "summary.json"), &a)
	readJSON(t, filepath.Join(whole, "summary.json"), &b)
	for i := range b.Populations {
		if !reflect.DeepEqual(a.Populations[i], b.Populations[i]) {
			t.Errorf("summary population %d: resumed %+v, whole %+v", i, a.Populations[i], b.Populations[i])
		}
	}
	if a.Memory != b.Memory || b.Memory.StateBytesPerNeuron <= 0 {
		t.Errorf("summary memory: resumed %+v, whole %+v", a.Memory, b.Memory)
	}
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Error("the checkpoint of a finished run was not removed")
	}
}

// TestRunNetResumeRefusesChangedNpy checks that the description covers the
// .npy files a network file refers to: changing one refuses the resume.
func TestRunNetResumeRefusesChangedNpy(t *testing.T) {
	dir := t.TempDir()
	w := saveNpy(t, filepath.Join(dir, "w.npy"), []float64{0.5, 0.25, 1, 2, 0.1, 0.7}, 3, 2)
	net := filepath.Join(dir, "net.yaml")
	text := "run: {dt: 0.001, steps: 400}\nsources:\n  - {name: in, poisson: {size: 3, rate: 200}}\npopulations:\n  - {name: a, size: 2, params: {tau_mem: 0.01, tau_syn: 0.005}}\nprojections:\n  - {source: in, target: a, type: dense, weight: {file: w.npy}}\nrecorders:\n  - {population: a, vars: [spikes, v]}\n"
	if err := os.WriteFile(net, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ckpt := filepath.Join(out, "checkpoint.lkc")
	if status, stderr := runAt(t, 100, "--net", net, "--out", out); status != exitSIGTERM {
		t.Fatalf("status %d: %s", status, stderr)
	}
	saveNpy(t, w, []float64{0.5, 0.25, 1, 2, 0.1, 0.8}, 3, 2)
	status, stderr := runAt(t, 0, "--net", net, "--out", out, "--resume", ckpt)
	if status != exitUsage || !strings.Contains(stderr, "projections[0].weight.file-sha256") {
		t.Errorf("resume with a changed weight file: status %d, %q", status, stderr)
	}
}

// TestRunNetSIGINTResume interrupts a CUBA run in a subprocess with SIGINT
// once its first checkpoint exists, resumes it, and compares every output
// with an uninterrupted run byte for byte.
func TestRunNetSIGINTResume(t *testing.T) {
	dir := t.TempDir()
	bin := buildLeaky(t, dir)
	flags := []string{"run", "--net", "../../examples/cuba.yaml", "--steps", "60000", "--threads", "1"}
	interrupted := filepath.Join(dir, "interrupted")
	ckpt := filepath.Join(dir, "cuba.lkc")
	s := interruptAtCheckpoint(t, bin, append(append([]string{}, flags...), "--out", interrupted, "--checkpoint", ckpt, "--checkpoint-every", "2000"), ckpt, interrupted)
	if len(s.PartFiles) != 3 {
		t.Errorf("part files %v, want spikes of both populations and v of exc", s.PartFiles)
	}
	mustRunBin(t, bin, append(append([]string{}, flags...), "--out", interrupted, "--resume", ckpt)...)
	whole := filepath.Join(dir, "whole")
	mustRunBin(t, bin, append(append([]string{}, flags...), "--out", whole)...)
	sameFiles(t, interrupted, whole, []string{"spikes_exc.npy", "spikes_inh.npy", "v_exc.npy", "figure.png"})
}

// TestRunNetMemoryLimit checks that a network whose estimate exceeds the
// memory available is refused before it is built, with the estimate and
// what to change, unless --force, and that the estimate reaches
// summary.json.
func TestRunNetMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	meminfo := filepath.Join(dir, "meminfo")
	unlimited := filepath.Join(dir, "unlimited")
	if err := os.WriteFile(meminfo, []byte("MemAvailable: 4096 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unlimited, []byte("max\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(a, b, c string) { session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = a, b, c }(session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath)
	session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath = meminfo, unlimited, unlimited

	// 20032 neurons (a multiple of 64, so no padding) with two receptors,
	// refractory counters and a 4-step delay ring on one receptor, and
	// about 2.2 million synapses: some 19 MiB against 4 MiB available.
	net := filepath.Join(dir, "big.yaml")
	text := `run: {dt: 0.001, steps: 3}
sources:
  - {name: in, poisson: {size: 100, rate: 10}}
populations:
  - name: a
    size: 20032
    params: {tau_mem: 0.02, refractory: 0.002, receptors: [{name: e, tau_syn: 0.005}, {name: i, tau_syn: 0.01}]}
projections:
  - {source: in, target: a, type: sparse, p: 0.1, weight: 1, receptor: e}
  - {source: a, target: a, type: sparse, p: 0.005, weight: -1, receptor: i, delay: 4}
recorders:
  - {population: a, vars: [spikes]}
`
	if err := os.WriteFile(net, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	status, _, stderr := run(t, "run", "--net", net, "--out", out)
	if status != exitUsage || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("status %d, stderr %q; want %d and one line", status, stderr, exitUsage)
	}
	for _, want := range []string{"run too large", "bytes per neuron", "4 MiB is available", net, "--force"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("refusal %q does not mention %q", stderr, want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a refused run created its output directory")
	}
	mustRun(t, "run", "--net", net, "--out", out, "--force")
	var s session.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &s)
	// Per neuron: V, I, Iin and the second receptor's I and Iin (5 × 4
	// bytes), a spike bit and a 4-byte spike slot, a 4-byte refractory
	// counter and 4 delay slots of 4 bytes: 44⅛ bytes.
	if want := 44.125; s.Memory.StateBytesPerNeuron != want {
		t.Errorf("state bytes per neuron %v, want %v", s.Memory.StateBytesPerNeuron, want)
	}
	// 2.2 million synapses (expected) of 2 bytes, their targets (uint16
	// onto 20 032 neurons; the constant weights are shared, not stored),
	// and the row offsets, most of the estimate.
	if s.Memory.WeightBytes < 4.4e6 || s.Memory.WeightBytes > 4.75e6 || s.Memory.TotalBytes < s.Memory.WeightBytes+s.Memory.StateBytes {
		t.Errorf("summary.json memory: %+v", s.Memory)
	}
}

// mustRunBin runs the leaky binary and fails the test unless it succeeds.
func mustRunBin(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("leaky %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
