package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"leaky/mpi"
)

// ranks is MPI_COMM_WORLD once leaky run started it, nil before; main
// finalizes it.
var ranks *mpi.World

// finishRanks ends MPI if leaky run started it.
func finishRanks() {
	if ranks != nil {
		_ = ranks.Finalize()
		ranks = nil
	}
}

// cmdRunRanks is leaky run as one of the ranks mpirun started (one
// process when it is not under mpirun). Every rank parses the same flags
// and runs the same description; rank 0 prints and writes. Bad input is
// the same on every rank: rank 0 says it once and every rank exits 2. An
// error of one rank alone (a failed write) is printed by that rank, which
// then aborts every rank with status 2.
func cmdRunRanks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	w, err := mpi.Init()
	if err != nil {
		if mpi.LaunchedRank() == 0 {
			fmt.Fprintf(stderr, "leaky: %v\n", err)
		}
		return exitUsage
	}
	ranks = w
	if w.Size() == 1 {
		return runStatus(ctx, args, stdout, stderr, nil)
	}
	var msg bytes.Buffer
	errOut := stderr
	if w.Rank() != 0 {
		stdout, errOut = io.Discard, &msg
	}
	status := runStatus(ctx, args, stdout, errOut, w)
	if status != exitError {
		return status
	}
	if w.Rank() != 0 {
		fmt.Fprintf(stderr, "leaky: rank %d of %d: %s\n", w.Rank(), w.Size(), strings.TrimSpace(strings.TrimPrefix(msg.String(), "leaky: ")))
	}
	w.Abort(exitUsage)
	return exitUsage
}
