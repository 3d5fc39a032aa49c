/* workspace: names, kinds and schemas of the meta/ JSON files
 * (docs/workspace.md). */
#include "workspace.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "atomic.h"
#include "cli.h"
#include "die.h"
#include "genparams.h"
#include "searchspec.h"

#define FAIL(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)

static const char *const kind_names[WS_N_KINDS] = {
	"fits", "processing", "generation", "pipeline", "search",
};

const char *
ws_kind_name(enum ws_kind k)
{
	return kind_names[k];
}

bool
ws_kind_parse(const char *word, enum ws_kind *k)
{
	for (int i = 0; i < WS_N_KINDS; i++)
		if (strcmp(word, kind_names[i]) == 0) {
			*k = (enum ws_kind)i;
			return true;
		}
	return false;
}

bool
ws_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64 || !isalnum((unsigned char)name[0]) || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		/* isalnum() depends on the locale; names are ASCII only. */
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool
ws_code_ok(const char *name)
{
	if (strlen(name) != 8)
		return false;
	for (int i = 0; i < 8; i++)
		if (name[i] < 'A' || name[i] > 'Z')
			return false;
	return true;
}

bool
ws_kind_of_path(const char *path, enum ws_kind *k, char **name)
{
	const char *base = strrchr(path, '/'), *dir_end, *dir;
	size_t n;
	char word[32], stem[80];

	if (!base)
		return false;
	dir_end = base;
	base++;
	dir = dir_end;
	while (dir > path && dir[-1] != '/')
		dir--;
	n = (size_t)(dir_end - dir);
	if (n == 0 || n >= sizeof word)
		return false;
	memcpy(word, dir, n);
	word[n] = '\0';
	if (!ws_kind_parse(word, k))
		return false;
	n = strlen(base);
	if (n <= 5 || n - 5 >= sizeof stem || strcmp(base + n - 5, ".json") != 0)
		return false;
	memcpy(stem, base, n - 5);
	stem[n - 5] = '\0';
	if (!ws_name_ok(stem))
		return false;
	if (name)
		*name = xstrdup(stem);
	return true;
}

const char *
ws_root(const char *dir)
{
	const char *env;

	if (dir)
		return dir;
	env = getenv("LL_WORKSPACE");
	return env && *env ? env : ".";
}

char *
ws_join(const char *root, const char *rel)
{
	size_t n;
	char *s;

	if (rel[0] == '/' || strcmp(root, ".") == 0)
		return xstrdup(rel);
	n = strlen(root) + strlen(rel) + 2;
	s = xmalloc(n);
	snprintf(s, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
	return s;
}

char *
ws_meta_path(const char *root, enum ws_kind k, const char *name)
{
	size_t n = strlen(name) + 32;
	char *rel = xmalloc(n), *s;

	snprintf(rel, n, "meta/%s/%s.json", kind_names[k], name);
	s = ws_join(root, rel);
	free(rel);
	return s;
}

json_t *
ws_load(const char *path, char *why, size_t why_size)
{
	json_error_t err;
	json_t *j;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(why, why_size, "cannot read: %s", strerror(errno));
		return NULL;
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!j)
		snprintf(why, why_size, "not valid JSON: %s (line %d)", err.text, err.line);
	return j;
}

/* ------------------------------------------------------------------ */
/* Values. */

static const char *
type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* "got ..." text: short strings quoted, other values by type. */
static const char *
got(json_t *v, char *buf, size_t size)
{
	if (json_is_string(v) && json_string_length(v) < 40)
		snprintf(buf, size, "\"%s\"", json_string_value(v));
	else if (json_is_number(v)) {
		ws_format_number(json_number_value(v), buf, size);
	} else
		snprintf(buf, size, "%s", type_name(v));
	return buf;
}

void
ws_format_number(double v, char *buf, size_t size)
{
	/* Whole numbers as people write them: 1000, not 1e+03. */
	if (v == (double)(long long)v && v > -1e15 && v < 1e15) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Every key of obj must be in `allowed` (NULL-terminated). */
static bool
check_keys(json_t *obj, const char *prefix, const char *const *allowed, char *why, size_t why_size)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(key, *a) == 0;
		if (!ok)
			FAIL("%s%s: unknown key", prefix, key);
	}
	return true;
}

struct unit { const char *name; double factor; bool inverse; };

static const struct unit wave_units[] = {
	{ "nm", 1, false }, { "angstrom", 0.1, false }, { "eV", 1239.84198, true },
	{ "keV", 1.23984198, true }, { NULL, 0, false },
};
static const struct unit time_units[] = {
	{ "s", 1, false }, { "ms", 1e-3, false }, { "ks", 1e3, false }, { NULL, 0, false },
};
static const struct unit speed_units[] = {
	{ "km/s", 1, false }, { "m/s", 1e-3, false }, { NULL, 0, false },
};

bool
ws_quantity(json_t *v, enum ws_dim dim, const char *key, double *out, char *why, size_t why_size)
{
	static const char *const what[] = {
		"a wavelength: a number in nm, or \"VALUE UNIT\" with UNIT nm, angstrom, eV or keV",
		"a time: a number in s, or \"VALUE UNIT\" with UNIT s, ms or ks",
		"a speed: a number in km/s, or \"VALUE UNIT\" with UNIT km/s or m/s",
	};
	const struct unit *units = dim == WS_WAVELENGTH_NM ? wave_units :
		dim == WS_TIME_S ? time_units : speed_units;
	char buf[64];

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		double x;

		errno = 0;
		x = strtod(s, &end);
		/* Decimal only, as option values (cli.h): "0x10 s" is not 16 s. */
		if (end != s && end == s + cli_decimal_length(s) && errno == 0 && isfinite(x) &&
		    *end == ' ') {
			while (*end == ' ')
				end++;
			for (const struct unit *u = units; u->name; u++) {
				if (strcasecmp(end, u->name) != 0)
					continue;
				if (u->inverse) {
					if (!(x > 0))
						break;
					*out = u->factor / x;
				} else
					*out = x * u->factor;
				return true;
			}
		}
	}
	FAIL("%s: expected %s, got %s", key, what[dim], got(v, buf, sizeof buf));
}

static bool
get_positive(json_t *obj, const char *key, const char *full, enum ws_dim dim, double *out,
	     char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!ws_quantity(v, dim, full, out, why, why_size))
		return false;
	if (!(*out > 0) || !isfinite(*out))
		FAIL("%s: expected a value > 0, got %s", full, got(v, buf, sizeof buf));
	return true;
}

static bool
get_int(json_t *obj, const char *key, const char *full, long long min, long long max,
	long long *out, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		if (max == LLONG_MAX)
			FAIL("%s: expected an integer >= %lld, got %s", full, min, got(v, buf, sizeof buf));
		FAIL("%s: expected an integer in [%lld, %lld], got %s", full, min, max,
		     got(v, buf, sizeof buf));
	}
	*out = json_integer_value(v);
	return true;
}

static bool
get_name(json_t *obj, const char *key, const char *what, bool nullable, const char **out,
	 char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (nullable && json_is_null(v)) {
		*out = NULL;
		return true;
	}
	if (!json_is_string(v) || !ws_name_ok(json_string_value(v)))
		FAIL("%s: expected %s name (" WS_NAME_RULE ")%s, got %s", key, what,
		     nullable ? " or null" : "", got(v, buf, sizeof buf));
	*out = json_string_value(v);
	return true;
}

static bool
get_string(json_t *obj, const char *key, const char *what, const char **out, char *why,
	   size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!json_is_string(v))
		FAIL("%s: expected %s, got %s", key, what, got(v, buf, sizeof buf));
	*out = json_string_value(v);
	return true;
}

/* An object-valued key: absent is fine (*out NULL), else must be an object
 * with only `allowed` keys. */
static bool
get_object(json_t *obj, const char *key, const char *what, const char *const *allowed,
	   json_t **out, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char prefix[64], buf[64];

	*out = NULL;
	if (!v)
		return true;
	if (!json_is_object(v))
		FAIL("%s: expected %s, got %s", key, what, got(v, buf, sizeof buf));
	snprintf(prefix, sizeof prefix, "%s.", key);
	if (!check_keys(v, prefix, allowed, why, why_size))
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Analyses and filters. */

static const char *const analysis_names[WS_N_ANALYSES] = {
	"varstat", "lcurve", "psd", "interarrival", "chunkvar",
};

const char *
ws_analysis_name(enum ws_analysis a)
{
	return analysis_names[a];
}

static bool
get_analyses(json_t *obj, bool *out, bool *given, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, "analyses"), *item;
	size_t i;
	char buf[64];

	if (!v)
		return true;
	if (!json_is_array(v))
		FAIL("analyses: expected a list of varstat, lcurve, psd, interarrival, chunkvar, got %s",
		     got(v, buf, sizeof buf));
	memset(out, 0, WS_N_ANALYSES * sizeof *out);
	json_array_foreach(v, i, item) {
		int a;

		for (a = 0; a < WS_N_ANALYSES; a++)
			if (json_is_string(item) && strcmp(json_string_value(item), analysis_names[a]) == 0)
				break;
		if (a == WS_N_ANALYSES)
			FAIL("analyses[%zu]: expected varstat, lcurve, psd, interarrival or chunkvar, got %s",
			     i, got(item, buf, sizeof buf));
		if (out[a])
			FAIL("analyses[%zu]: expected each analysis once, got \"%s\" twice",
			     i, analysis_names[a]);
		out[a] = true;
	}
	if (given)
		*given = true;
	return true;
}

static const char *const filter_names[WS_N_FILTERS] = {
	"gtifilter", "chandrashift", "wrange", "wbin", "flatten", "equalize", "poissonize",
	"downsample", "trange", "tthinning", "generate", "copysource", "copyA",
};

const char *
ws_filter_name(enum ws_filter f)
{
	return filter_names[f];
}

bool
ws_filter_parse(const char *word, enum ws_filter *f)
{
	for (int i = 0; i < WS_N_FILTERS; i++)
		if (strcmp(word, filter_names[i]) == 0) {
			*f = (enum ws_filter)i;
			return true;
		}
	return false;
}

bool
ws_filter_is_starter(enum ws_filter f)
{
	return f == WS_F_GENERATE || f == WS_F_COPYSOURCE || f == WS_F_COPYA;
}

bool
ws_filter_is_random(enum ws_filter f)
{
	return f == WS_F_FLATTEN || f == WS_F_EQUALIZE || f == WS_F_POISSONIZE ||
		f == WS_F_DOWNSAMPLE || f == WS_F_TTHINNING || f == WS_F_GENERATE;
}

static bool
get_filters(json_t *obj, const char *key, bool slot_b, enum ws_filter *out, size_t *n,
	    char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key), *item;
	size_t i;
	char buf[64];

	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) > WS_MAX_FILTERS)
		FAIL("%s: expected a list of at most %d filter names, got %s", key, WS_MAX_FILTERS,
		     got(v, buf, sizeof buf));
	json_array_foreach(v, i, item) {
		enum ws_filter f;

		if (!json_is_string(item) || !ws_filter_parse(json_string_value(item), &f))
			FAIL("%s[%zu]: expected a filter name (gtifilter, chandrashift, wrange, wbin, "
			     "flatten, equalize, poissonize, downsample, trange, tthinning%s), got %s", key, i,
			     slot_b ? "; first: generate, copysource, copyA" : "",
			     got(item, buf, sizeof buf));
		if (ws_filter_is_starter(f) && !(slot_b && i == 0))
			FAIL("%s[%zu]: expected a transform (%s starts slot B: only first in B_filters), "
			     "got \"%s\"", key, i, filter_names[f], filter_names[f]);
		out[i] = f;
	}
	*n = json_array_size(v);
	return true;
}

/* The options of the time filters trange and tthinning: absent objects
 * leave has_* false (a pipeline naming the filter is then refused). */
static bool
get_time_filters(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const tr_keys[] = { "start_s", "stop_s", NULL };
	static const char *const tt_keys[] = { "dt_s", NULL };
	json_t *o, *v;
	char buf[64];

	if (!get_object(obj, "trange", "{\"start_s\", \"stop_s\"}", tr_keys, &o, why, why_size))
		return false;
	if (o) {
		p->has_trange = true;
		p->trange_start_s = 0;
		p->trange_stop_s = INFINITY;
		if ((v = json_object_get(o, "start_s")) &&
		    !ws_quantity(v, WS_TIME_S, "trange.start_s", &p->trange_start_s, why, why_size))
			return false;
		if (!(p->trange_start_s >= 0) || !isfinite(p->trange_start_s))
			FAIL("trange.start_s: expected a time >= 0, got %s", got(v, buf, sizeof buf));
		if (!get_positive(o, "stop_s", "trange.stop_s", WS_TIME_S, &p->trange_stop_s,
				  why, why_size))
			return false;
		if (!(p->trange_stop_s > p->trange_start_s))
			FAIL("trange.stop_s: expected a time above trange.start_s (%g s), got %g s",
			     p->trange_start_s, p->trange_stop_s);
	}
	if (!get_object(obj, "tthinning", "{\"dt_s\"}", tt_keys, &o, why, why_size))
		return false;
	if (o) {
		if (!json_object_get(o, "dt_s"))
			FAIL("tthinning.dt_s: expected the bin width (a time > 0), got nothing");
		if (!get_positive(o, "dt_s", "tthinning.dt_s", WS_TIME_S, &p->tthinning_dt_s,
				  why, why_size))
			return false;
		p->has_tthinning = true;
	}
	return true;
}

/* The chunk analysis (chunkvar's --widths, --chunk, --chunks): checked
 * here as chunkvar checks its options, so a pipeline does not fail halfway. */
static bool
get_chunkvar(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const cv_keys[] = { "widths", "chunk", "chunks", NULL };
	static const char *const w_keys[] = { "min_s", "max_s", "count", NULL };
	json_t *o, *w, *v;
	long long x;
	char buf[64];

	if (!get_object(obj, "chunkvar", "{\"widths\", \"chunk\", \"chunks\"}", cv_keys, &o, why,
			why_size))
		return false;
	if (!o)
		return true;
	/* get_object would name the inner keys without their "chunkvar." */
	w = json_object_get(o, "widths");
	if (w && !json_is_object(w))
		FAIL("chunkvar.widths: expected {\"min_s\", \"max_s\", \"count\"}, got %s",
		     got(w, buf, sizeof buf));
	if (w && !check_keys(w, "chunkvar.widths.", w_keys, why, why_size))
		return false;
	if (w) {
		x = p->cv_count;
		if (!get_positive(w, "min_s", "chunkvar.widths.min_s", WS_TIME_S, &p->cv_min_s, why,
				  why_size) ||
		    !get_positive(w, "max_s", "chunkvar.widths.max_s", WS_TIME_S, &p->cv_max_s, why,
				  why_size) ||
		    !get_int(w, "count", "chunkvar.widths.count", 1, 1000, &x, why, why_size))
			return false;
		p->cv_count = (long)x;
		if (p->cv_max_s < p->cv_min_s)
			FAIL("chunkvar.widths.max_s: expected at least chunkvar.widths.min_s (%g s), got %g s",
			     p->cv_min_s, p->cv_max_s);
		if (p->cv_count == 1 && p->cv_max_s != p->cv_min_s)
			FAIL("chunkvar.widths.count: expected more than 1 when max_s (%g s) differs from "
			     "min_s (%g s), got 1", p->cv_max_s, p->cv_min_s);
	}
	x = p->cv_chunk;
	if (!get_int(o, "chunk", "chunkvar.chunk", 2, 100000, &x, why, why_size))
		return false;
	p->cv_chunk = (long)x;
	v = json_object_get(o, "chunks");
	if (v && !json_is_null(v)) {
		x = 1;
		if (!get_int(o, "chunks", "chunkvar.chunks", 1, LLONG_MAX, &x, why, why_size))
			return false;
		p->cv_chunks = (uint64_t)x;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The kinds. */

bool
ws_processing_from_json(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const keys[] = {
		"min_wavelength", "max_wavelength", "wbins", "timescales", "downsample", "seed",
		"lcurve", "psd", "interarrival", "analyses", "description", "trange", "tthinning",
		"chunkvar", NULL,
	};
	static const char *const wbins_keys[] = { "count", "scale", "edges", NULL };
	static const char *const ts_keys[] = { "min_s", "max_s", "count", NULL };
	static const char *const ds_keys[] = { "n", "fraction", NULL };
	static const char *const lc_keys[] = { "dt_s", NULL };
	static const char *const psd_keys[] = { "dt_s", "seg_s", NULL };
	static const char *const ia_keys[] = { "bins", NULL };
	json_t *o, *v;
	long long x;
	const char *s = NULL;
	char buf[64];

	*p = (struct ws_processing){
		.min_nm = 0.1, .max_nm = 1, .wbin_count = 4, .wbin_log = true,
		.ts_min_s = 1, .ts_max_s = 1000, .ts_count = 20, .seed = 1,
		.lcurve_dt_s = 20, .psd_dt_s = 0.5, .psd_seg_s = 256, .interarrival_bins = 40,
		.analyses = { true, true, true, true }, .has_range = true,
		.cv_min_s = 1, .cv_max_s = 100, .cv_count = 5, .cv_chunk = 12,
	};
	if (!json_is_object(obj))
		FAIL("expected a JSON object of processing parameters, got %s", type_name(obj));
	if (!check_keys(obj, "", keys, why, why_size))
		return false;
	/* Both null: no wavelength range, for datasets analysed as one band
	 * (HRC); wrange and a wbin by count then have nothing to go by. */
	v = json_object_get(obj, "min_wavelength");
	o = json_object_get(obj, "max_wavelength");
	if ((v && json_is_null(v)) != (o && json_is_null(o)))
		FAIL("%s: expected null like %s (no wavelength range), or both wavelengths",
		     v && json_is_null(v) ? "max_wavelength" : "min_wavelength",
		     v && json_is_null(v) ? "min_wavelength" : "max_wavelength");
	if (v && json_is_null(v))
		p->has_range = false;
	else if (!get_positive(obj, "min_wavelength", "min_wavelength", WS_WAVELENGTH_NM, &p->min_nm, why, why_size) ||
		 !get_positive(obj, "max_wavelength", "max_wavelength", WS_WAVELENGTH_NM, &p->max_nm, why, why_size))
		return false;
	if (!(p->min_nm < p->max_nm))
		FAIL("max_wavelength: expected a wavelength above min_wavelength (%g nm), got %g nm",
		     p->min_nm, p->max_nm);

	if (!get_object(obj, "wbins", "{\"count\": K, \"scale\": \"lin\"|\"log\"} or {\"edges\": [nm, ...]}",
			wbins_keys, &o, why, why_size))
		return false;
	if (o && (v = json_object_get(o, "edges"))) {
		size_t i;
		json_t *e;

		if (json_object_get(o, "count") || json_object_get(o, "scale"))
			FAIL("wbins: expected either edges or count and scale, not both");
		if (!json_is_array(v) || json_array_size(v) < 2)
			FAIL("wbins.edges: expected a list of at least 2 increasing wavelengths, got %s",
			     got(v, buf, sizeof buf));
		p->n_edges = json_array_size(v);
		p->edges = xmalloc(p->n_edges * sizeof *p->edges);
		p->wbin_count = 0;
		json_array_foreach(v, i, e) {
			char key[40];

			snprintf(key, sizeof key, "wbins.edges[%zu]", i);
			if (!ws_quantity(e, WS_WAVELENGTH_NM, key, &p->edges[i], why, why_size))
				goto fail;
			if (!(p->edges[i] > 0) || (i > 0 && !(p->edges[i] > p->edges[i - 1]))) {
				snprintf(why, why_size, "%s: expected a wavelength > 0 above the edge before, got %s",
					 key, got(e, buf, sizeof buf));
				goto fail;
			}
		}
	} else if (o) {
		x = (long long)p->wbin_count;
		if (!get_int(o, "count", "wbins.count", 1, 1000000, &x, why, why_size))
			return false;
		p->wbin_count = (size_t)x;
		if (!get_string(o, "scale", "\"lin\" or \"log\"", &s, why, why_size))
			return false;
		v = json_object_get(o, "scale");
		if (s && strcmp(s, "lin") != 0 && strcmp(s, "log") != 0)
			FAIL("wbins.scale: expected \"lin\" or \"log\", got %s", got(v, buf, sizeof buf));
		if (s)
			p->wbin_log = strcmp(s, "log") == 0;
	}

	if (!get_object(obj, "timescales", "{\"min_s\", \"max_s\", \"count\"}", ts_keys, &o, why, why_size))
		goto fail;
	if (o) {
		x = p->ts_count;
		if (!get_positive(o, "min_s", "timescales.min_s", WS_TIME_S, &p->ts_min_s, why, why_size) ||
		    !get_positive(o, "max_s", "timescales.max_s", WS_TIME_S, &p->ts_max_s, why, why_size) ||
		    !get_int(o, "count", "timescales.count", 1, 10000, &x, why, why_size))
			goto fail;
		p->ts_count = (long)x;
		if (p->ts_max_s < p->ts_min_s) {
			snprintf(why, why_size, "timescales.max_s: expected at least timescales.min_s (%g s), got %g s",
				 p->ts_min_s, p->ts_max_s);
			goto fail;
		}
	}

	v = json_object_get(obj, "downsample");
	if (v && !json_is_null(v)) {
		if (!get_object(obj, "downsample", "null, {\"n\": N} or {\"fraction\": F}", ds_keys, &o, why, why_size))
			goto fail;
		if (!!json_object_get(o, "n") == !!json_object_get(o, "fraction")) {
			snprintf(why, why_size, "downsample: expected {\"n\": N} or {\"fraction\": F}, one of the two");
			goto fail;
		}
		if (json_object_get(o, "n")) {
			x = 1;
			if (!get_int(o, "n", "downsample.n", 1, LLONG_MAX, &x, why, why_size))
				goto fail;
			p->ds_n = true;
			p->ds_count = (uint64_t)x;
		} else {
			v = json_object_get(o, "fraction");
			if (!json_is_number(v) || !(json_number_value(v) > 0 && json_number_value(v) <= 1)) {
				snprintf(why, why_size, "downsample.fraction: expected a number in (0, 1], got %s",
					 got(v, buf, sizeof buf));
				goto fail;
			}
			p->ds_fraction = true;
			p->ds_frac = json_number_value(v);
		}
	}

	x = (long long)p->seed;
	if (!get_int(obj, "seed", "seed", 0, LLONG_MAX, &x, why, why_size))
		goto fail;
	p->seed = (uint64_t)x;

	if (!get_object(obj, "lcurve", "{\"dt_s\"}", lc_keys, &o, why, why_size))
		goto fail;
	if (o && !get_positive(o, "dt_s", "lcurve.dt_s", WS_TIME_S, &p->lcurve_dt_s, why, why_size))
		goto fail;
	if (!get_object(obj, "psd", "{\"dt_s\", \"seg_s\"}", psd_keys, &o, why, why_size))
		goto fail;
	if (o && (!get_positive(o, "dt_s", "psd.dt_s", WS_TIME_S, &p->psd_dt_s, why, why_size) ||
		  !get_positive(o, "seg_s", "psd.seg_s", WS_TIME_S, &p->psd_seg_s, why, why_size)))
		goto fail;
	{
		/* psd needs seg = an even number (>= 4) of dt bins; say so here, not
		 * halfway through a pipeline run. */
		double r = p->psd_seg_s / p->psd_dt_s, k = round(r);

		if (fabs(r - k) > 1e-9 * k || k < 4 || fmod(k, 2) != 0) {
			snprintf(why, why_size, "psd.seg_s: expected an even multiple (at least 4) of psd.dt_s "
				 "(%g s), got %g s", p->psd_dt_s, p->psd_seg_s);
			goto fail;
		}
	}
	if (!get_object(obj, "interarrival", "{\"bins\"}", ia_keys, &o, why, why_size))
		goto fail;
	x = p->interarrival_bins;
	if (o && !get_int(o, "bins", "interarrival.bins", 1, 100000, &x, why, why_size))
		goto fail;
	p->interarrival_bins = (long)x;
	if (!get_analyses(obj, p->analyses, NULL, why, why_size) ||
	    !get_string(obj, "description", "a string", &s, why, why_size) ||
	    !get_time_filters(obj, p, why, why_size) ||
	    !get_chunkvar(obj, p, why, why_size))
		goto fail;
	return true;
fail:
	ws_processing_free(p);
	return false;
}

void
ws_processing_free(struct ws_processing *p)
{
	free(p->edges);
	p->edges = NULL;
	p->n_edges = 0;
}

bool
ws_pipeline_from_json(json_t *obj, struct ws_pipeline *p, char *why, size_t why_size)
{
	static const char *const keys[] = {
		"A_fits_id", "B_fits_id", "processing", "generation", "A_filters", "B_filters",
		"analyses", "description", NULL,
	};
	const char *s = NULL;

	*p = (struct ws_pipeline){
		.generation = "default",
		.a_filters = { WS_F_GTIFILTER, WS_F_WRANGE, WS_F_WBIN }, .n_a_filters = 3,
		.b_filters = { WS_F_GENERATE, WS_F_WRANGE, WS_F_WBIN }, .n_b_filters = 3,
	};
	if (!json_is_object(obj))
		FAIL("expected a JSON object (a pipeline), got %s", type_name(obj));
	if (!check_keys(obj, "", keys, why, why_size))
		return false;
	if (!json_object_get(obj, "A_fits_id"))
		FAIL("A_fits_id: expected a dataset name (required)");
	if (!get_name(obj, "A_fits_id", "a dataset", false, &p->a_fits_id, why, why_size) ||
	    !get_name(obj, "B_fits_id", "a dataset", true, &p->b_fits_id, why, why_size) ||
	    !get_name(obj, "processing", "a processing", false, &p->processing, why, why_size) ||
	    !get_name(obj, "generation", "a generation", false, &p->generation, why, why_size) ||
	    !get_filters(obj, "A_filters", false, p->a_filters, &p->n_a_filters, why, why_size) ||
	    !get_filters(obj, "B_filters", true, p->b_filters, &p->n_b_filters, why, why_size) ||
	    !get_analyses(obj, p->analyses, &p->has_analyses, why, why_size) ||
	    !get_string(obj, "description", "a string", &s, why, why_size))
		return false;
	if (p->n_b_filters > 0 && !ws_filter_is_starter(p->b_filters[0]) && !p->b_fits_id)
		FAIL("B_filters[0]: expected generate, copysource or copyA when B_fits_id is null, got \"%s\"",
		     filter_names[p->b_filters[0]]);
	return true;
}

bool
ws_dataset_from_json(json_t *obj, struct ws_dataset *d, char *why, size_t why_size)
{
	static const char *const keys[] = {
		"path", "fits", "wave_col", "wave_unit", "no_wavelength", "filter", "gti_ccd",
		"processing", "description", "generated", NULL,
	};
	static const char *const gen_keys[] = {
		"pipeline", "generation", "seed", "source", "params", NULL,
	};
	static const char *const wave_units_fits[] = { "angstrom", "nm", "ev", "kev", NULL };
	const char *s = NULL, *name;
	json_t *v, *g;
	long long x;
	char buf[64];

	*d = (struct ws_dataset){ 0 };
	if (!json_is_object(obj))
		FAIL("expected a JSON object (a dataset), got %s", type_name(obj));
	if (!check_keys(obj, "", keys, why, why_size))
		return false;
	if (json_object_get(obj, "path") && json_object_get(obj, "fits"))
		FAIL("fits: expected either path or fits, not both");
	if (!json_object_get(obj, "path") && !json_object_get(obj, "fits"))
		FAIL("path: expected the FITS (or .ev) file name (required)");
	name = json_object_get(obj, "path") ? "path" : "fits";
	v = json_object_get(obj, name);
	if (!json_is_string(v) || json_string_length(v) == 0)
		FAIL("%s: expected a file name, got %s", name, got(v, buf, sizeof buf));
	d->path = json_string_value(v);
	if (!get_string(obj, "wave_col", "a column name", &s, why, why_size) ||
	    !get_string(obj, "wave_unit", "\"angstrom\", \"nm\", \"ev\" or \"kev\"", &s, why, why_size))
		return false;
	if ((v = json_object_get(obj, "wave_unit"))) {
		bool ok = false;

		for (const char *const *u = wave_units_fits; *u; u++)
			ok |= strcasecmp(s, *u) == 0;
		if (!ok)
			FAIL("wave_unit: expected \"angstrom\", \"nm\", \"ev\" or \"kev\", got %s",
			     got(v, buf, sizeof buf));
	}
	if ((v = json_object_get(obj, "no_wavelength")) && !json_is_boolean(v))
		FAIL("no_wavelength: expected true or false, got %s", got(v, buf, sizeof buf));
	if ((v = json_object_get(obj, "filter")) && !json_is_string(v) && !json_is_null(v))
		FAIL("filter: expected a cfitsio row filter string, got %s", got(v, buf, sizeof buf));
	x = 0;
	if (!get_int(obj, "gti_ccd", "gti_ccd", 0, 1000, &x, why, why_size) ||
	    !get_name(obj, "processing", "a processing", false, &d->processing, why, why_size) ||
	    !get_string(obj, "description", "a string", &s, why, why_size))
		return false;
	if (!get_object(obj, "generated", "{\"pipeline\", \"generation\", \"seed\", \"source\", \"params\"}",
			gen_keys, &g, why, why_size))
		return false;
	if (g) {
		char inner[400];

		d->generated = true;
		if (!get_name(g, "pipeline", "a pipeline", true, &s, inner, sizeof inner) ||
		    !get_name(g, "generation", "a generation", true, &s, inner, sizeof inner) ||
		    !get_name(g, "source", "a dataset", true, &s, inner, sizeof inner) ||
		    !get_int(g, "seed", "seed", 0, LLONG_MAX, &x, inner, sizeof inner))
			FAIL("generated.%s", inner);
		if ((v = json_object_get(g, "params"))) {
			struct genparams gp;

			genparams_defaults(&gp);
			if (!genparams_from_json(&gp, v, inner, sizeof inner))
				FAIL("generated.params.%s", inner);
		}
	}
	return true;
}

bool
ws_validate(enum ws_kind k, json_t *obj, char *why, size_t why_size)
{
	switch (k) {
	case WS_FITS: {
		struct ws_dataset d;

		return ws_dataset_from_json(obj, &d, why, why_size);
	}
	case WS_PROCESSING: {
		struct ws_processing p;

		if (!ws_processing_from_json(obj, &p, why, why_size))
			return false;
		ws_processing_free(&p);
		return true;
	}
	case WS_GENERATION: {
		struct genparams gp;

		genparams_defaults(&gp);
		return genparams_from_json(&gp, obj, why, why_size);
	}
	case WS_PIPELINE: {
		struct ws_pipeline p;

		return ws_pipeline_from_json(obj, &p, why, why_size);
	}
	case WS_SEARCH: {
		struct searchspec sp;

		return searchspec_from_json(obj, &sp, why, why_size);
	}
	default:
		if (!json_is_object(obj))
			FAIL("expected a JSON object, got %s", type_name(obj));
		return true;
	}
}

/* Reals at 15 digits read back exactly for every value a person typed
 * (0.1 stays 0.1); values needing more keep 17. */
static bool
reals_fit_15(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	char buf[40];

	if (json_is_real(j)) {
		snprintf(buf, sizeof buf, "%.15g", json_real_value(j));
		return strtod(buf, NULL) == json_real_value(j);
	}
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			if (!reals_fit_15(v))
				return false;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!reals_fit_15(v))
				return false;
	}
	return true;
}

void
ws_write_json(const char *path, json_t *j)
{
	struct atomic_file *af = atomic_open(path);
	FILE *f = atomic_stream(af);

	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(reals_fit_15(j) ? 15 : 17)) != 0 ||
	    fputc('\n', f) == EOF)
		die(EXIT_RUNTIME, "%s: write error:", path);
	atomic_commit(af);
}
