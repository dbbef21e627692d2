package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// updateGolden rewrites testdata/golden.sha256 from this build's outputs.
// Regenerate only with a reason in the commit message: the hashes are the
// promise that a refactoring changed no output byte.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.sha256")

const goldenFile = "testdata/golden.sha256"

// goldenHashes returns the SHA-256 of every .npy file and figure.png in
// dir, keyed "name/file".
func goldenHashes(t *testing.T, name, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		f := e.Name()
		if !strings.HasSuffix(f, ".npy") && f != "figure.png" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		out[name+"/"+f] = hex.EncodeToString(sum[:])
	}
	if len(out) == 0 {
		t.Fatalf("%s: %s holds no outputs", name, dir)
	}
	return out
}

// goldenInputs writes a (T, B, n_in) spike array and an (n_in, N) weight
// matrix, drawn from a fixed PCG stream, and a (T, n_in) analog array.
func goldenInputs(t *testing.T, dir string) (spikes, weights, analog string) {
	t.Helper()
	r := rand.New(rand.NewPCG(12, 34))
	const steps, batch, nIn, n = 400, 3, 30, 40
	x := make([]float64, steps*batch*nIn)
	for i := range x {
		if r.Float64() < 0.08 {
			x[i] = 1
		}
	}
	w := make([]float64, nIn*n)
	for i := range w {
		w[i] = 0.4 * r.NormFloat64()
	}
	a := make([]float64, steps*nIn)
	for i := range a {
		a[i] = 0.05 * r.NormFloat64()
	}
	spikes = saveNpy(t, filepath.Join(dir, "x.npy"), x, steps, batch, nIn)
	weights = saveNpy(t, filepath.Join(dir, "w.npy"), w, nIn, n)
	analog = saveNpy(t, filepath.Join(dir, "a.npy"), a, steps, nIn)
	return spikes, weights, analog
}

// TestGoldenOutputs runs make run's defaults, the three examples, batched
// float64 and analog runs from --inputs/--weights files and a run
// interrupted by SIGINT and resumed, and compares the SHA-256 of every
// .npy file and figure.png with testdata/golden.sha256, recorded before
// the run paths were folded into one.
func TestGoldenOutputs(t *testing.T) {
	dir := t.TempDir()
	bin := buildLeaky(t, dir)
	x, w, a := goldenInputs(t, dir)
	cases := []struct {
		name string
		args []string
	}{
		{"make-run", nil},
		{"cuba", []string{"--net", "../../examples/cuba.yaml"}},
		{"shd", []string{"--net", "../../examples/shd.yaml"}},
		{"small", []string{"--net", "../../examples/small.yaml"}},
		{"batched-float64", []string{"--dtype", "float64", "--inputs", x, "--weights", w, "--record-neurons", "0-9,20,35", "--figure-neuron", "3"}},
		{"analog", []string{"--inputs", a, "--weights", w, "--reset", "zero", "--threshold", "0.5"}},
	}
	got := map[string]string{}
	for _, c := range cases {
		out := filepath.Join(dir, c.name)
		mustRunBin(t, bin, append(append([]string{"run"}, c.args...), "--out", out)...)
		for k, v := range goldenHashes(t, c.name, out) {
			got[k] = v
		}
	}

	// The resumed run must end with the bytes of an uninterrupted one,
	// wherever the signal lands.
	flags := []string{"run", "--steps", "40000", "--neurons", "300", "--batch", "2", "--rate", "40", "--record-neurons", "0-9", "--threads", "1"}
	out := filepath.Join(dir, "resumed")
	ckpt := filepath.Join(out, "checkpoint.lkc")
	interruptAtCheckpoint(t, bin, append(slices.Clone(flags), "--out", out, "--checkpoint-every", "500"), ckpt, out)
	mustRunBin(t, bin, append(slices.Clone(flags), "--out", out, "--resume", ckpt)...)
	for k, v := range goldenHashes(t, "resumed", out) {
		got[k] = v
	}

	if *updateGolden {
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s  %s\n", got[k], k)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, key, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: malformed line %q", goldenFile, sc.Text())
		}
		want[key] = sum
	}
	for k, v := range want {
		if got[k] == "" {
			t.Errorf("%s: not written any more", k)
		} else if got[k] != v {
			t.Errorf("%s: SHA-256 %s, golden %s", k, got[k], v)
		}
	}
	for k := range got {
		if want[k] == "" {
			t.Errorf("%s: written but not in %s", k, goldenFile)
		}
	}
}

// Exit statuses of a run stopped by SIGINT and SIGTERM.
const (
	exitSIGINT  = 130
	exitSIGTERM = 143
)
