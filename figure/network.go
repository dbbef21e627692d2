package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Network is what the figure of a multi-population run shows: for each
// population a spike raster and the population rate (when its spikes were
// recorded) and the potential of a few neurons (when V was recorded).
type Network struct {
	// Dt is the time step in seconds, Steps the number of steps run.
	Dt    float64
	Steps int
	// Title heads the figure.
	Title string
	// Pops are drawn top to bottom in order.
	Pops []NetworkPop
}

// NetworkPop is one population's part of a Network figure.
type NetworkPop struct {
	// Name labels the panels; N and Batch size the population.
	Name     string
	N, Batch int
	// Spiking reports whether spikes were recorded; then SpikeSteps and
	// SpikeNeurons list those of trial 0 among the first RasterNeurons
	// neurons, and Counts the spikes of all trials per step.
	Spiking                  bool
	SpikeSteps, SpikeNeurons []int
	RasterNeurons            int
	Counts                   []int64
	// Traces are V traces of trial 0 (one value per step), labelled by
	// TraceLabels.
	Traces      [][]float64
	TraceLabels []string
}

// traceColors tell up to four overlaid traces apart.
var traceColors = []color.Color{color.Black, color.RGBA{R: 200, A: 255}, color.RGBA{B: 200, A: 255}, color.RGBA{G: 140, A: 255}}

// DrawNetwork writes the figure of a multi-population run to path as a PNG.
func DrawNetwork(path string, d Network) error {
	if !(d.Dt > 0) || d.Steps < 1 {
		return fmt.Errorf("figure %s: dt %v and steps %d must be positive", path, d.Dt, d.Steps)
	}
	tEnd := float64(d.Steps) * d.Dt
	var rows []*plot.Plot
	for _, pop := range d.Pops {
		first := len(rows)
		if pop.Spiking {
			data := Data{Dt: d.Dt, N: pop.N, Batch: pop.Batch, SpikeSteps: pop.SpikeSteps, SpikeNeurons: pop.SpikeNeurons, RasterNeurons: pop.RasterNeurons, Counts: pop.Counts}
			r, err := rasterPanel(data, tEnd)
			if err != nil {
				return fmt.Errorf("figure %s: %s: %w", path, pop.Name, err)
			}
			r.Y.Label.Text = pop.Name + " neuron"
			rate, err := ratePanel(data, tEnd)
			if err != nil {
				return fmt.Errorf("figure %s: %s: %w", path, pop.Name, err)
			}
			rate.Y.Label.Text = pop.Name + " rate (Hz)"
			rows = append(rows, r, rate)
		}
		if len(pop.Traces) > 0 {
			p := newPanel(pop.Name+" V", tEnd)
			for k, y := range pop.Traces[:min(len(pop.Traces), len(traceColors))] {
				xy := envelope(y, d.Dt, maxPoints)
				for lo := 0; lo < len(xy); lo += pieceLen {
					line, err := plotter.NewLine(xy[lo:min(lo+pieceLen+1, len(xy))])
					if err != nil {
						return fmt.Errorf("figure %s: %s V: %w", path, pop.Name, err)
					}
					line.Color = traceColors[k]
					line.Width = vg.Points(1)
					p.Add(line)
					if lo == 0 && k < len(pop.TraceLabels) {
						p.Legend.Add(pop.TraceLabels[k], line)
					}
				}
			}
			p.Legend.Top = true
			// Headroom above the traces for the legend, which would
			// otherwise sit on them.
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, y := range pop.Traces[:min(len(pop.Traces), len(traceColors))] {
				for _, v := range y {
					if !math.IsNaN(v) && !math.IsInf(v, 0) {
						lo, hi = min(lo, v), max(hi, v)
					}
				}
			}
			if lo < hi {
				p.Y.Min, p.Y.Max = lo, hi+1.3*(hi-lo)
			}
			rows = append(rows, p)
		}
		if len(rows) > first && first == 0 {
			rows[0].Title.Text = d.Title
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("figure %s: nothing was recorded to draw (record spikes or v of a population)", path)
	}
	for _, p := range rows[:len(rows)-1] {
		p.X.Tick.Label.Color = color.Transparent
	}
	rows[len(rows)-1].X.Label.Text = "Time (s)"
	width := 7 * vg.Inch
	height := vg.Length(len(rows)) * 1.4 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(100))
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
