// Package atomicfile is the one way leaky writes a file that someone else
// reads: every output, figure, summary, checkpoint and report goes through
// it, so a reader either finds the previous file or the complete new one,
// never half of one, and a finished file survives a crash.
//
// A file is written under its final name plus [TempSuffix] and, once
// complete, committed: the temporary file is synced, closed and renamed
// onto the final name, and the directory is synced so that the rename
// itself is durable. [Create] and [Reopen] give a [File] for writers that
// stream (the .npy recorders, the checkpoint encoder); [WriteFile] and
// [Write] do the whole sequence for a buffer or a writing function.
//
// A [File] may also be left unfinished on purpose: [File.Sync] makes what
// has been written so far durable under the temporary name, [File.Keep]
// closes it there, and [Reopen] opens it again later, which is how an
// interrupted run's outputs are resumed.
package atomicfile
