/* rng: xoshiro256** with SplitMix64 seeding; see rng.h. */
#include <math.h>

#include "rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *g, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
}

struct rng
rng_split(uint64_t seed, uint64_t stream)
{
	struct rng g;
	uint64_t x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));

	rng_seed(&g, splitmix64(&x));
	return g;
}

uint64_t
rng_below(struct rng *g, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)rng_next(g) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (unsigned __int128)rng_next(g) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
rng_exponential(struct rng *g)
{
	return -log(rng_uniform_pos(g));
}

uint64_t
rng_poisson(struct rng *g, double mean)
{
	if (!(mean > 0))
		return 0;
	if (mean < 10) {
		/* Inversion by sequential search. */
		double p = exp(-mean), cdf = p, u = rng_uniform(g);
		uint64_t k = 0;

		while (u > cdf && k < 1000) {
			k++;
			p *= mean / (double)k;
			cdf += p;
		}
		return k;
	}
	/* PTRS. */
	double slam = sqrt(mean), loglam = log(mean);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2);

	for (;;) {
		double u = rng_uniform(g) - 0.5;
		double v = rng_uniform_pos(g);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + mean + 0.43);

		if (us >= 0.07 && v <= vr)
			return (uint64_t)k;
		if (k < 0 || (us < 0.013 && v > us))
			continue;
		if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
		    -mean + k * loglam - lgamma(k + 1))
			return (uint64_t)k;
	}
}

uint64_t
rng_binomial(struct rng *g, uint64_t n, double p)
{
	uint64_t k = 0;

	if (!(p > 0) || n == 0)
		return 0;
	if (p >= 1)
		return n;
	if (n < 64) {
		for (uint64_t i = 0; i < n; i++)
			k += rng_uniform(g) < p;
		return k;
	}
	/* Geometric skipping: the gaps between successes are geometric, so the
	 * cost is O(n·p + 1) draws and the distribution is exact. */
	double lq = log1p(-p);
	uint64_t pos = 0;

	for (;;) {
		double skip = floor(log(rng_uniform_pos(g)) / lq);

		if (skip >= (double)(n - pos))
			return k;
		pos += (uint64_t)skip + 1;
		k++;
		if (pos >= n)
			return k;
	}
}
