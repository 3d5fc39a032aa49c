/* lanesheet: the geometry of the lightlane model (DESIGN §5).
 *
 * Units: lengths in metres, times in seconds, wavelengths in nanometres,
 * speeds in m/s, angles in degrees.
 *
 * The sheet is a plane.  Light of wavelength λ travels in lanes: for each
 * family j, parallel strips with pitch p(λ) = pitch_m_per_nm · λ and width
 * w(λ) = width_fraction · p(λ).  Family j has a unit vector n_j at angle θ_j
 * (angle_deg) across its lanes, so its lanes run at θ_j + 90°.  Along n_j a
 * point at coordinate x is inside a lane when (x mod p) ∈ [0, w).
 *
 * The telescope's aperture is a disk of diameter D whose centre moves with
 * speed v and heading φ: X(t) = v·(t − t0)·(cos φ, sin φ).  Its coordinate
 * across family j is
 *	x_j(t, λ) = X(t)·n_j + offset_j(λ) = v·(t − t0)·cos(φ − θ_j) + offset_j(λ)
 * where offset_j(λ) = p(λ) · U(seed, j, cell(λ)), U uniform in [0, 1) from a
 * hash: wavelengths in the same cell (cell(λ) = floor(λ / offset_cell_nm); each
 * distinct f32 wavelength its own cell when offset_cell_nm is 0) share the
 * phase of their lanes, so a narrow wavelength bin shows a coherent period.
 *
 * M_j(t, λ) is the fraction of the disk's area inside family j's lanes; its
 * mean over one pitch is exactly width_fraction.  In closed form: a strip
 * [a, b] across a disk of radius r centred at 0 covers the fraction
 * G(b/r) − G(a/r) of it, where G(s) = (s·√(1 − s²) + asin s)/π + 1/2 for
 * |s| <= 1 (0 below, 1 above) is the fraction of the disk left of a chord;
 * M_j sums that over the few strips that meet the disk.
 *
 * The crossing period is P_j(λ) = p(λ) / (v·|cos(φ − θ_j)|) (infinite when
 * the telescope moves along the lanes or stands still).
 *
 * Dimensionless "unit" forms take positions in units of the pitch: u = x/p,
 * f = width_fraction, rho = r/p = D/(2p).  The _fast forms use a table of G
 * (accurate to about 1e-6) and a shortcut when the disk lies wholly inside a
 * lane or a gap; the _exact forms use libm and are the reference. */
#ifndef LL_LANESHEET_H
#define LL_LANESHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LANESHEET_MAX_FAMILIES 16

struct lanesheet_family {
	double angle_deg;	/* direction across the lanes (of n_j), degrees */
	double weight;		/* > 0, relative */
};

struct lanesheet {
	double pitch_m_per_nm;	/* p(λ) = pitch_m_per_nm · λ[nm], metres */
	double width_fraction;	/* lane width / pitch, in (0, 1] */
	double offset_cell_nm;	/* wavelength cell sharing one offset; 0: per f32 value */
	size_t n_families;
	struct lanesheet_family family[LANESHEET_MAX_FAMILIES];
	double speed_m_s;	/* v >= 0, metres per second */
	double heading_deg;	/* φ, degrees, same frame as angle_deg */
	double aperture_m;	/* D > 0, metres */
	double t0;		/* time (s) at which the aperture is at the origin */
	uint64_t seed;		/* drives the offsets */

	/* Derived by lanesheet_init(): */
	double v_across[LANESHEET_MAX_FAMILIES];	/* v·cos(φ − θ_j), m/s */
	double weight_sum;
	uint64_t family_key[LANESHEET_MAX_FAMILIES];	/* hash salt per family */
	double inv_cell_nm;	/* 1 / offset_cell_nm, or 0 */
};

/* Fill the derived fields once the public ones are set.  Returns false (and
 * a reason in `why`) when a value is out of range: pitch <= 0, width_fraction
 * outside (0, 1], no family or more than LANESHEET_MAX_FAMILIES, a weight
 * <= 0, speed < 0, aperture <= 0, offset_cell_nm < 0, anything not finite. */
bool lanesheet_init(struct lanesheet *ls, char *why, size_t why_size);

/* Pitch p(λ) and lane width w(λ) in metres, for λ in nm. */
double lanesheet_pitch(const struct lanesheet *ls, double lambda_nm);
double lanesheet_width(const struct lanesheet *ls, double lambda_nm);

/* offset_j(λ) in metres, in [0, p(λ)). */
double lanesheet_offset(const struct lanesheet *ls, size_t j, float lambda_nm);

/* x_j(t, λ) in metres (not reduced modulo the pitch). */
double lanesheet_position(const struct lanesheet *ls, size_t j, double t, float lambda_nm);

/* Crossing period P_j(λ) in seconds; INFINITY when v·cos(φ − θ_j) is 0. */
double lanesheet_period(const struct lanesheet *ls, size_t j, double lambda_nm);

/* M_j(t, λ): covered fraction of the aperture, exact (libm).  In [0, 1]. */
double lanesheet_coverage(const struct lanesheet *ls, size_t j, double t, float lambda_nm);

/* The weighted lane term Σ_j w_j M_j / Σ_j w_j ⟨M_j⟩ (⟨M_j⟩ = width_fraction,
 * the mean over lane position), exact.  The model rate is
 * R·S(λ)·[b + (1 − b)·this]; its mean over lane positions is 1. */
double lanesheet_lane_factor(const struct lanesheet *ls, double t, float lambda_nm);

/* Fraction of a disk of diameter D (m) centred at x (m) that lies inside
 * lanes [k·p, k·p + w) of pitch p and width w (m), exact.  0 < w <= p, D > 0. */
double lanesheet_disk_coverage(double x_m, double pitch_m, double width_m, double diameter_m);

/* G(s): fraction of the unit disk with first coordinate below s (the disk
 * minus a circular segment), 0 for s <= -1, 1 for s >= 1.  Exact (libm). */
double lanesheet_chord_fraction_exact(double s);

/* Coverage in pitch units: disk centre u (any real), lane fraction f in
 * (0, 1], radius rho > 0.  Exact (libm). */
double lanesheet_coverage_unit_exact(double u, double f, double rho);


/* --- Fast forms for hot loops -------------------------------------------- */

#define LANESHEET_TABLE_N 16384	/* intervals of G over [-1, 1] */

/* G at LANESHEET_TABLE_N + 1 equally spaced points of [-1, 1]; built by the
 * first lanesheet_init() (or lanesheet_table_init()). */
extern double lanesheet_g_table[LANESHEET_TABLE_N + 1];
void lanesheet_table_init(void);

/* G(s) by linear interpolation in the table; |error| < 1e-6. */
static inline double
lanesheet_chord_fraction(double s)
{
	double x;
	int i;

	if (s <= -1.0)
		return 0.0;
	if (s >= 1.0)
		return 1.0;
	x = (s + 1.0) * (0.5 * LANESHEET_TABLE_N);
	i = (int)x;
	if (i >= LANESHEET_TABLE_N)
		i = LANESHEET_TABLE_N - 1;
	x -= i;
	return lanesheet_g_table[i] + x * (lanesheet_g_table[i + 1] - lanesheet_g_table[i]);
}

/* The general case of lanesheet_coverage_unit(): the disk meets a lane edge. */
double lanesheet_coverage_unit_edges(double u, double f, double rho);

/* Coverage in pitch units, u already reduced to [0, 1): 1 or 0 at once when
 * the disk lies inside one lane or one gap, else the table-based sum. */
static inline double
lanesheet_coverage_unit(double u, double f, double rho)
{
	/* Whether the disk is in a lane or in a gap is a coin toss, so decide
	 * it without a branch; only the rare edge case branches. */
	int edge = (u < rho) | (__builtin_fabs(u - f) < rho) | (u > 1.0 - rho);

	union { double d; uint64_t u; } diff = { .d = u - f };

	if (__builtin_expect(edge, 0))
		return lanesheet_coverage_unit_edges(u, f, rho);
	/* 1 in a lane (u < f): the sign bit of u - f, which compilers do not
	 * turn back into a branch as they do with (u < f). */
	return (double)(diff.u >> 63);
}

/* x − floor(x) for |x| < 2^62, without a libm call. */
static inline double
lanesheet_frac(double x)
{
	int64_t k = (int64_t)x;

	k -= (double)k > x;
	return x - (double)k;
}

/* 64-bit mixer (SplitMix64's finaliser) used for the offsets. */
static inline uint64_t
lanesheet_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The wavelength cell of λ: floor(λ · (1/offset_cell_nm)), or the f32 bit
 * pattern when offset_cell_nm is 0.  λ is the f32 value the stream stores, so
 * a reader of the stream recomputes the same offsets. */
static inline uint64_t
lanesheet_cell(const struct lanesheet *ls, float lambda_nm)
{
	union { float f; uint32_t u; } b = { .f = lambda_nm };

	if (ls->inv_cell_nm > 0)
		return (uint64_t)(int64_t)((double)lambda_nm * ls->inv_cell_nm);
	return b.u;
}

/* Lane phase offset U ∈ [0, 1) of family j for wavelength cell `cell`
 * (offset_j(λ) = U·p(λ)): a deterministic hash of (seed, j, cell). */
static inline double
lanesheet_cell_phase(const struct lanesheet *ls, size_t j, uint64_t cell)
{
	return (double)(lanesheet_mix(cell * UINT64_C(0x9E3779B97F4A7C15) ^ ls->family_key[j]) >> 11)
		* 0x1.0p-53;
}

/* Phase offset U of family j at λ: lanesheet_cell_phase of λ's cell. */
static inline double
lanesheet_offset_phase(const struct lanesheet *ls, size_t j, float lambda_nm)
{
	return lanesheet_cell_phase(ls, j, lanesheet_cell(ls, lambda_nm));
}


/* --- The hexagonal lattice (DESIGN §5b, lanes.geometry "hex") ------------
 *
 * The original tool's lanesheet: the points of a triangular lattice of
 * spacing g(λ), rows along the sheet's x axis √3/2·g apart, every other row
 * shifted by g/2 (points (i + (j odd)/2, j·√3/2)·g).  Spacing law "linear":
 * g = pitch_m_per_nm·λ; "exp": g = alpha_m·exp(lucretius_per_nm·λ).
 *
 * The telescope's heading is θ(t) = θ0 + ω·(t − t0) (degrees from the rows,
 * ω = heading_rate_deg_s); its centre starts at phase·g along and perp·g
 * across θ0 (perp to the left) and moves at speed v along θ(t):
 *	X(t) = v·(t − t0)·(cos θ0, sin θ0)                        ω = 0
 *	X(t) = (v/ω)·(sin θ − sin θ0, cos θ0 − cos θ)              ω ≠ 0 (rad/s)
 * M(t, λ) = (lattice points in the aperture disk of radius r = D/2) / E,
 * E = π r² / (√3/2 · g²) the expected count; M = 1 (isotropic) when
 * E > LATTICE_ISOTROPIC_COUNT.  ⟨M⟩ = 1 over positions, so the model rate is
 * R·S(λ)·[b + (1 − b)·M]. */

#define LATTICE_ISOTROPIC_COUNT 1e4

enum lattice_pitch_law { LATTICE_LINEAR, LATTICE_EXP };

struct lattice {
	enum lattice_pitch_law law;
	double pitch_m_per_nm;	/* linear law, m per nm */
	double alpha_m;		/* exp law: g = alpha_m·exp(lucretius_per_nm·λ) */
	double lucretius_per_nm;
	double speed_m_s;	/* v >= 0 */
	double heading_deg;	/* θ0 from the lattice rows */
	double heading_rate_deg_s;	/* ω, degrees per second */
	double aperture_m;	/* D > 0 */
	double perp, phase;	/* start, in units of g across / along θ0 */
	double t0;

	/* Derived by lattice_init(): */
	double radius_m, cos0, sin0, omega_rad_s;
	double start_x, start_y;	/* start in units of g */
	double area_factor;	/* π r² / (√3/2): E = area_factor / g² */
	double inv_area_factor, g_isotropic;	/* E > LATTICE_ISOTROPIC_COUNT iff g < g_isotropic */
	double two_r, sqrt3_r, inv_sqrt3_r;
};

/* Fill the derived fields; false with a reason on a value out of range
 * (alpha_m or pitch <= 0, speed < 0, aperture <= 0, anything not finite). */
bool lattice_init(struct lattice *lt, char *why, size_t why_size);

/* Spacing g(λ) in metres; expected count E(λ) of points in the aperture. */
double lattice_spacing(const struct lattice *lt, double lambda_nm);
double lattice_expected(const struct lattice *lt, double lambda_nm);

/* The telescope's centre at time t, in metres, relative to its start. */
void lattice_track(const struct lattice *lt, double t, double *x_m, double *y_m);

/* Points of the unit lattice (g = 1) inside the closed disk of centre
 * (cx, cy) and radius rho.  O(rho) time: the points of one row inside the
 * disk are an interval, counted with two floors. */
long lattice_count_disk(double cx, double cy, double rho);

/* M(t, λ) as above (1 when isotropic); the _at form takes g = g(λ). */
double lattice_coverage(const struct lattice *lt, double t, double lambda_nm);

/* An upper bound of M(t, λ) over t at spacing g (exactly 1 when
 * isotropic): 1/E when no two points fit in the disk (g > D), 2/E when no
 * triangle does (r < g/√3), else (1 + g/(√3 r))² (the disk grown by a
 * Voronoi cell's circumradius holds every counted point's cell). */
static inline double
lattice_bound_at(const struct lattice *lt, double g)
{
	double c;

	if (g < lt->g_isotropic)
		return 1.0;
	if (g > lt->two_r)
		return g * g * lt->inv_area_factor;
	if (g > lt->sqrt3_r)
		return 2 * g * g * lt->inv_area_factor;
	c = 1 + g * lt->inv_sqrt3_r;
	return c * c;
}

/* x rounded to the nearest integer (ties to even) for |x| < 2^51, without
 * a conversion: adding 1.5·2^52 leaves no fraction bits (needs the default
 * rounding mode and SSE arithmetic, as on every x86-64 and arm64 build). */
static inline double
lattice_round(double x)
{
	/* Without -ffast-math (never used here) compilers keep the two adds. */
	const double b = 0x1.8p52;

	return (x + b) - b;
}

/* A lower bound of M(t, λ) over t at spacing g: 1 when isotropic; else,
 * the cells of the counted points covering the disk shrunk by a cell's
 * circumradius g/√3, (1 − g/(√3 r))² when r > g/√3, and 0 otherwise. */
static inline double
lattice_lower_bound_at(const struct lattice *lt, double g)
{
	double c = 1 - g * lt->inv_sqrt3_r;

	if (g < lt->g_isotropic)
		return 1.0;
	return c > 0 ? c * c : 0.0;
}

/* The points of the unit lattice in a disk of radius rho < 0.5: at most
 * one, the nearest of the two rows around cy (a disk this small meets at
 * most rows floor(y) and floor(y) + 1, y = cy/(√3/2)); no square root. */
static inline long
lattice_count_small_disk(double cx, double cy, double rho)
{
	double j = lattice_round(cy * 1.15470053837925152902 - 0.5);	/* floor */
	long n = 0;

	for (int k = 0; k < 2; k++, j += 1) {
		double dy = j * 0.86602540378443864676 - cy;
		double half = 0.5 * j, shift = half - lattice_round(half - 0.25);	/* 0 or 1/2 */
		double x = cx - shift, dx = x - lattice_round(x);

		n += dx * dx + dy * dy <= rho * rho;
	}
	return n;
}

static inline double
lattice_coverage_at(const struct lattice *lt, double t, double g)
{
	double inv = 1.0 / g, x, y, rho = lt->radius_m * inv;

	if (g < lt->g_isotropic)
		return 1.0;
	if (lt->omega_rad_s == 0) {
		double dt = t - lt->t0;

		x = lt->speed_m_s * dt * lt->cos0;
		y = lt->speed_m_s * dt * lt->sin0;
	} else {
		lattice_track(lt, t, &x, &y);
	}
	x = x * inv + lt->start_x;
	y = y * inv + lt->start_y;
	return (double)(rho < 0.5 ? lattice_count_small_disk(x, y, rho)
				  : lattice_count_disk(x, y, rho))
	       * g * g * lt->inv_area_factor;
}

/* An upper bound of M(t, λ) over all t and all λ whose spacing lies in
 * [g_lo, g_hi] (at least 1): the envelope llgen thins against. */
double lattice_coverage_bound(const struct lattice *lt, double g_lo, double g_hi);

/* Crossing period (s) of the lattice's row family k (0, 1, 2: rows along
 * 0°, 60°, 120°, √3/2·g apart) at the heading θ0:
 * √3/2·g / (v·|sin(θ0 − 60°·k)|), INFINITY when moving along those rows.
 * Moving along a row of family 0 the two others give g/v. */
double lattice_period(const struct lattice *lt, int k, double lambda_nm);

#endif
