//go:build !purego

package main

// buildTags: see tags_purego_test.go.
const buildTags = ""
