// Package checkpoint saves a network's complete state to one file and
// restores it, so that a long run can stop (a crash, Ctrl-C, a time limit)
// and continue later to exactly the result an uninterrupted run gives.
//
// What is saved is what the network lists in StateVars (for an engine
// network: its step counter, every population's V, I, Iin, spike mask and
// counters, every stateful source and projection, and whatever recorders
// add), the step it is at, and named counters the caller adds, such as how
// many rows each streaming output file held. Random numbers need no saving:
// the engine draws them from generators keyed by (seed, stream, step,
// trial), so the step determines them. The package knows the state only as
// a list of typed variables, written and read by the engine's one state
// codec (engine.EncodeState, engine.DecodeState); it names none of them.
//
// # The file
//
// All integers are little-endian.
//
//	magic       8 bytes  "\x89LKYCKP\n" (the high byte and newline catch
//	                     files mangled by text-mode transfers)
//	format      uint32   [FormatVersion]
//	leaky       string   the leaky version that wrote the file
//	description uint32 n, then n × (key string, value string)
//	hash        32 bytes SHA-256 of the description (see [Description.Hash])
//	counters    uint32 n, then n × (name string, int64 value)
//	step        int64    the network's StepIndex
//	state       uint32 n, then n × (name string, uint8 type, uint64 count,
//	                     count values): engine.EncodeState's encoding
//	checksum    32 bytes SHA-256 of everything before it
//
// A string is a uint32 byte length followed by UTF-8 bytes.
//
// The description is the network as the user asked for it (dtype, shapes,
// parameters, seed, digests of input and weight files), never the kernel or
// thread count, which do not change a result. Restoring into a network with
// another description, another leaky version or other state shapes is
// refused with a message naming what differs.
//
// # Safety
//
// [Save] writes to the destination's name plus ".part", syncs it, renames
// it over the destination and syncs the directory, as every file leaky
// writes is written, so a crash during a save leaves the previous
// checkpoint intact. [Load] reads the file twice: first to
// verify the checksum and check every name, type and length against the
// network, then to copy the values, so a bad file leaves the network
// untouched. (The one check that needs the restored network — that the
// header's step is the step the state restores — comes after the copy; a
// file can only fail it if it was crafted to.) No input makes the reader
// panic; FuzzDecode checks that.
package checkpoint
