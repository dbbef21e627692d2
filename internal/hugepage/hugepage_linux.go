package hugepage

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// enabled is whether Make aligns and advises: on Linux, where madvise
// takes MADV_HUGEPAGE.
const enabled = true

// advise asks for huge pages for the n zeroed bytes at p, which start on
// a huge-page boundary and belong to one allocation. The kernel backs an
// advised range with huge pages as it faults it in, but Go may have handed
// out memory it used before and cleared, already on 4 KiB pages: those
// pages are then given back (MADV_DONTNEED, whole 4 KiB pages only), so
// that the next touch faults the range in afresh, on huge pages, reading
// zeros as it held. Both calls are hints: a kernel without transparent
// huge pages, or with them "never", refuses or ignores them, and the
// memory stays on ordinary pages holding zeros, so their errors are of no
// use to the caller and are dropped.
func advise(p unsafe.Pointer, n int) {
	b := unsafe.Slice((*byte)(p), n)
	if unix.Madvise(b, unix.MADV_HUGEPAGE) != nil {
		return
	}
	_ = unix.Madvise(b[:n&^(unix.Getpagesize()-1)], unix.MADV_DONTNEED)
}
