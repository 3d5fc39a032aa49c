/* lanesheet: lightlane geometry and aperture coverage; see lanesheet.h. */
#include <math.h>
#include <stdio.h>

#include "lanesheet.h"

double lanesheet_g_table[LANESHEET_TABLE_N + 1];
static bool table_ready;

#define LS_PI 3.14159265358979323846
#define DEG (LS_PI / 180.0)

double
lanesheet_chord_fraction_exact(double s)
{
	if (s <= -1.0)
		return 0.0;
	if (s >= 1.0)
		return 1.0;
	return (s * sqrt(1.0 - s * s) + asin(s)) / LS_PI + 0.5;
}

void
lanesheet_table_init(void)
{
	if (table_ready)
		return;
	for (int i = 0; i <= LANESHEET_TABLE_N; i++)
		lanesheet_g_table[i] = lanesheet_chord_fraction_exact(
			-1.0 + 2.0 * i / LANESHEET_TABLE_N);
	table_ready = true;
}

bool
lanesheet_init(struct lanesheet *ls, char *why, size_t why_size)
{
	double phi = ls->heading_deg * DEG;

#define BAD(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)
	if (!(ls->pitch_m_per_nm > 0) || !isfinite(ls->pitch_m_per_nm))
		BAD("pitch must be a finite number above 0, got %g", ls->pitch_m_per_nm);
	if (!(ls->width_fraction > 0 && ls->width_fraction <= 1))
		BAD("width fraction must be in (0, 1], got %g", ls->width_fraction);
	if (!(ls->offset_cell_nm >= 0) || !isfinite(ls->offset_cell_nm))
		BAD("offset cell must be a finite number >= 0, got %g", ls->offset_cell_nm);
	if (ls->n_families < 1 || ls->n_families > LANESHEET_MAX_FAMILIES)
		BAD("need 1 to %d lane families, got %zu", LANESHEET_MAX_FAMILIES, ls->n_families);
	if (!(ls->speed_m_s >= 0) || !isfinite(ls->speed_m_s))
		BAD("speed must be a finite number >= 0, got %g", ls->speed_m_s);
	if (!(ls->aperture_m > 0) || !isfinite(ls->aperture_m))
		BAD("aperture must be a finite number above 0, got %g", ls->aperture_m);
	if (!isfinite(ls->heading_deg) || !isfinite(ls->t0))
		BAD("heading and t0 must be finite");
	ls->weight_sum = 0;
	for (size_t j = 0; j < ls->n_families; j++) {
		const struct lanesheet_family *fam = &ls->family[j];
		double c;

		if (!isfinite(fam->angle_deg))
			BAD("family %zu: angle must be finite", j);
		if (!(fam->weight > 0) || !isfinite(fam->weight))
			BAD("family %zu: weight must be a finite number above 0, got %g",
			    j, fam->weight);
		ls->weight_sum += fam->weight;
		/* An exact zero for perpendicular motion, so the period is
		 * reported as infinite rather than 1e17 s. */
		c = cos(phi - fam->angle_deg * DEG);
		if (fabs(c) < 1e-15)
			c = 0;
		ls->v_across[j] = ls->speed_m_s * c;
		ls->family_key[j] = lanesheet_mix(ls->seed ^ lanesheet_mix(
			UINT64_C(0x6C616E6573686565) + (uint64_t)j));
	}
#undef BAD
	ls->inv_cell_nm = ls->offset_cell_nm > 0 ? 1.0 / ls->offset_cell_nm : 0;
	lanesheet_table_init();
	return true;
}

double
lanesheet_pitch(const struct lanesheet *ls, double lambda_nm)
{
	return ls->pitch_m_per_nm * lambda_nm;
}

double
lanesheet_width(const struct lanesheet *ls, double lambda_nm)
{
	return ls->width_fraction * ls->pitch_m_per_nm * lambda_nm;
}

double
lanesheet_offset(const struct lanesheet *ls, size_t j, float lambda_nm)
{
	return lanesheet_offset_phase(ls, j, lambda_nm) * lanesheet_pitch(ls, lambda_nm);
}

double
lanesheet_position(const struct lanesheet *ls, size_t j, double t, float lambda_nm)
{
	return ls->v_across[j] * (t - ls->t0) + lanesheet_offset(ls, j, lambda_nm);
}

double
lanesheet_period(const struct lanesheet *ls, size_t j, double lambda_nm)
{
	double v = fabs(ls->v_across[j]);

	return v > 0 ? lanesheet_pitch(ls, lambda_nm) / v : INFINITY;
}

/* Sum over the strips [k, k + f] that meet [u − rho, u + rho]; G is passed
 * in so the exact and the table forms share one loop. */
static inline double
coverage_sum(double u, double f, double rho, double (*g)(double))
{
	double inv = 1.0 / rho, sum = 0;
	double k_lo = floor(u - rho - f) + 1, k_hi = floor(u + rho);

	for (double k = k_lo; k <= k_hi; k++)
		sum += g((k + f - u) * inv) - g((k - u) * inv);
	return sum < 0 ? 0 : sum > 1 ? 1 : sum;
}

double
lanesheet_coverage_unit_exact(double u, double f, double rho)
{
	return coverage_sum(u, f, rho, lanesheet_chord_fraction_exact);
}

static double
chord_fraction_table(double s)
{
	return lanesheet_chord_fraction(s);
}

double
lanesheet_coverage_unit_edges(double u, double f, double rho)
{
	return coverage_sum(u, f, rho, chord_fraction_table);
}

double
lanesheet_disk_coverage(double x_m, double pitch_m, double width_m, double diameter_m)
{
	return lanesheet_coverage_unit_exact(x_m / pitch_m, width_m / pitch_m,
					     0.5 * diameter_m / pitch_m);
}

double
lanesheet_coverage(const struct lanesheet *ls, size_t j, double t, float lambda_nm)
{
	double p = lanesheet_pitch(ls, lambda_nm);
	double u = lanesheet_frac(ls->v_across[j] * (t - ls->t0) / p
				  + lanesheet_offset_phase(ls, j, lambda_nm));

	return lanesheet_coverage_unit_exact(u, ls->width_fraction, 0.5 * ls->aperture_m / p);
}

double
lanesheet_lane_factor(const struct lanesheet *ls, double t, float lambda_nm)
{
	double sum = 0;

	for (size_t j = 0; j < ls->n_families; j++)
		sum += ls->family[j].weight * lanesheet_coverage(ls, j, t, lambda_nm);
	return sum / (ls->weight_sum * ls->width_fraction);
}
