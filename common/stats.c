/* stats: distribution tails and tests; see stats.h. */
#include <math.h>
#include <stdlib.h>

#include "die.h"
#include "stats.h"

double
stats_chi2_even_logsf(double x, long m)
{
	double h = x / 2, log_h, term, max_term, sum = 0;
	long k_max;

	if (!(x > 0))
		return 0;	/* log 1 */
	log_h = log(h);
	/* log of the largest term (h^k/k! peaks at k = floor(h), capped to m-1),
	 * so the sum is done relative to it without overflow. */
	k_max = h < (double)(m - 1) ? (long)h : m - 1;
	max_term = (double)k_max * log_h - lgamma((double)k_max + 1);
	for (long k = 0; k < m; k++) {
		term = (double)k * log_h - lgamma((double)k + 1) - max_term;
		if (term > -745)
			sum += exp(term);
	}
	return -h + max_term + log(sum);
}

/* 1 - (1 - p)^n without cancellation for tiny p. */
static double
stats_trials_fap(double p, double n_trials)
{
	if (p >= 1)
		return 1;
	if (p <= 0)
		return 0;
	return -expm1(n_trials * log1p(-p));
}

double
stats_trials_fap_log(double log_p, double n_trials)
{
	if (log_p > -30)
		return stats_trials_fap(exp(log_p), n_trials);
	/* 1 - (1-p)^n = n p (1 + O(n p)) for n p tiny; log1p(-p) ~ -p. */
	return -expm1(-n_trials * exp(log_p));
}

/* Kolmogorov distribution: P(sqrt(n) D_n > lambda) in the limit of large n,
 * Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2), in [0, 1]. */
static double
stats_kolmogorov_sf(double lambda)
{
	double sum = 0, sign = 1;

	if (lambda < 0.2)
		return 1;	/* the series converges badly there; Q is 1 - 1e-9 */
	for (int k = 1; k <= 100; k++) {
		double term = exp(-2.0 * k * k * lambda * lambda);

		sum += sign * term;
		if (term < 1e-17 * sum)
			break;
		sign = -sign;
	}
	sum *= 2;
	return sum < 0 ? 0 : sum > 1 ? 1 : sum;
}

double
stats_ks_pvalue(double d, size_t n)
{
	double sn = sqrt((double)n);

	if (n == 0)
		return NAN;
	return stats_kolmogorov_sf((sn + 0.12 + 0.11 / sn) * d);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
stats_ks_exponential(double *x, size_t n, double rate)
{
	double d = 0;

	if (n == 0)
		return NAN;
	qsort(x, n, sizeof *x, cmp_double);
	for (size_t i = 0; i < n; i++) {
		double cdf = -expm1(-rate * x[i]);
		double lo = cdf - (double)i / (double)n;
		double hi = (double)(i + 1) / (double)n - cdf;

		if (lo > d)
			d = lo;
		if (hi > d)
			d = hi;
	}
	return d;
}

/* P(gap <= j frames) for a Poisson process of mu events per frame seen on
 * the frame grid; see stats.h. */
double
stats_frame_gap_cdf(double j, double mu)
{
	if (j < 0)
		return 0;
	return 1 + expm1(-mu) / mu * exp(-mu * j);
}

double
stats_ks_frame_gaps(double *j, size_t n, double mu)
{
	double d = 0, prev = -1, fe_prev = 0;

	if (n == 0)
		return NAN;
	qsort(j, n, sizeof *j, cmp_double);
	for (size_t i = 0; i < n;) {
		double v = j[i], fe;
		size_t k = i;

		while (k < n && j[k] == v)
			k++;
		fe = (double)k / (double)n;
		/* Between two observed values the empirical CDF is flat and the
		 * model's rises: the extremes are at the ends of the stretch. */
		if (v - 1 > prev) {
			double lo = fabs(fe_prev - stats_frame_gap_cdf(prev + 1, mu));
			double hi = fabs(fe_prev - stats_frame_gap_cdf(v - 1, mu));

			d = fmax(d, fmax(lo, hi));
		}
		d = fmax(d, fabs(fe - stats_frame_gap_cdf(v, mu)));
		prev = v;
		fe_prev = fe;
		i = k;
	}
	return d;
}

/* --- Exact tests for chunktest ------------------------------------------- */

/* One term of a modified Lentz evaluation: C and D updated for the partial
 * numerator aa (kept away from 0 by `tiny`); returns the factor C D that
 * multiplies the fraction's value. */
static double
lentz_step(double aa, double *c, double *d)
{
	const double tiny = 1e-300;

	*d = 1 + aa * *d;
	if (fabs(*d) < tiny)
		*d = tiny;
	*c = 1 + aa / *c;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1 / *d;
	return *d * *c;
}

/* The continued fraction of I_x(a, b) (NR 6.4, modified Lentz): each step
 * takes an even and an odd term. */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (long m = 1; m <= 100000000; m++) {
		double m2 = 2.0 * m, del;

		h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
		del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double
stats_betai(double a, double b, double x)
{
	double lfront;

	if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lfront) * betacf(a, b, x) / a;
	return 1 - exp(lfront) * betacf(b, a, 1 - x) / b;
}

double
stats_binom_sf_ge(long x, long m, double p)
{
	if (x <= 0)
		return 1;
	if (x > m)
		return 0;
	return stats_betai((double)x, (double)(m - x + 1), p);
}

/* The p in [0, 1] with I_p(a, b) = target (I increases with p). */
static double
beta_quantile(double a, double b, double target)
{
	double lo = 0, hi = 1;

	for (int i = 0; i < 200 && hi - lo > 0; i++) {
		double mid = 0.5 * (lo + hi);

		if (mid <= lo || mid >= hi)
			break;
		if (stats_betai(a, b, mid) < target)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

void
stats_clopper_pearson(long x, long m, double level, double *lo, double *hi)
{
	double alpha = 1 - level;

	if (m <= 0 || x < 0 || x > m) {
		*lo = *hi = NAN;
		return;
	}
	*lo = x == 0 ? 0 : beta_quantile((double)x, (double)(m - x + 1), alpha / 2);
	*hi = x == m ? 1 : beta_quantile((double)(x + 1), (double)(m - x), 1 - alpha / 2);
}

double
stats_quantile_sorted(const double *x, size_t n, double q)
{
	double h, f;
	size_t i;

	if (n == 0)
		return NAN;
	h = (double)(n - 1) * q;
	f = floor(h);
	i = (size_t)f;
	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - f) * (x[i + 1] - x[i]);
}

/* P(a uniformly random lattice path from (0, 0) to (m, n) ever reaches
 * |n·x − m·y| >= h), h >= 1: the path as a Markov chain (from (x, y) the
 * next step is along x with probability (m − x)/(m − x + n − y)), its mass
 * kept only inside the band and added up where it first steps out.  O(m ×
 * band width) time, O(n) memory. */
static double
ks_paths_outside(long m, long n, long long h)
{
	double *a = xcalloc((size_t)n + 2, sizeof *a), out = 0;
	long prev_lo = 0;

#define INSIDE(x, y) (llabs((long long)n * (x) - (long long)m * (y)) < h)
	/* Row x = 0: only y-steps. */
	a[0] = 1;
	for (long y = 1; y <= n; y++) {
		double in = a[y - 1] * (double)(n - y + 1) / (double)(m + n - y + 1);

		if (!INSIDE(0, y)) {
			out += in;
			break;
		}
		a[y] = in;
	}
	for (long x = 1; x <= m; x++) {
		/* Inside y of row x: (n·x − h)/m < y < (n·x + h)/m. */
		long long lo_num = (long long)n * x - h, hi_num = (long long)n * x + h;
		long lo = lo_num < 0 ? 0 : (long)(lo_num / m + 1);
		long hi = (long)((hi_num - 1) / m);
		long y0 = prev_lo < lo ? prev_lo : lo, y1 = hi + 1 > n ? n : hi + 1;
		double left = 0;	/* the new value at y − 1 */

		if (hi > n)
			hi = n;
		for (long y = y0; y <= y1; y++) {
			double in = a[y] * (double)(m - x + 1) / (double)(m - x + 1 + n - y);

			if (y > y0)
				in += left * (double)(n - y + 1) / (double)(m - x + n - y + 1);
			if (y >= lo && y <= hi) {
				a[y] = in;
			} else {
				out += in;
				a[y] = 0;
			}
			left = a[y];
		}
		prev_lo = lo;
	}
#undef INSIDE
	free(a);
	return out;
}

double
stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb, double *p, int *exact)
{
	size_t i = 0, j = 0;
	long long hmax = 0;
	double d, ne, width;

	/* At each distinct value both ECDFs step past all its copies. */
	while (i < na || j < nb) {
		double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
		long long diff;

		while (i < na && a[i] == v)
			i++;
		while (j < nb && b[j] == v)
			j++;
		diff = llabs((long long)nb * (long long)i - (long long)na * (long long)j);
		if (diff > hmax)
			hmax = diff;
	}
	d = (double)hmax / ((double)na * (double)nb);
	width = 2.0 * d * (double)(na < nb ? na : nb) + 3;
	if (hmax == 0) {
		*p = 1;
		*exact = 1;
	} else if ((double)(na > nb ? na : nb) * width <= 3e8) {
		/* Rows along the larger sample, the band across the smaller. */
		*p = na >= nb ? ks_paths_outside((long)na, (long)nb, hmax)
			      : ks_paths_outside((long)nb, (long)na, hmax);
		*p = *p > 1 ? 1 : *p;
		*exact = 1;
	} else {
		ne = (double)na * (double)nb / ((double)na + (double)nb);
		*p = stats_kolmogorov_sf((sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * d);
		*exact = 0;
	}
	return d;
}
