/* chunkstats: the seven per-chunk metrics of DESIGN §4 "Chunk variability",
 * the statistics the original tool's book figures were made from.
 *
 * A chunk is K consecutive bins of one wbin's light curve at width w, with
 * counts c[0..K-1], mean mu and variance S2 (n - 1 denominator).  Every
 * metric measures how far the chunk's scatter exceeds Poisson's (S2 = mu):
 *	ev              sign(S2 - mu) sqrt|S2 - mu|
 *	ev_smooth       ev / sqrt(mu)
 *	fano_local      (S2 - mu) / mu
 *	fano_global     (S2 - lambda) / lambda, lambda = the wbin's mean count per
 *	                bin over its whole series at width w
 *	adjacent        sign(x) sqrt|x|, x = var(diff(c)) - 2 mu (the K - 1
 *	                successive differences, n - 1 denominator): Poisson
 *	                differences have variance 2 mu, and a slow trend, which
 *	                inflates S2, hardly moves them
 *	adjacent_smooth adjacent / sqrt(mu)
 *	odd_even        |m_odd - m_even| / sqrt(m_odd/n_odd + m_even/n_even): the
 *	                mean of alternate bins, a z-score that is large for
 *	                variability at twice the bin width
 * Undefined values (mu = 0, lambda = 0, K < 2; adjacent needs K >= 3) are
 * NaN, which tables write as empty fields. */
#ifndef LL_CHUNKSTATS_H
#define LL_CHUNKSTATS_H

#include <stddef.h>
#include <stdint.h>

enum chunk_metric {
	CHUNK_EV, CHUNK_EV_SMOOTH, CHUNK_FANO_LOCAL, CHUNK_FANO_GLOBAL,
	CHUNK_ADJACENT, CHUNK_ADJACENT_SMOOTH, CHUNK_ODD_EVEN, CHUNK_N_METRICS
};

/* The metrics' column names, in the order of DESIGN §4's chunkvar schema. */
extern const char *const chunk_metric_names[CHUNK_N_METRICS];

/* Index of a metric by name, or -1. */
int chunk_metric_index(const char *name);

/* The chunk's mean and variance, and its metrics into m[CHUNK_N_METRICS],
 * from the counts c[0..k-1] and the series' mean count per bin `lambda`
 * (NaN when unknown: fano_global is then NaN). */
void chunk_metrics(const uint32_t *c, size_t k, double lambda, double *mean,
		   double *variance, double m[CHUNK_N_METRICS]);

/* fano_global from a chunk's variance once lambda is known (chunkvar learns
 * lambda only at the end of the stream). */
double chunk_fano_global(double variance, double lambda);

#endif
