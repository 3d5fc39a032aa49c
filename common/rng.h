/* rng: the suite's seeded random numbers.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna, 2018), state seeded from the
 * 64-bit seed by SplitMix64, as its authors recommend.  Period 2^256 - 1,
 * passes BigCrush, four 64-bit words of state, ~1 ns per draw.  Streams for
 * independent purposes within one program come from rng_split(), so adding a
 * draw in one place does not shift every other random choice.
 *
 * Same seed, same numbers, on every platform: nothing here depends on libm
 * beyond log/exp/sqrt, which are correctly rounded enough for our uses. */
#ifndef LL_RNG_H
#define LL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *g, uint64_t seed);

/* A generator for sub-purpose `stream`, independent of `g`'s own draws. */
struct rng rng_split(uint64_t seed, uint64_t stream);

/* The draws are inline: a generator's hot loop (llgen) makes three a
 * candidate, and a call each cost a tenth of its time. */
static inline uint64_t
rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double
rng_uniform(struct rng *g)
{
	return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

/* Uniform double in (0, 1): never 0, for logarithms. */
static inline double
rng_uniform_pos(struct rng *g)
{
	return ((double)(rng_next(g) >> 11) + 0.5) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias (Lemire 2019); n > 0. */
uint64_t rng_below(struct rng *g, uint64_t n);

/* Exponential with mean 1. */
double rng_exponential(struct rng *g);

/* Poisson with the given mean (>= 0): inversion below 10, Hörmann's PTRS
 * transformed rejection above (W. Hörmann 1993, Insurance: Math. Econ. 12). */
uint64_t rng_poisson(struct rng *g, double mean);

/* Binomial(n, p): n Bernoulli draws for n < 64, else geometric skipping
 * between successes (O(n·p + 1) draws); exact in distribution. */
uint64_t rng_binomial(struct rng *g, uint64_t n, double p);

#endif
