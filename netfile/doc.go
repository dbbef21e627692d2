// Package netfile reads network descriptions — populations, sources,
// projections, recorders and run settings — from YAML or JSON files (JSON is
// valid YAML) and builds engine networks from them. The format is
// documented in the README ("Network files"); examples/ holds complete
// files.
//
// Every error names the file, the key path of the offending value (e.g.
// projections[2].target) and the problem. Unknown keys are errors, so a
// misspelt key never silently falls back to a default.
//
// # Where things are
//
//	netfile.go     File and its parts: Load, Parse, defaults, Marshal
//	check.go       checking a File: sizes, names, recorders' outputs
//	param.go       Param, a neuron parameter (a number, a list or an array file)
//	coba.go        the keys of a coba population
//	layers.go      convolution and pooling projections
//	fields.go      Fields (values by key path) and Resolved paths
//	feedforward.go FeedForward: leaky run's flags as a File
//	plan.go        what a File reads and records, and Memory/MemoryOfRank
//	build.go       Build, BuildNetwork, BuildRank: a File into an engine network
//	arrays.go      dense weights from .npy or HDF5, read whole or a rank's columns
//	synapses.go    explicit synapse lists, streamed in chunks, kept per rank
package netfile
