package kernels

// The assembly kernels, their Go declarations and the Go tables that
// dispatch to them (dispatch_gen_amd64.go, geometry_gen.go: names and
// geometry stated once, in the generator) are written by the avo program in
// _gen, a module of its own so this module needs no avo. Regenerating a
// clean tree must change nothing.
//go:generate go run -C _gen . -out ../leaky_amd64.s -stubs ../leaky_stubs_amd64.go -pkg kernels
