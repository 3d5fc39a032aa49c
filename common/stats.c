/* stats: distribution tails and tests; see stats.h. */
#include <math.h>
#include <stdlib.h>

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

double
stats_chi2_even_sf(double x, long m)
{
	double l = stats_chi2_even_logsf(x, m);

	return l >= 0 ? 1 : exp(l);
}

double
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

double
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
