/* stats: distribution tails and tests the analyzers share.
 *
 * Written for accuracy in the far tail (false-alarm probabilities of 1e-12
 * must come out as such, not as 0 or 1 - 1e-16), using log-space sums. */
#ifndef LL_STATS_H
#define LL_STATS_H

#include <stddef.h>

/* Upper tail P(X > x) of the chi-square distribution with 2m degrees of
 * freedom (m >= 1 an integer), i.e. the regularised upper incomplete gamma
 * Q(m, x/2) = e^{-x/2} sum_{k<m} (x/2)^k / k!, in natural log (tails below
 * 1e-308 stay finite).  Exact series, relative error near 1e-15 for any
 * x >= 0 and m up to 1e7 (O(m) time). */
double stats_chi2_even_logsf(double x, long m);

/* Probability that at least one of n_trials independent trials, each with
 * single-trial probability p = exp(log_p), happens: 1 - (1 - p)^n, computed
 * without cancellation for tiny p, and from log p (when p underflows). */
double stats_trials_fap_log(double log_p, double n_trials);

/* p-value of a one-sample KS statistic d over n points: the Kolmogorov
 * distribution's tail at the Stephens (1970) small-sample corrected
 * argument (sqrt(n) + 0.12 + 0.11/sqrt(n)) d. */
double stats_ks_pvalue(double d, size_t n);

/* One-sample KS statistic of x[0..n-1] (sorted ascending in place) against
 * the exponential distribution with the given rate (> 0). */
double stats_ks_exponential(double *x, size_t n, double rate);

/* Inter-arrival gaps on a frame grid (DESIGN §4a).  A Poisson process of
 * mu events per frame whose events carry their frame's time has gaps of j
 * whole frames with P(0) = 1 - (1 - e^-mu)/mu (events sharing a frame) and
 * P(j >= 1) geometric: the CDF is F(j) = 1 - (1 - e^-mu)/mu * e^(-mu j) for
 * integers j >= 0 (the exponential's 1 - e^(-mu j), scaled).  0 for j < 0. */
double stats_frame_gap_cdf(double j, double mu);

/* One-sample KS statistic of gaps j[0..n-1] in whole frames (integers;
 * sorted ascending in place) against that distribution: the largest
 * difference of the two step functions.  Kolmogorov's p-value for it is
 * conservative (a discrete model), never too small. */
double stats_ks_frame_gaps(double *j, size_t n, double mu);

/* --- Exact tests for chunktest -------------------------------------------- */

/* Regularised incomplete beta I_x(a, b) (a, b > 0, x in [0, 1]): the
 * continued fraction of Numerical Recipes (modified Lentz), on the side
 * where it converges fast (x < (a+1)/(a+b+2), else 1 - I_{1-x}(b, a)); the
 * front factor through lgamma.  Relative error ~1e-13 for a, b up to 1e7. */
double stats_betai(double a, double b, double x);

/* P(X >= x) for X ~ Binomial(m, p): I_p(x, m - x + 1) (1 for x = 0): the
 * exact one-sided binomial test (scipy's binomtest(..., 'greater')). */
double stats_binom_sf_ge(long x, long m, double p);

/* The Clopper-Pearson interval of x successes in m trials at confidence
 * level `level` (0.95: the 2.5% and 97.5% points): lo solves
 * P(X >= x | lo) = (1 - level)/2, hi solves P(X <= x | hi) = (1 - level)/2,
 * lo = 0 for x = 0, hi = 1 for x = m; found by bisection on stats_betai
 * (the beta quantiles Beta(a/2; x, m-x+1), Beta(1-a/2; x+1, m-x)). */
void stats_clopper_pearson(long x, long m, double level, double *lo, double *hi);

/* Two-sample Kolmogorov-Smirnov test of a[0..na-1] and b[0..nb-1] (both
 * sorted ascending, na, nb >= 1): D = max |F_a - F_b| over the pooled
 * values (ties: both ECDFs taken right-continuous, as scipy), returned;
 * *p the two-sided p-value P(D' >= D) for continuous data.  Exact when the
 * lattice-path computation costs at most ~3e8 steps (always for sizes up
 * to 10^4): the probability that a uniformly random path from (0, 0) to
 * (na, nb) leaves the band |nb·x − na·y| < D·na·nb, summed at its first
 * exit (no cancellation; matches scipy's ks_2samp method='exact').  Larger
 * inputs: the asymptotic Kolmogorov series with the Stephens correction,
 * Q_KS((√n_e + 0.12 + 0.11/√n_e)·D), n_e = na·nb/(na + nb); *exact says
 * which. */
double stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb,
		      double *p, int *exact);

/* Quantile of sorted x[0..n-1] at probability q in [0, 1] by linear
 * interpolation between order statistics (Hyndman & Fan type 7, numpy's
 * default): h = (n - 1)·q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). */
double stats_quantile_sorted(const double *x, size_t n, double q);
#endif
