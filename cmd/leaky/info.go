package main

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"

	"leaky/engine"
	"leaky/kernels"
	"leaky/session"
)

func init() {
	register("info", "show the CPU, its features and the kernel chosen for each operation", cmdInfo)
}

func cmdInfo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("leaky info", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintln(stderr, "usage: leaky info\n\nShows the CPU, the features leaky's kernels use and the kernel chosen for each operation.")
			return exitOK
		}
		return fail(stderr, badInput(fmt.Errorf("info: %w", err)))
	}
	if fs.NArg() > 0 {
		return fail(stderr, badInput(fmt.Errorf("info: unexpected argument %q", fs.Arg(0))))
	}
	writeInfo(stdout)
	if err := kernels.EnvError(); err != nil {
		fmt.Fprintf(stdout, "\nwarning: %v; the generic kernels are active\n", err)
	}
	return exitOK
}

func writeInfo(w io.Writer) {
	c := cpuid.CPU
	fmt.Fprintf(w, "CPU        %s\n", orUnknown(c.BrandName))
	fmt.Fprintf(w, "vendor     %s (family %d, model %d, stepping %d)\n", orUnknown(c.VendorString), c.Family, c.Model, c.Stepping)
	if c.HypervisorVendorString != "" {
		fmt.Fprintf(w, "hypervisor %s\n", c.HypervisorVendorString)
	}
	fmt.Fprintf(w, "cores      %d physical, %d logical, %d threads per core\n", c.PhysicalCores, c.LogicalCores, c.ThreadsPerCore)
	fmt.Fprintf(w, "caches     L1d %s, L1i %s, L2 %s, L3 %s, line %d bytes\n", size(c.Cache.L1D), size(c.Cache.L1I), size(c.Cache.L2), size(c.Cache.L3), c.CacheLine)
	if c.Hz > 0 || c.BoostFreq > 0 {
		fmt.Fprintf(w, "clock      %.2f GHz base, %.2f GHz boost\n", float64(c.Hz)/1e9, float64(c.BoostFreq)/1e9)
	}
	if runtime.GOARCH == "amd64" {
		fmt.Fprintf(w, "x86-64     level v%d\n", c.X64Level())
	}
	// golang.org/x/sys/cpu is what the kernels dispatch on (it honours
	// GODEBUG=cpu.avx2=off and the OS's support for the vector registers);
	// cpuid reports what the chip itself has.
	fmt.Fprintln(w, "\nfeatures   dispatch (x/sys/cpu)   chip (cpuid)")
	for _, f := range []struct {
		name string
		sys  bool
		chip cpuid.FeatureID
	}{
		{"SSE4.2", cpu.X86.HasSSE42, cpuid.SSE42},
		{"AVX", cpu.X86.HasAVX, cpuid.AVX},
		{"AVX2", cpu.X86.HasAVX2, cpuid.AVX2},
		{"FMA", cpu.X86.HasFMA, cpuid.FMA3},
		{"BMI2", cpu.X86.HasBMI2, cpuid.BMI2},
		{"AVX512F", cpu.X86.HasAVX512F, cpuid.AVX512F},
		{"AVX512VL", cpu.X86.HasAVX512VL, cpuid.AVX512VL},
		{"AVX512BW", cpu.X86.HasAVX512BW, cpuid.AVX512BW},
		{"AVX512DQ", cpu.X86.HasAVX512DQ, cpuid.AVX512DQ},
	} {
		fmt.Fprintf(w, "  %-9s %-22s %s\n", f.name, yesNo(f.sys), yesNo(c.Supports(f.chip)))
	}

	active := kernels.Active()
	var known, avail []string
	for _, k := range kernels.Known() {
		known = append(known, k.Name)
	}
	for _, k := range kernels.Available() {
		avail = append(avail, k.Name)
	}
	fmt.Fprintf(w, "\nkernels    compiled in: %s; this CPU runs: %s; active: %s\n", strings.Join(known, ", "), strings.Join(avail, ", "), active.Name)
	// Available ran every implementation's self-check against generic.
	if fb := kernels.Fallbacks(); len(fb) == 0 && len(avail) > 1 {
		fmt.Fprintf(w, "self-check every kernel of %s gives generic's bits on its fixed inputs\n", strings.Join(avail[1:], ", "))
	} else {
		for _, f := range fb {
			fmt.Fprintf(w, "self-check FAILED for %s, not used: %v\n", f.Impl, f.Err)
		}
	}
	for _, op := range kernelOps(active) {
		fmt.Fprintf(w, "  %-17s %s\n", op.name, op.impl)
	}
	// The measuring loops are not kernels: one line says which exist and
	// whose run.
	fmt.Fprintf(w, "\ninstruments %s (the ceilings of `leaky bench`); active: %s\n",
		strings.Join(funcFields(reflect.TypeFor[kernels.Instruments]()), ", "), kernels.ActiveInstruments().Name)
	writeMemoryInfo(w)
	fmt.Fprintf(w, "\nGo         %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
}

// infoPopulation is the population size the per-neuron state is quoted
// for: large enough that padding rows to 64 neurons does not show.
const infoPopulation = 1 << 20

// writeMemoryInfo prints the bytes of neuron state per neuron, as the
// engine's memory estimate counts them, and the memory available to a run.
func writeMemoryInfo(w io.Writer) {
	per := func(elem int) string {
		var m engine.Memory
		if err := m.AddPopulation("info", elem, 1, infoPopulation); err != nil {
			return "unknown (" + err.Error() + ")"
		}
		return fmt.Sprintf("%.3g B", m.StatePerNeuron())
	}
	fmt.Fprintf(w, "\nmemory     neuron state per neuron and trial: %s (float32), %s (float64): V, I and Iin, a spike bit\n", per(4), per(8))
	fmt.Fprintln(w, "           and a spike-list entry; weights, inputs and recorder buffers come on top. `leaky run` estimates")
	fmt.Fprintln(w, "           a run's total before allocating, refuses what does not fit and writes it to summary.json.")
	if avail, source, ok := session.MemoryLimit(session.MeminfoPath, session.CgroupMaxPath, session.CgroupCurrentPath); ok {
		fmt.Fprintf(w, "           available to a run now: %s (%s)\n", session.FormatBytes(float64(avail)), source)
	}
}

type kernelOp struct{ name, impl string }

// kernelOps lists each operation with the implementation that runs it: an
// instruction-set implementation may leave an operation to the generic
// code, which shows as the same function as Generic's.
func kernelOps(active *kernels.Impl) []kernelOp {
	a, g := reflect.ValueOf(active).Elem(), reflect.ValueOf(kernels.Generic).Elem()
	var ops []kernelOp
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		if f.Type.Kind() != reflect.Func || !f.IsExported() {
			continue
		}
		impl := active.Name
		switch {
		case a.Field(i).IsNil():
			impl = "none"
		case active != kernels.Generic && !g.Field(i).IsNil() && a.Field(i).Pointer() == g.Field(i).Pointer():
			impl = "generic (no " + active.Name + " version)"
		}
		ops = append(ops, kernelOp{f.Name, impl})
	}
	return ops
}

// funcFields returns the names of the exported function fields of struct
// type t, in order.
func funcFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Type.Kind() == reflect.Func {
			names = append(names, f.Name)
		}
	}
	return names
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

func size(b int) string {
	switch {
	case b <= 0:
		return "unknown"
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
