// floor times, on two ranks, the exchange leaky makes every step with
// nothing else to do: the point-to-point pattern of mpi/mpi_cgo.go's
// leaky_iallgatherv (a receive from and a send to the other rank, then
// MPI_Waitall) and MPI_Allgatherv, for a few message sizes. Subtracted
// from the exchange time leaky's summary.json reports, what is left is
// one rank waiting for the other. bench/mpi/run.sh builds and runs it:
//   mpicc -O2 -o floor bench/mpi/floor.c && mpirun -np 2 ./floor
#include <mpi.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
	MPI_Init(&argc, &argv);
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size != 2) {
		if (rank == 0) fprintf(stderr, "floor: run it on 2 ranks, not %d\n", size);
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	static char send[1 << 16], recv[2 << 16];
	const int iters = 100000, sizes[] = {64, 2048, 16384};
	int other = 1 - rank;
	for (int k = 0; k < 3; k++) {
		int n = sizes[k], counts[2] = {n, n}, displs[2] = {0, n};
		MPI_Request req[2];
		double best_p2p = 1e9, best_all = 1e9;
		for (int rep = 0; rep < 3; rep++) {
			MPI_Barrier(MPI_COMM_WORLD);
			double t0 = now();
			for (int i = 0; i < iters; i++) {
				MPI_Irecv(recv, n, MPI_BYTE, other, 0, MPI_COMM_WORLD, &req[0]);
				MPI_Isend(send, n, MPI_BYTE, other, 0, MPI_COMM_WORLD, &req[1]);
				MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
			}
			double t1 = now();
			for (int i = 0; i < iters; i++)
				MPI_Allgatherv(send, n, MPI_BYTE, recv, counts, displs, MPI_BYTE, MPI_COMM_WORLD);
			double t2 = now();
			if ((t1 - t0) < best_p2p) best_p2p = t1 - t0;
			if ((t2 - t1) < best_all) best_all = t2 - t1;
		}
		if (rank == 0)
			printf("mpi floor bytes=%d isend_irecv_waitall_us=%.3f allgatherv_us=%.3f (best of 3 × %d)\n",
			       n, best_p2p / iters * 1e6, best_all / iters * 1e6, iters);
	}
	MPI_Finalize();
	return 0;
}
