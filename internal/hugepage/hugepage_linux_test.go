package hugepage

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestHugePages checks, from /proc/self/smaps for the mapping that holds
// it, that the kernel backs a large slice with huge pages where
// transparent huge pages are enabled for advised memory ("always" or
// "madvise"), both for fresh memory and for memory Go reuses after it was
// dirtied; and that where they are not ("never", or a kernel without
// them) the advice is the hint it is said to be: Make still gives an
// ordinary slice, on no huge pages.
func TestHugePages(t *testing.T) {
	mode := thpMode(t)
	advised := mode == "always" || mode == "madvise"
	const n = 64 << 20 / 4
	for round := range 2 {
		s := Make[float32](n)
		for i := range s {
			s[i] = 1
		}
		huge, err := anonHuge(uintptr(unsafe.Pointer(&s[0])))
		if err != nil {
			t.Fatal(err)
		}
		// Memory can be short of free huge pages on a busy machine; half
		// of the slice is a clear sign that the advice took.
		if advised && huge < int64(n*4/2) || !advised && huge != 0 {
			t.Errorf("round %d, transparent huge pages %q: %d of the slice's %d bytes are on huge pages", round, mode, huge, n*4)
		}
		runtime.KeepAlive(s)
		s = nil
		runtime.GC()
	}
}

// thpMode is the kernel's transparent huge page mode for anonymous memory
// (the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled), or
// "" for a kernel built without them.
func thpMode(t *testing.T) string {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "[")
	mode, _, ok2 := strings.Cut(rest, "]")
	if !ok || !ok2 {
		t.Fatalf("cannot read the mode of transparent huge pages from %q", b)
	}
	return mode
}

// anonHuge returns the AnonHugePages bytes of the mapping holding addr: 0
// where the kernel reports none (a kernel without transparent huge pages).
func anonHuge(addr uintptr) (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				if in {
					return 0, nil // its lines ended without AnonHugePages
				}
				in = uint64(addr) >= a && uint64(addr) < b
				continue
			}
		}
		if in && fields[0] == "AnonHugePages:" && len(fields) >= 2 {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if in {
		return 0, nil
	}
	return 0, fmt.Errorf("no mapping in /proc/self/smaps holds %#x", addr)
}
