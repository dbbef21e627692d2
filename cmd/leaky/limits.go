package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"leaky/engine"
)

// runSize is what the memory and disk estimates of a leaky run depend on,
// known from the flags and file headers before anything is allocated.
type runSize struct {
	elem                    int // bytes per value: 4 or 8
	steps, batch            int
	inputs, neurons         int
	width                   int  // neurons per trial in each recorded trace
	inputArray              bool // inputs come from a file held in memory
	procedural              bool // weights are regenerated, not stored
	traces                  int  // number of recorded state variables
	spikes                  bool // spikes are recorded
	expectedSpikesPerStep   float64
	streamBuffer, rowBuffer int64 // bytes each output stream buffers
}

// estimateRun estimates the memory a feed-forward run holds. Output files
// stream, so traces cost only their buffers in memory, however long the
// run; what they cost on disk is diskBytes.
func estimateRun(s runSize) (engine.Memory, error) {
	var m engine.Memory
	if err := m.AddPopulation("lif", s.elem, s.batch, s.neurons); err != nil {
		return m, err
	}
	if !s.procedural {
		if err := m.AddWeights("input->lif", s.elem, s.inputs, s.neurons); err != nil {
			return m, err
		}
	}
	if s.inputArray {
		// The file is decoded to float64 and then converted, so both
		// copies are alive at the peak.
		n := int64(s.steps) * int64(s.batch) * int64(s.inputs)
		if s.steps > 0 && n/int64(s.steps) != int64(s.batch)*int64(s.inputs) {
			return m, fmt.Errorf("input array of %d steps × %d trials × %d inputs overflows", s.steps, s.batch, s.inputs)
		}
		if err := m.AddInput("inputs", n, int64(s.elem)+8); err != nil {
			return m, err
		}
	} else if err := m.AddInput("poisson", int64(s.batch)*int64(s.inputs), 4); err != nil {
		return m, err
	}
	streams := s.traces
	if s.spikes {
		streams++
	}
	for i := 0; i < streams; i++ {
		if err := m.AddRecorder("stream", 1, s.streamBuffer+s.rowBuffer); err != nil {
			return m, err
		}
	}
	// The figure keeps three float64 traces of one neuron and the
	// population rate for every step.
	if err := m.AddRecorder("figure", int64(s.steps), 4*8); err != nil {
		return m, err
	}
	return m, nil
}

// diskBytes estimates the bytes the run's output files will take: traces
// exactly, spikes from the expected rate.
func diskBytes(s runSize) float64 {
	b := float64(s.traces) * float64(s.steps) * float64(s.batch) * float64(s.width) * float64(s.elem)
	if s.spikes {
		b += 24 * float64(s.steps) * s.expectedSpikesPerStep
	}
	return b
}

// formatBytes prints a byte count in binary units, e.g. "1.5 GiB".
func formatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for math.Abs(b) >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

// memoryLimit is the memory this process may still use and where that
// figure comes from: the smaller of MemAvailable in meminfo and the room
// left under the cgroup's memory.max. ok is false when neither can be read
// (not Linux), and the check is then skipped.
func memoryLimit(meminfo, cgroupMax, cgroupCurrent string) (bytes int64, source string, ok bool) {
	if avail, err := readMemAvailable(meminfo); err == nil {
		bytes, source, ok = avail, meminfo+" MemAvailable", true
	}
	limit, err1 := readCgroupValue(cgroupMax)
	used, err2 := readCgroupValue(cgroupCurrent)
	if err1 == nil && err2 == nil && limit >= 0 {
		room := max(limit-used, 0)
		if !ok || room < bytes {
			bytes, source, ok = room, cgroupMax+" minus "+cgroupCurrent, true
		}
	}
	return bytes, source, ok
}

func readMemAvailable(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
				return 0, fmt.Errorf("%s: cannot parse MemAvailable %q", path, fields[1])
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("%s: no MemAvailable line", path)
}

// readCgroupValue reads a cgroup v2 memory file: a byte count, or "max"
// (no limit), returned as −1.
func readCgroupValue(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s: cannot parse %q", path, s)
	}
	return v, nil
}

// Where the memory limits are read; tests point these at fixtures.
var (
	meminfoPath       = "/proc/meminfo"
	cgroupMaxPath     = "/sys/fs/cgroup/memory.max"
	cgroupCurrentPath = "/sys/fs/cgroup/memory.current"
)

// errTooLarge marks a run refused by checkLimits.
var errTooLarge = errors.New("run too large")

// limitHints say what to change when a run does not fit: in memory, and
// on disk.
type limitHints struct{ memory, disk string }

// checkLimits refuses a run whose memory estimate exceeds the memory
// available, or whose output (disk bytes) would not fit on the disk
// holding outDir, saying what to change; force skips both checks.
func checkLimits(m engine.Memory, disk float64, hints limitHints, outDir string, force bool) error {
	if force {
		return nil
	}
	if avail, source, ok := memoryLimit(meminfoPath, cgroupMaxPath, cgroupCurrentPath); ok && m.Total() > avail {
		return badInput(fmt.Errorf("%w: the run needs about %s of memory (state %s = %.0f bytes per neuron × %d neurons, weights %s, inputs %s, recorders %s) but only %s is available (%s); %s, or --force to try anyway",
			errTooLarge, formatBytes(float64(m.Total())), formatBytes(float64(m.State)), m.StatePerNeuron(), m.Neurons,
			formatBytes(float64(m.Weights)), formatBytes(float64(m.Inputs)), formatBytes(float64(m.Recorders)),
			formatBytes(float64(avail)), source, hints.memory))
	}
	// The output directory may not exist yet: ask about the nearest
	// directory that does, which is on the disk it will be created on.
	dir := outDir
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		free := float64(st.Bavail) * float64(st.Bsize)
		if disk > free {
			return badInput(fmt.Errorf("%w: the output needs about %s on disk but %s has %s free; %s, or --force to try anyway",
				errTooLarge, formatBytes(disk), outDir, formatBytes(free), hints.disk))
		}
	}
	return nil
}

// weightsHint suggests procedural weights when stored weights are most of
// a run that does not fit.
func weightsHint(m engine.Memory, s runSize) string {
	if !s.procedural && m.Weights > m.Total()/2 {
		return "the weights alone take " + formatBytes(float64(m.Weights)) + ": --procedural-weights regenerates them instead (same results), or "
	}
	return ""
}

// checkRunLimits estimates the memory of the run the flags describe and
// refuses it, before the network is allocated, when it exceeds what the
// machine has (unless --force). The estimate goes into summary.json.
func checkRunLimits[T engine.Float](o *runOptions, spikes bool, traces int, subset []int) (engine.Memory, error) {
	elem := elemSize[T]()
	width := o.neurons
	if subset != nil {
		width = len(subset)
	}
	s := runSize{
		elem: elem, steps: o.steps, batch: o.batch, inputs: o.nInputs, neurons: o.neurons,
		width: width, inputArray: o.inputs != "", procedural: o.procedural, traces: traces, spikes: spikes,
		// A guess for the disk check only: neurons firing at the input rate.
		expectedSpikesPerStep: float64(o.batch) * float64(o.neurons) * o.rate * o.dt,
		streamBuffer:          npyStreamBuffer,
		rowBuffer:             int64(o.batch) * int64(width) * int64(elem),
	}
	m, err := estimateRun(s)
	if err != nil {
		return m, badInput(fmt.Errorf("%w; use fewer --neurons, --n-inputs, --batch or --steps", err))
	}
	hints := limitHints{
		memory: weightsHint(m, s) + "use fewer --neurons, a smaller --batch or --n-inputs, float32",
		disk:   "record less (--record, --record-neurons subsets), fewer --steps",
	}
	return m, checkLimits(m, diskBytes(s), hints, o.out, o.long.force)
}

// elemSize is the bytes of one value of T.
func elemSize[T engine.Float]() int {
	var z T
	if any(z) == any(float32(0)) {
		return 4
	}
	return 8
}

// npyStreamBuffer is what one streaming .npy writer holds in memory: its
// write buffer and its encoding scratch.
const npyStreamBuffer = 1<<20 + 64<<10
