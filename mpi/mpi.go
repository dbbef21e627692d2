package mpi

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Op is a reduction of AllreduceInt64.
type Op int

const (
	// Sum adds the ranks' values.
	Sum Op = iota
	// Max keeps the largest.
	Max
)

// BuildHint says how to get a leaky that runs over ranks.
const BuildHint = "build leaky with MPI (make build-mpi, or go build -tags mpi ./cmd/leaky with libopenmpi-dev installed) and launch bin/leaky-mpi"

// launchedSize is the number of ranks the launcher says this process is
// one of (OpenMPI's mpirun, PMIx, MPICH's Hydra or Slurm), 1 when none
// says.
func launchedSize() int {
	for _, key := range []string{"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"} {
		if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 1 {
			return n
		}
	}
	return 1
}

// LaunchedRank is this process's rank as the launcher's environment
// says, 0 when none says: which of several copies of a message to print
// before MPI could tell.
func LaunchedRank() int {
	for _, key := range []string{"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"} {
		if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
			return n
		}
	}
	return 0
}

// checkCounts checks the Allgatherv and Gatherv layout: one count and
// displacement per rank, each block inside recv, and the caller's own
// count equal to len(send).
func checkCounts(size, rank, send, recv int, counts, displs []int) error {
	if len(counts) != size || len(displs) != size {
		return fmt.Errorf("mpi: %d counts and %d displacements for %d ranks", len(counts), len(displs), size)
	}
	if counts[rank] != send {
		return fmt.Errorf("mpi: rank %d sends %d bytes but its count is %d", rank, send, counts[rank])
	}
	for r := range counts {
		if counts[r] < 0 || displs[r] < 0 || displs[r]+counts[r] > recv || counts[r] > maxCount || displs[r] > maxCount {
			return fmt.Errorf("mpi: rank %d's block %d+%d does not fit a receive buffer of %d bytes (at most %d per call)", r, displs[r], counts[r], recv, maxCount)
		}
	}
	return nil
}

// maxCount is the largest count or displacement MPI's int arguments hold.
const maxCount = 1<<31 - 1

// errPending and errNothingPending are the misuses of Iallgatherv and
// Wait: a collective started while one is pending, a Wait with none.
var (
	errPending        = errors.New("mpi: a collective started while Iallgatherv's is pending; Wait for it first")
	errNothingPending = errors.New("mpi: Wait without a pending Iallgatherv")
)
