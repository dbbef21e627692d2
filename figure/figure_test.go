package figure

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDrawWritesPNG(t *testing.T) {
	dir := t.TempDir()
	steps := 9000 // more than maxPoints, so the envelope is used
	v, isyn, iinp := make([]float64, steps), make([]float64, steps), make([]float64, steps)
	raster := Raster{Rows: 50}
	counts := make([]int64, steps)
	for i := range v {
		v[i] = float64(i%100) / 80
		isyn[i] = float64(i%37) / 37
		iinp[i] = float64(i % 3)
		if i%100 == 90 {
			raster.Steps = append(raster.Steps, i)
			raster.Neurons = append(raster.Neurons, (i/100)%50)
			counts[i] = 1
		}
	}
	for _, n := range []int{1, 50} {
		d := Figure{Title: "neuron 0", Dt: 0.5e-3, Steps: steps, RowHeight: 1.6, DPI: 110, Panels: []Panel{
			{Label: "Vm", Traces: [][]float64{v}}, {Label: "I_syn", Traces: [][]float64{isyn}}, {Label: "I_inp", Traces: [][]float64{iinp}},
		}}
		if n > 1 {
			d.Panels = append(d.Panels, Panel{Label: "neuron", Raster: &raster}, Panel{Label: "rate (Hz)", Rate: &Rate{Counts: counts, Neurons: n}})
		}
		path := filepath.Join(dir, "f.png")
		if err := Draw(path, d); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		panels := 3
		if n > 1 {
			panels = 5
		}
		// 7 inches wide, 1.6 inches per panel, at 110 dpi.
		if b.Dx() != 770 || b.Dy() != int(float64(panels)*1.6*110+0.5) {
			t.Fatalf("N=%d: image %dx%d", n, b.Dx(), b.Dy())
		}
		// Every other pixel of every other row is enough to tell a drawn
		// figure from a blank one.
		dark := 0
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x4000 {
					dark++
				}
			}
		}
		if dark < b.Dx()*b.Dy()/800 {
			t.Fatalf("N=%d: only %d dark pixels; the figure looks empty", n, dark)
		}
		if _, err := os.Stat(path + ".part"); !os.IsNotExist(err) {
			t.Fatal("temporary figure left behind")
		}
	}
}

func TestEnvelopeKeepsPeaks(t *testing.T) {
	y := make([]float64, 100000)
	y[54321] = 5
	y[7] = -3
	xy := envelope(y, 1, 1000)
	if len(xy) > 1000 {
		t.Fatalf("%d points", len(xy))
	}
	var hiSeen, loSeen bool
	for _, p := range xy {
		hiSeen = hiSeen || (p.Y == 5 && p.X == 54321)
		loSeen = loSeen || (p.Y == -3 && p.X == 7)
	}
	if !hiSeen || !loSeen {
		t.Fatal("envelope lost a peak")
	}
}

func TestDrawRefusesBadData(t *testing.T) {
	one := []Panel{{Label: "V", Traces: [][]float64{{1}}}}
	for _, c := range []struct {
		f    Figure
		says string
	}{
		{Figure{Dt: 0, Steps: 1, RowHeight: 1, DPI: 100, Panels: one}, "dt 0 and steps 1 must be positive"},
		{Figure{Dt: 1, Steps: 1, RowHeight: 1, DPI: 100}, "nothing was recorded"},
		{Figure{Dt: 1, Steps: 2, RowHeight: 1, DPI: 100, Panels: []Panel{{Label: "r", Raster: &Raster{Steps: []int{1}}}}}, "1 spike steps but 0 neurons"},
	} {
		if err := Draw(filepath.Join(t.TempDir(), "f.png"), c.f); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("got %v, want %q", err, c.says)
		}
	}
	err := Draw(filepath.Join(t.TempDir(), "missing", "f.png"), Figure{Dt: 1, Steps: 1, RowHeight: 1, DPI: 100, Panels: one})
	if err == nil || !strings.Contains(err.Error(), "f.png.part") {
		t.Fatalf("got %v", err)
	}
}
