//go:build !amd64 || purego || noasm

package kernels

// Without assembly (another architecture, or the purego/noasm build tags)
// only the generic kernels exist; known and supported keep their defaults
// from kernels.go.
