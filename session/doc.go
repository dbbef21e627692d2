// Package session runs a network description the way leaky run does: it
// checks the run against the machine's memory and disk, builds the network,
// streams the recorded variables to .npy files, saves checkpoints and
// resumes from them, stops cleanly on SIGINT or SIGTERM, shows progress,
// and writes summary.json and figure.png. It is the one driver behind every
// way into leaky: the CLI, with flags or a network file, calls Run, and so
// do the Python binding and MPI ranks.
//
// A description is a *netfile.File, parsed from a network file or built in
// Go; Options say where the outputs go and how to run (threads, kernel,
// checkpoints), none of which changes a bit of the results. Problems with
// either are reported as errors wrapping ErrBadInput, naming the option or
// the description's key path (a netfile.Error), so a caller can show them
// in its own terms; Options.Name renames key paths in the messages this
// package writes.
//
// Open is the other way in: it builds the same description, checked and
// limited by the same code, as a Sim that its caller steps — Run(ctx,
// steps) or Step, with the values of the description's input sources
// given per call, in-memory recorders read back as arrays, State and
// Spikes of any population, Save and Load through the checkpoint format
// of leaky run. The Python and C bindings (cabi/, python/) are Sims; Run
// steps its network through the same code.
package session
