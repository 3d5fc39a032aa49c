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


/* --- The hexagonal lattice ----------------------------------------------- */

#define ROW_STEP 0.86602540378443864676	/* √3/2: row spacing in units of g */
#define INV_ROW_STEP 1.15470053837925152902	/* 2/√3 */
#define BAD(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)

bool
lattice_init(struct lattice *lt, char *why, size_t why_size)
{
	double th = lt->heading_deg * DEG, r;

	if (lt->law == LATTICE_EXP) {
		if (!(lt->alpha_m > 0) || !isfinite(lt->alpha_m))
			BAD("alpha must be a finite number above 0, got %g", lt->alpha_m);
		if (!isfinite(lt->lucretius_per_nm))
			BAD("lucretius exponent must be finite");
	} else if (!(lt->pitch_m_per_nm > 0) || !isfinite(lt->pitch_m_per_nm)) {
		BAD("pitch must be a finite number above 0, got %g", lt->pitch_m_per_nm);
	}
	if (!(lt->speed_m_s >= 0) || !isfinite(lt->speed_m_s))
		BAD("speed must be a finite number >= 0, got %g", lt->speed_m_s);
	if (!(lt->aperture_m > 0) || !isfinite(lt->aperture_m))
		BAD("aperture must be a finite number above 0, got %g", lt->aperture_m);
	if (!isfinite(lt->heading_deg) || !isfinite(lt->heading_rate_deg_s) ||
	    !isfinite(lt->perp) || !isfinite(lt->phase) || !isfinite(lt->t0))
		BAD("heading, heading rate, perp, phase and t0 must be finite");
	r = 0.5 * lt->aperture_m;
	lt->radius_m = r;
	lt->cos0 = cos(th);
	lt->sin0 = sin(th);
	lt->omega_rad_s = lt->heading_rate_deg_s * DEG;
	lt->start_x = lt->phase * lt->cos0 - lt->perp * lt->sin0;
	lt->start_y = lt->phase * lt->sin0 + lt->perp * lt->cos0;
	lt->area_factor = LS_PI * r * r / ROW_STEP;
	lt->inv_area_factor = 1 / lt->area_factor;
	lt->g_isotropic = sqrt(lt->area_factor / LATTICE_ISOTROPIC_COUNT);
	lt->two_r = 2 * r;
	lt->sqrt3_r = sqrt(3.0) * r;
	lt->inv_sqrt3_r = 1 / lt->sqrt3_r;
	return true;
}
#undef BAD

double
lattice_spacing(const struct lattice *lt, double lambda_nm)
{
	if (lt->law == LATTICE_EXP)
		return lt->alpha_m * exp(lt->lucretius_per_nm * lambda_nm);
	return lt->pitch_m_per_nm * lambda_nm;
}

double
lattice_expected(const struct lattice *lt, double lambda_nm)
{
	double g = lattice_spacing(lt, lambda_nm);

	return lt->area_factor / (g * g);
}

void
lattice_track(const struct lattice *lt, double t, double *x_m, double *y_m)
{
	double dt = t - lt->t0, w = lt->omega_rad_s;

	if (w == 0) {
		*x_m = lt->speed_m_s * dt * lt->cos0;
		*y_m = lt->speed_m_s * dt * lt->sin0;
		return;
	}
	/* sin(θ0 + w·dt) − sin θ0 = 2 cos(θ0 + w·dt/2) sin(w·dt/2): no
	 * cancellation when w·dt is small. */
	{
		double half = 0.5 * w * dt, s = sin(half), mid = lt->heading_deg * DEG + half;

		*x_m = lt->speed_m_s / w * 2 * cos(mid) * s;
		*y_m = lt->speed_m_s / w * 2 * sin(mid) * s;
	}
}

/* floor(x) for |x| < 2^62 without a libm call. */
static inline int64_t
ifloor(double x)
{
	int64_t k = (int64_t)x;

	return k - ((double)k > x);
}

long
lattice_count_disk(double cx, double cy, double rho)
{
	int64_t jlo, jhi;
	double r2 = rho * rho;
	long n = 0;

	if (rho < 0.5)
		return lattice_count_small_disk(cx, cy, rho);
	jlo = -ifloor(-(cy - rho) * INV_ROW_STEP);
	jhi = ifloor((cy + rho) * INV_ROW_STEP);
	for (int64_t j = jlo; j <= jhi; j++) {
		double dy = (double)j * ROW_STEP - cy, w2 = r2 - dy * dy, w, x;

		if (w2 < 0)
			continue;
		w = sqrt(w2);
		x = cx - 0.5 * (double)(j & 1);	/* odd rows are shifted by g/2 */
		n += (long)(ifloor(x + w) + ifloor(w - x) + 1);	/* floor(x+w) - ceil(x-w) + 1 */
	}
	return n;
}

double
lattice_coverage(const struct lattice *lt, double t, double lambda_nm)
{
	return lattice_coverage_at(lt, t, lattice_spacing(lt, lambda_nm));
}

/* Bound of M at spacing g from a bound of the count: one point when two
 * cannot both lie in the disk (g > 2r), two when no triangle of the lattice
 * fits (r < g/√3, its smallest circumradius), else the disk grown by a
 * Voronoi cell's circumradius g/√3 holds every counted point's cell:
 * N·(√3/2)g² <= π(r + g/√3)², so M <= (1 + g/(√3 r))².  `piece` picks the
 * formula so that the value at a breakpoint is that of the smaller g. */
static double
count_bound(const struct lattice *lt, double g, int piece)
{
	double r = lt->radius_m, e = lt->area_factor / (g * g);

	if (g < lt->g_isotropic)
		return 1.0;
	if (piece == 0)
		return 1.0 / e;
	if (piece == 1)
		return 2.0 / e;
	return (1 + g / (sqrt(3.0) * r)) * (1 + g / (sqrt(3.0) * r));
}

static int
piece_of(const struct lattice *lt, double g)
{
	double r = lt->radius_m;

	return g > 2 * r ? 0 : g > sqrt(3.0) * r ? 1 : 2;
}

double
lattice_coverage_bound(const struct lattice *lt, double g_lo, double g_hi)
{
	/* Each piece increases with g: its maximum in [g_lo, g_hi] is at its
	 * right end, so g_hi and the two breakpoints are enough. */
	double r = lt->radius_m, m = fmax(1.0, count_bound(lt, g_hi, piece_of(lt, g_hi)));
	double brk[2] = { 2 * r, sqrt(3.0) * r };

	for (int i = 0; i < 2; i++)
		if (brk[i] >= g_lo && brk[i] < g_hi)
			m = fmax(m, count_bound(lt, brk[i], i + 1));
	return m;
}

double
lattice_period(const struct lattice *lt, int k, double lambda_nm)
{
	double across = lt->speed_m_s * fabs(sin(lt->heading_deg * DEG - k * (LS_PI / 3)));

	/* sin(π) is 1.2e-16, not 0: treat a component below 1e-12 of v as none. */
	if (!(across > 1e-12 * lt->speed_m_s) || across == 0)
		return INFINITY;
	return ROW_STEP * lattice_spacing(lt, lambda_nm) / across;
}
