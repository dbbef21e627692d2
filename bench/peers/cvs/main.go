//go:build cpeer

// Command cvs times leaky's LeakyUpdate32 and AccumulateRows32 against the
// same computation in C (bench/peers/leaky_c.h, gcc -O3 -mavx2 -mfma
// -ffp-contract=off) in one process, alternating the two repetition by
// repetition so that both see the same machine. Issue 3 asks leaky's AVX2
// kernels for 85% of this C.
//
// It needs cgo and gcc, so it builds only with the cpeer tag:
//
//	CGO_CFLAGS_ALLOW='-mfma|-ffp-contract=off' go run -tags cpeer ./bench/peers/cvs [-kernel avx2] [-reps 21]
//
// (cgo refuses those two compiler flags unless CGO_CFLAGS_ALLOW lets them through.)
//
// Each line gives the median rate of each side over the repetitions, and the
// median of the per-repetition ratios leaky/C. After the LeakyUpdate runs
// it checks that C and leaky, having run the same steps, hold the same V
// and I bit for bit, and exits 1 if not.
package main

/*
#cgo CFLAGS: -O3 -mavx2 -mfma -ffp-contract=off
#include <stdlib.h>
#include "../leaky_c.h"
*/
import "C"

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"time"
	"unsafe"

	"leaky/kernels"
)

func main() {
	kernel := flag.String("kernel", "avx2", "leaky kernel set to time (generic, avx2, avx512)")
	reps := flag.Int("reps", 21, "alternating repetitions per size")
	work := flag.Int("work", 20_000_000, "neuron-steps (or events) per repetition")
	flag.Parse()
	impl, err := kernels.Lookup(*kernel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cvs:", err)
		os.Exit(2)
	}
	runtime.LockOSThread()
	fmt.Printf("cvs: leaky kernel=%s vs C (gcc -O3 -mavx2 -mfma -ffp-contract=off), %d alternating repetitions, %s\n", impl.Name, *reps, runtime.Version())
	for _, n := range []int{1000, 10_000, 100_000, 1_000_000, 10_000_000} {
		steps := max(1, *work/n)
		cV, cI, cIin := cFloats(n), cFloats(n), cFloats(n)
		cS := (*C.uint8_t)(C.aligned_alloc(64, C.size_t(n+64)))
		gV, gI, gIin := goFloats(n), goFloats(n), goFloats(n)
		spikes := make([]uint64, kernels.MaskWords(n))
		fill(cV, cI, cIin)
		fill(gV, gI, gIin)
		cRun := func() {
			C.run_update(&cV[0], &cI[0], &cIin[0], cS, C.long(n), 0.9, 0.95, 1, C.long(steps))
		}
		goRun := func() {
			for range steps {
				impl.LeakyUpdate32(gV, gI, gIin, 0.9, 0.95, 1, kernels.ResetSubtract, spikes)
			}
		}
		report("LeakyUpdate", n, float64(n*steps), "neuron-steps/s", *reps, cRun, goRun)
		// Both sides ran the same steps from the same state with the same
		// unfused arithmetic, so their V and I must agree bit for bit.
		if d := differ(cV, gV) + differ(cI, gI); d > 0 {
			fmt.Printf("cvs LeakyUpdate n=%d: C and leaky disagree in %d values of V and I\n", n, d)
			os.Exit(1)
		}
		C.free(unsafe.Pointer(&cV[0]))
		C.free(unsafe.Pointer(&cI[0]))
		C.free(unsafe.Pointer(&cIin[0]))
		C.free(unsafe.Pointer(cS))
	}
	fmt.Println("cvs: C and leaky held the same V and I, bit for bit, after every LeakyUpdate size")
	for _, n := range []int{1000, 10_000, 100_000} {
		const nrows, wrows = 8, 64
		rows := []int32{3, 17, 29, 41, 5, 60, 33, 12}
		cRows := (*C.int32_t)(C.malloc(C.size_t(4 * nrows)))
		copy(unsafe.Slice((*int32)(unsafe.Pointer(cRows)), nrows), rows)
		cW, cDst := cFloats(wrows*n), cFloats(n)
		gW, gDst := goFloats(wrows*n), goFloats(n)
		clear(gDst)
		clear(cDst)
		for i := range cW {
			cW[i] = C.float(0.001 * float32(i%11))
			gW[i] = float32(cW[i])
		}
		calls := max(1, *work/(n*nrows))
		cRun := func() {
			C.run_accumulate(&cDst[0], &cW[0], C.long(n), cRows, nrows, C.long(n), C.long(calls))
		}
		goRun := func() {
			for range calls {
				impl.AccumulateRows32(gDst, gW, n, rows)
			}
		}
		report("AccumulateRows", n, float64(n*nrows*calls), "events/s", *reps, cRun, goRun)
		C.free(unsafe.Pointer(&cW[0]))
		C.free(unsafe.Pointer(&cDst[0]))
		C.free(unsafe.Pointer(cRows))
	}
}

// report times c and leaky alternately and prints the medians.
func report(kernel string, n int, work float64, unit string, reps int, c, leaky func()) {
	c()
	leaky()
	cRates, gRates, ratios := make([]float64, reps), make([]float64, reps), make([]float64, reps)
	for r := range reps {
		cRates[r] = work / timeIt(c)
		gRates[r] = work / timeIt(leaky)
		ratios[r] = gRates[r] / cRates[r]
	}
	fmt.Printf("cvs %s n=%d c=%.4g leaky=%.4g %s ratio=%.3f (medians of %d; ratio range %.2f–%.2f; best c=%.4g leaky=%.4g)\n",
		kernel, n, median(cRates), median(gRates), unit, median(ratios), reps, slices.Min(ratios), slices.Max(ratios), slices.Max(cRates), slices.Max(gRates))
}

func timeIt(f func()) float64 {
	t0 := time.Now()
	f()
	return time.Since(t0).Seconds()
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// differ counts the elements whose bits differ between the C and Go arrays.
func differ(c []C.float, g []float32) int {
	d := 0
	for i := range g {
		if math.Float32bits(float32(c[i])) != math.Float32bits(g[i]) {
			d++
		}
	}
	return d
}

// cFloats allocates n float32 in C memory, 64-byte aligned as leaky_c.c does.
func cFloats(n int) []C.float {
	p := C.aligned_alloc(64, C.size_t((4*n+63)/64*64))
	return unsafe.Slice((*C.float)(p), n)
}

// goFloats allocates n float32 in Go memory, 64-byte aligned as the engine's
// rows are.
func goFloats(n int) []float32 {
	b := make([]float32, n+16)
	off := 0
	for uintptr(unsafe.Pointer(&b[off]))%64 != 0 {
		off++
	}
	return b[off : off+n : off+n]
}

// fill gives both sides the same starting state, the one leaky_c.c uses.
func fill[T ~float32](V, I, Iin []T) {
	for i := range V {
		V[i] = T(float32(i%97) / 90)
		I[i] = T(0.01 * float32(i%13))
		// Never zero: a neuron without input decays into denormals, which
		// slow the arithmetic down (kernels' BenchmarkLeakyUpdateDenormal)
		// and would make this a measure of denormal handling.
		Iin[i] = T(0.001 * float32(i%7+1))
	}
}
