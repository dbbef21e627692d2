//go:build mpi

package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

// OpenMPI's handles are macros over addresses of globals, which cgo
// cannot name; these return them.
static MPI_Comm leaky_world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype leaky_byte(void) { return MPI_BYTE; }
static MPI_Op leaky_op(int op) { return op == 0 ? MPI_SUM : MPI_MAX; }
static int leaky_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
// leaky_local_size sets *n to the number of ranks that share this rank's
// node (memory): MPI_Comm_split_type's shared-memory communicator.
static int leaky_local_size(int *n) {
	MPI_Comm node;
	int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_size(node, n);
	int rc2 = MPI_Comm_free(&node);
	return rc != MPI_SUCCESS ? rc : rc2;
}
// MPI_IN_PLACE is (void *)1 in Open MPI: passed through Go it would sit
// in a Go frame as a pointer below any legal address, which the garbage
// collector rejects when it scans or moves the stack ("invalid pointer
// found on stack"), so it never leaves C.
static int leaky_allreduce_int64(void *buf, int n, int op) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_INT64_T, leaky_op(op), MPI_COMM_WORLD);
}

// leaky_iallgatherv starts an allgatherv of bytes as point-to-point
// messages: a receive from every other rank into its block, a send of
// this rank's block to every other rank (tag LEAKY_TAG; leaky sends no
// other messages, and MPI keeps messages between two ranks in order), and
// this rank's own block copied. reqs holds 2·(size−1) requests.
#define LEAKY_TAG 0x1eaf
static int leaky_iallgatherv(const void *send, int n, void *recv, const int *counts, const int *displs, int size, int rank, MPI_Request *reqs) {
	int k = 0;
	for (int r = 0; r < size; r++) {
		if (r == rank) continue;
		int rc = MPI_Irecv((char *)recv + displs[r], counts[r], MPI_BYTE, r, LEAKY_TAG, MPI_COMM_WORLD, &reqs[k++]);
		if (rc != MPI_SUCCESS) return rc;
	}
	for (int r = 0; r < size; r++) {
		if (r == rank) continue;
		int rc = MPI_Isend(send, n, MPI_BYTE, r, LEAKY_TAG, MPI_COMM_WORLD, &reqs[k++]);
		if (rc != MPI_SUCCESS) return rc;
	}
	if (n > 0) memcpy((char *)recv + displs[rank], send, n);
	return MPI_SUCCESS;
}
static int leaky_waitall(int n, MPI_Request *reqs) { return MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE); }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// Built reports whether this leaky was built with MPI.
const Built = true

// World is MPI_COMM_WORLD, seen from this rank.
type World struct {
	rank, size int
	// local is how many ranks share this rank's node.
	local int
	// counts and displs are scratch for the C int arguments.
	counts, displs []C.int
	// pending is the collective Iallgatherv started and Wait completes:
	// its 2·(size−1) requests, its counts and displacements (C memory,
	// which MPI reads until it completes), and its buffers, pinned until
	// then.
	pending struct {
		started        bool
		reqs           *C.MPI_Request
		counts, displs *C.int
		pin            runtime.Pinner
	}
}

// world is the World once Init succeeded: MPI initialises once per
// process.
var world *World

// Init initialises MPI with MPI_THREAD_FUNNELED and locks the calling
// goroutine to its OS thread for the rest of the process: every later
// call must come from this goroutine. A second call returns the same
// World.
func Init() (*World, error) {
	if world != nil {
		return world, nil
	}
	runtime.LockOSThread()
	var provided C.int
	if rc := C.MPI_Init_thread(nil, nil, C.leaky_thread_funneled(), &provided); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("MPI_Init_thread: %w", errorString(rc))
	}
	if provided < C.leaky_thread_funneled() {
		C.MPI_Finalize()
		return nil, errors.New("MPI_Init_thread: this MPI does not provide MPI_THREAD_FUNNELED")
	}
	var rank, size C.int
	if rc := C.MPI_Comm_rank(C.leaky_world(), &rank); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("MPI_Comm_rank: %w", errorString(rc))
	}
	if rc := C.MPI_Comm_size(C.leaky_world(), &size); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("MPI_Comm_size: %w", errorString(rc))
	}
	var local C.int
	if rc := C.leaky_local_size(&local); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("MPI_Comm_split_type: %w", errorString(rc))
	}
	w := &World{rank: int(rank), size: int(size), local: int(local)}
	w.counts, w.displs = make([]C.int, w.size), make([]C.int, w.size)
	w.pending.counts = (*C.int)(C.malloc(C.size_t(w.size) * C.size_t(unsafe.Sizeof(C.int(0)))))
	w.pending.displs = (*C.int)(C.malloc(C.size_t(w.size) * C.size_t(unsafe.Sizeof(C.int(0)))))
	if w.size > 1 {
		w.pending.reqs = (*C.MPI_Request)(C.malloc(C.size_t(2*(w.size-1)) * C.size_t(unsafe.Sizeof(*new(C.MPI_Request)))))
	}
	world = w
	return w, nil
}

// Rank is this process's rank in MPI_COMM_WORLD.
func (w *World) Rank() int { return w.rank }

// LocalSize is how many ranks, this one included, share this rank's
// node (MPI_COMM_TYPE_SHARED): the ranks its cores are divided among.
func (w *World) LocalSize() int { return w.local }

// Size is the number of ranks.
func (w *World) Size() int { return w.size }

// layout checks counts and displs and copies them into the C arrays.
// No collective starts while Iallgatherv's is pending.
func (w *World) layout(send, recv int, counts, displs []int) error {
	if w.pending.started {
		return errPending
	}
	if err := checkCounts(w.size, w.rank, send, recv, counts, displs); err != nil {
		return err
	}
	for r := range counts {
		w.counts[r], w.displs[r] = C.int(counts[r]), C.int(displs[r])
	}
	return nil
}

// ptr is the address of b's first byte, nil for an empty slice (MPI
// reads nothing through it then).
func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// Allgatherv gathers every rank's send into every rank's recv, rank r's
// counts[r] bytes at displs[r].
func (w *World) Allgatherv(send, recv []byte, counts, displs []int) error {
	if err := w.layout(len(send), len(recv), counts, displs); err != nil {
		return err
	}
	rc := C.MPI_Allgatherv(ptr(send), C.int(len(send)), C.leaky_byte(), ptr(recv), &w.counts[0], &w.displs[0], C.leaky_byte(), C.leaky_world())
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Allgatherv: %w", errorString(rc))
	}
	return nil
}

// Iallgatherv starts the Allgatherv of send into recv that Wait
// completes: until Wait returns, neither buffer may be touched and no
// other collective may start. It posts a receive from and a send to every
// other rank (leaky_iallgatherv) rather than calling MPI_Iallgatherv:
// Open MPI 4.1's (libnbc) took 1.2 µs to start and 1.0 µs to wait on two
// ranks, the two point-to-point messages 0.5 and 0.6 µs (CUBA 40 000's
// exc spikes, 2 KB a rank, medians of a 10^4-step trace).
func (w *World) Iallgatherv(send, recv []byte, counts, displs []int) error {
	if err := w.layout(len(send), len(recv), counts, displs); err != nil {
		return err
	}
	c, d := unsafe.Slice(w.pending.counts, w.size), unsafe.Slice(w.pending.displs, w.size)
	copy(c, w.counts)
	copy(d, w.displs)
	sp, rp := ptr(send), ptr(recv)
	for _, p := range []unsafe.Pointer{sp, rp} {
		if p != nil {
			w.pending.pin.Pin(p)
		}
	}
	rc := C.leaky_iallgatherv(sp, C.int(len(send)), rp, w.pending.counts, w.pending.displs, C.int(w.size), C.int(w.rank), w.pending.reqs)
	if rc != C.MPI_SUCCESS {
		w.pending.pin.Unpin()
		return fmt.Errorf("MPI_Isend/MPI_Irecv: %w", errorString(rc))
	}
	w.pending.started = true
	return nil
}

// Wait completes the collective Iallgatherv started.
func (w *World) Wait() error {
	if !w.pending.started {
		return errNothingPending
	}
	rc := C.leaky_waitall(C.int(2*(w.size-1)), w.pending.reqs)
	w.pending.started = false
	w.pending.pin.Unpin()
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Waitall: %w", errorString(rc))
	}
	return nil
}

// Gatherv gathers every rank's send into root's recv, rank r's counts[r]
// bytes at displs[r]; recv is unused on the other ranks.
func (w *World) Gatherv(send, recv []byte, counts, displs []int, root int) error {
	if root < 0 || root >= w.size {
		return fmt.Errorf("mpi: root %d of %d ranks", root, w.size)
	}
	if w.pending.started {
		return errPending
	}
	var rp unsafe.Pointer
	if w.rank == root {
		if err := w.layout(len(send), len(recv), counts, displs); err != nil {
			return err
		}
		rp = ptr(recv)
	}
	rc := C.MPI_Gatherv(ptr(send), C.int(len(send)), C.leaky_byte(), rp, &w.counts[0], &w.displs[0], C.leaky_byte(), C.int(root), C.leaky_world())
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Gatherv: %w", errorString(rc))
	}
	return nil
}

// AllreduceInt64 replaces x on every rank by the ranks' element-wise
// reduction.
func (w *World) AllreduceInt64(x []int64, op Op) error {
	if op != Sum && op != Max {
		return fmt.Errorf("mpi: unknown reduction %d", op)
	}
	if w.pending.started {
		return errPending
	}
	if len(x) == 0 {
		return nil
	}
	if len(x) > maxCount {
		return fmt.Errorf("mpi: %d values to reduce, more than one call takes", len(x))
	}
	rc := C.leaky_allreduce_int64(unsafe.Pointer(&x[0]), C.int(len(x)), C.int(op))
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Allreduce: %w", errorString(rc))
	}
	return nil
}

// Barrier returns once every rank has called it.
func (w *World) Barrier() error {
	if w.pending.started {
		return errPending
	}
	if rc := C.MPI_Barrier(C.leaky_world()); rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Barrier: %w", errorString(rc))
	}
	return nil
}

// Abort ends every rank with status code.
func (w *World) Abort(code int) { C.MPI_Abort(C.leaky_world(), C.int(code)) }

// Finalize ends MPI; no call may follow.
func (w *World) Finalize() error {
	world = nil
	if rc := C.MPI_Finalize(); rc != C.MPI_SUCCESS {
		return fmt.Errorf("MPI_Finalize: %w", errorString(rc))
	}
	return nil
}

// errorString is MPI's message for an error code.
func errorString(rc C.int) error {
	buf := make([]C.char, C.MPI_MAX_ERROR_STRING)
	var n C.int
	if C.MPI_Error_string(rc, &buf[0], &n) != C.MPI_SUCCESS {
		return fmt.Errorf("MPI error %d", int(rc))
	}
	return errors.New(C.GoStringN(&buf[0], n))
}
