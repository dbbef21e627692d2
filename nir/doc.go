// Package nir reads graphs of the Neuromorphic Intermediate Representation
// (NIR; Pedersen et al., Nature Communications 2024) — the format in which
// snnTorch, Norse, Spyx, Rockpool, Sinabs, Lava and others exchange trained
// spiking models — and checks them: every node's type and parameters, the
// shapes along every edge, nested graphs to any depth, and cycles
// (recurrent layers), which run delayed by one step as NIRTorch runs them.
//
// A NIR file is HDF5: /version (absent in the oldest files) and /node, the
// top NIRGraph, whose nodes/<name> groups hold a scalar string type and
// their parameters as datasets, and whose edges dataset is an (E, 2) array
// of strings [source, target]. Parameters missing in older files take
// NIR's defaults (v_reset 0, w_in 1). Errors name the file, the node path
// (outer/inner/node) and the problem.
//
// [Open] and [Read] load and check a graph (file.go, load.go, check.go);
// [Model.Flatten] inlines its nested graphs (flat.go); and
// [Model.Description] turns it into the network description leaky runs, a
// *netfile.File (describe.go), stepping its neurons as the framework that
// Options.Rule names steps them ([Semantics], semantics.go), while
// [Model.RunsAs] says what each node runs as (leaky nir info).
package nir
