/* The LIF update and row accumulation written as plain C: issue 3's AVX2
 * yardstick. leaky's AVX2 kernels should reach 85% of this compiled with
 * gcc -O3 -mavx2 -mfma. Same arithmetic as kernels/generic.go (float32,
 * reset by subtraction, spike = V > theta); the spikes go to a byte per
 * neuron, the layout gcc vectorises best (leaky packs a bitmask).
 *
 * update is noinline on purpose: inlined into a loop over steps, gcc fuses
 * two steps into one pass over the arrays and drops the first step's spike
 * stores, which measures a different (temporally blocked) computation. An
 * engine does other work between steps, so one pass per step is the fair
 * yardstick. Note that gcc contracts beta*V + I into an FMA unless built
 * with -ffp-contract=off; leaky's float32 kernels do not fuse (the generic
 * Go reference cannot), so bench/peers/cvs builds this with
 * -ffp-contract=off to compare the same arithmetic.
 *
 * Used by leaky_c.c (a standalone program) and by bench/peers/cvs, which
 * runs it alternately with leaky's kernels in one process.
 */
#include <stdint.h>

__attribute__((noinline)) static void update(float *restrict V, float *restrict I, const float *restrict Iin,
                   uint8_t *restrict s, long n, float alpha, float beta, float theta) {
	for (long i = 0; i < n; i++) {
		float sp = V[i] > theta ? 1.0f : 0.0f;
		s[i] = (uint8_t)sp;
		float vn = beta * V[i] + I[i] - sp;
		I[i] = alpha * I[i] + Iin[i];
		V[i] = vn;
	}
}

__attribute__((noinline)) static void accumulate(float *restrict dst, const float *restrict W, long stride, const int32_t *rows, int nrows, long n) {
	for (int r = 0; r < nrows; r++) {
		const float *w = W + (long)rows[r] * stride;
		for (long i = 0; i < n; i++)
			dst[i] += w[i];
	}
}

/* run_update and run_accumulate repeat the kernels so that one call from Go
 * (which costs tens of nanoseconds through cgo) covers many steps. */
static void run_update(float *V, float *I, const float *Iin, uint8_t *s, long n, float alpha, float beta, float theta, long steps) {
	for (long t = 0; t < steps; t++)
		update(V, I, Iin, s, n, alpha, beta, theta);
}

static void run_accumulate(float *dst, const float *W, long stride, const int32_t *rows, int nrows, long n, long reps) {
	for (long t = 0; t < reps; t++)
		accumulate(dst, W, stride, rows, nrows, n);
}
