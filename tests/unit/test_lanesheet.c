/* Unit tests for common/lanesheet.c and common/genparams.c (TAP). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "genparams.h"
#include "lanesheet.h"


/* Mean of the exact coverage over one pitch (midpoint rule, periodic). */
static double
mean_coverage(double f, double rho)
{
	enum { K = 200000 };
	double s = 0;

	for (int i = 0; i < K; i++)
		s += lanesheet_coverage_unit_exact((i + 0.5) / K, f, rho);
	return s / K;
}

static struct lanesheet
sheet(void)
{
	struct lanesheet ls = { 0 };
	char why[256];

	ls.pitch_m_per_nm = 6e6;
	ls.width_fraction = 0.5;
	ls.offset_cell_nm = 0.01;
	ls.n_families = 2;
	ls.family[0] = (struct lanesheet_family){ 0, 1 };
	ls.family[1] = (struct lanesheet_family){ 90, 2 };
	ls.speed_m_s = 3e4;
	ls.heading_deg = 30;
	ls.aperture_m = 1.2;
	ls.seed = 42;
	if (!lanesheet_init(&ls, why, sizeof why))
		printf("# init failed: %s\n", why);
	return ls;
}

int
main(void)
{
	char why[512];
	double worst;
	int bad;

	check(lanesheet_chord_fraction_exact(-1) == 0 && lanesheet_chord_fraction_exact(1) == 1 &&
	   fabs(lanesheet_chord_fraction_exact(0) - 0.5) < 1e-15 &&
	   lanesheet_chord_fraction_exact(-3) == 0 && lanesheet_chord_fraction_exact(2) == 1,
	   "G is 0 left of the disk, 1/2 at its centre, 1 right of it");
	/* Area of the segment beyond s = 0.5: (acos(s) - s*sqrt(1-s^2))/pi. */
	check(fabs(1 - lanesheet_chord_fraction_exact(0.5) -
		(acos(0.5) - 0.5 * sqrt(0.75)) / 3.14159265358979323846) < 1e-15,
	   "G matches the circular-segment area formula");

	lanesheet_table_init();
	worst = 0;
	for (int i = 0; i <= 2000000; i++) {
		double s = -1.0000001 + 2.0000002 * i / 2000000;

		worst = fmax(worst, fabs(lanesheet_chord_fraction(s) -
					 lanesheet_chord_fraction_exact(s)));
	}
	printf("# table G max error %.3g\n", worst);
	check(worst < 1e-6, "tabulated G agrees with the exact G to 1e-6");

	worst = 0;
	for (int r = 0; r < 5; r++) {
		double rho = (double[]){ 0.003, 0.2, 0.49, 1.3, 4.7 }[r];

		for (int i = 0; i < 20000; i++) {
			double u = (i + 0.37) / 20000;

			worst = fmax(worst, fabs(lanesheet_coverage_unit(u, 0.3, rho) -
						 lanesheet_coverage_unit_exact(u, 0.3, rho)));
		}
	}
	printf("# fast coverage max error %.3g\n", worst);
	check(worst < 1e-5, "fast coverage agrees with the exact coverage to 1e-5");

	bad = 0;
	for (int i = 0; i < 100000; i++) {
		double u = (i + 0.5) / 100000, rho = 1e-7, f = 0.4;
		double m = lanesheet_coverage_unit_exact(u, f, rho);
		bool near_edge = u < 2 * rho || fabs(u - f) < 2 * rho || u > 1 - 2 * rho;

		if (!near_edge && m != (u < f ? 1.0 : 0.0))
			bad++;
	}
	check(bad == 0, "an aperture much smaller than a lane is covered 0 or 1");

	worst = 0;
	for (int i = 0; i < 1000; i++)
		worst = fmax(worst, fabs(lanesheet_coverage_unit_exact(i / 1000.0, 0.3, 60) - 0.3));
	printf("# D = 120 pitches: max |M - f| %.3g\n", worst);
	check(worst < 1e-3, "an aperture much larger than the pitch tends to width_fraction");

	worst = 0;
	for (int a = 0; a < 4; a++)
		for (int r = 0; r < 5; r++) {
			double f = (double[]){ 0.1, 0.5, 0.77, 1 }[a];
			double rho = (double[]){ 0.01, 0.3, 0.5, 1.7, 5.2 }[r];

			worst = fmax(worst, fabs(mean_coverage(f, rho) - f));
		}
	printf("# mean coverage max error %.3g\n", worst);
	check(worst < 1e-9, "coverage averaged over one pitch equals width_fraction to 1e-9");

	check(lanesheet_coverage_unit_exact(0.7, 1.0, 3.3) == 1.0 &&
	   fabs(lanesheet_coverage_unit_exact(0.25, 0.5, 0.25) - 1) < 1e-15 &&
	   fabs(lanesheet_coverage_unit_exact(0.5, 0.5, 0.25) - 0.5) < 1e-15,
	   "full-width lanes cover everything; a disk centred on an edge is half covered");

	check(fabs(lanesheet_disk_coverage(0.4 * 6e6 + 6e6 * 7, 6e6, 3e6, 3e6) -
		lanesheet_coverage_unit_exact(0.4, 0.5, 0.25)) < 1e-12 &&
	   lanesheet_coverage_unit_exact(0.4, 0.5, 0.25) < 1 &&
	   lanesheet_coverage_unit_exact(0.4, 0.5, 0.25) > 0.5,
	   "metre form equals the pitch-unit form, periodic in the pitch");

	{
		struct lanesheet ls = sheet();
		double c30 = cos(30 * 3.14159265358979323846 / 180);
		double p = lanesheet_pitch(&ls, 0.5), off = lanesheet_offset(&ls, 0, 0.5f);

		check(fabs(p - 3e6) < 1e-6 && fabs(lanesheet_width(&ls, 0.5) - 1.5e6) < 1e-6,
		   "pitch = pitch_m_per_nm * lambda, width = width_fraction * pitch");
		check(fabs(lanesheet_period(&ls, 0, 0.5) - 3e6 / (3e4 * c30)) < 1e-9 &&
		   fabs(lanesheet_period(&ls, 1, 0.5) - 3e6 / (3e4 * 0.5)) < 1e-9,
		   "crossing period is p / (v |cos(heading - angle)|)");
		check(off >= 0 && off < p && off == lanesheet_offset(&ls, 0, 0.5f) &&
		   lanesheet_offset_phase(&ls, 0, 0.5f) == lanesheet_offset_phase(&ls, 0, 0.5001f) &&
		   lanesheet_offset_phase(&ls, 0, 0.5f) != lanesheet_offset_phase(&ls, 0, 0.52f) &&
		   lanesheet_offset_phase(&ls, 0, 0.5f) != lanesheet_offset_phase(&ls, 1, 0.5f),
		   "offsets: in [0, p), same within a cell, differ between cells and families");
		check(fabs(lanesheet_position(&ls, 0, 100, 0.5f) - (3e4 * c30 * 100 + off)) < 1e-6,
		   "x_j(t) = v (t - t0) cos(heading - angle) + offset");
		check(lanesheet_coverage(&ls, 0, 100, 0.5f) ==
		   lanesheet_coverage_unit_exact(lanesheet_frac(lanesheet_position(&ls, 0, 100, 0.5f) / p),
						 0.5, 0.6 / p),
		   "M_j(t) is the coverage at x_j(t)");
		worst = 0;
		{
			double s = 0;
			int k = 200000;

			for (int i = 0; i < k; i++)
				s += lanesheet_lane_factor(&ls, i * 0.01, 0.5f);
			worst = fabs(s / k - 1);
		}
		printf("# time-mean lane factor - 1 = %.3g\n", worst);
		check(worst < 0.01, "the lane factor averages to 1 over many periods");
	}
	{
		struct lanesheet ls = sheet();

		ls.heading_deg = 90;
		ls.n_families = 1;
		lanesheet_init(&ls, why, sizeof why);
		check(isinf(lanesheet_period(&ls, 0, 0.5)), "moving along the lanes: infinite period");
		ls.width_fraction = 1.5;
		check(!lanesheet_init(&ls, why, sizeof why) &&
		   strcmp(why, "width fraction must be in (0, 1], got 1.5") == 0,
		   "init rejects width_fraction outside (0, 1]");
	}
	{
		struct genparams gp;
		json_t *j;

		genparams_defaults(&gp);
		check(gp.n_families == 1 && gp.pitch_m_per_nm == 6e6 && gp.speed_km_s == 30 &&
		   gp.width_fraction == 0.5 && gp.kind == GENPARAMS_FLAT,
		   "documented defaults");
		j = json_loads("{\"lanes\": {\"families\": []}}", 0, NULL);
		check(!genparams_from_json(&gp, j, why, sizeof why) &&
		   strcmp(why, "lanes.families: must hold at least one family, got an empty list") == 0,
		   "an empty family list is an error naming the key");
		json_decref(j);
		genparams_defaults(&gp);
		j = json_loads("{\"telescope\": {\"speed_km_s\": -1}}", 0, NULL);
		check(!genparams_from_json(&gp, j, why, sizeof why) &&
		   strcmp(why, "telescope.speed_km_s: must be >= 0, got -1") == 0,
		   "a negative speed is an error naming the key");
		json_decref(j);
		genparams_defaults(&gp);
		gp.seed = 7;
		gp.has_seed = true;
		gp.has_rate = true;
		gp.n_families = 2;
		gp.family[1] = (struct lanesheet_family){ 45, 3 };
		j = genparams_to_json(&gp);
		{
			struct genparams back;

			genparams_defaults(&back);
			check(genparams_from_json(&back, j, why, sizeof why) &&
			   memcmp(&back, &gp, sizeof gp) == 0,
			   "genparams_to_json reads back to the same parameters");
		}
		json_decref(j);
	}
	{
		/* The lattice: counts against brute force over the points, the
		 * bound never below the count, and the §5b keys round-trip. */
		struct lattice lt = { 0 };
		struct genparams gp, back;
		unsigned long long st = 12345;
		bool counts_ok = true, bound_ok = true;
		json_t *j;

		for (int trial = 0; trial < 3000; trial++) {
			double cx, cy, rho;
			long brute = 0;

			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			cx = (double)(st >> 11) * 0x1.0p-53 * 40 - 20;
			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			cy = (double)(st >> 11) * 0x1.0p-53 * 40 - 20;
			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			rho = (double)(st >> 11) * 0x1.0p-53 * (trial % 2 ? 0.5 : 6);
			for (int row = -40; row <= 40; row++)
				for (int i = -40; i <= 40; i++) {
					double px = i + 0.5 * (row & 1), py = row * sqrt(3.0) / 2;

					brute += (px - cx) * (px - cx) + (py - cy) * (py - cy) <= rho * rho;
				}
			counts_ok = counts_ok && lattice_count_disk(cx, cy, rho) == brute;
		}
		check(counts_ok, "lattice_count_disk matches a brute-force count (3000 disks)");

		lt.law = LATTICE_EXP;
		lt.alpha_m = 3;
		lt.lucretius_per_nm = -1;
		lt.speed_m_s = 1;
		lt.heading_deg = 23;
		lt.aperture_m = 1.2;
		check(lattice_init(&lt, why, sizeof why), "lattice_init accepts the original's defaults");
		for (int pass = 0; pass < 2; pass++) {
			/* The original's defaults, then a lattice 10 times denser
			 * (up to ~20 rows in the disk). */
			struct lattice lb = lt;

			lb.alpha_m = pass ? 0.3 : 3;
			lattice_init(&lb, why, sizeof why);
			for (int k = 0; k < 200000 && bound_ok; k++) {
				double lam = 0.05 + 2.0 * k / 200000, gsp = lattice_spacing(&lb, lam);
				double mk = lattice_coverage(&lb, k * 0.37, lam);

				bound_ok = mk <= lattice_bound_at(&lb, gsp) &&
					   mk >= lattice_lower_bound_at(&lb, gsp) &&
					   lattice_bound_at(&lb, gsp) <=
					   lattice_coverage_bound(&lb, lattice_spacing(&lb, 2.05),
								  lb.alpha_m);
			}
		}
		check(bound_ok, "M lies between its lower and upper bounds, the bound below the range's");
		check(fabs(lattice_period(&lt, 1, 0.5) * 1 * fabs(sin((23 - 60) * 3.14159265358979323846 / 180)) -
			   sqrt(3.0) / 2 * 3 * exp(-0.5)) < 1e-12 &&
		      isinf(lattice_period(&(struct lattice){ .speed_m_s = 0, .alpha_m = 1 }, 0, 1)),
		      "lattice_period: row step over the speed across the rows");

		{
			/* A turning heading: the closed form against a midpoint
			 * integration of v·(cos θ(t), sin θ(t)). */
			struct lattice tr = lt;
			double x, y, ix = 0, iy = 0, T = 50, h = 1e-4;

			tr.heading_rate_deg_s = 7;
			tr.t0 = 100;
			lattice_init(&tr, why, sizeof why);
			for (double s0 = 0; s0 < T - 1e-12; s0 += h) {
				double th = (23 + 7 * (s0 + 0.5 * h)) * 3.14159265358979323846 / 180;

				ix += h * cos(th);
				iy += h * sin(th);
			}
			lattice_track(&tr, 100 + T, &x, &y);
			check(fabs(x - ix) < 1e-6 && fabs(y - iy) < 1e-6,
			      "lattice_track with a heading rate matches the integrated path");
		}
		genparams_defaults(&gp);
		gp.hex = true;
		gp.pitch_law = LATTICE_EXP;
		gp.alpha_m = 0.5;
		gp.lucretius_per_nm = -2;
		gp.perp = 0.25;
		gp.phase = 0.5;
		gp.heading_rate_deg_s = 0.01;
		gp.has_rate = true;
		j = genparams_to_json(&gp);
		genparams_defaults(&back);
		check(genparams_from_json(&back, j, why, sizeof why) && memcmp(&back, &gp, sizeof gp) == 0,
		      "hex parameters read back to the same parameters");
		json_decref(j);
	}
	return tap_done();
}
