package kernels

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// legacySSE matches an instruction without the VEX/EVEX "V" prefix that
// names a vector register, e.g. "MOVQ DI, X3".
var legacySSE = regexp.MustCompile(`^\s+([A-UW-Z][A-Z0-9]*)\s+.*\b[XYZ]([0-9]|[12][0-9]|3[01])\b`)

// TestNoLegacySSEInAssembly guards against a legacy-SSE instruction in the
// generated kernels. Every kernel writes YMM or ZMM registers, and a
// non-VEX instruction after that, with the upper halves dirty, costs an
// SSE/AVX transition: on the machine of BENCHMARKS.md one MOVQ into an X
// register made every LeakyUpdate call about 120 ns slower
// (BenchmarkLeakyUpdate at small n shows it). The generator must use the
// VEX forms (VMOVQ, VMOVD, …) instead.
func TestNoLegacySSEInAssembly(t *testing.T) {
	f, err := os.Open("leaky_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line, checked := 0, 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "//") {
			continue
		}
		checked++
		if m := legacySSE.FindStringSubmatch(text); m != nil {
			t.Errorf("leaky_amd64.s:%d: legacy-SSE instruction %s on a vector register: %q; use its VEX form in kernels/_gen", line, m[1], strings.TrimSpace(text))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 1000 {
		t.Fatalf("read only %d instruction lines from leaky_amd64.s; is the file complete?", checked)
	}
	// The pattern itself must catch the instruction that caused the bug.
	if !legacySSE.MatchString("\tMOVQ         DI, X3") || legacySSE.MatchString("\tVMOVQ        DI, X3") {
		t.Fatal("legacySSE pattern does not tell MOVQ DI, X3 from VMOVQ DI, X3")
	}
}
