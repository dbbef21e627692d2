/* The LIF update and row accumulation written as plain C, for issue 3's
 * AVX2 targets: leaky's AVX2 kernels should reach 85% of this compiled with
 * gcc -O3 -mavx2 -mfma. Same arithmetic as kernels/generic.go (float32,
 * reset by subtraction, spike = V > theta); the spikes go to a byte per
 * neuron, the layout gcc vectorises best (leaky packs a bitmask).
 *
 * Build and run (bench/peers/run.sh does this):
 *   gcc -O3 -mavx2 -mfma -o /tmp/leaky_c bench/peers/leaky_c.c && /tmp/leaky_c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void update(float *restrict V, float *restrict I, const float *restrict Iin,
                   uint8_t *restrict s, long n, float alpha, float beta, float theta) {
	for (long i = 0; i < n; i++) {
		float sp = V[i] > theta ? 1.0f : 0.0f;
		s[i] = (uint8_t)sp;
		float vn = beta * V[i] + I[i] - sp;
		I[i] = alpha * I[i] + Iin[i];
		V[i] = vn;
	}
}

static void accumulate(float *restrict dst, const float *restrict W, long stride, const int32_t *rows, int nrows, long n) {
	for (int r = 0; r < nrows; r++) {
		const float *w = W + (long)rows[r] * stride;
		for (long i = 0; i < n; i++)
			dst[i] += w[i];
	}
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
			Iin[i] = 0.001f * (float)(i % 7);
		}
		long iters = 2e9 / n > 1 ? (long)(2e9 / n) / 4 : 1;
		double best = 1e9;
		for (int rep = 0; rep < 5; rep++) {
			double t0 = now();
			for (long it = 0; it < iters; it++)
				update(V, I, Iin, s, n, 0.9f, 0.95f, 1.0f);
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
		long iters = (long)(2e9 / (n * nrows)) / 4 + 1;
		double best = 1e9;
		for (int rep = 0; rep < 5; rep++) {
			double t0 = now();
			for (long it = 0; it < iters; it++)
				accumulate(dst, W, n, rows, nrows, n);
			double dt = now() - t0;
			if (dt < best)
				best = dt;
		}
		printf("c AccumulateRows n=%ld rows=8 %.3f G events/s (checksum %g)\n", n, (double)n * nrows * iters / best / 1e9, (double)dst[n / 2]);
		free(W), free(dst);
	}
	return 0;
}
