//go:build !linux

package hugepage

import "unsafe"

// enabled is false off Linux: Make makes ordinary slices.
const enabled = false

func advise(unsafe.Pointer, int) {}
