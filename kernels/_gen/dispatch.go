package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mmcloughlin/avo/printer"
)

// The Go side of the generated kernels: kernels/dispatch_gen_amd64.go holds
// the Impl, Instruments and asmKernels tables of every instruction set and
// the CPU check of each, kernels/geometry_gen.go the constants the generic
// code shares with the assembly. They are written from the same values the
// assembly is generated from, after it, so a function's name or a geometry
// constant (lanes, LeakyScan block, MatMul tile, FMA chains, stream layout)
// cannot drift between the .s and the Go that calls it.

// isaKernels are the names of one instruction set's generated functions.
type isaKernels struct {
	isa                                           *isa
	types                                         []*typeKernels
	peakFMA, readStream, addStream, inPlaceStream string
	// nonzero is the NonzeroWords kernel of SpikeIndices.
	nonzero string
}

// typeKernels are the names of one instruction set's kernels for one
// element type.
type typeKernels struct {
	dtype                                                                                                                                                                                        *dtype
	updSub, updZero, scanSub, scanZero, scanWordSub, scanWordZero, rowsSub, rowsZero, rowsStepsSub, rowsStepsZero, accum, accumTrials, accumMasks, scatterTaps, scaleTaps, addTrials, cuba, coba string
	// rule and rulePer are the RuleUpdate kernels in kernels.StepRule
	// order, of scalar and of per-neuron constants.
	rule, rulePer []string
	// normals and addNormals are the Normals and AddNormals kernels of
	// this element type.
	normals, addNormals string
	// cubaAhead is the CubaUpdateAhead kernel of any length.
	cubaAhead string
	// binary is the BinaryMasks kernel of whole mask words.
	binary string
	// thresholdFree and thresholdHeld are the ThresholdMask kernels of
	// whole mask words, without and with refractory counters.
	thresholdFree, thresholdHeld string
	// flush is the FlushSubnormals kernel of whole passes.
	flush string
	// gemm[mr-1] are the mr-row MatMul tiles, gemmVecs vectors wide and
	// one vector wide, the order of asmKernels.gemm.
	gemm [][2]string
}

// goConst is a constant written into a generated Go file; doc follows its
// name in the doc comment.
type goConst struct {
	name  string
	value int
	doc   string
}

// goName is the instruction set's name in Go: its Impl variable and Name.
func (s *isa) goName() string { return strings.ToLower(s.name) }

// requires is the instruction set's Impl.Requires.
func (s *isa) requires() string {
	var names []string
	for _, f := range s.features {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// kernelsVar is the asmKernels variable of s and d.
func kernelsVar(s *isa, d *dtype) string { return s.goName() + "Kernels" + d.name }

// writeDispatch writes the Go files beside the stubs, in the stubs'
// package, with avo's header: the command that regenerates them all.
func writeDispatch(gen []*isaKernels) error {
	stubs, pkg := flag.Lookup("stubs").Value.String(), flag.Lookup("pkg").Value.String()
	if stubs == "" || pkg == "" {
		return errors.New("-stubs and -pkg are required: the dispatch tables are written beside the stubs, in their package")
	}
	dir := filepath.Dir(stubs)
	warning := printer.NewGoRunConfig().GeneratedWarning()
	if err := writeGo(filepath.Join(dir, "dispatch_gen_amd64.go"), dispatchFile(warning, pkg, gen)); err != nil {
		return err
	}
	return writeGo(filepath.Join(dir, "geometry_gen.go"), geometryFile(warning, pkg))
}

// writeGo formats src as gofmt does and writes it to path.
func writeGo(path string, src []byte) error {
	out, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: generated Go does not parse: %w", path, err)
	}
	return os.WriteFile(path, out, 0o666)
}

// goFile accumulates a generated Go file; gofmt aligns it afterwards.
type goFile struct{ bytes.Buffer }

func (f *goFile) p(format string, args ...any) { fmt.Fprintf(&f.Buffer, format+"\n", args...) }

// doc writes text as a comment, wrapped to leaky's line length.
func (f *goFile) doc(indent, text string) {
	// A tab is counted as four columns.
	width := 78 - 4*strings.Count(indent, "\t") - len("// ")
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			f.p("%s// %s", indent, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	f.p("%s// %s", indent, line)
}

func (f *goFile) header(warning, pkg, constraint string) {
	f.p("// %s", warning)
	f.p("")
	if constraint != "" {
		f.p("//go:build %s", constraint)
		f.p("")
	}
	f.p("package %s", pkg)
	f.p("")
}

func dispatchFile(warning, pkg string, gen []*isaKernels) []byte {
	f := &goFile{}
	f.header(warning, pkg, "!purego && !noasm")
	f.p(`import "golang.org/x/sys/cpu"`)
	f.p("")
	f.doc("", "The tables of the generated kernels, written by kernels/_gen with leaky_amd64.s "+
		"from the same description, so that each function's name and geometry and the CPU "+
		"features each instruction set uses are stated once, there.")
	for _, k := range gen {
		s, v := k.isa, k.isa.goName()
		f.p("")
		f.doc("", v+" "+s.doc)
		f.p("var %s = &Impl{", v)
		f.p("Name: %q,", v)
		f.p("Requires: %q,", s.requires())
		for _, op := range []struct{ field, method string }{
			{"LeakyUpdate", "leakyUpdate"}, {"LeakyScan", "leakyScan"}, {"LeakyRows", "leakyRows"}, {"LeakyRowsSteps", "leakyRowsSteps"},
			{"AccumulateRows", "accumulateRows"}, {"AccumulateTrials", "accumulateTrials"},
			{"AccumulateMasks", "accumulateMasks"},
			{"AddTrials", "addTrials"}, {"ScatterTaps", "scatterTaps"}, {"ScaleTaps", "scaleTaps"}, {"MatMul", "matMul"},
		} {
			for _, t := range k.types {
				f.p("%s%s: %s.%s,", op.field, t.dtype.name, kernelsVar(s, t.dtype), op.method)
			}
		}
		for _, t := range k.types {
			f.p("CubaUpdate%s: cuba%[1]s(%s),", t.dtype.name, kernelsVar(s, t.dtype))
		}
		for _, t := range k.types {
			f.p("CubaUpdateAhead%s: cubaAhead%[1]s(%s),", t.dtype.name, kernelsVar(s, t.dtype))
		}
		for _, t := range k.types {
			f.p("CobaUpdate%s: coba%[1]s(%s),", t.dtype.name, kernelsVar(s, t.dtype))
			f.p("RuleUpdate%s: %s.ruleUpdate,", t.dtype.name, kernelsVar(s, t.dtype))
			f.p("RuleUpdateTrials%s: %s.ruleUpdateTrials,", t.dtype.name, kernelsVar(s, t.dtype))
		}
		for _, t := range k.types {
			ctrs := 8
			if t.dtype == f32 {
				ctrs = 16
			}
			f.p("Normals%s: normalsVia(%s, nil, %d, NormalBlock%s, %d),", t.dtype.name, t.normals, normalPass(s, t.dtype), t.dtype.name, ctrs)
			f.p("AddNormals%s: normalsVia(%s, %s, %d, NormalBlock%s, %d),", t.dtype.name, t.normals, t.addNormals, normalPass(s, t.dtype), t.dtype.name, ctrs)
		}
		for _, t := range k.types {
			f.p("BinaryMasks%s: binaryMasksVia(%s),", t.dtype.name, t.binary)
		}
		for _, t := range k.types {
			f.p("ThresholdMask%s: thresholdMaskVia(%s, %s),", t.dtype.name, t.thresholdFree, t.thresholdHeld)
		}
		for _, t := range k.types {
			f.p("FlushSubnormals%s: flushSubnormalsVia(%s, %d),", t.dtype.name, t.flush, flushVecs*t.dtype.lanes(s))
		}
		f.p("SpikeIndices: spikeIndicesVia(%s),", k.nonzero)
		f.p("}")

		f.p("")
		f.doc("", fmt.Sprintf("%sInstruments are %s's measuring loops. An iteration of PeakFMA32 is "+
			"%d independent FMAs of %d float32 lanes, two operations per lane.", v, v, s.fmaChains, f32.lanes(s)))
		f.p("var %sInstruments = &Instruments{", v)
		f.p("Name: %q,", v)
		f.p("PeakFMA32: peakFMA(%s, %d*%d*2),", k.peakFMA, s.fmaChains, f32.lanes(s))
		f.p("ReadStream32: readStream(%s),", k.readStream)
		f.p("AddStream32: addStream(%s),", k.addStream)
		f.p("InPlaceStream32: inPlaceStream(%s),", k.inPlaceStream)
		f.p("}")

		for _, t := range k.types {
			d := t.dtype
			f.p("")
			f.doc("", fmt.Sprintf("%s are %s's %s kernels.", kernelsVar(s, d), v, d.gotyp))
			f.p("var %s = &asmKernels[%s]{", kernelsVar(s, d), d.gotyp)
			f.p("updSub: %s, updZero: %s,", t.updSub, t.updZero)
			f.p("scanSub: %s, scanZero: %s, scanBlock: %d,", t.scanSub, t.scanZero, scanBlock(s, d))
			if t.scanWordSub != "" {
				f.p("scanWordSub: %s, scanWordZero: %s,", t.scanWordSub, t.scanWordZero)
			}
			f.p("rowsSub: %s, rowsZero: %s,", t.rowsSub, t.rowsZero)
			f.p("rowsStepsSub: %s, rowsStepsZero: %s,", t.rowsStepsSub, t.rowsStepsZero)
			f.p("accum: %s, accumTrials: %s, accumMasks: %s, scatter: %s, scale: %s, add: %s, cuba: %s, cubaAhead: %s, coba: %s, lanes: %d,", t.accum, t.accumTrials, t.accumMasks, t.scatterTaps, t.scaleTaps, t.addTrials, t.cuba, t.cubaAhead, t.coba, d.lanes(s))
			f.p("rule: [stepRules]ruleKernel[%s]{%s},", d.gotyp, strings.Join(t.rule, ", "))
			f.p("rulePer: [stepRules]ruleKernel[%s]{%s},", d.gotyp, strings.Join(t.rulePer, ", "))
			f.p("gemmCols: %d,", s.gemmVecs*d.lanes(s))
			f.p("gemm: [][2]gemmTile[%s]{", d.gotyp)
			for _, g := range t.gemm {
				f.p("{%s, %s},", g[0], g[1])
			}
			f.p("},")
			f.p("generic: generic%s,", d.name)
			f.p("}")
		}
	}

	f.p("")
	f.doc("", "asmImpls are the generated implementations, slowest first, as known lists them.")
	f.p("var asmImpls = []asmImpl{")
	for _, k := range gen {
		v := k.isa.goName()
		f.p("{impl: %s, instruments: %sInstruments, cpuRuns: cpuRuns%s},", v, v, k.isa.name)
	}
	f.p("}")
	for _, k := range gen {
		s := k.isa
		f.p("")
		f.doc("", fmt.Sprintf("cpuRuns%s reports whether the CPU has every feature the %s kernels use.", s.name, s.goName()))
		f.p("func cpuRuns%s() bool {", s.name)
		var has []string
		for _, ft := range s.features {
			if ft.why != "" {
				f.doc("\t", ft.why)
			}
			has = append(has, "cpu.X86."+ft.field)
		}
		f.p("return %s", strings.Join(has, " && "))
		f.p("}")
	}
	return f.Bytes()
}

func geometryFile(warning, pkg string) []byte {
	f := &goFile{}
	f.header(warning, pkg, "")
	f.doc("", "What the generic code shares with the assembly, written by kernels/_gen: the "+
		"geometry of the measuring loops and the polynomials of the Normals kernels. It is built "+
		"everywhere, not with the assembly only, because the generic ReadStream32 must sum "+
		"in the assembly's order and the generic boxMuller evaluate the same polynomials to give "+
		"their bits, and the tests size their cases by it.")
	f.p("const (")
	for i, c := range instrumentConsts {
		if i > 0 {
			f.p("")
		}
		f.doc("\t", c.name+" "+c.doc)
		f.p("%s = %d", c.name, c.value)
	}
	f.p(")")
	f.p("")
	f.p("var (")
	for i, c := range normalPolys {
		if i > 0 {
			f.p("")
		}
		f.doc("\t", c.name+" "+c.doc)
		typ, bits := "float64", 64
		if c.f32 {
			typ, bits = "float32", 32
		}
		f.p("%s = [...]%s{", c.name, typ)
		for _, v := range c.coef {
			f.p("%s,", strconv.FormatFloat(v, 'g', -1, bits))
		}
		f.p("}")
	}
	f.p(")")
	return f.Bytes()
}
