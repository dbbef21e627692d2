//go:build cgo

// Command cabi is libleaky.so, leaky's C ABI (leaky.h, which documents
// it), built with go build -buildmode=c-shared (make libleaky): the C
// library under the Python package (python/leaky) and C programs.
//
// Each network is a session.Sim behind an opaque handle (a cgo.Handle,
// never a Go pointer), made, stepped, read and freed through the exported
// functions of export.go, which convert their C arguments and copy results
// into the caller's buffers; handle.go holds the handles, the statuses and
// the messages, serialises the calls on one handle and recovers a panic at
// the boundary as LEAKY_PANIC. No Go pointer is kept by C, and no pointer
// the caller gave is kept beyond its call.
package main
