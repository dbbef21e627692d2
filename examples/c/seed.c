/*
 * seed.c — leaky from C: the seed notebook's network through the C ABI,
 * checked against what `leaky run` wrote for the same parameters, then a
 * network with an input source stepped one step at a time with arrays of
 * its own, and an error read back through the API.
 *
 *     make libleaky                        # bin/libleaky.so
 *     gcc -O2 -Icabi -o bin/seed-c examples/c/seed.c -Lbin -lleaky -Wl,-rpath,'$ORIGIN'
 *     leaky run --steps 2000 --neurons 100 --batch 2 --rate 20 --out /tmp/cli
 *     bin/seed-c /tmp/cli
 *
 * (make test does all of this.) It prints what it checked and exits 0
 * when everything matched, 1 otherwise.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaky.h"

static int failures;

/* check reports a failed status with the handle's message and exits. */
static void check(leaky_net net, int status, const char *what)
{
	if (status == LEAKY_OK)
		return;
	char msg[2048];
	size_t len;
	leaky_last_error(net, msg, sizeof msg, &len);
	fprintf(stderr, "seed-c: %s: %s: %s\n", what, leaky_status_name(status), msg);
	exit(1);
}

/* read_npy reads a version 1 .npy file leaky wrote: its raw data, of
 * *size bytes. */
static void *read_npy(const char *dir, const char *name, size_t *size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	unsigned char head[10];
	if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY\x01\x00", 8) != 0) {
		fprintf(stderr, "seed-c: %s: not a version 1 .npy file\n", path);
		exit(1);
	}
	long hlen = head[8] | head[9] << 8;
	fseek(f, 0, SEEK_END);
	long end = ftell(f);
	fseek(f, 10 + hlen, SEEK_SET);
	*size = (size_t)(end - 10 - hlen);
	void *data = malloc(*size ? *size : 1);
	if (fread(data, 1, *size, f) != *size) {
		fprintf(stderr, "seed-c: %s: short read\n", path);
		exit(1);
	}
	fclose(f);
	return data;
}

/* same compares a recording with leaky run's file of it, byte for byte. */
static void same(leaky_net net, const char *dir, const char *var, int dtype, size_t elem)
{
	int64_t ndim, shape[3], start;
	check(net, leaky_recorded(net, "lif", var, dtype, NULL, 0, &ndim, shape, &start), "leaky_recorded");
	int64_t count = 1;
	for (int i = 0; i < ndim; i++)
		count *= shape[i];
	void *buf = malloc(count * elem + 1);
	check(net, leaky_recorded(net, "lif", var, dtype, buf, count, &ndim, shape, &start), "leaky_recorded");
	char file[64];
	snprintf(file, sizeof file, "%s.npy", var);
	size_t size;
	void *want = read_npy(dir, file, &size);
	int ok = size == (size_t)count * elem && memcmp(buf, want, size) == 0;
	char dims[96];
	if (ndim == 3)
		snprintf(dims, sizeof dims, "(%lld, %lld, %lld)", (long long)shape[0], (long long)shape[1], (long long)shape[2]);
	else
		snprintf(dims, sizeof dims, "(%lld, %lld)", (long long)shape[0], (long long)shape[1]);
	printf("%-6s %-16s %s leaky run's %s\n", var, dims, ok ? "equals" : "DIFFERS FROM", file);
	failures += !ok;
	free(buf);
	free(want);
}

/* feedforward runs leaky run's network and compares it with its files. */
static void feedforward(const char *dir)
{
	leaky_net net;
	check(0, leaky_new(&net), "leaky_new");
	check(net, leaky_set_threads(net, 2), "leaky_set_threads");
	leaky_feedforward ff;
	leaky_feedforward_defaults(&ff);
	ff.steps = 2000, ff.neurons = 100, ff.batch = 2, ff.rate = 20;
	check(net, leaky_open_feedforward(net, &ff), "leaky_open_feedforward");
	check(net, leaky_run(net, ff.steps, NULL, 0), "leaky_run");
	same(net, dir, "v", LEAKY_FLOAT32, 4);
	same(net, dir, "isyn", LEAKY_FLOAT32, 4);
	same(net, dir, "iinp", LEAKY_FLOAT32, 4);
	same(net, dir, "spikes", LEAKY_INT64, 8);
	check(net, leaky_free(net), "leaky_free");
}

static const char *fed_yaml =
	"run: {dt: 0.001, steps: 100, batch: 2, seed: 3}\n"
	"sources:\n"
	"  - {name: x, input: {size: 8}}\n"
	"populations:\n"
	"  - {name: lif, size: 16, params: {tau_mem: 0.01, tau_syn: 0.005}}\n"
	"projections:\n"
	"  - {source: x, target: lif, type: dense, weight: {normal: [0.3, 0.5]}}\n"
	"recorders:\n"
	"  - {population: lif, vars: [spikes]}\n";

/* stepped feeds a network from C one step at a time and checks it against
 * one leaky_run of the same values. */
static void stepped(void)
{
	enum { STEPS = 100, BATCH = 2, SIZE = 8, N = 16 };
	static float x[STEPS][BATCH][SIZE];
	srand(1);
	for (int t = 0; t < STEPS; t++)
		for (int b = 0; b < BATCH; b++)
			for (int i = 0; i < SIZE; i++)
				x[t][b][i] = (float)rand() / RAND_MAX;
	leaky_net whole, steps;
	check(0, leaky_new(&whole), "leaky_new");
	check(0, leaky_new(&steps), "leaky_new");
	check(whole, leaky_open_yaml(whole, fed_yaml, "fed.yaml"), "leaky_open_yaml");
	check(steps, leaky_open_yaml(steps, fed_yaml, "fed.yaml"), "leaky_open_yaml");
	leaky_input in = {"x", LEAKY_FLOAT32, x, STEPS * BATCH * SIZE};
	check(whole, leaky_run(whole, STEPS, &in, 1), "leaky_run");
	int64_t spikes = 0;
	for (int t = 0; t < STEPS; t++) {
		leaky_input one = {"x", LEAKY_FLOAT32, x[t], BATCH * SIZE};
		check(steps, leaky_step(steps, &one, 1), "leaky_step");
		int64_t count;
		check(steps, leaky_spikes(steps, "lif", NULL, 0, &count), "leaky_spikes");
		spikes += count;
	}
	double a[BATCH * N], b[BATCH * N];
	int64_t shape[2];
	check(whole, leaky_state(whole, "lif", "v", LEAKY_FLOAT64, a, BATCH * N, shape), "leaky_state");
	check(steps, leaky_state(steps, "lif", "v", LEAKY_FLOAT64, b, BATCH * N, shape), "leaky_state");
	int64_t ndim, rshape[3], start;
	check(whole, leaky_recorded(whole, "lif", "spikes", LEAKY_INT64, NULL, 0, &ndim, rshape, &start), "leaky_recorded");
	int ok = memcmp(a, b, sizeof a) == 0 && spikes == rshape[0];
	printf("stepped %d steps from C: V of (%lld, %lld) and %lld spikes %s one leaky_run\n", STEPS, (long long)shape[0],
	       (long long)shape[1], (long long)spikes, ok ? "equal" : "DIFFER FROM");
	failures += !ok;

	/* A mistake: the message is the one leaky run prints, naming the key. */
	leaky_input wrong = {"x", LEAKY_FLOAT32, x, 3};
	int status = leaky_step(steps, &wrong, 1);
	char msg[1024];
	size_t len;
	leaky_last_error(steps, msg, sizeof msg, &len);
	printf("a step with 3 values: %s: %s\n", leaky_status_name(status), msg);
	failures += status != LEAKY_BAD_INPUT;
	leaky_free(whole);
	leaky_free(steps);
}

/* errors checks the messages of bad parameters and of a NIR graph. */
static void errors(void)
{
	leaky_net net;
	check(0, leaky_new(&net), "leaky_new");
	leaky_feedforward ff;
	leaky_feedforward_defaults(&ff);
	ff.neurons = 0;
	int status = leaky_open_feedforward(net, &ff);
	char msg[1024];
	size_t len;
	leaky_last_error(net, msg, sizeof msg, &len);
	const char *want = "neurons 0: must be at least 1, got 0";
	printf("neurons = 0: %s: %s\n", leaky_status_name(status), msg);
	failures += status != LEAKY_BAD_INPUT || strcmp(msg, want) != 0;
	status = leaky_open_nir(net, "no-such-model.nir", 1e-3, NULL, NULL);
	leaky_last_error(net, msg, sizeof msg, &len);
	printf("leaky_open_nir of a missing file: %s: %s\n", leaky_status_name(status), msg);
	failures += status != LEAKY_BAD_INPUT || strstr(msg, "no-such-model.nir") == NULL;
	leaky_free(net);
	failures += leaky_step(net, NULL, 0) != LEAKY_BAD_HANDLE;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seed-c DIR (the --out of leaky run --steps 2000 --neurons 100 --batch 2 --rate 20)\n");
		return 2;
	}
	char version[64];
	size_t len;
	leaky_version(version, sizeof version, &len);
	printf("leaky %s through the C ABI\n", version);
	feedforward(argv[1]);
	stepped();
	errors();
	if (failures) {
		printf("%d checks FAILED\n", failures);
		return 1;
	}
	printf("every check passed\n");
	return 0;
}
