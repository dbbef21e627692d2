package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"leaky/mpi"
	"leaky/session"
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

// startedWorld is the World as runStatus sees it, noting whether any
// collective was called: the first one of every run is the start-up
// agreement (session.AgreeStart), so a rank that made none returned
// before agreeing and must still take part.
type startedWorld struct {
	*mpi.World
	started bool
}

func (w *startedWorld) AllreduceInt64(x []int64, op mpi.Op) error {
	w.started = true
	return w.World.AllreduceInt64(x, op)
}

func (w *startedWorld) Allgatherv(send, recv []byte, counts, displs []int) error {
	w.started = true
	return w.World.Allgatherv(send, recv, counts, displs)
}

func (w *startedWorld) Gatherv(send, recv []byte, counts, displs []int, root int) error {
	w.started = true
	return w.World.Gatherv(send, recv, counts, displs, root)
}

// cmdRunRanks is leaky run as one of the ranks mpirun started (one
// process when it is not under mpirun). Every rank parses the same flags
// and runs the same description; rank 0 prints and writes. Before the
// first step the ranks agree whether every one is ready: when any is not
// (bad input, a missing checkpoint of its own), the lowest failing rank
// alone says why and every rank exits 2. An error of one rank alone once
// stepping began (a failed write) is printed by that rank, which then
// aborts every rank with status 2.
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
	sw := &startedWorld{World: w}
	status := runStatus(ctx, args, stdout, errOut, sw)
	says := func() {
		if w.Rank() != 0 && msg.Len() > 0 {
			fmt.Fprintf(stderr, "leaky: rank %d of %d: %s\n", w.Rank(), w.Size(), strings.TrimSpace(strings.TrimPrefix(msg.String(), "leaky: ")))
		}
	}
	if !sw.started {
		// Returned before the run (flags, the description, --help,
		// --print-net): agree with the ranks that got further. Rank 0
		// printed its own failure already; it is the lowest.
		var failed error
		if status != exitOK {
			failed = errors.New("failed")
		}
		if err := session.AgreeStart(sw, failed); err != nil {
			var se *session.StartError
			if errors.As(err, &se) && se.Err != nil {
				says()
			}
			return exitUsage
		}
		return status
	}
	switch status {
	case exitUsage:
		says() // the lowest rank that failed to start, or nothing
		return status
	case exitError:
		says()
		w.Abort(exitUsage)
		return exitUsage
	}
	return status
}
