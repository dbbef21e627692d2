// Command leaky simulates populations of leaky integrate-and-fire neurons.
//
//	leaky run    simulate and write traces, spikes, a summary and a figure
//	leaky info   show the CPU, its features and the kernel chosen for each operation
//	leaky bench  run the CPU benchmark suite, or compare two results
//	leaky nir    inspect NIR graphs: leaky nir info FILE
//
// Run "leaky COMMAND -h" for a command's flags. Each command lives in its
// own file (run.go, info.go, bench.go, nir.go) and registers itself with
// main.go; ranks.go is leaky run as one of the ranks mpirun starts. The
// command knows flags and files: leaky run turns its flags into a network
// description and hands it to session.Run.
package main
