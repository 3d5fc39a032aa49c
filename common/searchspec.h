/* searchspec: meta/search/NAME.json (the parameter search of DESIGN §7) and
 * the sample points drawn from it.
 *
 * Keys (unknown keys are an error):
 *	pipeline      name, required      the target pipeline: its A dataset and
 *	                                  processing, its generation as the base
 *	parameters    list, 1..16, required  {"name": KEY, "min": X, "max": Y,
 *	                                  "scale": "lin"|"log" (default "lin")};
 *	                                  KEY is a dotted generation key (below),
 *	                                  each at most once; min <= max, both
 *	                                  allowed by llgen; log needs min > 0
 *	samples       integer >= 1        64: points of the search mode
 *	seed          integer in [0,2^53) 1: the llgen seed of every evaluation
 *	                                  (common random numbers) and the shift
 *	                                  of the sequence
 *	keep          integer >= 0        3: generated datasets kept on disk
 *	                                  (the best ones by distance)
 *	refine        object              {"algorithm": "bobyqa"|"sbplx"
 *	                                  (default bobyqa), "max_evals": N >= 1
 *	                                  (40), "xtol": X in (0, 1) (1e-3, in
 *	                                  unit-cube coordinates)}
 *	description   string              free text
 *
 * Points: the Halton sequence (bases 2, 3, 5, ...) rotated modulo 1 by a
 * shift drawn from the seed (Cranley–Patterson), so different seeds give
 * different but equally even designs; run k (1-based) is point k.  A unit
 * coordinate u maps to min + u (max - min), or min (max/min)^u on a log
 * scale.
 *
 * Functions return false with "KEY: expected WHAT" in `why`, like
 * workspace.h; callers prefix "PROGRAM: FILE: ". */
#ifndef LL_SEARCHSPEC_H
#define LL_SEARCHSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SEARCHSPEC_MAX_PARAMS 16

struct searchspec_param {
	const char *key;	/* dotted generation key (static string) */
	const char *flag;	/* the llgen option that sets it */
	double min, max;
	bool log;
};

enum searchspec_algorithm { SEARCHSPEC_BOBYQA, SEARCHSPEC_SBPLX };

struct searchspec {
	char pipeline[65];
	size_t n_params;
	struct searchspec_param param[SEARCHSPEC_MAX_PARAMS];
	uint64_t samples, seed, keep;
	enum searchspec_algorithm algorithm;
	uint64_t max_evals;
	double xtol;
};

/* Validate `obj` and decode it with the defaults filled in. */
bool searchspec_from_json(json_t *obj, struct searchspec *s, char *why, size_t why_size);

/* Unit coordinate u in [0, 1] to the parameter's value and back. */
double searchspec_from_unit(const struct searchspec_param *p, double u);
double searchspec_to_unit(const struct searchspec_param *p, double x);

/* The unit-cube point of run k >= 1 (n_params coordinates into u). */
void searchspec_point(const struct searchspec *s, uint64_t k, double *u);

/* Whether x is acceptable for parameter p: inside [min, max] (a relative
 * 1e-12 of slack for values printed and read back) and allowed by llgen.
 * NULL when fine, else a phrase. */
const char *searchspec_value_rule(const struct searchspec_param *p, double x);

/* The dataset code of a run ("17", "r3"): 8 upper-case letters from a hash
 * of the search name, the seed and the run, so reruns give the same code. */
void searchspec_code(const char *search_name, uint64_t seed, const char *run, char code[9]);

#endif
