// Package mpitest holds what leaky's tests of runs over ranks share: it
// launches them under OpenMPI's mpirun the one way they all do
// (oversubscribed ranks on one machine over shared memory, and as root
// when the test runs as root, a container's CI), runs ranks in one process
// without MPI (World), and holds their delayed network and the comparison
// of a run's files with a reference run's.
package mpitest
