package session

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a bar for runs that take longer than about a second, and
// only when the writer is a terminal: logs and pipes get no
// carriage-return noise.
type progress struct {
	w       io.Writer
	total   int
	on      bool
	start   time.Time
	last    time.Time
	drawn   bool
	checked int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

// update is called after every step; it reads the clock only every 64
// steps so that small steps stay cheap.
func (p *progress) update(done int) {
	if !p.on || done-p.checked < 64 && done != p.total {
		return
	}
	p.checked = done
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.drawn = true
	frac := float64(done) / float64(p.total)
	const width = 30
	fill := int(frac * width)
	eta := time.Duration(float64(now.Sub(p.start)) * (1 - frac) / frac).Round(time.Second)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d/%d steps, %v left ", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), 100*frac, done, p.total, eta)
}

// finish clears the bar's line.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 78))
	}
}
