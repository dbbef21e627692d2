//go:build mpi

package mpi_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"leaky/internal/mpitest"
	"leaky/mpi"
)

// TestCollectives launches this test binary on 3 ranks under mpirun; each
// rank checks what the collectives give it against what every rank sent.
func TestCollectives(t *testing.T) {
	if os.Getenv("LEAKY_MPI_CHILD") == "" {
		mpirun := mpitest.Mpirun(t)
		cmd := exec.Command(mpirun, mpitest.Args(3, os.Args[0], "-test.run", "^TestCollectives$", "-test.v")...)
		cmd.Env = append(mpitest.Env(), "LEAKY_MPI_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mpirun: %v\n%s", err, out)
		}
		if n := bytes.Count(out, []byte("--- PASS: TestCollectives")); n != 3 {
			t.Fatalf("%d of 3 ranks passed:\n%s", n, out)
		}
		return
	}
	w, err := mpi.Init()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Finalize()
	if w.Size() != 3 {
		t.Fatalf("size %d, want 3", w.Size())
	}
	if w.LocalSize() != 3 {
		t.Fatalf("LocalSize %d, want 3: every rank runs on this machine", w.LocalSize())
	}
	r := w.Rank()
	// Rank r sends r+1 bytes of value 10+r; blocks land in rank order.
	counts, displs := []int{1, 2, 3}, []int{0, 1, 3}
	send := bytes.Repeat([]byte{byte(10 + r)}, r+1)
	recv := make([]byte, 6)
	if err := w.Allgatherv(send, recv, counts, displs); err != nil {
		t.Fatal(err)
	}
	if want := []byte{10, 11, 11, 12, 12, 12}; !bytes.Equal(recv, want) {
		t.Fatalf("rank %d: Allgatherv gave %v, want %v", r, recv, want)
	}
	// Iallgatherv gives what Allgatherv gives once Wait returns; while
	// it is pending no other collective starts, and a second Wait is
	// refused.
	late := make([]byte, 6)
	if err := w.Iallgatherv(send, late, counts, displs); err != nil {
		t.Fatal(err)
	}
	if err := w.Barrier(); err == nil {
		t.Fatalf("rank %d: a Barrier started while an Iallgatherv was pending", r)
	}
	if err := w.Allgatherv(send, recv, counts, displs); err == nil {
		t.Fatalf("rank %d: an Allgatherv started while an Iallgatherv was pending", r)
	}
	if err := w.Wait(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(late, recv) {
		t.Fatalf("rank %d: Iallgatherv gave %v, want %v", r, late, recv)
	}
	if err := w.Wait(); err == nil {
		t.Fatalf("rank %d: a Wait without a pending Iallgatherv was accepted", r)
	}
	got := make([]byte, 6)
	if err := w.Gatherv(send, got, counts, displs, 2); err != nil {
		t.Fatal(err)
	}
	if r == 2 && !bytes.Equal(got, recv) {
		t.Fatalf("Gatherv at root 2 gave %v, want %v", got, recv)
	}
	if r != 2 && !bytes.Equal(got, make([]byte, 6)) {
		t.Fatalf("Gatherv wrote %v on rank %d, not the root", got, r)
	}
	x := []int64{int64(r), int64(-r * r)}
	if err := w.AllreduceInt64(x, mpi.Sum); err != nil {
		t.Fatal(err)
	}
	if x[0] != 3 || x[1] != -5 {
		t.Fatalf("rank %d: Sum gave %v", r, x)
	}
	x = []int64{int64(r), int64(-r)}
	if err := w.AllreduceInt64(x, mpi.Max); err != nil {
		t.Fatal(err)
	}
	if x[0] != 2 || x[1] != 0 {
		t.Fatalf("rank %d: Max gave %v", r, x)
	}
	if err := w.Allgatherv(send, recv, []int{1, 2}, displs); err == nil {
		t.Fatal(fmt.Sprintf("rank %d: 2 counts for 3 ranks accepted", r))
	}
	if err := w.Barrier(); err != nil {
		t.Fatal(err)
	}
}
