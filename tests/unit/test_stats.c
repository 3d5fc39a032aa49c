/* Unit tests for the exact tests of common/stats.c (TAP): hand-checked
 * values; scipy comparisons live in tests/cli/chunktest.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "stats.h"

int
main(void)
{
	double lo, hi, p;
	int exact;

	/* I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b. */
	check(fabs(stats_betai(1, 1, 0.3) - 0.3) < 1e-15 &&
	      fabs(stats_betai(3, 1, 0.5) - 0.125) < 1e-15 &&
	      fabs(stats_betai(1, 4, 0.5) - (1 - 0.0625)) < 1e-15,
	      "incomplete beta: closed forms");
	/* P(X >= 3 | 10, 0.5) = 1 - (1 + 10 + 45)/1024 = 968/1024. */
	check(fabs(stats_binom_sf_ge(3, 10, 0.5) - 968.0 / 1024) < 1e-14 &&
	      stats_binom_sf_ge(0, 10, 0.3) == 1 && stats_binom_sf_ge(11, 10, 0.3) == 0,
	      "binomial upper tail: a hand sum and the ends");
	/* P(X >= 10 | 10, 0.5) = 2^-10; far tail stays relative: 0.01^50. */
	check(fabs(stats_binom_sf_ge(10, 10, 0.5) / pow(2, -10) - 1) < 1e-13 &&
	      fabs(stats_binom_sf_ge(50, 50, 0.01) / 1e-100 - 1) < 1e-11,
	      "binomial upper tail: relative accuracy in the far tail");
	/* x = 0: hi = 1 - (alpha/2)^(1/m); x = m: lo = (alpha/2)^(1/m). */
	stats_clopper_pearson(0, 20, 0.95, &lo, &hi);
	check(lo == 0 && fabs(hi - (1 - pow(0.025, 1.0 / 20))) < 1e-12,
	      "Clopper-Pearson at x = 0");
	stats_clopper_pearson(20, 20, 0.95, &lo, &hi);
	check(hi == 1 && fabs(lo - pow(0.025, 1.0 / 20)) < 1e-12, "Clopper-Pearson at x = m");
	{
		double x[] = { 1, 2, 3, 4 };

		check(stats_quantile_sorted(x, 4, 0.5) == 2.5 && stats_quantile_sorted(x, 4, 1) == 4 &&
		      stats_quantile_sorted(x, 4, 0) == 1 &&
		      fabs(stats_quantile_sorted(x, 4, 0.9) - 3.7) < 1e-15,
		      "type-7 quantiles");
	}
	{
		/* n = m = 3, samples fully separated: D = 1, and only the two
		 * extreme paths of C(6, 3) = 20 reach it: p = 2/20. */
		double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
		double d = stats_ks_2samp(a, 3, b, 3, &p, &exact);

		check(d == 1 && fabs(p - 0.1) < 1e-15 && exact, "KS: separated samples of 3 and 3");
	}
	{
		/* Identical samples: D = 0, p = 1; ties step together. */
		double a[] = { 1, 1, 2 }, b[] = { 1, 1, 2 };
		double d = stats_ks_2samp(a, 3, b, 3, &p, &exact);

		check(d == 0 && p == 1, "KS: identical samples with ties");
	}
	{
		/* a = {1}, b = {2, 3}: D = 1; of the 3 orders of the pooled
		 * values, a smallest or largest gives D = 1, a in the middle
		 * D = 1/2: p = 2/3. */
		double a[] = { 1 }, b[] = { 2, 3 };
		double d = stats_ks_2samp(a, 1, b, 2, &p, &exact);

		check(d == 1 && fabs(p - 2.0 / 3) < 1e-15, "KS: sizes 1 and 2");
	}
	return tap_done();
}
