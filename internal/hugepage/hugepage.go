package hugepage

import "unsafe"

// Size is the huge page size asked for: x86-64's 2 MiB, the PMD size of
// Linux's transparent huge pages.
const Size = 2 << 20

// MinBytes is the smallest array Make aligns and advises: below two huge
// pages the padding would be a large share of the array, and such an
// array spans few 4 KiB pages anyway.
const MinBytes = 2 * Size

// Make returns a zeroed slice of n elements (len and cap n). Where
// n·sizeof(T) is at least MinBytes it is cut from an allocation up to one
// huge page longer so that it starts on a huge-page boundary, and advise
// asks for huge pages for it.
func Make[T float32 | float64](n int) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if n <= 0 || size == 0 || n > (1<<62)/size || n*size < MinBytes || !enabled {
		return make([]T, n)
	}
	pad := (Size + size - 1) / size
	buf := make([]T, n+pad)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	// Go aligns a float's slice to its size, which divides Size.
	off := int((Size-addr%Size)%Size) / size
	s := buf[off : off+n : off+n]
	advise(unsafe.Pointer(unsafe.SliceData(s)), n*size)
	return s
}
