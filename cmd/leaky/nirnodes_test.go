package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/internal/numpytest"
)

// nirReference runs a feed-forward NIR graph as leaky's --semantics norse
// steps it, written out from NIR's definitions and Norse's importer
// (engine.NeuronParams and engine.RuleNorse give the same equations), with
// NumPy and PyTorch's conv1d in float64, reading every parameter from the
// .nir file with h5py, each one per neuron as the file stores it. Per step,
// in the graph's order, with a = 1 − dt/τ_syn, b = 1 − dt/τ_mem:
//
//	Affine, Linear  y = Σ_j W[:, j]·x_j (+ bias); Conv1d: torch's conv1d (padding a number or "same")
//	CubaLIF  i ← a·i + (w_in·dt/τ_syn)·x (+ dt/τ_syn·v_leak); u = v_leak + b·(v − v_leak) + (r·dt/τ_mem)·i
//	LIF      u = v_leak + b·(v − v_leak) + (dt/τ)·x (Norse ignores a LIF's r)
//	IF       u = v + r·x;  LI: v ← v_leak + b·(v − v_leak) + (r·dt/τ)·x
//	spiking: s = u > θ, v ← v_reset where s, else u;  Threshold: s = x > θ
//
// It writes ref_s_NODE.npy (the spikes of step t) and ref_v_NODE.npy (V at
// the start of step t), (T, B, N), for every neuron node.
const nirReference = `
import sys
import h5py
import numpy as np
import torch

path, xpath, dt, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
f = h5py.File(path, "r")
g = f["node"]
nodes = {k: g["nodes"][k] for k in g["nodes"]}
edges = [(a.decode(), b.decode()) for a, b in g["edges"][()]]
typ = {k: n["type"][()].decode() for k, n in nodes.items()}
P = lambda k, p: np.asarray(nodes[k][p][()], dtype=np.float64)
x = np.load(xpath).astype(np.float64)
T, B = x.shape[0], x.shape[1]
order, seen = [], set()
def visit(k):
    seen.add(k)
    for a, b in edges:
        if a == k and b not in seen:
            visit(b)
    order.append(k)
visit([k for k in typ if typ[k] == "Input"][0])
order.reverse()
def shape(k):
    return [nodes[k][p].shape for p in ("threshold", "v_threshold", "tau", "tau_mem") if p in nodes[k]][0]
state = {k: [np.zeros((B,) + shape(k)) for _ in range(2)] for k in typ if typ[k] in ("LIF", "CubaLIF", "LI", "IF", "Threshold")}
rec = {k: ([], []) for k in state}
def pad(k):
    p = nodes[k]["padding"][()]
    return p.decode() if isinstance(p, bytes) else int(p)
def dense(w, v):
    acc = np.zeros(v.shape[:1] + w.shape[:1])
    for j in range(w.shape[1]):
        acc = acc + v[:, j:j + 1] * w[:, j]
    return acc
for t in range(T):
    val = {}
    for k in order:
        ty = typ[k]
        ins = [val[a] for a, b in edges if b == k]
        xin = sum(ins[1:], ins[0]) if ins else None
        if ty == "Input":
            val[k] = x[t]
        elif ty == "Output":
            pass
        elif ty == "Affine":
            val[k] = dense(P(k, "weight"), xin) + P(k, "bias")
        elif ty == "Linear":
            val[k] = dense(P(k, "weight"), xin)
        elif ty == "Flatten":
            val[k] = xin.reshape(B, -1)
        elif ty == "Conv1d":
            val[k] = torch.nn.functional.conv1d(torch.from_numpy(xin), torch.from_numpy(P(k, "weight")), torch.from_numpy(P(k, "bias")),
                stride=int(P(k, "stride")), padding=pad(k), dilation=int(P(k, "dilation")), groups=int(P(k, "groups"))).numpy()
        else:
            v, i = state[k]
            xin = xin.reshape(v.shape)
            rec[k][1].append(v.reshape(B, -1).copy())
            s = None
            if ty == "CubaLIF":
                ts, tm, vl = P(k, "tau_syn"), P(k, "tau_mem"), P(k, "v_leak")
                i = (1 - dt / ts) * i + (P(k, "w_in") * (dt / ts)) * xin
                i = np.where(vl != 0, i + (dt / ts) * vl, i)
                u = vl + (1 - dt / tm) * (v - vl) + (P(k, "r") * (dt / tm)) * i
            elif ty == "LIF":
                tm, vl = P(k, "tau"), P(k, "v_leak")
                u = vl + (1 - dt / tm) * (v - vl) + (1 * (dt / tm)) * xin
            elif ty == "IF":
                u = v + P(k, "r") * xin
            elif ty == "LI":
                tm, vl = P(k, "tau"), P(k, "v_leak")
                v = vl + (1 - dt / tm) * (v - vl) + (P(k, "r") * (dt / tm)) * xin
                val[k] = v
            if ty == "Threshold":
                s = (xin > P(k, "threshold")).astype(np.float64)
                v = np.where(s > 0, 0.0, xin)
                val[k] = s
            elif ty != "LI":
                s = (u > P(k, "v_threshold")).astype(np.float64)
                vr = P(k, "v_reset") if "v_reset" in nodes[k] else 0.0
                v = np.where(s > 0, vr, u)
                val[k] = s
            state[k] = [v, i]
            rec[k][0].append((s if s is not None else np.zeros_like(v)).reshape(B, -1))
for k, (s, v) in rec.items():
    np.save(f"{out}/ref_s_{k}.npy", np.array(s))
    np.save(f"{out}/ref_v_{k}.npy", np.array(v))
`

// TestRunNIRNodesMatchReference runs, through leaky run --nir in float64,
// the graphs nir/testdata/gen.py writes for per-neuron parameters (a
// CubaLIF and a LIF whose every parameter differs between neurons),
// Threshold nodes (one fed the input straight, one through an Affine) and
// Conv1d nodes (groups 2, stride 2, padding 1, dilation 2; padding "same"
// with dilation 2), on random analog
// inputs over two trials, and requires every recorded node's spikes to be
// the reference's, step for step, and its V to agree to 1e-9.
func TestRunNIRNodesMatchReference(t *testing.T) {
	numpytest.Require(t)
	cases := []struct {
		file   string
		shape  []int
		record []string // neuron nodes; the last feeds the Output
	}{
		{"perneuron.nir", []int{3}, []string{"lif1", "lif2"}},
		{"threshold.nir", []int{4}, []string{"thr0", "thr", "li"}},
		{"conv1d.nir", []int{2, 11}, []string{"if", "li"}},
		{"conv1d_same.nir", []int{1, 9}, []string{"if"}},
	}
	const steps, batch = 200, 2
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			tmp := t.TempDir()
			per := prod(c.shape)
			rng := rand.New(rand.NewPCG(21, uint64(per)))
			x := make([]float64, steps*batch*per)
			for i := range x {
				x[i] = 0.3 + 0.6*rng.NormFloat64()
			}
			in := saveNpy(t, filepath.Join(tmp, "x.npy"), x, append([]int{steps, batch}, c.shape...)...)
			file, err := filepath.Abs(filepath.Join("..", "..", "nir", "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			// The Output records its node's spikes (an LI's V) already, in
			// out_output.npy.
			last := c.record[len(c.record)-1]
			files := map[string]string{}
			var rec []string
			for _, n := range c.record {
				files["s"+n], files["v"+n] = "s_"+n+".npy", "v_"+n+".npy"
				switch {
				case n != last:
					rec = append(rec, n+":s,v")
				case n == "li":
					files["v"+n] = "out_output.npy"
				default:
					files["s"+n] = "out_output.npy"
					rec = append(rec, n+":v")
				}
			}
			out := filepath.Join(tmp, "out")
			mustRun(t, "run", "--nir", file, "--dt", "1e-4", "--dtype", "float64", "--inputs", in, "--record", strings.Join(rec, ";"), "--out", out)
			numpytest.Run(t, tmp, nirReference, file, in, "1e-4", tmp)
			for _, n := range c.record {
				gotV, wantV := readNpy(t, filepath.Join(out, files["v"+n])), readNpy(t, filepath.Join(tmp, "ref_v_"+n+".npy"))
				if gotV.ShapeString() != wantV.ShapeString() {
					t.Fatalf("%s: V has shape %s, the reference's %s", n, gotV.ShapeString(), wantV.ShapeString())
				}
				worst := 0.0
				for i, v := range gotV.Data {
					worst = math.Max(worst, math.Abs(v-wantV.Data[i]))
				}
				if !(worst <= 1e-9) {
					t.Errorf("%s: V differs from the reference's by up to %g", n, worst)
				}
				if n == "li" {
					continue // it does not spike
				}
				gotS, wantS := readNpy(t, filepath.Join(out, files["s"+n])), readNpy(t, filepath.Join(tmp, "ref_s_"+n+".npy"))
				if gotS.ShapeString() != wantS.ShapeString() {
					t.Fatalf("%s: spikes have shape %s, the reference's %s", n, gotS.ShapeString(), wantS.ShapeString())
				}
				spikes, per := 0, len(gotS.Data)/steps
				for i, s := range gotS.Data {
					if s != wantS.Data[i] {
						t.Fatalf("%s: step %d, value %d: spike %v, the reference's %v", n, i/per, i%per, s, wantS.Data[i])
					}
					spikes += int(s)
				}
				if spikes == 0 || spikes == len(gotS.Data) {
					t.Errorf("%s: %d spikes in %d neuron-steps: the case does not exercise threshold and reset", n, spikes, len(gotS.Data))
				}
			}
		})
	}
}

// TestRunNIRNodesRefused: the semantics that cannot run a node say which
// and why, in one line, status 2.
func TestRunNIRNodesRefused(t *testing.T) {
	tmp := t.TempDir()
	x3 := saveNpy(t, filepath.Join(tmp, "x3.npy"), make([]float64, 10*3), 10, 3)
	x211 := saveNpy(t, filepath.Join(tmp, "x211.npy"), make([]float64, 10*22), 10, 2, 11)
	testdata := filepath.Join("..", "..", "nir", "testdata")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--nir", filepath.Join(testdata, "perneuron.nir"), "--inputs", x3, "--semantics", "sinabs"}, "node lif1: Sinabs' NIR importer reads no CubaLIF nodes"},
		{[]string{"--nir", filepath.Join(testdata, "perneuron.nir"), "--inputs", x3, "--semantics", "rockpool"}, "node lif1: v_leak is not 0"},
		{[]string{"--nir", filepath.Join(testdata, "perneuron.nir"), "--inputs", x3, "--semantics", "spyx", "--reset", "zero"}, "Spyx resets by subtraction only"},
		{[]string{"--nir", filepath.Join(testdata, "conv1d.nir"), "--inputs", x211, "--semantics", "lava"}, "node c: a Conv1d under --semantics lava"},
	} {
		status, _, stderr := run(t, append([]string{"run", "--dt", "1e-4", "--out", filepath.Join(tmp, "out")}, c.args...)...)
		if status != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: status %d, stderr %q; want 2 and one line with %q", c.args, status, stderr, c.says)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "out")); err == nil {
		t.Error("a refused run left an output directory")
	}
}

// TestRunNIRPerNeuronResume interrupts a run of perneuron.nir, whose
// populations take their per-neuron parameters from the NIR file, resumes
// it from its checkpoint, and requires the outputs of an uninterrupted run
// byte for byte; and a resume refuses the file once a parameter changed.
func TestRunNIRPerNeuronResume(t *testing.T) {
	tmp := t.TempDir()
	x := make([]float64, 300*4*3)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range x {
		x[i] = 0.3 + 0.6*rng.NormFloat64()
	}
	model := filepath.Join(tmp, "perneuron.nir")
	b, err := os.ReadFile(filepath.Join("..", "..", "nir", "testdata", "perneuron.nir"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--nir", model, "--dt", "1e-4", "--inputs", saveNpy(t, filepath.Join(tmp, "x.npy"), x, 300, 4, 3), "--record", "lif1:s,v"}
	whole, part := filepath.Join(tmp, "whole"), filepath.Join(tmp, "part")
	mustRun(t, append([]string{"run", "--out", whole}, args...)...)
	if status, stderr := runAt(t, 120, append([]string{"--out", part}, args...)...); status != exitSIGTERM {
		t.Fatalf("interrupted: %d %s", status, stderr)
	}
	if status, stderr := runAt(t, 0, "--resume", filepath.Join(part, "checkpoint.lkc")); status != exitOK {
		t.Fatalf("resume: %d %s", status, stderr)
	}
	sameFiles(t, whole, part, []string{"out_output.npy", "s_lif1.npy", "v_lif1.npy"})

	// The same file with one threshold changed is another network.
	again := filepath.Join(tmp, "again")
	if status, stderr := runAt(t, 120, append([]string{"--out", again}, args...)...); status != exitSIGTERM {
		t.Fatalf("interrupted: %d %s", status, stderr)
	}
	if err := os.WriteFile(model, append(b[:len(b):len(b)], 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, stderr := runAt(t, 0, "--resume", filepath.Join(again, "checkpoint.lkc")); status != exitUsage || !strings.Contains(stderr, "params.w_in.file-sha256") {
		t.Errorf("resume after the NIR file changed: status %d, %q", status, stderr)
	}
}
