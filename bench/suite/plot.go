package suite

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"leaky/internal/atomicfile"
)

// KernelNames lists the kernels in suite order.
var KernelNames = []string{"LeakyUpdate", "LeakyScan", "AccumulateRows", "MatMul"}

// PlotKernel draws one kernel's throughput against working-set size, one
// line per implementation, on log-log axes, with the roofs of this run's
// ceilings: the memory roof (bandwidth at each size ÷ bytes per item) and
// the compute roof (peak FMA ÷ flops per item). It returns nil when r has
// no figure for the kernel.
func PlotKernel(r *Result, kernel string) (*plot.Plot, error) {
	byImpl := map[string]plotter.XYs{}
	var impls []string
	type roofPt struct{ ws, mem, fma float64 }
	roofs := map[int64]roofPt{}
	bw, peak, sizes := ceilingTables(r)
	unit := ""
	for _, f := range r.Figures {
		if f.Section != SectionKernel || f.Name != kernel || f.Median <= 0 {
			continue
		}
		unit = f.Unit
		if _, ok := byImpl[f.Impl]; !ok {
			impls = append(impls, f.Impl)
		}
		byImpl[f.Impl] = append(byImpl[f.Impl], plotter.XY{X: float64(f.WorkingSet), Y: f.Median})
		if len(sizes) > 0 && f.BytesPerItem > 0 {
			pt := roofs[f.WorkingSet]
			pt.ws = float64(f.WorkingSet)
			pt.mem = bw[ladderSize(sizes, f.WorkingSet)] / f.BytesPerItem
			if peak > 0 {
				pt.fma = peak / f.FlopsPerItem
			}
			roofs[f.WorkingSet] = pt
		}
	}
	if len(impls) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = kernel + " (float32, one thread)"
	p.X.Label.Text = "working set (bytes)"
	p.Y.Label.Text = unit
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top = false
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	for i, name := range impls {
		pts := byImpl[name]
		slices.SortFunc(pts, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("plot %s/%s: %w", kernel, name, err)
		}
		l.Color, s.Color = plotutil.Color(i), plotutil.Color(i)
		s.Shape = plotutil.Shape(i)
		p.Add(l, s)
		p.Legend.Add(name, l, s)
	}
	if len(roofs) > 0 {
		var mem, fma plotter.XYs
		for _, pt := range roofs {
			mem = append(mem, plotter.XY{X: pt.ws, Y: pt.mem})
			if pt.fma > 0 {
				fma = append(fma, plotter.XY{X: pt.ws, Y: pt.fma})
			}
		}
		for _, roof := range []struct {
			name string
			pts  plotter.XYs
			dash int
		}{{"memory roof", mem, 1}, {"compute roof", fma, 2}} {
			if len(roof.pts) == 0 {
				continue
			}
			slices.SortFunc(roof.pts, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
			l, err := plotter.NewLine(roof.pts)
			if err != nil {
				return nil, fmt.Errorf("plot %s roof: %w", kernel, err)
			}
			l.Color = color.Gray{Y: 90}
			l.Dashes = plotutil.Dashes(roof.dash)
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(roof.name, l)
		}
	}
	// Leave room above the highest roof, which would otherwise run along
	// the frame and be lost.
	p.Y.Max *= 1.6
	return p, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ceilingTables returns the best bandwidth at each ladder size, the peak
// FMA rate and the sorted ladder sizes of r. A ceiling is what the machine
// can do at best, and a competing process only ever slows a repetition
// down, so the roofs use each ceiling's fastest repetition (Max), not its
// median: a kernel is never held to a roof that noise has lowered. The
// in-place ceilings are left out: only the kernels that read and write their
// own arrays are held to them, each to its own implementation's (memRoof).
func ceilingTables(r *Result) (map[int64]float64, float64, []int64) {
	bw := map[int64]float64{}
	var peak float64
	var sizes []int64
	for _, f := range r.Figures {
		if f.Section != SectionCeiling || isInPlace(f) {
			continue
		}
		switch f.Unit {
		case "B/s":
			if _, ok := bw[f.WorkingSet]; !ok {
				sizes = append(sizes, f.WorkingSet)
			}
			bw[f.WorkingSet] = max(bw[f.WorkingSet], f.Max)
		case "FLOP/s":
			peak = max(peak, f.Max)
		}
	}
	slices.Sort(sizes)
	return bw, peak, sizes
}

// WritePlot draws every kernel of r into one PNG (a 2 × 2 grid) at path.
func WritePlot(r *Result, path string) error {
	var plots []*plot.Plot
	for _, k := range KernelNames {
		p, err := PlotKernel(r, k)
		if err != nil {
			return err
		}
		if p != nil {
			plots = append(plots, p)
		}
	}
	if len(plots) == 0 {
		return fmt.Errorf("no kernel figures to plot (was --filter too narrow?)")
	}
	cols := min(2, len(plots))
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range cols {
			if k := i*cols + j; k < len(plots) {
				grid[i][j] = plots[k]
			}
		}
	}
	img := vgimg.New(vg.Length(cols)*6*vg.Inch, vg.Length(rows)*4.5*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(grid, tiles, dc)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	return savePNG(img, path)
}

// WriteKernelPlots writes one PNG per kernel into dir (named after the
// kernel in lower case) and returns the file names written.
func WriteKernelPlots(r *Result, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, k := range KernelNames {
		p, err := PlotKernel(r, k)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		name := strings.ToLower(k) + ".png"
		img, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "png")
		if err != nil {
			return nil, fmt.Errorf("draw %s: %w", filepath.Join(dir, name), err)
		}
		if err := writeTo(filepath.Join(dir, name), img); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func savePNG(img *vgimg.Canvas, path string) error {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		return fmt.Errorf("plot file %q: only .png is supported", path)
	}
	return writeTo(path, vgimg.PngCanvas{Canvas: img})
}

// writeTo writes a chart through atomicfile, so that a reader (a browser
// showing BENCHMARKS.md, a script) never finds half a PNG.
func writeTo(path string, img io.WriterTo) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := img.WriteTo(w)
		return err
	})
}
