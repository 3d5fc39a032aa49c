/* searchspec: meta/search/NAME.json and its quasi-random points (contract in
 * searchspec.h). */
#include "searchspec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "genparams.h"
#include "rng.h"
#include "jschema.h"

/* The scalar generation keys llgen can set from its command line: a search
 * passes the sampled values as options after --params, so the pipeline's
 * generation file stays the base and every other key keeps its value. */
static const struct {
	const char *key, *flag;
} known[] = {
	{ "rate_cps", "--rate" },
	{ "background_fraction", "--background" },
	{ "lanes.pitch_m_per_nm", "--pitch" },
	{ "lanes.width_fraction", "--width" },
	{ "lanes.offset_cell_nm", "--offset-cell" },
	{ "telescope.speed_km_s", "--speed" },
	{ "telescope.heading_deg", "--heading" },
	{ "telescope.aperture_m", "--aperture" },
	{ "spectrum.index", "--index" },
	{ "lanes.alpha_m", "--alpha" },
	{ "lanes.lucretius_per_nm", "--lucretius" },
	{ "telescope.perp", "--perp" },
	{ "telescope.phase", "--phase" },
	{ "telescope.heading_rate_deg_s", "--heading-rate" },
};
#define N_KNOWN (sizeof known / sizeof known[0])

static bool
fail(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return false;
}

/* The searchable keys, comma-separated, for messages. */
static const char *
searchspec_known_keys(void)
{
	static char buf[512];

	if (!buf[0])
		for (size_t i = 0; i < N_KNOWN; i++) {
			if (i)
				strcat(buf, ", ");
			strcat(buf, known[i].key);
		}
	return buf;
}

static bool
get_count(json_t *obj, const char *key, uint64_t lo, uint64_t hi, uint64_t *out,
	  const char *what, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < lo || (uint64_t)json_integer_value(v) > hi)
		return fail(why, why_size, "%s: expected %s", key, what);
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool
parse_param(json_t *item, size_t i, struct searchspec_param *p, char *why, size_t why_size)
{
	const char *k, *name;
	json_t *v;
	char rule_key[160];
	const char *rule;
	size_t j;

	if (!json_is_object(item))
		return fail(why, why_size, "parameters[%zu]: expected an object {\"name\", \"min\", \"max\", \"scale\"}", i);
	json_object_foreach(item, k, v)
		if (strcmp(k, "name") && strcmp(k, "min") && strcmp(k, "max") && strcmp(k, "scale"))
			return fail(why, why_size, "parameters[%zu].%s: expected one of name, min, max, scale", i, k);
	v = json_object_get(item, "name");
	if (!json_is_string(v))
		return fail(why, why_size, "parameters[%zu].name: expected a generation key (%s)", i,
			    searchspec_known_keys());
	name = json_string_value(v);
	for (j = 0; j < N_KNOWN; j++)
		if (strcmp(name, known[j].key) == 0)
			break;
	if (j == N_KNOWN)
		return fail(why, why_size, "parameters[%zu].name: expected a searchable generation key (%s), not '%s'",
			    i, searchspec_known_keys(), name);
	p->key = known[j].key;
	p->flag = known[j].flag;
	p->log = false;
	if ((v = json_object_get(item, "scale"))) {
		const char *s = json_is_string(v) ? json_string_value(v) : "";

		if (strcmp(s, "log") == 0)
			p->log = true;
		else if (strcmp(s, "lin") != 0)
			return fail(why, why_size, "parameters[%zu].scale: expected \"lin\" or \"log\"", i);
	}
	snprintf(rule_key, sizeof rule_key, "%s", p->key);
	for (int end = 0; end < 2; end++) {
		const char *which = end ? "max" : "min";
		double x;

		v = json_object_get(item, which);
		if (!json_is_number(v))
			return fail(why, why_size, "parameters[%zu].%s: expected a number (%s)", i, which, p->key);
		x = json_number_value(v);
		if ((rule = genparams_value_rule(rule_key, x)))
			return fail(why, why_size, "parameters[%zu].%s: expected a value llgen accepts: %s %s",
				    i, which, p->key, rule);
		if (p->log && !(x > 0))
			return fail(why, why_size, "parameters[%zu].%s: expected a value > 0 on a log scale", i, which);
		if (end)
			p->max = x;
		else
			p->min = x;
	}
	if (p->min > p->max) {
		char a[40], b[40];

		ws_format_number(p->min, a, sizeof a);
		ws_format_number(p->max, b, sizeof b);
		return fail(why, why_size, "parameters[%zu]: expected min <= max, got min %s > max %s",
			    i, a, b);
	}
	return true;
}

bool
searchspec_from_json(json_t *obj, struct searchspec *s, char *why, size_t why_size)
{
	static const char *const top[] = {
		"pipeline", "parameters", "samples", "seed", "keep", "refine", "description", NULL
	};
	const char *k;
	json_t *v, *list, *refine;

	memset(s, 0, sizeof *s);
	s->samples = 64;
	s->seed = 1;
	s->keep = 3;
	s->algorithm = SEARCHSPEC_BOBYQA;
	s->max_evals = 40;
	s->xtol = 1e-3;
	if (!json_is_object(obj))
		return fail(why, why_size, "(top level): expected an object");
	json_object_foreach(obj, k, v) {
		bool ok = false;

		for (size_t i = 0; top[i]; i++)
			ok = ok || strcmp(k, top[i]) == 0;
		if (!ok)
			return fail(why, why_size, "%s: expected one of pipeline, parameters, samples, seed, keep, refine, description", k);
	}
	v = json_object_get(obj, "pipeline");
	if (!json_is_string(v) || !ws_name_ok(json_string_value(v)))
		return fail(why, why_size, "pipeline: expected a pipeline name (%s)", WS_NAME_RULE);
	snprintf(s->pipeline, sizeof s->pipeline, "%s", json_string_value(v));
	list = json_object_get(obj, "parameters");
	if (!json_is_array(list) || json_array_size(list) < 1 ||
	    json_array_size(list) > SEARCHSPEC_MAX_PARAMS)
		return fail(why, why_size, "parameters: expected a list of 1 to %d {\"name\", \"min\", \"max\", \"scale\"}",
			    SEARCHSPEC_MAX_PARAMS);
	for (size_t i = 0; i < json_array_size(list); i++) {
		if (!parse_param(json_array_get(list, i), i, &s->param[i], why, why_size))
			return false;
		for (size_t j = 0; j < i; j++)
			if (s->param[j].key == s->param[i].key)
				return fail(why, why_size, "parameters[%zu].name: expected each key once, '%s' is also parameters[%zu]",
					    i, s->param[i].key, j);
		s->n_params = i + 1;
	}
	if (!get_count(obj, "samples", 1, 100000000, &s->samples, "an integer in [1, 1e8]", why, why_size) ||
	    !get_count(obj, "seed", 0, (1ULL << 53) - 1, &s->seed, "an integer in [0, 2^53)", why, why_size) ||
	    !get_count(obj, "keep", 0, 100000, &s->keep, "an integer in [0, 100000]", why, why_size))
		return false;
	if ((v = json_object_get(obj, "description")) && !json_is_string(v))
		return fail(why, why_size, "description: expected a string");
	if ((refine = json_object_get(obj, "refine"))) {
		if (!json_is_object(refine))
			return fail(why, why_size, "refine: expected an object {\"algorithm\", \"max_evals\", \"xtol\"}");
		json_object_foreach(refine, k, v)
			if (strcmp(k, "algorithm") && strcmp(k, "max_evals") && strcmp(k, "xtol"))
				return fail(why, why_size, "refine.%s: expected one of algorithm, max_evals, xtol", k);
		if ((v = json_object_get(refine, "algorithm"))) {
			const char *a = json_is_string(v) ? json_string_value(v) : "";

			if (strcmp(a, "bobyqa") == 0)
				s->algorithm = SEARCHSPEC_BOBYQA;
			else if (strcmp(a, "sbplx") == 0)
				s->algorithm = SEARCHSPEC_SBPLX;
			else
				return fail(why, why_size, "refine.algorithm: expected \"bobyqa\" or \"sbplx\"");
		}
		if (!get_count(refine, "max_evals", 1, 1000000, &s->max_evals,
			       "an integer in [1, 1e6]", why, why_size)) {
			char tmp[256];

			snprintf(tmp, sizeof tmp, "refine.%s", why);
			snprintf(why, why_size, "%s", tmp);
			return false;
		}
		if ((v = json_object_get(refine, "xtol")) &&
		    !(json_is_number(v) && json_number_value(v) > 0 && json_number_value(v) < 1))
			return fail(why, why_size, "refine.xtol: expected a number in (0, 1)");
		if (v)
			s->xtol = json_number_value(v);
	}
	return true;
}

double
searchspec_from_unit(const struct searchspec_param *p, double u)
{
	double x;

	if (u <= 0)
		return p->min;
	if (u >= 1)
		return p->max;
	x = p->log ? p->min * pow(p->max / p->min, u) : p->min + u * (p->max - p->min);
	/* Rounding must never step outside the range llgen was promised. */
	return x < p->min ? p->min : x > p->max ? p->max : x;
}

double
searchspec_to_unit(const struct searchspec_param *p, double x)
{
	double u;

	if (!(p->max > p->min))
		return 0.5;
	u = p->log ? log(x / p->min) / log(p->max / p->min) : (x - p->min) / (p->max - p->min);
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

/* Radical inverse of k in base b: the digits of k mirrored after the point. */
static double
radical_inverse(uint64_t k, unsigned b)
{
	double inv = 1.0 / b, f = inv, r = 0;

	while (k > 0) {
		r += f * (double)(k % b);
		k /= b;
		f *= inv;
	}
	return r;
}

void
searchspec_point(const struct searchspec *s, uint64_t k, double *u)
{
	static const unsigned primes[SEARCHSPEC_MAX_PARAMS] = {
		2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53
	};
	/* Stream 0x5345 ("SE") keeps the shift apart from llgen's uses of the seed. */
	struct rng g = rng_split(s->seed, 0x5345);

	for (size_t d = 0; d < s->n_params; d++) {
		double shift = rng_uniform(&g);
		double v = radical_inverse(k, primes[d]) + shift;

		u[d] = v >= 1 ? v - 1 : v;
	}
}

const char *
searchspec_value_rule(const struct searchspec_param *p, double x)
{
	double slack = 1e-12 * fmax(fabs(p->min), fabs(p->max));

	if (!isfinite(x))
		return "must be a finite number";
	if (x < p->min - slack || x > p->max + slack)
		return "must lie inside the search's range";
	return genparams_value_rule(p->key, x);
}

void
searchspec_code(const char *search_name, uint64_t seed, const char *run, char code[9])
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a over name, seed, run */
	char buf[256];
	int n = snprintf(buf, sizeof buf, "%s/%llu/%s", search_name, (unsigned long long)seed, run);
	struct rng g;

	for (int i = 0; i < n && i < (int)sizeof buf; i++) {
		h ^= (unsigned char)buf[i];
		h *= 0x100000001b3ULL;
	}
	g = rng_split(h, 0x434f4445);
	for (int i = 0; i < 8; i++)
		code[i] = (char)('A' + rng_below(&g, 26));
	code[8] = '\0';
}
