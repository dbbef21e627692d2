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
	d := Data{Dt: 0.5e-3, Threshold: 1, V: make([]float64, steps), Isyn: make([]float64, steps), Iinp: make([]float64, steps), N: 50, Batch: 1, RasterNeurons: 50, Counts: make([]int64, steps)}
	for i := range d.V {
		d.V[i] = float64(i%100) / 80
		d.Isyn[i] = float64(i%37) / 37
		d.Iinp[i] = float64(i % 3)
		if i%100 == 90 {
			d.SpikeSteps = append(d.SpikeSteps, i)
			d.SpikeNeurons = append(d.SpikeNeurons, (i/100)%50)
			d.Counts[i] = 1
		}
	}
	for _, n := range []int{1, 50} {
		d.N = n
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
	err := Draw(filepath.Join(t.TempDir(), "f.png"), Data{Dt: 1, V: []float64{1, 2}, Isyn: []float64{1}, Iinp: []float64{1, 2}})
	if err == nil || !strings.Contains(err.Error(), "2, 1 and 2 steps") {
		t.Fatalf("got %v", err)
	}
	err = Draw(filepath.Join(t.TempDir(), "missing", "f.png"), Data{Dt: 1, V: []float64{1}, Isyn: []float64{1}, Iinp: []float64{1}})
	if err == nil || !strings.Contains(err.Error(), "f.png.part") {
		t.Fatalf("got %v", err)
	}
}
