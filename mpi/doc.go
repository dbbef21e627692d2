// Package mpi is leaky's binding to the system MPI, holding only what a run
// over ranks calls: Init (MPI_THREAD_FUNNELED, from a locked OS thread),
// the rank and size of MPI_COMM_WORLD, Allgatherv and Gatherv of bytes,
// a non-blocking Iallgatherv and its Wait (one pending at a time; no
// other collective starts before its Wait), an integer Allreduce,
// Barrier, Abort and Finalize.
//
// Built with the tag mpi it is cgo over OpenMPI (Debian's libopenmpi-dev,
// found through `pkg-config ompi-c`; `make build-mpi`). The default build
// is pure Go and a single rank: its World copies instead of
// communicating, and Init refuses to start when the environment says the
// process is one of several ranks launched by mpirun, since every rank
// would then run the whole network alone and write the same files.
//
// MPI_THREAD_FUNNELED means only the thread that called Init may call MPI:
// Init locks the calling goroutine to its OS thread, and every later call
// must come from that goroutine (leaky's driver steps the network there;
// its worker threads never call MPI).
package mpi
