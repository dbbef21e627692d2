//go:build !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

// avx2 runs on CPUs with AVX2 and FMA (Intel Haswell, AMD Zen and later).
var avx2 = &Impl{
	Name:             "avx2",
	Requires:         "AVX2, FMA, POPCNT, BMI2",
	LeakyUpdate32:    avx2Kernels32.leakyUpdate,
	LeakyUpdate64:    avx2Kernels64.leakyUpdate,
	LeakyScan32:      avx2Kernels32.leakyScan,
	LeakyScan64:      avx2Kernels64.leakyScan,
	AccumulateRows32: avx2Kernels32.accumulateRows,
	AccumulateRows64: avx2Kernels64.accumulateRows,
	MatMul32:         avx2Kernels32.matMul,
	MatMul64:         avx2Kernels64.matMul,
	CubaUpdate32:     cuba32(avx2Kernels32),
	CubaUpdate64:     cuba64(avx2Kernels64),
}

// avx2Instruments are avx2's measuring loops. An iteration of PeakFMA32 is 12
// independent FMAs of 8 float32 lanes, two operations per lane.
var avx2Instruments = &Instruments{
	Name:         "avx2",
	PeakFMA32:    peakFMA(peakFMA32AVX2, 12*8*2),
	ReadStream32: readStream(readStream32AVX2),
	AddStream32:  addStream(addStream32AVX2),
}

// avx512 runs on CPUs with AVX-512 Foundation (Intel Skylake-SP, AMD Zen 4
// and later). The kernels use only AVX512F instructions (opmask compares,
// zero-masked moves, KMOVW), so no other AVX-512 subset is required.
var avx512 = &Impl{
	Name:             "avx512",
	Requires:         "AVX512F, POPCNT",
	LeakyUpdate32:    avx512Kernels32.leakyUpdate,
	LeakyUpdate64:    avx512Kernels64.leakyUpdate,
	LeakyScan32:      avx512Kernels32.leakyScan,
	LeakyScan64:      avx512Kernels64.leakyScan,
	AccumulateRows32: avx512Kernels32.accumulateRows,
	AccumulateRows64: avx512Kernels64.accumulateRows,
	MatMul32:         avx512Kernels32.matMul,
	MatMul64:         avx512Kernels64.matMul,
	CubaUpdate32:     cuba32(avx512Kernels32),
	CubaUpdate64:     cuba64(avx512Kernels64),
}

// avx512Instruments are avx512's measuring loops. An iteration of PeakFMA32
// is 24 independent FMAs of 16 float32 lanes, two operations per lane.
var avx512Instruments = &Instruments{
	Name:         "avx512",
	PeakFMA32:    peakFMA(peakFMA32AVX512, 24*16*2),
	ReadStream32: readStream(readStream32AVX512),
	AddStream32:  addStream(addStream32AVX512),
}

// asmRegistered adds the assembly implementations during package variable
// initialisation, which completes before kernels.go's init picks the best
// one. x/sys/cpu honours GODEBUG=cpu.avx2=off and cpu.avx512f=off, which is
// how the test suite switches each path off.
var asmRegistered = func() bool {
	known = append(known, avx2, avx512)
	instrumentsOf[avx2], instrumentsOf[avx512] = avx2Instruments, avx512Instruments
	supported = func(impl *Impl) bool {
		switch impl {
		case Generic:
			return true
		case avx2:
			// LeakyUpdate's ragged tail uses the BMI2 SHLX and BZHI.
			return cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasPOPCNT && cpu.X86.HasBMI2
		case avx512:
			// x/sys/cpu reports AVX512F only when the OS saves the
			// ZMM and opmask state.
			return cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT
		}
		return false
	}
	return true
}()

var avx2Kernels32 = &asmKernels[float32]{
	updSub: leakyUpdate32SubAVX2, updZero: leakyUpdate32ZeroAVX2,
	scanSub: leakyScan32SubAVX2, scanZero: leakyScan32ZeroAVX2, scanBlock: 32,
	accum: accumulateRows32AVX2, cuba: cubaUpdate32AVX2, lanes: 8, nativeTail: true,
	gemm: [][2]gemmTile[float32]{
		{gemm32AVX2_1x16, gemm32AVX2_1x8},
		{gemm32AVX2_2x16, gemm32AVX2_2x8},
		{gemm32AVX2_3x16, gemm32AVX2_3x8},
		{gemm32AVX2_4x16, gemm32AVX2_4x8},
		{gemm32AVX2_5x16, gemm32AVX2_5x8},
		{gemm32AVX2_6x16, gemm32AVX2_6x8},
	},
	generic: generic32,
}

var avx2Kernels64 = &asmKernels[float64]{
	updSub: leakyUpdate64SubAVX2, updZero: leakyUpdate64ZeroAVX2,
	scanSub: leakyScan64SubAVX2, scanZero: leakyScan64ZeroAVX2, scanBlock: 16,
	accum: accumulateRows64AVX2, cuba: cubaUpdate64AVX2, lanes: 4, nativeTail: true,
	gemm: [][2]gemmTile[float64]{
		{gemm64AVX2_1x8, gemm64AVX2_1x4},
		{gemm64AVX2_2x8, gemm64AVX2_2x4},
		{gemm64AVX2_3x8, gemm64AVX2_3x4},
		{gemm64AVX2_4x8, gemm64AVX2_4x4},
		{gemm64AVX2_5x8, gemm64AVX2_5x4},
		{gemm64AVX2_6x8, gemm64AVX2_6x4},
	},
	generic: generic64,
}

var avx512Kernels32 = &asmKernels[float32]{
	updSub: leakyUpdate32SubAVX512, updZero: leakyUpdate32ZeroAVX512,
	scanSub: leakyScan32SubAVX512, scanZero: leakyScan32ZeroAVX512, scanBlock: 128,
	accum: accumulateRows32AVX512, cuba: cubaUpdate32AVX512, lanes: 16,
	gemm: [][2]gemmTile[float32]{
		{gemm32AVX512_1x32, gemm32AVX512_1x16},
		{gemm32AVX512_2x32, gemm32AVX512_2x16},
		{gemm32AVX512_3x32, gemm32AVX512_3x16},
		{gemm32AVX512_4x32, gemm32AVX512_4x16},
		{gemm32AVX512_5x32, gemm32AVX512_5x16},
		{gemm32AVX512_6x32, gemm32AVX512_6x16},
		{gemm32AVX512_7x32, gemm32AVX512_7x16},
		{gemm32AVX512_8x32, gemm32AVX512_8x16},
	},
	generic: generic32,
}

var avx512Kernels64 = &asmKernels[float64]{
	updSub: leakyUpdate64SubAVX512, updZero: leakyUpdate64ZeroAVX512,
	scanSub: leakyScan64SubAVX512, scanZero: leakyScan64ZeroAVX512, scanBlock: 64,
	accum: accumulateRows64AVX512, cuba: cubaUpdate64AVX512, lanes: 8,
	gemm: [][2]gemmTile[float64]{
		{gemm64AVX512_1x16, gemm64AVX512_1x8},
		{gemm64AVX512_2x16, gemm64AVX512_2x8},
		{gemm64AVX512_3x16, gemm64AVX512_3x8},
		{gemm64AVX512_4x16, gemm64AVX512_4x8},
		{gemm64AVX512_5x16, gemm64AVX512_5x8},
		{gemm64AVX512_6x16, gemm64AVX512_6x8},
		{gemm64AVX512_7x16, gemm64AVX512_7x8},
		{gemm64AVX512_8x16, gemm64AVX512_8x8},
	},
	generic: generic64,
}
