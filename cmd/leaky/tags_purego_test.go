//go:build purego

package main

// buildTags are the tags this test binary was built with that change
// results' metadata (the kernel), for binaries the tests build themselves.
const buildTags = ",purego"
