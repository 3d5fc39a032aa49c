/* stats: distribution tails and tests the analyzers share.
 *
 * Written for accuracy in the far tail (false-alarm probabilities of 1e-12
 * must come out as such, not as 0 or 1 - 1e-16), using log-space sums. */
#ifndef LL_STATS_H
#define LL_STATS_H

#include <stddef.h>

/* Upper tail P(X > x) of the chi-square distribution with 2m degrees of
 * freedom (m >= 1 an integer), i.e. the regularised upper incomplete gamma
 * Q(m, x/2) = e^{-x/2} sum_{k<m} (x/2)^k / k!.  Exact series, relative error
 * near 1e-15 for any x >= 0 and m up to 1e7 (O(m) time). */
double stats_chi2_even_sf(double x, long m);

/* The same in natural log (for tails below 1e-308). */
double stats_chi2_even_logsf(double x, long m);

/* Probability that at least one of n_trials independent trials, each with
 * single-trial probability p, happens: 1 - (1 - p)^n, computed without
 * cancellation for tiny p. */
double stats_trials_fap(double p, double n_trials);

/* The same from log p (when p itself underflows). */
double stats_trials_fap_log(double log_p, double n_trials);

/* Kolmogorov distribution: P(sqrt(n) D_n > lambda) in the limit of large n,
 * Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2), in [0, 1].
 * With the Stephens (1970) small-sample correction the argument is
 * (sqrt(n) + 0.12 + 0.11/sqrt(n)) D, see stats_ks_pvalue. */
double stats_kolmogorov_sf(double lambda);

/* p-value of a one-sample KS statistic d over n points (Stephens). */
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

#endif
