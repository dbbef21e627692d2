//go:build !purego && !noasm

package kernels

// The tables of the assembly implementations (Impl, Instruments, the
// kernels' geometry) and their CPU checks are generated with the assembly,
// in dispatch_gen_amd64.go; only their registration is written here.

// asmImpl is one generated implementation: its kernels, its instruments and
// whether the CPU has every feature they use.
type asmImpl struct {
	impl        *Impl
	instruments *Instruments
	cpuRuns     func() bool
}

// asmRegistered adds the assembly implementations during package variable
// initialisation, which completes before kernels.go's init picks the best
// one. x/sys/cpu honours GODEBUG=cpu.avx2=off and cpu.avx512f=off, which is
// how the test suite switches each path off.
var asmRegistered = func() bool {
	for _, a := range asmImpls {
		known = append(known, a.impl)
		instrumentsOf[a.impl] = a.instruments
	}
	supported = func(impl *Impl) bool {
		if impl == Generic {
			return true
		}
		for _, a := range asmImpls {
			if a.impl == impl {
				return a.cpuRuns()
			}
		}
		return false
	}
	return true
}()
