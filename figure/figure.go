package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"leaky/internal/atomicfile"
)

// Figure is a stack of panels sharing one time axis, from 0 to Steps·Dt
// seconds, drawn 7 inches wide.
type Figure struct {
	// Title heads the first panel.
	Title string
	// Dt is the time step in seconds; step t is drawn at t·Dt.
	Dt float64
	// Steps is the length of the time axis in steps.
	Steps int
	// RowHeight is each panel's height in inches, DPI the resolution.
	RowHeight float64
	DPI       int
	// Panels are drawn top to bottom.
	Panels []Panel
}

// Panel is one row of a figure: traces, a spike raster or a population
// rate, with a y-axis label.
type Panel struct {
	Label string
	// Traces are lines, one value per step. A single unlabelled trace is
	// drawn in black; with Legend set, up to four traces are told apart by
	// colour, labelled, and given headroom for the legend.
	Traces [][]float64
	Legend []string
	// Raster, when set, makes this a spike raster.
	Raster *Raster
	// Rate, when set, makes this a population-rate panel.
	Rate *Rate
}

// Raster lists spikes as (step, neuron) points of the first Neurons
// neurons.
type Raster struct {
	Steps, Neurons []int
	// Rows is the number of neurons the raster covers.
	Rows int
}

// Rate is a population's spike count at each step (all trials), drawn as
// a rate in Hz over bins of 10 ms.
type Rate struct {
	Counts []int64
	// Neurons is the population's size times its trials.
	Neurons int
}

// maxPoints bounds the points of a drawn line: more than a few per pixel
// column cannot be seen and make drawing slow.
const maxPoints = 4000

// Draw writes the figure to path as a PNG.
func Draw(path string, f Figure) error {
	if !(f.Dt > 0) || f.Steps < 1 {
		return fmt.Errorf("figure %s: dt %v and steps %d must be positive", path, f.Dt, f.Steps)
	}
	if len(f.Panels) == 0 {
		return fmt.Errorf("figure %s: nothing was recorded to draw (record spikes or v of a population)", path)
	}
	if !(f.RowHeight > 0) || f.DPI < 1 {
		return fmt.Errorf("figure %s: row height %v and dpi %d must be positive", path, f.RowHeight, f.DPI)
	}
	tEnd := float64(f.Steps) * f.Dt
	rows := make([]*plot.Plot, len(f.Panels))
	for i, pn := range f.Panels {
		var p *plot.Plot
		var err error
		switch {
		case pn.Raster != nil:
			p, err = rasterPanel(pn.Label, *pn.Raster, f.Dt, tEnd)
		case pn.Rate != nil:
			p, err = ratePanel(pn.Label, *pn.Rate, f.Dt, tEnd)
		default:
			p, err = tracePanel(pn, f.Dt, tEnd)
		}
		if err != nil {
			return fmt.Errorf("figure %s: %w", path, err)
		}
		rows[i] = p
	}
	rows[0].Title.Text = f.Title
	for _, p := range rows[:len(rows)-1] {
		p.X.Tick.Label.Color = color.Transparent
	}
	rows[len(rows)-1].X.Label.Text = "Time (s)"

	width := 7 * vg.Inch
	height := vg.Length(len(rows)) * vg.Length(f.RowHeight) * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(f.DPI))
	grid := make([][]*plot.Plot, len(rows))
	for i, p := range rows {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10), PadY: vg.Points(6)}
	canvases := plot.Align(grid, tiles, draw.New(img))
	for i, p := range rows {
		p.Draw(canvases[i][0])
	}
	return writePNG(path, img)
}

// writePNG writes the figure through atomicfile, so a reader never sees
// half a figure. The messages atomicfile gives name the file.
func writePNG(path string, img *vgimg.Canvas) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	return nil
}

func newPanel(ylabel string, tEnd float64) *plot.Plot {
	p := plot.New()
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, tEnd
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = color.Gray{Y: 153}
	grid.Horizontal.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
	grid.Horizontal.Width = vg.Points(0.75)
	p.Add(grid)
	return p
}

// traceColors tell up to four overlaid, labelled traces apart.
var traceColors = []color.Color{color.Black, color.RGBA{R: 200, A: 255}, color.RGBA{B: 200, A: 255}, color.RGBA{G: 140, A: 255}}

func tracePanel(pn Panel, dt, tEnd float64) (*plot.Plot, error) {
	p := newPanel(pn.Label, tEnd)
	traces := pn.Traces
	if pn.Legend != nil {
		traces = traces[:min(len(traces), len(traceColors))]
	}
	for k, y := range traces {
		xy := envelope(y, dt, maxPoints)
		// The rasteriser's cost grows with the square of a path's length,
		// so a long trace is stroked as short pieces that share their end
		// points.
		for lo := 0; lo < len(xy); lo += pieceLen {
			line, err := plotter.NewLine(xy[lo:min(lo+pieceLen+1, len(xy))])
			if err != nil {
				return nil, fmt.Errorf("%s panel: %w", pn.Label, err)
			}
			line.Color = color.Black
			if pn.Legend != nil {
				line.Color = traceColors[k]
			}
			line.Width = vg.Points(1)
			p.Add(line)
			if lo == 0 && k < len(pn.Legend) {
				p.Legend.Add(pn.Legend[k], line)
			}
		}
	}
	if pn.Legend == nil {
		return p, nil
	}
	p.Legend.Top = true
	// Headroom above the traces for the legend, which would otherwise sit
	// on them.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range traces {
		for _, v := range y {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if lo < hi {
		p.Y.Min, p.Y.Max = lo, hi+1.3*(hi-lo)
	}
	return p, nil
}

// pieceLen is the number of segments stroked as one path.
const pieceLen = 64

// envelope returns y against time, reduced to at most about limit points by
// keeping the minimum and maximum of each bucket in time order, so narrow
// peaks such as spikes survive the reduction.
func envelope(y []float64, dt float64, limit int) plotter.XYs {
	if len(y) <= limit {
		xy := make(plotter.XYs, len(y))
		for i, v := range y {
			xy[i] = plotter.XY{X: float64(i) * dt, Y: v}
		}
		return xy
	}
	buckets := limit / 2
	xy := make(plotter.XYs, 0, 2*buckets)
	for k := 0; k < buckets; k++ {
		lo, hi := k*len(y)/buckets, (k+1)*len(y)/buckets
		imin, imax := lo, lo
		for i := lo; i < hi; i++ {
			if y[i] < y[imin] {
				imin = i
			}
			if y[i] > y[imax] {
				imax = i
			}
		}
		a, b := min(imin, imax), max(imin, imax)
		xy = append(xy, plotter.XY{X: float64(a) * dt, Y: y[a]}, plotter.XY{X: float64(b) * dt, Y: y[b]})
	}
	return xy
}

func rasterPanel(label string, r Raster, dt, tEnd float64) (*plot.Plot, error) {
	p := newPanel(label, tEnd)
	p.Y.Min, p.Y.Max = -0.5, float64(max(r.Rows, 1))-0.5
	if len(r.Steps) != len(r.Neurons) {
		return nil, fmt.Errorf("raster: %d spike steps but %d neurons", len(r.Steps), len(r.Neurons))
	}
	if len(r.Steps) == 0 {
		return p, nil
	}
	xy := make(plotter.XYs, len(r.Steps))
	for i := range xy {
		xy[i] = plotter.XY{X: float64(r.Steps[i]) * dt, Y: float64(r.Neurons[i])}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, fmt.Errorf("raster: %w", err)
	}
	sc.GlyphStyle.Radius = vg.Points(0.8)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Color = color.Black
	p.Add(sc)
	return p, nil
}

// rateBin is the width of a rate bin in seconds, unless the run is too
// short for ten of them.
const rateBin = 10e-3

func ratePanel(label string, r Rate, dt, tEnd float64) (*plot.Plot, error) {
	p := newPanel(label, tEnd)
	steps := len(r.Counts)
	if steps == 0 {
		return p, nil
	}
	per := int(math.Round(rateBin / dt))
	per = min(max(per, 1), max(steps/10, 1))
	neurons := float64(max(r.Neurons, 1))
	var xy plotter.XYs
	for lo := 0; lo < steps; lo += per {
		hi := min(lo+per, steps)
		var c int64
		for _, n := range r.Counts[lo:hi] {
			c += n
		}
		rate := float64(c) / (float64(hi-lo) * dt * neurons)
		// A step line: the bin's rate holds over its whole width.
		xy = append(xy, plotter.XY{X: float64(lo) * dt, Y: rate}, plotter.XY{X: float64(hi) * dt, Y: rate})
	}
	line, err := plotter.NewLine(xy)
	if err != nil {
		return nil, fmt.Errorf("rate: %w", err)
	}
	line.Color = color.Black
	p.Add(line)
	p.Y.Min = 0
	return p, nil
}
