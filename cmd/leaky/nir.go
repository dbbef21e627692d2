package main

import (
	"flag"
	"fmt"
	"io"

	"leaky/nir"
)

func init() {
	register("nir", "inspect NIR graphs: leaky nir info FILE", cmdNIR)
}

// cmdNIR is leaky nir info FILE: the graph's nodes, types, shapes,
// parameters in brief, edges (the delayed ones marked), its NIR version,
// and what leaky runs it as.
func cmdNIR(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "info" {
		fmt.Fprintln(stderr, "usage: leaky nir info FILE.nir")
		return exitUsage
	}
	fs := flag.NewFlagSet("leaky nir info", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args[1:]); err != nil {
		return fail(stderr, badInput(fmt.Errorf("nir info: %w", err)))
	}
	if fs.NArg() != 1 {
		return fail(stderr, badInput(fmt.Errorf("nir info: want one NIR file, got %d arguments", fs.NArg())))
	}
	m, err := nir.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, badInput(err))
	}
	if err := m.Describe(stdout); err != nil {
		return fail(stderr, badInput(err))
	}
	return exitOK
}
