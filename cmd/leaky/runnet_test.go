package main

import (
	"encoding/json"
	"leaky/session"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/npy"
)

// TestRunNetSmall runs examples/small.yaml through the command and checks
// the files it writes against the summary and each other.
func TestRunNetSmall(t *testing.T) {
	out := t.TempDir()
	status, stdout, stderr := run(t, "run", "--net", "../../examples/small.yaml", "--out", out, "--steps", "400", "--threads", "1")
	if status != exitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	if !strings.Contains(stdout, "400 steps × 2 trials") {
		t.Errorf("stdout %q does not report the run", stdout)
	}
	var s session.Summary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Steps != 400 || s.Batch != 2 || len(s.Populations) != 3 {
		t.Fatalf("summary %+v", s)
	}
	for _, p := range s.Populations {
		if p.Name == "out" {
			if p.Kind != "li" || p.Spikes != 0 {
				t.Errorf("readout: %+v", p)
			}
			continue
		}
		a, err := npy.Read(filepath.Join(out, "spikes_"+p.Name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(a.Data)/3) != p.Spikes || p.Spikes == 0 {
			t.Errorf("%s: spikes.npy holds %d spikes, summary says %d", p.Name, len(a.Data)/3, p.Spikes)
		}
		want := float64(p.Spikes) / (400 * 0.0005) / float64(p.Size*2)
		if diff := p.MeanRate - want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s: mean rate %v, want %v", p.Name, p.MeanRate, want)
		}
	}
	v, err := npy.Read(filepath.Join(out, "v_exc.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Shape) != 3 || v.Shape[0] != 400 || v.Shape[1] != 2 || v.Shape[2] != 4 {
		t.Errorf("v_exc.npy has shape %v, want (400, 2, 4)", v.Shape)
	}
	if _, err := os.Stat(filepath.Join(out, "figure.png")); err != nil {
		t.Error(err)
	}
}

// TestRunNetErrors checks that bad network runs fail with status 2 and one
// line naming the problem.
func TestRunNetErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("run: {dt: 0.001, steps: 5}\npopulations:\n  - {name: a, size: 3, params: {tau_mem: 0.01, tau_syn: 0.005}}\nprojections:\n  - {source: a, target: exc2, type: dense, weight: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--net", bad}, `projections[0].target: no population named "exc2"`},
		{[]string{"--net", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{[]string{"--net", "../../examples/small.yaml", "--neurons", "5"}, "--neurons"},
		{[]string{"--net", "../../examples/small.yaml", "--steps", "0"}, "--steps 0"},
	} {
		status, _, stderr := run(t, append([]string{"run", "--out", dir}, c.args...)...)
		if status != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: status %d, stderr %q; want status 2 and one line mentioning %q", c.args, status, stderr, c.want)
		}
	}
}
