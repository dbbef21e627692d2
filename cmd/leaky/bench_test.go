package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leaky/bench/suite"
)

// benchJSON runs a tiny `leaky bench` (one kernel size, its ceilings and the
// single-neuron workload) and returns the JSON file it wrote.
func benchJSON(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "a.json")
	png := filepath.Join(dir, "a.png")
	var stdout, stderr bytes.Buffer
	code := mainStatus([]string{"bench", "--quick", "--time-budget", "1s", "--filter", `kernel/LeakyUpdate/.*/n=1000$|workload/single`, "--json", out, "--plot", png}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("leaky bench exited %d: %s", code, stderr.String())
	}
	for _, want := range []string{"cpu: ", "Ceilings", "Kernels", "Workloads", "LeakyUpdate"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "kernel/LeakyUpdate") {
		t.Errorf("no progress line on stderr: %q", stderr.String())
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
		t.Errorf("plot not written: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := suite.Validate(data); err != nil {
		t.Fatalf("--json output does not validate: %v", err)
	}
	return out
}

func TestBenchCompare(t *testing.T) {
	dir := t.TempDir()
	a := benchJSON(t, dir)

	// B is A with every rate doubled: compare must report 2× throughout.
	var doc map[string]any
	data, _ := os.ReadFile(a)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc["figures"].([]any) {
		fig := f.(map[string]any)
		for _, k := range []string{"median", "min", "max"} {
			fig[k] = fig[k].(float64) * 2
		}
	}
	b := filepath.Join(dir, "b.json")
	writeBenchJSON(t, b, doc)
	var stdout, stderr bytes.Buffer
	if code := mainStatus([]string{"bench", "compare", a, b}, &stdout, &stderr); code != exitOK {
		t.Fatalf("compare exited %d: %s", code, stderr.String())
	}
	rows := 0
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "kernel/") || strings.HasPrefix(strings.TrimSpace(line), "ceiling/") {
			rows++
			if !strings.HasSuffix(strings.TrimSpace(line), "2.00×") {
				t.Errorf("compare row without ratio 2.00×: %q", line)
			}
		}
	}
	if rows == 0 {
		t.Errorf("compare printed no figure rows:\n%s", stdout.String())
	}

	// A different suite version is refused with exit status 2.
	doc["suite_version"] = "0-other"
	c := filepath.Join(dir, "c.json")
	writeBenchJSON(t, c, doc)
	stdout.Reset()
	stderr.Reset()
	code := mainStatus([]string{"bench", "compare", a, c}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "different benchmark suite versions") {
		t.Errorf("compare of suite versions %s and 0-other: exit %d, stderr %q; want exit 2 naming the mismatch", suite.SuiteVersion, code, stderr.String())
	}
	if n := strings.Count(strings.TrimSpace(stderr.String()), "\n"); n != 0 {
		t.Errorf("refusal is %d lines, want one: %q", n+1, stderr.String())
	}
}

func writeBenchJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBenchBadInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "x.json")
	os.WriteFile(notJSON, []byte(`{"schema": 1}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--filter", "("}, "--filter"},
		{[]string{"bench", "--kernel", "sse9"}, "--kernel"},
		{[]string{"bench", "--plot", "out.svg"}, ".png"},
		{[]string{"bench", "--threads", "-3"}, "--threads"},
		{[]string{"bench", "--filter", "no-such-figure", "--time-budget", "1ms"}, "matches no benchmark"},
		{[]string{"bench", "compare", "only-one.json"}, "usage"},
		{[]string{"bench", "compare", filepath.Join(dir, "missing.json"), notJSON}, "missing.json"},
		{[]string{"bench", "compare", notJSON, notJSON}, "not a leaky bench result"},
		{[]string{"bench", "extra"}, "unexpected argument"},
	} {
		var stdout, stderr bytes.Buffer
		code := mainStatus(c.args, &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code == exitOK || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "panic") {
			t.Errorf("%v: exit %d, stderr %q; want a one-line error containing %q", c.args, code, msg, c.want)
		}
	}
}
