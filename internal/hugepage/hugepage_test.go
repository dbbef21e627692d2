package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestMake checks lengths, zeros and alignment for sizes about MinBytes,
// for both element types, including an allocation that reuses memory the
// previous one dirtied (the path where the pages are given back).
func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, 1000, MinBytes/4 - 1, MinBytes / 4, MinBytes/4 + 1, 3*Size/4 + 12345} {
		t.Run(fmt.Sprintf("float32/n=%d", n), func(t *testing.T) { checkMake[float32](t, n) })
		t.Run(fmt.Sprintf("float64/n=%d", n), func(t *testing.T) { checkMake[float64](t, n) })
	}
}

func checkMake[T float32 | float64](t *testing.T, n int) {
	for round := range 3 {
		s := Make[T](n)
		if len(s) != n || cap(s) != n {
			t.Fatalf("round %d: len %d cap %d; want %d", round, len(s), cap(s), n)
		}
		large := n*int(unsafe.Sizeof(T(0))) >= MinBytes
		if large && enabled {
			if a := uintptr(unsafe.Pointer(unsafe.SliceData(s))); a%Size != 0 {
				t.Fatalf("round %d: %d elements start at %#x, not on a %d-byte boundary", round, n, a, Size)
			}
		}
		for i, v := range s {
			if v != 0 {
				t.Fatalf("round %d: element %d of a fresh slice is %v", round, i, v)
			}
		}
		// Dirty it all, so the next round's allocation may be handed this
		// memory back, cleared by Go and then given back to the kernel.
		for i := range s {
			s[i] = T(i) + 1
		}
		runtime.KeepAlive(s)
		s = nil
		runtime.GC()
	}
}

// TestHugePages checks that the kernel backs a large slice with huge pages
// where transparent huge pages are enabled for advised memory, read from
// /proc/self/smaps for the mapping that holds it, both for fresh memory and
// for memory Go reuses after it was dirtied.
func TestHugePages(t *testing.T) {
	if !enabled {
		t.Skip("huge pages are asked for on Linux only")
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !(strings.Contains(string(mode), "[always]") || strings.Contains(string(mode), "[madvise]")) {
		t.Skipf("transparent huge pages are not enabled for advised memory here (%q, %v)", strings.TrimSpace(string(mode)), err)
	}
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
		if huge < int64(n*4/2) {
			t.Errorf("round %d: %d of the slice's %d bytes are on huge pages", round, huge, n*4)
		}
		runtime.KeepAlive(s)
		s = nil
		runtime.GC()
	}
}

// anonHuge returns the AnonHugePages bytes of the mapping holding addr.
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
	return 0, fmt.Errorf("no mapping in /proc/self/smaps holds %#x", addr)
}
