package hugepage

import (
	"fmt"
	"runtime"
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
