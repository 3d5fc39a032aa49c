/* chunkstats: the per-chunk metrics; see chunkstats.h. */
#include <math.h>
#include <string.h>

#include "chunkstats.h"

const char *const chunk_metric_names[CHUNK_N_METRICS] = {
	"ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth", "odd_even"
};

int
chunk_metric_index(const char *name)
{
	for (int i = 0; i < CHUNK_N_METRICS; i++)
		if (strcmp(name, chunk_metric_names[i]) == 0)
			return i;
	return -1;
}

static double
signed_sqrt(double x)
{
	return x < 0 ? -sqrt(-x) : sqrt(x);
}

double
chunk_fano_global(double variance, double lambda)
{
	return lambda > 0 && isfinite(variance) ? (variance - lambda) / lambda : NAN;
}

void
chunk_metrics(const uint32_t *c, size_t k, double lambda, double *mean,
	      double *variance, double m[CHUNK_N_METRICS])
{
	double sum = 0, ss = 0, mu, s2 = NAN;
	double sum_odd = 0, sum_even = 0;

	for (int i = 0; i < CHUNK_N_METRICS; i++)
		m[i] = NAN;
	*mean = *variance = NAN;
	if (k == 0)
		return;
	for (size_t i = 0; i < k; i++) {
		sum += c[i];
		if (i % 2)
			sum_odd += c[i];
		else
			sum_even += c[i];
	}
	mu = sum / (double)k;
	*mean = mu;
	if (k < 2)
		return;
	/* Two passes: counts are small integers, but a chunk of a bright
	 * source can hold millions, where the one-pass formula cancels. */
	for (size_t i = 0; i < k; i++)
		ss += (c[i] - mu) * (c[i] - mu);
	s2 = ss / (double)(k - 1);
	*variance = s2;
	m[CHUNK_FANO_GLOBAL] = chunk_fano_global(s2, lambda);
	if (!(mu > 0))
		return;
	m[CHUNK_EV] = signed_sqrt(s2 - mu);
	m[CHUNK_EV_SMOOTH] = m[CHUNK_EV] / sqrt(mu);
	m[CHUNK_FANO_LOCAL] = (s2 - mu) / mu;
	if (k >= 3) {
		double dmean = ((double)c[k - 1] - (double)c[0]) / (double)(k - 1), dss = 0;

		for (size_t i = 1; i < k; i++) {
			double d = (double)c[i] - (double)c[i - 1] - dmean;

			dss += d * d;
		}
		m[CHUNK_ADJACENT] = signed_sqrt(dss / (double)(k - 2) - 2 * mu);
		m[CHUNK_ADJACENT_SMOOTH] = m[CHUNK_ADJACENT] / sqrt(mu);
	}
	{
		double n_even = (double)((k + 1) / 2), n_odd = (double)(k / 2);
		double m_even = sum_even / n_even, m_odd = sum_odd / n_odd;

		m[CHUNK_ODD_EVEN] = fabs(m_odd - m_even) / sqrt(m_odd / n_odd + m_even / n_even);
	}
}
