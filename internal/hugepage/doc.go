// Package hugepage makes the large arrays that are read from memory as
// long streams, the weight matrices of dense projections, so that the
// kernel can back them with transparent huge pages.
//
// On 4 KiB pages an 800 KB weight row is 200 pages: the hardware stream
// prefetchers stop at every page edge, and every page is a TLB miss. On
// Linux, [Make] starts an array of at least [MinBytes] on a 2 MiB boundary
// and asks for huge pages for it (madvise MADV_HUGEPAGE), which the
// kernel grants when transparent huge pages are in "always" or "madvise"
// mode; where it does not, or on other systems, the array is an ordinary
// one. The array is an ordinary Go slice either way, zeroed and collected
// by the garbage collector; only where its memory sits and which pages
// back it differ.
package hugepage
