package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"leaky/internal/numpytest"
)

// requireBrian returns the interpreter when it can import brian2 (Debian
// python3-brian, which make test-deps installs), and otherwise skips t, or
// fails it under CI, which must prove leaky's COBA fires as Brian2's does.
func requireBrian(t *testing.T) string {
	t.Helper()
	py := numpytest.Require(t)
	if out, err := exec.Command(py, "-c", "import brian2").CombinedOutput(); err != nil {
		msg := "Brian2 is not available to " + py + " (" + strings.TrimSpace(err.Error()+" "+string(out)) + "); "
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "make test-deps installs python3-brian")
		}
		t.Skip(msg + "apt-get install python3-brian")
	}
	return py
}

// cobaNetworks is the number of independent realisations each side
// simulates for TestCOBARate.
const cobaNetworks = 4

// brianCOBARates runs bench/peers/brian_coba.py for one simulated second of
// cobaNetworks independent copies of benchmark 1 (one compilation) and
// returns each copy's mean rate in Hz.
func brianCOBARates(t *testing.T, py string) []float64 {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("peers", "brian_coba.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, "1", "1", "1", strconv.Itoa(cobaNetworks))
	cmd.Dir = t.TempDir() // Brian writes its caches beside it
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("brian_coba.py: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(?m)^brian2 coba .* rates_hz=([0-9.,]+) `).FindSubmatch(out)
	if m == nil {
		t.Fatalf("brian_coba.py printed no rates:\n%s", out)
	}
	var rates []float64
	for _, f := range strings.Split(string(m[1]), ",") {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("brian_coba.py: rate %q: %v", f, err)
		}
		rates = append(rates, r)
	}
	if len(rates) != cobaNetworks {
		t.Fatalf("brian_coba.py gave %d rates for %d networks", len(rates), cobaNetworks)
	}
	return rates
}

// TestCOBARate runs one simulated second of COBA, benchmark 1 of Brette et
// al. 2007, from seeds 1…4 and Brian2's version of the same model
// (bench/peers/brian_coba.py, cpp_standalone, forward Euler) for four
// independent realisations on this machine, and requires leaky's mean rate
// to lie in the band Brian2's realisations span, widened by 10% for leaky's
// different discretisation and one- or two-step-later synaptic input (see
// the engine package doc), and every seed's rate within the band widened
// by 20%: the self-sustained activity neither dies out nor runs away in
// any of them.
func TestCOBARate(t *testing.T) {
	py := requireBrian(t)
	brian := brianCOBARates(t, py)
	lo, hi := brian[0], brian[0]
	for _, r := range brian {
		lo, hi = min(lo, r), max(hi, r)
	}
	var mean float64
	var rates []float64
	for seed := uint64(1); seed <= cobaNetworks; seed++ {
		cfg := DefaultCOBA()
		cfg.Seed = seed
		c, err := NewCOBA[float32](cfg)
		if err != nil {
			t.Fatal(err)
		}
		steps := int(1/cfg.Dt + 0.5)
		if err := c.Net.Run(context.Background(), steps, nil); err != nil {
			t.Fatal(err)
		}
		c.Net.Close()
		r := float64(c.Exc.SpikeCount()+c.Inh.SpikeCount()) / float64(cfg.NExc+cfg.NInh) / (float64(steps) * cfg.Dt)
		rates = append(rates, r)
		mean += r / cobaNetworks
	}
	t.Logf("COBA mean rates: leaky %.2f Hz %.2f; Brian2 %.2f", mean, rates, brian)
	if mean < 0.9*lo || mean > 1.1*hi {
		t.Fatalf("leaky's mean rate %.2f Hz is outside Brian2's band %.2f–%.2f Hz widened by 10%%", mean, lo, hi)
	}
	for i, r := range rates {
		if r < 0.8*lo || r > 1.2*hi {
			t.Fatalf("seed %d: rate %.2f Hz is outside Brian2's band %.2f–%.2f Hz widened by 20%%", i+1, r, lo, hi)
		}
	}
}
