/* test_rng: xoshiro256** against its published reference outputs and an
 * independent transcription of the algorithm, then the distributions'
 * moments within 4 standard errors.  Seeds are fixed, so a pass is repeatable.
 * Prints TAP lines; exits 1 when any check failed. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "rng.h"


/* |got - want| <= 4 sigma, with the numbers shown as a TAP comment. */
static void
check_near(double got, double want, double sigma, const char *what)
{
	printf("# %s: got %.6g, expected %.6g +- 4 x %.3g\n", what, got, want, sigma);
	check(fabs(got - want) <= 4 * sigma, what);
}

/* Independent transcription of Blackman & Vigna's xoshiro256starstar.c and
 * Vigna's splitmix64.c, to check the library against. */
static uint64_t
ref_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
ref_next(uint64_t s[4])
{
	const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ref_rotl(s[3], 45);
	return result;
}

static uint64_t
ref_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static void
test_reference(void)
{
	/* First ten outputs of xoshiro256** from the state {1, 2, 3, 4}, as the
	 * reference C code gives them (also the test vector of Rust's
	 * rand_xoshiro). */
	static const uint64_t published[10] = {
		UINT64_C(11520), UINT64_C(0), UINT64_C(1509978240),
		UINT64_C(1215971899390074240), UINT64_C(1216172134540287360),
		UINT64_C(607988272756665600), UINT64_C(16172922978634559625),
		UINT64_C(8476171486693032832), UINT64_C(10595114339597558777),
		UINT64_C(2904607092377533576),
	};
	struct rng g = { { 1, 2, 3, 4 } };
	uint64_t s[4] = { 1, 2, 3, 4 };
	bool same_pub = true, same_ref = true;

	for (int i = 0; i < 10; i++) {
		uint64_t v = rng_next(&g);

		if (v != published[i]) {
			printf("# output %d: got %" PRIu64 ", published %" PRIu64 "\n", i, v, published[i]);
			same_pub = false;
		}
	}
	check(same_pub, "xoshiro256** from {1,2,3,4}: the 10 published outputs");

	memcpy(g.s, s, sizeof s);
	for (int i = 0; i < 100000; i++)
		if (rng_next(&g) != ref_next(s))
			same_ref = false;
	check(same_ref && memcmp(g.s, s, sizeof s) == 0,
	      "xoshiro256** matches the reference transcription for 100000 draws");

	/* SplitMix64 seeding: the state is the first four SplitMix64 outputs. */
	uint64_t x = 1234567, want[4];
	for (int i = 0; i < 4; i++)
		want[i] = ref_splitmix(&x);
	rng_seed(&g, 1234567);
	check(memcmp(g.s, want, sizeof want) == 0, "rng_seed: state is SplitMix64 of the seed");
	/* Published SplitMix64 outputs for seed 1234567. */
	check(want[0] == UINT64_C(6457827717110365317) && want[1] == UINT64_C(3203168211198807973) &&
	      want[2] == UINT64_C(9817491932198370423) && want[3] == UINT64_C(4593380528125082431),
	      "splitmix64(1234567): the published outputs");
}

static void
test_seeding(void)
{
	struct rng a, b, c;
	bool same = true, differ = false;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);

		same &= x == y;
		differ |= x != z;
	}
	check(same, "rng_seed: same seed, same sequence");
	check(differ, "rng_seed: seed 42 and 43 give different sequences");

	rng_seed(&a, 0);
	check(a.s[0] | a.s[1] | a.s[2] | a.s[3], "rng_seed(0): state is not all zero");

	a = rng_split(42, 0);
	b = rng_split(42, 1);
	c = rng_split(42, 0);
	rng_seed(&c, 42);
	struct rng d = rng_split(42, 0);
	check(memcmp(&a, &b, sizeof a) != 0, "rng_split: streams 0 and 1 differ");
	check(memcmp(&a, &d, sizeof a) == 0, "rng_split: deterministic");
	check(memcmp(&a, &c, sizeof a) != 0, "rng_split: stream 0 differs from the seed's own generator");
}

static void
test_uniform(void)
{
	struct rng g;
	const int n = 1000000;
	double sum = 0, lo = 1, hi = 0;
	bool in_range = true;

	rng_seed(&g, 1);
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&g);

		in_range &= u >= 0 && u < 1;
		sum += u;
		lo = fmin(lo, u);
		hi = fmax(hi, u);
	}
	check(in_range, "rng_uniform: 1e6 draws in [0, 1)");
	check_near(sum / n, 0.5, sqrt(1.0 / 12 / n), "rng_uniform: mean 0.5");
	check(lo < 1e-5 && hi > 1 - 1e-5, "rng_uniform: draws reach both ends");

	bool pos = true;
	sum = 0;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform_pos(&g);

		pos &= u > 0 && u < 1;
		sum += u;
	}
	check(pos, "rng_uniform_pos: 1e6 draws in (0, 1)");
	check_near(sum / n, 0.5, sqrt(1.0 / 12 / n), "rng_uniform_pos: mean 0.5");
	/* The extremes of the 53-bit grid: 0 maps to 2^-54, the largest to below 1. */
	struct rng z = { { 0, 0, 0, 0 } };
	check(rng_uniform_pos(&z) > 0 && rng_uniform(&z) == 0,
	      "rng_uniform_pos: a zero draw still gives a positive number");
}

static void
test_below(void)
{
	struct rng g;
	const int n = 1000000, k = 10;
	long count[10] = { 0 };
	bool in_range = true;
	double chi2 = 0;

	rng_seed(&g, 2);
	for (int i = 0; i < n; i++) {
		uint64_t v = rng_below(&g, k);

		if (v >= (uint64_t)k)
			in_range = false;
		else
			count[v]++;
	}
	check(in_range, "rng_below(10): all draws below 10");
	for (int i = 0; i < k; i++)
		chi2 += (count[i] - n / (double)k) * (count[i] - n / (double)k) / (n / (double)k);
	/* chi-square with 9 degrees of freedom: P(> 33.72) = 1e-4. */
	printf("# rng_below(10): chi-square %.2f on 9 dof\n", chi2);
	check(chi2 < 33.72, "rng_below(10): uniform over 10 buckets (chi-square, p > 1e-4)");

	bool ones = true;
	for (int i = 0; i < 1000; i++)
		ones &= rng_below(&g, 1) == 0;
	check(ones, "rng_below(1) is always 0");

	/* n just above 2^63: the rejection zone is nearly half, so bias would show. */
	uint64_t big = (UINT64_C(1) << 63) + 1;
	long upper = 0;
	bool big_ok = true;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rng_below(&g, big);

		big_ok &= v < big;
		upper += v >= big / 2;
	}
	check(big_ok, "rng_below(2^63+1): all draws in range");
	check_near(upper / 100000.0, 0.5, sqrt(0.25 / 100000), "rng_below(2^63+1): upper half half the time");
}

static void
test_exponential(void)
{
	struct rng g;
	const int n = 1000000;
	double sum = 0, sum2 = 0;
	bool pos = true;

	rng_seed(&g, 3);
	for (int i = 0; i < n; i++) {
		double x = rng_exponential(&g);

		pos &= x >= 0 && isfinite(x);
		sum += x;
		sum2 += x * x;
	}
	check(pos, "rng_exponential: finite and non-negative");
	check_near(sum / n, 1, 1 / sqrt(n), "rng_exponential: mean 1");
	/* E[x^2] = 2, Var[x^2] = 24 - 4 = 20. */
	check_near(sum2 / n, 2, sqrt(20.0 / n), "rng_exponential: second moment 2");
}

/* Sample mean and variance of n Poisson(mean) draws against their
 * standard errors: Var(mean) = m/n, Var(s^2) ~ (m + 2 m^2)/n. */
static void
poisson_moments(double m, int n, uint64_t seed)
{
	struct rng g;
	double sum = 0, sum2 = 0, var;
	char what[128];

	rng_seed(&g, seed);
	for (int i = 0; i < n; i++) {
		double x = (double)rng_poisson(&g, m);

		sum += x;
		sum2 += x * x;
	}
	var = (sum2 - sum * sum / n) / (n - 1);
	snprintf(what, sizeof what, "rng_poisson(%g): mean", m);
	check_near(sum / n, m, sqrt(m / n), what);
	snprintf(what, sizeof what, "rng_poisson(%g): variance", m);
	check_near(var, m, sqrt((m + 2 * m * m) / n), what);
}

static void
test_poisson(void)
{
	struct rng g;
	long zeros = 0;
	const int n = 1000000;

	poisson_moments(3, n, 4);
	poisson_moments(1000, 200000, 5);
	poisson_moments(10, 200000, 6);	/* the switch to PTRS */
	rng_seed(&g, 7);
	for (int i = 0; i < n; i++)
		zeros += rng_poisson(&g, 3) == 0;
	double p0 = exp(-3);
	check_near(zeros / (double)n, p0, sqrt(p0 * (1 - p0) / n), "rng_poisson(3): P(0) = e^-3");
	check(rng_poisson(&g, 0) == 0 && rng_poisson(&g, -1) == 0 && rng_poisson(&g, NAN) == 0,
	      "rng_poisson: mean 0, negative or NaN gives 0");
}

static void
binomial_moments(uint64_t trials, double p, int n, uint64_t seed)
{
	struct rng g;
	double sum = 0, sum2 = 0, var, m = (double)trials * p, v = m * (1 - p);
	bool in_range = true;
	char what[128];

	rng_seed(&g, seed);
	for (int i = 0; i < n; i++) {
		uint64_t k = rng_binomial(&g, trials, p);

		in_range &= k <= trials;
		sum += (double)k;
		sum2 += (double)k * (double)k;
	}
	var = (sum2 - sum * sum / n) / (n - 1);
	snprintf(what, sizeof what, "rng_binomial(%" PRIu64 ", %g): in [0, n]", trials, p);
	check(in_range, what);
	snprintf(what, sizeof what, "rng_binomial(%" PRIu64 ", %g): mean", trials, p);
	check_near(sum / n, m, sqrt(v / n), what);
	/* Var(s^2) ~ (mu4 - v^2)/n, and for the binomial mu4 - v^2 = 2v^2 + v(1 - 6pq). */
	snprintf(what, sizeof what, "rng_binomial(%" PRIu64 ", %g): variance", trials, p);
	check_near(var, v, sqrt((2 * v * v + fabs(v * (1 - 6 * p * (1 - p)))) / n), what);
}

static void
test_binomial(void)
{
	struct rng g;

	binomial_moments(10, 0.3, 1000000, 8);
	binomial_moments(10000, 0.01, 100000, 9);
	binomial_moments(64, 0.5, 200000, 10);	/* first n on the skipping path */
	rng_seed(&g, 11);
	check(rng_binomial(&g, 100, 0) == 0 && rng_binomial(&g, 100, 1) == 100 &&
	      rng_binomial(&g, 0, 0.5) == 0 && rng_binomial(&g, 100, NAN) == 0,
	      "rng_binomial: p = 0, p = 1, n = 0 and p = NaN edge cases");
}

int
main(void)
{
	test_reference();
	test_seeding();
	test_uniform();
	test_below();
	test_exponential();
	test_poisson();
	test_binomial();
	return tap_done();
}
