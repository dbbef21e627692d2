package session

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

// ErrTooLarge marks a run refused because its memory or disk estimate
// exceeds what the machine has; Options.Force skips the check.
var ErrTooLarge = errors.New("run too large")

// npyStreamBuffer is what one streaming .npy writer holds in memory: its
// write buffer and its encoding scratch.
const npyStreamBuffer = 1<<20 + 64<<10

// Where the memory limits are read; tests point these at fixtures.
var (
	MeminfoPath       = "/proc/meminfo"
	CgroupMaxPath     = "/sys/fs/cgroup/memory.max"
	CgroupCurrentPath = "/sys/fs/cgroup/memory.current"
)

// FormatBytes prints a byte count in binary units, e.g. "1.5 GiB".
func FormatBytes(b float64) string {
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

// MemoryLimit is the memory this process may still use and where that
// figure comes from: the smaller of MemAvailable in meminfo and the room
// left under the cgroup's memory.max. ok is false when neither can be read
// (not Linux), and the check is then skipped.
func MemoryLimit(meminfo, cgroupMax, cgroupCurrent string) (bytes int64, source string, ok bool) {
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

// checkLimits refuses a run whose memory estimate exceeds the memory
// available, or whose output (disk bytes) would not fit on the disk
// holding outDir, saying what to change and, by force, how to skip the
// check.
func checkLimits(m engine.Memory, disk float64, memHint, diskHint, outDir, force string) error {
	if avail, source, ok := MemoryLimit(MeminfoPath, CgroupMaxPath, CgroupCurrentPath); ok && m.Total() > avail {
		return badInput(fmt.Errorf("%w: the run needs about %s of memory (state %s = %.0f bytes per neuron × %d neurons, weights %s, inputs %s, recorders %s, stepping in blocks %s) but only %s is available (%s); %s, or %s to try anyway",
			ErrTooLarge, FormatBytes(float64(m.Total())), FormatBytes(float64(m.State)), m.StatePerNeuron(), m.Neurons,
			FormatBytes(float64(m.Weights)), FormatBytes(float64(m.Inputs)), FormatBytes(float64(m.Recorders)), FormatBytes(float64(m.Blocks)),
			FormatBytes(float64(avail)), source, memHint, force))
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
			return badInput(fmt.Errorf("%w: the output needs about %s on disk but %s has %s free; %s, or %s to try anyway",
				ErrTooLarge, FormatBytes(disk), outDir, FormatBytes(free), diskHint, force))
		}
	}
	return nil
}

// MemoryReport is the memory estimate as summary.json reports it.
type MemoryReport struct {
	StateBytesPerNeuron float64 `json:"state_bytes_per_neuron"`
	StateBytes          int64   `json:"state_bytes"`
	WeightBytes         int64   `json:"weight_bytes"`
	InputBytes          int64   `json:"input_bytes"`
	RecorderBytes       int64   `json:"recorder_bytes"`
	BlockBytes          int64   `json:"block_bytes"`
	TotalBytes          int64   `json:"total_bytes"`
}

func memoryReport(m engine.Memory) MemoryReport {
	return MemoryReport{m.StatePerNeuron(), m.State, m.Weights, m.Inputs, m.Recorders, m.Blocks, m.Total()}
}

// elemSize is the bytes of one value of T.
func elemSize[T engine.Float]() int {
	if engine.DType[T]() == "float32" {
		return 4
	}
	return 8
}
