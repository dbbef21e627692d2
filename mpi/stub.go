//go:build !mpi

package mpi

import (
	"fmt"
	"os"
)

// Built reports whether this leaky was built with MPI.
const Built = false

// World is the single rank of a leaky built without MPI.
type World struct {
	// pending is set from Iallgatherv to Wait.
	pending bool
}

// Init returns the one-rank world, or an error saying how to build with
// MPI when mpirun launched this process as one of several ranks.
func Init() (*World, error) {
	if n := launchedSize(); n > 1 {
		return nil, fmt.Errorf("this leaky was built without MPI but runs as one of %d ranks under mpirun: %s", n, BuildHint)
	}
	return &World{}, nil
}

// Rank is 0.
func (w *World) Rank() int { return 0 }

// Size is 1.
func (w *World) Size() int { return 1 }

// LocalSize is 1.
func (w *World) LocalSize() int { return 1 }

// Allgatherv copies send to recv at displs[0].
func (w *World) Allgatherv(send, recv []byte, counts, displs []int) error {
	if w.pending {
		return errPending
	}
	if err := checkCounts(1, 0, len(send), len(recv), counts, displs); err != nil {
		return err
	}
	copy(recv[displs[0]:], send)
	return nil
}

// Iallgatherv copies send to recv at displs[0], as Allgatherv; Wait
// completes it.
func (w *World) Iallgatherv(send, recv []byte, counts, displs []int) error {
	if w.pending {
		return errPending
	}
	if err := w.Allgatherv(send, recv, counts, displs); err != nil {
		return err
	}
	w.pending = true
	return nil
}

// Wait completes what Iallgatherv started.
func (w *World) Wait() error {
	if !w.pending {
		return errNothingPending
	}
	w.pending = false
	return nil
}

// Gatherv copies send to recv at displs[0]; root must be 0.
func (w *World) Gatherv(send, recv []byte, counts, displs []int, root int) error {
	if root != 0 {
		return fmt.Errorf("mpi: root %d of 1 rank", root)
	}
	return w.Allgatherv(send, recv, counts, displs)
}

// AllreduceInt64 leaves x as it is: one rank's values are the result.
func (w *World) AllreduceInt64(x []int64, op Op) error {
	if w.pending {
		return errPending
	}
	if op != Sum && op != Max {
		return fmt.Errorf("mpi: unknown reduction %d", op)
	}
	return nil
}

// Barrier returns at once.
func (w *World) Barrier() error {
	if w.pending {
		return errPending
	}
	return nil
}

// Abort ends the process with status code.
func (w *World) Abort(code int) { os.Exit(code) }

// Finalize does nothing.
func (w *World) Finalize() error { return nil }
