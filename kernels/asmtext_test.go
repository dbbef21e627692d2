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

// TestRequiresCoversAssembly checks each implementation's Requires, the
// features its CPU check tests (both generated from one list in
// kernels/_gen), against the extensions avo found in every one of its
// functions in leaky_amd64.s: a kernel using an extension the dispatch does
// not check would fault on a CPU without it.
func TestRequiresCoversAssembly(t *testing.T) {
	var asm []*Impl
	for _, impl := range Known() {
		if impl != Generic {
			asm = append(asm, impl)
		}
	}
	if len(asm) == 0 {
		t.Skip("no assembly in this build")
	}
	b, err := os.ReadFile("leaky_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	// avo's FMA3 is x/sys/cpu's FMA; AVX is implied by AVX2 and by AVX512F,
	// which x/sys/cpu reports only when the OS saves the YMM state too.
	alias := map[string]string{"FMA3": "FMA"}
	// avo's MMX+ is the PREFETCHh instructions, part of SSE, which every
	// amd64 CPU has.
	implied := map[string][]string{"AVX": {"AVX2", "AVX512F"}, "MMX+": {"AVX2", "AVX512F"}}
	lines := strings.Split(string(b), "\n")
	funcs := 0
	for i, line := range lines {
		sym, ok := strings.CutPrefix(line, "TEXT ·")
		if !ok {
			continue
		}
		sym = sym[:strings.IndexByte(sym, '(')]
		var impl *Impl
		for _, a := range asm {
			if strings.Contains(sym, strings.ToUpper(a.Name)) {
				impl = a
			}
		}
		if impl == nil {
			t.Errorf("leaky_amd64.s:%d: %s belongs to no implementation", i+1, sym)
			continue
		}
		funcs++
		req, ok := strings.CutPrefix(lines[max(i-1, 0)], "// Requires: ")
		if !ok {
			continue
		}
		has := map[string]bool{}
		for _, f := range strings.Split(impl.Requires, ", ") {
			has[f] = true
		}
	ext:
		for _, e := range strings.Split(req, ", ") {
			if a, ok := alias[e]; ok {
				e = a
			}
			if has[e] {
				continue
			}
			for _, by := range implied[e] {
				if has[by] {
					continue ext
				}
			}
			t.Errorf("%s requires %s, which %s's Requires (%s) and CPU check do not include", sym, e, impl.Name, impl.Requires)
		}
	}
	if funcs < 2*len(asm) {
		t.Fatalf("found %d functions in leaky_amd64.s; is the file complete?", funcs)
	}
}
