/* The LIF update and row accumulation in C (leaky_c.h), timed on their own:
 * best of 25 runs of about 20 M neuron-steps each. bench/peers/cvs times the
 * same code alternately with leaky's kernels in one process, which is the
 * comparison BENCHMARKS.md reports.
 *
 * Build and run:
 *   gcc -O3 -mavx2 -mfma -ffp-contract=off -o /tmp/leaky_c bench/peers/leaky_c.c && /tmp/leaky_c
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "leaky_c.h"

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void) {
	long sizes[] = {1000, 10000, 100000, 1000000, 10000000};
	for (int k = 0; k < 5; k++) {
		long n = sizes[k];
		float *V = aligned_alloc(64, n * 4 + 64), *I = aligned_alloc(64, n * 4 + 64), *Iin = aligned_alloc(64, n * 4 + 64);
		uint8_t *s = aligned_alloc(64, n + 64);
		for (long i = 0; i < n; i++) {
			V[i] = (float)(i % 97) / 90.0f;
			I[i] = 0.01f * (float)(i % 13);
			/* Never zero: a neuron without input decays into denormals, which
			 * slow the arithmetic down (see BenchmarkLeakyUpdateDenormal) and
			 * would make this a measure of denormal handling. */
			Iin[i] = 0.001f * (float)(i % 7 + 1);
		}
		long iters = 20000000 / n > 1 ? 20000000 / n : 1;
		double best = 1e9;
		for (int rep = 0; rep < 25; rep++) {
			double t0 = now();
			run_update(V, I, Iin, s, n, 0.9f, 0.95f, 1.0f, iters);
			double dt = now() - t0;
			if (dt < best)
				best = dt;
		}
		printf("c LeakyUpdate n=%ld %.3f G neuron-steps/s (checksum %g)\n", n, (double)n * iters / best / 1e9, (double)V[n / 2] + s[n / 3]);
		free(V), free(I), free(Iin), free(s);
	}
	long asizes[] = {1000, 10000, 100000};
	for (int k = 0; k < 3; k++) {
		long n = asizes[k];
		int nrows = 8, wrows = 64;
		float *W = aligned_alloc(64, (long)wrows * n * 4 + 64), *dst = aligned_alloc(64, n * 4 + 64);
		for (long i = 0; i < (long)wrows * n; i++)
			W[i] = 0.001f * (float)(i % 11);
		for (long i = 0; i < n; i++)
			dst[i] = 0;
		int32_t rows[8] = {3, 17, 29, 41, 5, 60, 33, 12};
		long iters = (long)(20000000 / (n * nrows)) + 1;
		double best = 1e9;
		for (int rep = 0; rep < 25; rep++) {
			double t0 = now();
			run_accumulate(dst, W, n, rows, nrows, n, iters);
			double dt = now() - t0;
			if (dt < best)
				best = dt;
		}
		printf("c AccumulateRows n=%ld rows=8 %.3f G events/s (checksum %g)\n", n, (double)n * nrows * iters / best / 1e9, (double)dst[n / 2]);
		free(W), free(dst);
	}
	return 0;
}
