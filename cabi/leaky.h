/*
 * leaky.h — the C ABI of leaky, a LIF spiking-network simulator.
 *
 * Build the library from a clone of leaky (Go 1.26, gcc):
 *
 *     go build -buildmode=c-shared -o libleaky.so ./cabi     (or: make libleaky)
 *
 * and link a program against it: gcc prog.c -Icabi -L. -lleaky.
 *
 * A network is an opaque handle (leaky_net): make one with leaky_new, set
 * its options (threads, kernel), open a network in it (a YAML description,
 * a file, leaky run's feed-forward parameters or a checkpoint), step it,
 * read what it holds into buffers you own, and leaky_free it. The library
 * keeps no pointer to your memory after a call returns, and gives you none
 * to its own.
 *
 * Every function returns a status, LEAKY_OK (0) or one of the codes
 * below; after a failure, leaky_last_error(net, ...) gives the message —
 * the one `leaky run` would print, naming the key of the description (or
 * the leaky_feedforward field) that is wrong. A bug inside leaky does not
 * end your process: it is returned as LEAKY_PANIC, after which the handle
 * can only be freed.
 *
 * Arrays are C-contiguous (row-major). Reading follows "count, then
 * fill": call with buf NULL to learn the shape, then again with a buffer
 * of at least that many values (cap counts values, not bytes). Values are
 * converted when the dtype you ask for is not the network's.
 *
 * Calls on one handle are serialised (a second thread waits); separate
 * handles run in parallel. The kernel choice is the process's.
 */
#ifndef LEAKY_H
#define LEAKY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
enum {
	LEAKY_OK = 0,
	/* The description, an option, an argument, a file or a buffer is
	 * wrong; nothing changed. */
	LEAKY_BAD_INPUT = 1,
	/* A failure while running or saving (a full disk); the network is at a
	 * step boundary. */
	LEAKY_ERROR = 2,
	/* leaky_cancel stopped a run at a step boundary; the network is usable
	 * and continues from there. */
	LEAKY_INTERRUPTED = 3,
	/* Not in this version of leaky. */
	LEAKY_NOT_AVAILABLE = 4,
	/* Not a handle, or one already freed. No message is kept. */
	LEAKY_BAD_HANDLE = 5,
	/* A bug in leaky, caught at the boundary: report the message. The
	 * handle can only be freed. */
	LEAKY_PANIC = 6
};

/* Element types of buffers. */
enum {
	LEAKY_FLOAT32 = 1,
	LEAKY_FLOAT64 = 2,
	LEAKY_INT64 = 3
};

/* A network: an opaque handle, not a pointer. 0 is never a handle. */
typedef uintptr_t leaky_net;

/* The values of one input source of the description (`sources: [{name,
 * input: {size}}]`) for the steps of one leaky_run or leaky_step: count =
 * steps × batch × size values, step-major, then trial, then input. Values
 * of the network's dtype are read in place during the call; 0/1 values
 * are propagated as spikes, others as analog input. */
typedef struct leaky_input {
	const char *source;
	int32_t dtype; /* LEAKY_FLOAT32 or LEAKY_FLOAT64 */
	const void *data;
	int64_t count;
} leaky_input;

/* The parameters of `leaky run` (its flags; see the README), for
 * leaky_open_feedforward: Poisson inputs (or an input array) projecting
 * densely onto one population of seed-notebook neurons, recorded in memory.
 * leaky_feedforward_defaults fills in leaky run's defaults. */
typedef struct leaky_feedforward {
	/* Sizes: steps T, inputs n_in, neurons N, trials B. 0 takes the size
	 * from inputs/weights (a file or an array shape). */
	int64_t steps, n_inputs, neurons, batch;
	/* Poisson rate (Hz), dt, tau_mem, tau_syn (s), threshold θ. */
	double rate, dt, tau_mem, tau_syn, threshold;
	const char *reset; /* "subtract" (NULL) or "zero" */
	uint64_t seed;
	const char *dtype; /* "float32" (NULL) or "float64" */
	/* Inputs: a .npy file (T, n_in) or (T, B, n_in), or, with
	 * inputs_ndim 2 or 3, the shape of the array leaky_run will be given
	 * for the source "input"; NULL and 0: Poisson. */
	const char *inputs;
	int64_t inputs_ndim;
	int64_t inputs_shape[3];
	/* Weights: a .npy file (n_in, N), or, with weights_ndim 2, the shape
	 * of the array leaky_set_weights will set on "input->lif"; NULL and
	 * 0: the notebook's Normal(0, 7(1−β)/√n_in). */
	const char *weights;
	int64_t weights_ndim;
	int64_t weights_shape[2];
	int32_t procedural_weights; /* regenerate the notebook weights on every spike */
	/* What the population "lif" records, a comma list of v, isyn, iinp and
	 * spikes (NULL: all four; "": nothing), and of which neurons, e.g.
	 * "0,5,10-20" (NULL or "": all). */
	const char *record;
	const char *record_neurons;
} leaky_feedforward;

#ifndef LEAKY_INTERNAL_NO_PROTOTYPES

/* leaky's version into buf (cap bytes, NUL-terminated, truncated if
 * short); *len is its length without the NUL. */
int leaky_version(char *buf, size_t cap, size_t *len);

/* A new handle, with no network yet, into *net. */
int leaky_new(leaky_net *net);
/* Frees the handle and everything it holds. */
int leaky_free(leaky_net net);
/* The message of the handle's last call (empty after a success) into buf,
 * as leaky_version. */
int leaky_last_error(leaky_net net, char *buf, size_t cap, size_t *len);

/* Options: threads to step with (0: all cores; the results are the same
 * bits at every count), the kernels (generic, avx2, avx512, auto; for the
 * whole process), and force (run even when the memory estimate exceeds
 * what is available). They apply to the network opened next, threads and
 * kernel also to one already open. */
int leaky_set_threads(leaky_net net, int32_t threads);
int leaky_set_kernel(leaky_net net, const char *kernel);
int leaky_set_force(leaky_net net, int32_t force);

/* Opening a network, checked as `leaky run --net` checks one. The
 * description's recorders record in memory from step 0. */
/* From YAML (or JSON) text; name is used in messages and its directory
 * to find relative .npy paths (NULL: "<yaml>" in the working directory). */
int leaky_open_yaml(leaky_net net, const char *yaml, const char *name);
/* From a network file. */
int leaky_open_file(leaky_net net, const char *path);
/* From leaky run's parameters; messages name the struct's fields. */
int leaky_feedforward_defaults(leaky_feedforward *ff);
int leaky_open_feedforward(leaky_net net, const leaky_feedforward *ff);
/* From a NIR graph, as leaky run --nir runs it: dt the time step in
 * seconds (required), scheme the semantics, as leaky run --semantics
 * (norse, the default when NULL, snntorch, spyx, leaky, rockpool, sinabs
 * or lava), reset zero or subtract (NULL: the semantics' own, subtract for
 * spyx, rockpool and sinabs, zero for the others); one trial.
 * The graph's Input is the network's one input source, fed by
 * leaky_step/leaky_run with its values flattened; each neuron node is a
 * population named by its node path ('/' becomes '.'). */
int leaky_open_nir(leaky_net net, const char *path, double dt, const char *scheme, const char *reset);
/* From a checkpoint written by leaky_save: the network it carries, at the
 * step it was saved. */
int leaky_load(leaky_net net, const char *checkpoint);
/* Saves the network's state to a checkpoint (leaky run's format; the
 * recorded data is not saved). */
int leaky_save(leaky_net net, const char *checkpoint);

/* Stepping. leaky_run runs steps steps, giving each input source its
 * values (n_inputs entries); leaky_step runs one. leaky_cancel, from
 * another thread, stops a run in progress at the end of a step
 * (LEAKY_INTERRUPTED). */
int leaky_run(leaky_net net, int64_t steps, const leaky_input *inputs, int64_t n_inputs);
int leaky_step(leaky_net net, const leaky_input *inputs, int64_t n_inputs);
int leaky_cancel(leaky_net net);
/* The next step to run. */
int leaky_step_index(leaky_net net, int64_t *step);
/* The network as JSON: dtype, batch, dt, step, threads, kernel,
 * populations, sources and projections (name, kind, size), recordings
 * (population, var, neurons, start, shape); into buf as leaky_version. */
int leaky_info(leaky_net net, char *buf, size_t cap, size_t *len);

/* Recording. leaky_record records vars (a comma list of spikes, v, isyn,
 * iinp) of a population from the next step on, of neurons (e.g.
 * "0,5,10-20"; NULL or "": all). leaky_recorded reads a recording:
 * *ndim and shape get (steps, batch, neurons) for a state variable, of
 * dtype LEAKY_FLOAT32 or LEAKY_FLOAT64, or (spikes, 3) rows of (step,
 * trial, neuron) for "spikes", of dtype LEAKY_INT64; *start the step of
 * its first row. */
int leaky_record(leaky_net net, const char *population, const char *vars, const char *neurons);
int leaky_recorded(leaky_net net, const char *population, const char *var, int32_t dtype, void *buf, int64_t cap,
                   int64_t *ndim, int64_t shape[3], int64_t *start);

/* State now. leaky_state reads v, isyn or iinp of a population, shape
 * (batch, size); leaky_spikes the spikes of its last step as *count rows
 * of (trial, neuron), 2 × *count values. */
int leaky_state(leaky_net net, const char *population, const char *var, int32_t dtype, void *buf, int64_t cap,
                int64_t shape[2]);
int leaky_spikes(leaky_net net, const char *population, int64_t *buf, int64_t cap, int64_t *count);

/* Replaces the weights of a dense projection (n_source × n_target values,
 * row-major). The network can no longer be saved. */
int leaky_set_weights(leaky_net net, const char *projection, int32_t dtype, const void *w, int64_t count);

/* For tests of the boundary: panics inside leaky now (at_step 0) or in the
 * run that reaches step at_step, which the call then returns as
 * LEAKY_PANIC. */
int leaky_debug_panic(leaky_net net, int64_t at_step);

/* A name for a status code, for messages. */
static inline const char *leaky_status_name(int status)
{
	switch (status) {
	case LEAKY_OK: return "ok";
	case LEAKY_BAD_INPUT: return "bad input";
	case LEAKY_ERROR: return "error";
	case LEAKY_INTERRUPTED: return "interrupted";
	case LEAKY_NOT_AVAILABLE: return "not available";
	case LEAKY_BAD_HANDLE: return "bad handle";
	case LEAKY_PANIC: return "internal error";
	}
	return "unknown status";
}

#endif /* LEAKY_INTERNAL_NO_PROTOTYPES */

#ifdef __cplusplus
}
#endif

#endif /* LEAKY_H */
