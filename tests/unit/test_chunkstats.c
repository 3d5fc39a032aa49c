/* test_chunkstats: the seven chunk metrics on counts worked out by hand, and
 * their undefined cases.  Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdio.h>

#include "chunkstats.h"
#include "tap.h"

static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (1 + fabs(b));
}

int
main(void)
{
	/* c = 1 3 1 3: mu 2, S2 = 4/3; diffs 2 -2 2 (mean 2/3, var 16/3);
	 * even positions 1 1, odd 3 3. */
	const uint32_t alt[] = { 1, 3, 1, 3 };
	const uint32_t zero[] = { 0, 0, 0, 0 }, one[] = { 5 };
	double mu, s2, m[CHUNK_N_METRICS];

	chunk_metrics(alt, 4, 2.5, &mu, &s2, m);
	check(near(mu, 2) && near(s2, 4.0 / 3), "mean and n-1 variance");
	check(near(m[CHUNK_EV], -sqrt(2.0 / 3)) && near(m[CHUNK_EV_SMOOTH], -sqrt(2.0 / 3) / sqrt(2)),
	      "ev and ev_smooth keep the sign of S2 - mu");
	check(near(m[CHUNK_FANO_LOCAL], (4.0 / 3 - 2) / 2), "fano_local");
	check(near(m[CHUNK_FANO_GLOBAL], (4.0 / 3 - 2.5) / 2.5), "fano_global against the series' mean");
	check(near(m[CHUNK_ADJACENT], sqrt(16.0 / 3 - 4)) &&
	      near(m[CHUNK_ADJACENT_SMOOTH], sqrt(16.0 / 3 - 4) / sqrt(2)),
	      "adjacent from the variance of the differences");
	check(near(m[CHUNK_ODD_EVEN], 2 / sqrt(3.0 / 2 + 1.0 / 2)), "odd_even z of alternate bins");
	chunk_metrics(zero, 4, 0, &mu, &s2, m);
	check(mu == 0 && s2 == 0 && isnan(m[CHUNK_EV]) && isnan(m[CHUNK_FANO_LOCAL]) &&
	      isnan(m[CHUNK_FANO_GLOBAL]) && isnan(m[CHUNK_ODD_EVEN]),
	      "an empty chunk: mean and variance 0, every metric undefined");
	chunk_metrics(one, 1, 5, &mu, &s2, m);
	check(mu == 5 && isnan(s2) && isnan(m[CHUNK_FANO_GLOBAL]), "one bin: no variance");
	chunk_metrics(alt, 4, NAN, &mu, &s2, m);
	check(isnan(m[CHUNK_FANO_GLOBAL]) && near(chunk_fano_global(s2, 2.5), (4.0 / 3 - 2.5) / 2.5),
	      "fano_global filled in later once lambda is known");
	check(chunk_metric_index("odd_even") == CHUNK_ODD_EVEN && chunk_metric_index("x") == -1,
	      "metrics by name");
	return tap_done();
}
