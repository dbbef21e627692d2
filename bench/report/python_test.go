package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonRatios: the Python binding table takes medians over the runs
// of python_binding.py in the files, judges the step calls against 5 µs,
// leaky.run against 1.10× the CLI and the SHD rows against 5× the PyTorch
// figure of the same line, and is left out when the script has not run.
func TestPythonRatios(t *testing.T) {
	dir := t.TempDir()
	lines := `cpu: AMD EPYC
python versions python=3.11.2 numpy=1.24.2 leaky=0.1.0 go=go1.26.8 torch=1.13.0a0 reps=5 cores=2
python step call=step(x) us_per_call=2.000
python step call=step() us_per_call=1.200
python step call=leaky_step us_per_call=0.900
python run workload=seed cli_sim_s=0.04000 run_sim_s=0.04200 ratio=1.050 cli_process_s=0.250 run_call_s=0.074 flags: (defaults)
python run workload=d cli_sim_s=0.50000 run_sim_s=0.60000 ratio=1.200 cli_process_s=2.452 run_call_s=1.451 flags: --neurons 200000
python shd threads=1 input=poisson samples_per_s=16000.0 torch_samples_per_s=2000.0
python shd threads=1 input=fed samples_per_s=9000.0 torch_samples_per_s=2000.0
python shd threads=2 input=fed samples_per_s=4000.0
python versions python=3.11.2 numpy=1.24.2 leaky=0.1.0 go=go1.26.8 torch=1.13.0a0 reps=5 cores=2
python step call=step(x) us_per_call=7.000
python step call=step(x) us_per_call=3.000
python run workload=d cli_sim_s=0.40000 run_sim_s=0.41000 ratio=1.020 flags: --neurons 200000
python run workload=d cli_sim_s=0.45000 run_sim_s=0.46000 ratio=1.030 flags: --neurons 200000
python run workload=broken cli_sim_s=x run_sim_s=0.46000 ratio=1.030
python shd threads=1 input=fed samples_per_s=11000.0 torch_samples_per_s=1000.0
python shd threads=1 input=fed samples_per_s=10000.0 torch_samples_per_s=1500.0
torch shd threads=1 torch=1.13.0a0 best_s=0.1979 samples_per_s=99999.0
`
	p := writeResults(t, dir, "results.txt", lines)
	var w bytes.Buffer
	pythonRatios(&w, []string{p})
	out := w.String()
	// step(x): the median of 2, 7 and 3 µs; workload d: of 1.2, 1.02 and
	// 1.03 (times: 0.41 s over 0.45 s); SHD fed on one thread: 10000
	// samples/s over PyTorch's 1500 (its median of 2000, 1000, 1500).
	wantAll(t, out,
		"## Python binding",
		"(python=3.11.2 numpy=1.24.2 leaky=0.1.0 go=go1.26.8 torch=1.13.0a0 reps=5 cores=2)",
		"| `Network.step(x)`, a (1, 1) float32 array in (one-neuron network, 1 thread) | 3.00 µs | — | — | ≤ 5 µs | yes |",
		"| `Network.step()`, no input (one-neuron network with a Poisson source, 1 thread) | 1.20 µs | — | — | ≤ 5 µs | yes |",
		"| `leaky_step` through ctypes alone, without the Python method around it | 0.90 µs | — | — | — | — |",
		"stored weights, 1000 steps, spikes recorded): simulation time | 460.0 ms | CLI 450.0 ms | 1.030× | ≤ 1.10× | yes |",
		"v, isyn, iinp and spikes recorded): simulation time | 42.0 ms | CLI 40.0 ms | 1.050× | ≤ 1.10× | yes |",
		"| SHD stepped from Python, 1 thread(s), leaky's Poisson input (samples/s) | 16000 | PyTorch 2000 | 8.00× | ≥ 5× | yes |",
		"| SHD stepped from Python, 1 thread(s), input fed from a NumPy array (samples/s) | 10000 | PyTorch 1500 | 6.67× | ≥ 5× | yes |",
		"| SHD stepped from Python, 2 thread(s), input fed from a NumPy array (samples/s) | 4000 | PyTorch not measured | — | ≥ 5× | — |",
	)
	if strings.Contains(out, "broken") || strings.Contains(out, "99999") {
		t.Errorf("a malformed or foreign line was read:\n%s", out)
	}
	// Rows in order: the calls, seed before d, SHD by threads with the
	// Poisson row first.
	order := []string{"`Network.step(x)`", "`leaky_step`", "seed workload", "workload d", "1 thread(s), leaky's", "1 thread(s), input fed", "2 thread(s)"}
	for i := 1; i < len(order); i++ {
		if strings.Index(out, order[i-1]) > strings.Index(out, order[i]) {
			t.Errorf("%q after %q:\n%s", order[i-1], order[i], out)
		}
	}

	// A slower leaky.run and a slow call are judged so.
	slow := "python step call=step(x) us_per_call=6.5\npython run workload=seed cli_sim_s=0.1 run_sim_s=0.2 ratio=2.000\npython shd threads=1 input=fed samples_per_s=3000 torch_samples_per_s=1000\n"
	q := writeResults(t, dir, "slow.txt", slow)
	var s bytes.Buffer
	pythonRatios(&s, []string{q})
	for _, want := range []string{"| 6.50 µs | — | — | ≤ 5 µs | **no** |", "| 2.000× | ≤ 1.10× | **no** |", "| 3000 | PyTorch 1000 | 3.00× | ≥ 5× | **no** |"} {
		if !strings.Contains(s.String(), want) {
			t.Errorf("missing %q in\n%s", want, s.String())
		}
	}

	// Not run: no table.
	r := writeResults(t, dir, "others.txt", "torch shd threads=1 torch=1.13.0a0 best_s=0.1979 samples_per_s=1293.8\n")
	var none bytes.Buffer
	pythonRatios(&none, []string{r, filepath.Join(dir, "absent.txt")})
	if none.Len() != 0 {
		t.Errorf("a table without the script's figures:\n%s", none.String())
	}
}
