// Package figure draws the figure leaky run writes: the seed notebook's
// three panels for one neuron (membrane potential with spikes drawn at 5θ,
// synaptic current, input current, against time in seconds) and, for
// populations of more than one neuron, a spike raster and the population
// rate, stacked in one PNG with gonum.org/v1/plot.
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

// Data is what the figure shows.
type Data struct {
	// Dt is the time step in seconds; step t is drawn at t·Dt.
	Dt float64
	// Threshold is θ; V above it is drawn at 5θ, as the seed notebook does,
	// so spikes stand out.
	Threshold float64
	// Neuron and Trial identify the neuron whose traces are shown.
	Neuron, Trial int
	// V, Isyn and Iinp are that neuron's values at the start of each step.
	V, Isyn, Iinp []float64
	// N and Batch are the population's size; the raster and rate panels
	// are drawn when N > 1.
	N, Batch int
	// SpikeSteps and SpikeNeurons list the spikes shown in the raster (of
	// trial Trial, typically only the first few hundred neurons).
	SpikeSteps, SpikeNeurons []int
	// RasterNeurons is the number of neurons the raster covers.
	RasterNeurons int
	// Counts is the number of spikes of the whole population (all trials)
	// at each step, for the rate panel.
	Counts []int64
	// Title heads the figure.
	Title string
}

// maxPoints bounds the points of a drawn line: more than a few per pixel
// column cannot be seen and make drawing slow.
const maxPoints = 4000

// Draw writes the figure to path as a PNG.
func Draw(path string, d Data) error {
	if len(d.V) == 0 || len(d.V) != len(d.Isyn) || len(d.V) != len(d.Iinp) {
		return fmt.Errorf("figure %s: traces of %d, %d and %d steps; want equal and non-empty", path, len(d.V), len(d.Isyn), len(d.Iinp))
	}
	if !(d.Dt > 0) {
		return fmt.Errorf("figure %s: dt %v must be positive", path, d.Dt)
	}
	steps := len(d.V)
	tEnd := float64(steps) * d.Dt

	vm := make([]float64, steps)
	for i, v := range d.V {
		// As the notebook's Vm[Vm > θ] = 5θ: a spike is drawn as a spike.
		if v > d.Threshold {
			v = 5 * d.Threshold
		}
		vm[i] = v
	}
	var rows []*plot.Plot
	for k, tr := range []struct {
		label string
		y     []float64
	}{{"Vm", vm}, {"I_syn", d.Isyn}, {"I_inp", d.Iinp}} {
		p, err := linePanel(tr.label, tr.y, d.Dt, tEnd)
		if err != nil {
			return fmt.Errorf("figure %s: %w", path, err)
		}
		if k == 0 {
			p.Title.Text = d.Title
			if p.Title.Text == "" {
				p.Title.Text = fmt.Sprintf("neuron %d, trial %d", d.Neuron, d.Trial)
			}
		}
		rows = append(rows, p)
	}
	if d.N > 1 {
		r, err := rasterPanel(d, tEnd)
		if err != nil {
			return fmt.Errorf("figure %s: %w", path, err)
		}
		rate, err := ratePanel(d, tEnd)
		if err != nil {
			return fmt.Errorf("figure %s: %w", path, err)
		}
		rows = append(rows, r, rate)
	}
	for _, p := range rows[:len(rows)-1] {
		p.X.Tick.Label.Color = color.Transparent
	}
	rows[len(rows)-1].X.Label.Text = "Time (s)"

	width := 7 * vg.Inch
	height := vg.Length(len(rows)) * 1.6 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110))
	dc := draw.New(img)
	grid := make([][]*plot.Plot, len(rows))
	for i, p := range rows {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10), PadY: vg.Points(6)}
	canvases := plot.Align(grid, tiles, dc)
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

func linePanel(ylabel string, y []float64, dt, tEnd float64) (*plot.Plot, error) {
	p := newPanel(ylabel, tEnd)
	xy := envelope(y, dt, maxPoints)
	// The rasteriser's cost grows with the square of a path's length, so a
	// long trace is stroked as short pieces that share their end points.
	for lo := 0; lo < len(xy); lo += pieceLen {
		hi := min(lo+pieceLen+1, len(xy))
		line, err := plotter.NewLine(xy[lo:hi])
		if err != nil {
			return nil, fmt.Errorf("%s panel: %w", ylabel, err)
		}
		line.Color = color.Black
		line.Width = vg.Points(1)
		p.Add(line)
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
		a, b := min(imin, imax), max2(imin, imax)
		xy = append(xy, plotter.XY{X: float64(a) * dt, Y: y[a]}, plotter.XY{X: float64(b) * dt, Y: y[b]})
	}
	return xy
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func rasterPanel(d Data, tEnd float64) (*plot.Plot, error) {
	p := newPanel("neuron", tEnd)
	p.Y.Min, p.Y.Max = -0.5, float64(max2(d.RasterNeurons, 1))-0.5
	if len(d.SpikeSteps) != len(d.SpikeNeurons) {
		return nil, fmt.Errorf("raster: %d spike steps but %d neurons", len(d.SpikeSteps), len(d.SpikeNeurons))
	}
	if len(d.SpikeSteps) == 0 {
		return p, nil
	}
	xy := make(plotter.XYs, len(d.SpikeSteps))
	for i := range xy {
		xy[i] = plotter.XY{X: float64(d.SpikeSteps[i]) * d.Dt, Y: float64(d.SpikeNeurons[i])}
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

func ratePanel(d Data, tEnd float64) (*plot.Plot, error) {
	p := newPanel("rate (Hz)", tEnd)
	steps := len(d.Counts)
	if steps == 0 {
		return p, nil
	}
	per := int(math.Round(rateBin / d.Dt))
	per = min(max2(per, 1), max2(steps/10, 1))
	neurons := float64(d.N * max2(d.Batch, 1))
	var xy plotter.XYs
	for lo := 0; lo < steps; lo += per {
		hi := min(lo+per, steps)
		var c int64
		for _, n := range d.Counts[lo:hi] {
			c += n
		}
		rate := float64(c) / (float64(hi-lo) * d.Dt * neurons)
		// A step line: the bin's rate holds over its whole width.
		xy = append(xy, plotter.XY{X: float64(lo) * d.Dt, Y: rate}, plotter.XY{X: float64(hi) * d.Dt, Y: rate})
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
