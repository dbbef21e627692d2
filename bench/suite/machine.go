package suite

import (
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/klauspost/cpuid/v2"

	"leaky/kernels"
)

// Machine describes where a result was measured.
type Machine struct {
	// CPU is the brand string, as in `go test`'s "cpu:" line.
	CPU    string `json:"cpu"`
	Vendor string `json:"vendor"`
	// Family, Model and Stepping identify the microarchitecture.
	Family   int `json:"family"`
	Model    int `json:"model"`
	Stepping int `json:"stepping"`
	// Features are the CPU's instruction-set features, sorted.
	Features []string `json:"features"`
	// Cache holds cache sizes in bytes (−1 when cpuid cannot tell).
	Cache Cache `json:"cache"`
	// PhysicalCores and LogicalCores are as cpuid reports them (0 when
	// unknown); NumCPU is what Go may use, GOMAXPROCS what it does use.
	PhysicalCores int `json:"physical_cores"`
	LogicalCores  int `json:"logical_cores"`
	NumCPU        int `json:"num_cpu"`
	GOMAXPROCS    int `json:"gomaxprocs"`
	// GoVersion, GOOS and GOARCH describe the toolchain of the binary.
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	// LeakyVersion is the module version or VCS revision of the binary.
	LeakyVersion string `json:"leaky_version"`
	// Kernel is the implementation the engine uses (the workloads' kernel);
	// Kernels lists every implementation this CPU can run.
	Kernel  string   `json:"kernel"`
	Kernels []string `json:"kernels"`
}

// Cache holds cache sizes in bytes.
type Cache struct {
	L1D  int `json:"l1d"`
	L1I  int `json:"l1i"`
	L2   int `json:"l2"`
	L3   int `json:"l3"`
	Line int `json:"line"`
}

// Describe returns the description of this machine and binary.
func Describe() Machine {
	c := cpuid.CPU
	m := Machine{
		CPU: c.BrandName, Vendor: c.VendorString,
		Family: c.Family, Model: c.Model, Stepping: c.Stepping,
		Features:      c.FeatureSet(),
		Cache:         Cache{L1D: c.Cache.L1D, L1I: c.Cache.L1I, L2: c.Cache.L2, L3: c.Cache.L3, Line: c.CacheLine},
		PhysicalCores: c.PhysicalCores, LogicalCores: c.LogicalCores,
		NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		LeakyVersion: Version(),
		Kernel:       kernels.Active().Name,
	}
	if m.CPU == "" {
		m.CPU = "unknown " + runtime.GOARCH + " CPU"
	}
	if m.Vendor == "" {
		m.Vendor = "unknown"
	}
	if m.Features == nil {
		m.Features = []string{}
	}
	slices.Sort(m.Features)
	for _, impl := range kernels.Available() {
		m.Kernels = append(m.Kernels, impl.Name)
	}
	return m
}

// Version is leaky's version as recorded in the binary: the module version
// when built from a tagged module, otherwise the VCS revision (with
// "+dirty" for uncommitted changes), otherwise "devel" (for example under
// go test or -buildvcs=false, where Go records neither).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
