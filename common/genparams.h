/* genparams: GenerationParameters (DESIGN §5), the JSON that drives llgen.
 *
 * Keys, units and defaults (every key optional; unknown keys are an error):
 *	seed                   integer in [0, 2^63)     none: llgen's --seed or a fresh one
 *	tstart                 s, >= 0                  0
 *	duration_s             s, > 0                   1000
 *	rate_cps               counts/s, > 0            100 (with a source: its count / exposure)
 *	spectrum.kind          "flat"|"powerlaw"|"source"  "flat"
 *	spectrum.min_nm        nm, > 0                  0.1
 *	spectrum.max_nm        nm, > min_nm             1.0
 *	spectrum.index         dN/dλ ∝ λ^index          0 (photon index Γ: index = Γ − 2)
 *	background_fraction    [0, 1]                   0.5
 *	lanes.pitch_m_per_nm   m per nm, > 0            6e6 (p = 3000 km at 0.5 nm)
 *	lanes.width_fraction   (0, 1]                   0.5
 *	lanes.offset_cell_nm   nm, >= 0                 0.01 (0: every f32 value its own)
 *	lanes.families         1..16 of {angle_deg (deg), weight (> 0)}
 *	                                                [{"angle_deg": 0, "weight": 1}]
 *	telescope.speed_km_s   km/s, >= 0               30
 *	telescope.heading_deg  deg                      0
 *	telescope.aperture_m   m, > 0                   1.2
 * With the defaults the crossing period is P = p/v = 100 s at 0.5 nm.
 *
 * The original tool's lattice (DESIGN §5b; lanesheet.h "hexagonal lattice"):
 *	lanes.geometry         "strips"|"hex"           "strips"
 *	lanes.pitch_law        "linear"|"exp"           "linear" (g = pitch_m_per_nm·λ);
 *	                       "exp": g = alpha_m·exp(lucretius_per_nm·λ); hex only
 *	lanes.alpha_m          m, > 0                   3 (the original's α)
 *	lanes.lucretius_per_nm per nm                   -1 (the original's "lucretius")
 *	telescope.perp         start across the heading, in units of g   0
 *	telescope.phase        start along the heading, in units of g    0
 *	telescope.heading_rate_deg_s  deg/s             0
 * With hex, width_fraction, offset_cell_nm and the families' angles and
 * weights do not apply (the lattice's rows lie along angle 0).
 *
 * Functions return false with a reason "KEY: what was expected" in `why`;
 * callers prefix the file name and choose the exit status. */
#ifndef LL_GENPARAMS_H
#define LL_GENPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lanesheet.h"

enum genparams_kind { GENPARAMS_FLAT, GENPARAMS_POWERLAW, GENPARAMS_SOURCE };

struct genparams {
	uint64_t seed;
	bool has_seed;		/* seed was given */
	double tstart, duration_s;
	double rate_cps;
	bool has_rate;		/* rate_cps was given (else matched to a source) */
	enum genparams_kind kind;
	double min_nm, max_nm, index;
	double background_fraction;
	double pitch_m_per_nm, width_fraction, offset_cell_nm;
	size_t n_families;
	struct lanesheet_family family[LANESHEET_MAX_FAMILIES];
	double speed_km_s, heading_deg, aperture_m;
	/* §5b lattice geometry */
	bool hex;		/* lanes.geometry "hex" (else "strips") */
	enum lattice_pitch_law pitch_law;
	double alpha_m, lucretius_per_nm;
	double perp, phase, heading_rate_deg_s;
};

/* The documented defaults. */
void genparams_defaults(struct genparams *gp);

/* Overlay the keys present in `obj` onto *gp, checking names, types and
 * ranges (each value alone), then genparams_check(). */
bool genparams_from_json(struct genparams *gp, json_t *obj, char *why, size_t why_size);

/* Read FILE and overlay it; the reason in `why` then starts with "FILE: ". */
bool genparams_load(struct genparams *gp, const char *path, char *why, size_t why_size);

/* Range rule of one numeric key ("lanes.width_fraction", ...): NULL when v is
 * acceptable, else a phrase like "must be in (0, 1]".  Shared by the JSON
 * reader and command-line options so both say the same. */
const char *genparams_value_rule(const char *key, double v);

/* Checks between keys (min_nm < max_nm). */
bool genparams_check(const struct genparams *gp, char *why, size_t why_size);

/* The complete parameters as a GenerationParameters object (every key; seed
 * only when has_seed; rate_cps always; the §5b keys only with geometry
 * "hex", their defaults otherwise), readable again by genparams_from_json. */
json_t *genparams_to_json(const struct genparams *gp);

/* "flat", "powerlaw", "source"; and back (false on another name). */
const char *genparams_kind_name(enum genparams_kind k);
bool genparams_kind_parse(const char *name, enum genparams_kind *k);

/* Fill a lanesheet (t0 given) and initialise it. */
bool genparams_lanesheet(const struct genparams *gp, double t0, struct lanesheet *ls,
			 char *why, size_t why_size);

/* Fill a lattice (t0 given) and initialise it (geometry "hex"). */
bool genparams_lattice(const struct genparams *gp, double t0, struct lattice *lt,
		       char *why, size_t why_size);

#endif
