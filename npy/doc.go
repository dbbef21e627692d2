// Package npy reads and writes NumPy .npy files for leaky's command line.
//
// Reading is strict: [Read] accepts any numeric dtype (bool, signed and
// unsigned integers, float16/32/64) in either byte order and in C or
// Fortran order, returns the values in C (row-major) order as float64, and
// refuses everything else (object, string, complex, structured arrays,
// truncated or corrupt files) with an error that names the file and the
// problem. codeberg.org/sbinet/npyio parses the header only after it is
// checked here (npyio trusts the header it is given); the values are
// decoded here. [Open] gives a [Reader] that reads any span of the values
// (ReadAt, in the order the file stores them) without the rest, so a rank
// reads only its columns of a weight matrix and a synapse list streams in
// chunks; [Read] is a Reader read whole.
//
// Writing streams: [Create] writes a header with room for any final length,
// [Writer] appends rows through a buffer so memory stays bounded however
// long the run, and [Writer.Close] rewrites the header with the final first
// dimension and renames the file from a temporary name, so a reader never
// sees a half-written .npy.
package npy
