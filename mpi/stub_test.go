//go:build !mpi

package mpi

import (
	"strings"
	"testing"
)

func TestSingleRank(t *testing.T) {
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"} {
		t.Setenv(k, "")
	}
	w, err := Init()
	if err != nil {
		t.Fatal(err)
	}
	if w.Rank() != 0 || w.Size() != 1 {
		t.Fatalf("rank %d of %d, want 0 of 1", w.Rank(), w.Size())
	}
	recv := make([]byte, 5)
	if err := w.Allgatherv([]byte("abc"), recv, []int{3}, []int{1}); err != nil {
		t.Fatal(err)
	}
	if string(recv) != "\x00abc\x00" {
		t.Fatalf("Allgatherv wrote %q", recv)
	}
	if err := w.Allgatherv([]byte("abc"), recv, []int{2}, []int{0}); err == nil {
		t.Fatal("a count other than len(send) was accepted")
	}
	if err := w.Gatherv([]byte("abc"), recv, []int{3}, []int{3}, 0); err == nil {
		t.Fatal("a block past the receive buffer was accepted")
	}
	late := make([]byte, 5)
	if err := w.Iallgatherv([]byte("abc"), late, []int{3}, []int{1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Barrier(); err == nil {
		t.Fatal("a Barrier started while an Iallgatherv was pending")
	}
	if err := w.Wait(); err != nil || string(late) != "\x00abc\x00" {
		t.Fatalf("Iallgatherv and Wait wrote %q: %v", late, err)
	}
	if err := w.Wait(); err == nil {
		t.Fatal("a Wait without a pending Iallgatherv was accepted")
	}
	x := []int64{3, -1}
	if err := w.AllreduceInt64(x, Max); err != nil || x[0] != 3 || x[1] != -1 {
		t.Fatalf("AllreduceInt64 gave %v, %v", x, err)
	}
}

// TestRefusesSeveralRanks: launched as one of several ranks, the pure-Go
// build says how to build with MPI instead of running the network alone
// on every rank.
func TestRefusesSeveralRanks(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_SIZE", "3")
	_, err := Init()
	if err == nil || !strings.Contains(err.Error(), "one of 3 ranks") || !strings.Contains(err.Error(), "make build-mpi") {
		t.Fatalf("Init under 3 ranks: %v", err)
	}
}
