/* genparams: GenerationParameters reader and validator; see genparams.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "genparams.h"
#include "jschema.h"

/* §5b keys kept apart from the strip model's so each reads on its own. */
static void
hex_defaults(struct genparams *gp)
{
	gp->hex = false;
	gp->pitch_law = LATTICE_LINEAR;
	gp->alpha_m = 3;
	gp->lucretius_per_nm = -1;
	gp->perp = 0;
	gp->phase = 0;
	gp->heading_rate_deg_s = 0;
}

void
genparams_defaults(struct genparams *gp)
{
	memset(gp, 0, sizeof *gp);
	gp->tstart = 0;
	gp->duration_s = 1000;
	gp->rate_cps = 100;
	gp->kind = GENPARAMS_FLAT;
	gp->min_nm = 0.1;
	gp->max_nm = 1.0;
	gp->index = 0;
	gp->background_fraction = 0.5;
	gp->pitch_m_per_nm = 6e6;
	gp->width_fraction = 0.5;
	gp->offset_cell_nm = 0.01;
	gp->n_families = 1;
	gp->family[0].angle_deg = 0;
	gp->family[0].weight = 1;
	gp->speed_km_s = 30;
	gp->heading_deg = 0;
	gp->aperture_m = 1.2;
	hex_defaults(gp);
}

const char *
genparams_value_rule(const char *key, double v)
{
	static const struct {
		const char *key;
		double lo;
		bool lo_open;		/* v > lo rather than v >= lo */
		double hi;		/* INFINITY: no upper bound */
		const char *rule;
	} rules[] = {
		{ "tstart", 0, false, INFINITY, "must be >= 0" },
		{ "duration_s", 0, true, INFINITY, "must be greater than 0" },
		{ "rate_cps", 0, true, INFINITY, "must be greater than 0" },
		{ "spectrum.min_nm", 0, true, INFINITY, "must be greater than 0" },
		{ "spectrum.max_nm", 0, true, INFINITY, "must be greater than 0" },
		{ "background_fraction", 0, false, 1, "must be in [0, 1]" },
		{ "lanes.pitch_m_per_nm", 0, true, INFINITY, "must be greater than 0" },
		{ "lanes.width_fraction", 0, true, 1, "must be in (0, 1]" },
		{ "lanes.offset_cell_nm", 0, false, INFINITY, "must be >= 0" },
		{ "weight", 0, true, INFINITY, "must be greater than 0" },
		{ "telescope.speed_km_s", 0, false, INFINITY, "must be >= 0" },
		{ "telescope.aperture_m", 0, true, INFINITY, "must be greater than 0" },
		{ "lanes.alpha_m", 0, true, INFINITY, "must be greater than 0" },
	};

	if (!isfinite(v))
		return "must be a finite number";
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const char *k = rules[i].key;
		size_t kl = strlen(k), l = strlen(key);

		/* "lanes.families[2].weight" matches the rule "weight". */
		if (!(strcmp(key, k) == 0 || (l > kl && key[l - kl - 1] == '.' &&
					       strcmp(key + l - kl, k) == 0)))
			continue;
		if (rules[i].lo_open ? !(v > rules[i].lo) : !(v >= rules[i].lo))
			return rules[i].rule;
		if (v > rules[i].hi)
			return rules[i].rule;
		return NULL;
	}
	return NULL;
}

const char *
genparams_kind_name(enum genparams_kind k)
{
	return k == GENPARAMS_POWERLAW ? "powerlaw" : k == GENPARAMS_SOURCE ? "source" : "flat";
}

bool
genparams_kind_parse(const char *name, enum genparams_kind *k)
{
	if (strcmp(name, "flat") == 0)
		*k = GENPARAMS_FLAT;
	else if (strcmp(name, "powerlaw") == 0)
		*k = GENPARAMS_POWERLAW;
	else if (strcmp(name, "source") == 0)
		*k = GENPARAMS_SOURCE;
	else
		return false;
	return true;
}

#define FAIL(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)

/* Keys that also take a quantity string ("10 s", "30000 m/s"), read as the
 * workspace's processing files read theirs (docs/workspace.md). */
static const struct {
	const char *key;
	enum ws_dim dim;
} quantity_keys[] = {
	{ "tstart", WS_TIME_S }, { "duration_s", WS_TIME_S },
	{ "spectrum.min_nm", WS_WAVELENGTH_NM }, { "spectrum.max_nm", WS_WAVELENGTH_NM },
	{ "telescope.speed_km_s", WS_SPEED_KM_S },
};

static bool
get_number(json_t *v, const char *key, double *out, char *why, size_t why_size)
{
	const char *rule;
	size_t q = 0;

	while (q < sizeof quantity_keys / sizeof *quantity_keys &&
	       strcmp(quantity_keys[q].key, key) != 0)
		q++;
	if (q < sizeof quantity_keys / sizeof *quantity_keys) {
		if (!ws_quantity(v, quantity_keys[q].dim, key, out, why, why_size))
			return false;
	} else if (!json_is_number(v)) {
		FAIL("%s: expected a number, got %s", key, js_type_name(v));
	} else {
		*out = json_number_value(v);
	}
	if ((rule = genparams_value_rule(key, *out)))
		FAIL("%s: %s, got %.17g", key, rule, *out);
	return true;
}

static bool
get_object(json_t *parent, const char *name, json_t **out, char *why, size_t why_size)
{
	*out = json_object_get(parent, name);
	if (*out && !json_is_object(*out))
		FAIL("%s: expected an object, got %s", name, js_type_name(*out));
	return true;
}

/* Overlay `obj.name` (if present) onto *dst, full key `full`. */
static bool
opt_number(json_t *obj, const char *name, const char *full, double *dst,
	   char *why, size_t why_size)
{
	json_t *v = obj ? json_object_get(obj, name) : NULL;

	return !v || get_number(v, full, dst, why, why_size);
}

static bool
read_families(struct genparams *gp, json_t *arr, char *why, size_t why_size)
{
	static const char *const known[] = { "angle_deg", "weight", NULL };
	size_t i;
	json_t *f;

	if (!json_is_array(arr))
		FAIL("lanes.families: expected an array of {angle_deg, weight}, got %s",
		     js_type_name(arr));
	if (json_array_size(arr) == 0)
		FAIL("lanes.families: must hold at least one family, got an empty list");
	if (json_array_size(arr) > LANESHEET_MAX_FAMILIES)
		FAIL("lanes.families: at most %d families, got %zu",
		     LANESHEET_MAX_FAMILIES, json_array_size(arr));
	json_array_foreach(arr, i, f) {
		char prefix[64], key[96];
		struct lanesheet_family fam = { 0, 1 };

		snprintf(prefix, sizeof prefix, "lanes.families[%zu].", i);
		if (!json_is_object(f))
			FAIL("lanes.families[%zu]: expected an object {angle_deg, weight}, got %s",
			     i, js_type_name(f));
		if (!js_check_keys(f, prefix, known, why, why_size))
			return false;
		snprintf(key, sizeof key, "%sangle_deg", prefix);
		if (!opt_number(f, "angle_deg", key, &fam.angle_deg, why, why_size))
			return false;
		snprintf(key, sizeof key, "%sweight", prefix);
		if (!opt_number(f, "weight", key, &fam.weight, why, why_size))
			return false;
		gp->family[i] = fam;
	}
	gp->n_families = json_array_size(arr);
	return true;
}

/* A string key with two allowed values: *choice = 0 for the first, 1 for
 * the second. */
static bool
get_choice(json_t *obj, const char *name, const char *full, const char *a, const char *b,
	   int *choice, char *why, size_t why_size)
{
	json_t *v = obj ? json_object_get(obj, name) : NULL;

	if (!v)
		return true;
	if (!json_is_string(v))
		FAIL("%s: expected \"%s\" or \"%s\", got %s", full, a, b, js_type_name(v));
	if (strcmp(json_string_value(v), a) == 0)
		*choice = 0;
	else if (strcmp(json_string_value(v), b) == 0)
		*choice = 1;
	else
		FAIL("%s: expected \"%s\" or \"%s\", got \"%s\"", full, a, b,
		     json_string_value(v));
	return true;
}

static bool
read_hex_keys(struct genparams *gp, json_t *l, json_t *t, char *why, size_t why_size)
{
	int geometry = gp->hex, law = gp->pitch_law == LATTICE_EXP;

	if (!get_choice(l, "geometry", "lanes.geometry", "strips", "hex", &geometry,
			why, why_size) ||
	    !get_choice(l, "pitch_law", "lanes.pitch_law", "linear", "exp", &law,
			why, why_size) ||
	    !opt_number(l, "alpha_m", "lanes.alpha_m", &gp->alpha_m, why, why_size) ||
	    !opt_number(l, "lucretius_per_nm", "lanes.lucretius_per_nm",
			&gp->lucretius_per_nm, why, why_size) ||
	    !opt_number(t, "perp", "telescope.perp", &gp->perp, why, why_size) ||
	    !opt_number(t, "phase", "telescope.phase", &gp->phase, why, why_size) ||
	    !opt_number(t, "heading_rate_deg_s", "telescope.heading_rate_deg_s",
			&gp->heading_rate_deg_s, why, why_size))
		return false;
	gp->hex = geometry == 1;
	gp->pitch_law = law ? LATTICE_EXP : LATTICE_LINEAR;
	return true;
}

bool
genparams_from_json(struct genparams *gp, json_t *obj, char *why, size_t why_size)
{
	static const char *const top[] = { "seed", "tstart", "duration_s", "rate_cps",
		"spectrum", "background_fraction", "lanes", "telescope", NULL };
	static const char *const spec[] = { "kind", "min_nm", "max_nm", "index", NULL };
	static const char *const lanes[] = { "pitch_m_per_nm", "width_fraction",
		"offset_cell_nm", "families", "geometry", "pitch_law", "alpha_m",
		"lucretius_per_nm", NULL };
	static const char *const tel[] = { "speed_km_s", "heading_deg", "aperture_m",
		"perp", "phase", "heading_rate_deg_s", NULL };
	json_t *v, *s, *l, *t;

	if (!json_is_object(obj))
		FAIL("expected a JSON object of generation parameters, got %s", js_type_name(obj));
	if (!js_check_keys(obj, "", top, why, why_size))
		return false;
	if ((v = json_object_get(obj, "seed"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			FAIL("seed: expected an integer in [0, 2^63), got %s",
			     json_is_integer(v) ? "a negative number" : js_type_name(v));
		gp->seed = (uint64_t)json_integer_value(v);
		gp->has_seed = true;
	}
	if (!opt_number(obj, "tstart", "tstart", &gp->tstart, why, why_size) ||
	    !opt_number(obj, "duration_s", "duration_s", &gp->duration_s, why, why_size) ||
	    !opt_number(obj, "background_fraction", "background_fraction",
			&gp->background_fraction, why, why_size))
		return false;
	if (json_object_get(obj, "rate_cps")) {
		if (!opt_number(obj, "rate_cps", "rate_cps", &gp->rate_cps, why, why_size))
			return false;
		gp->has_rate = true;
	}

	if (!get_object(obj, "spectrum", &s, why, why_size) ||
	    !get_object(obj, "lanes", &l, why, why_size) ||
	    !get_object(obj, "telescope", &t, why, why_size))
		return false;
	if (s) {
		if (!js_check_keys(s, "spectrum.", spec, why, why_size))
			return false;
		if ((v = json_object_get(s, "kind"))) {
			if (!json_is_string(v))
				FAIL("spectrum.kind: expected \"source\", \"flat\" or \"powerlaw\", got %s",
				     js_type_name(v));
			if (!genparams_kind_parse(json_string_value(v), &gp->kind))
				FAIL("spectrum.kind: expected \"source\", \"flat\" or \"powerlaw\", got \"%s\"",
				     json_string_value(v));
		}
		if (!opt_number(s, "min_nm", "spectrum.min_nm", &gp->min_nm, why, why_size) ||
		    !opt_number(s, "max_nm", "spectrum.max_nm", &gp->max_nm, why, why_size) ||
		    !opt_number(s, "index", "spectrum.index", &gp->index, why, why_size))
			return false;
	}
	if (l) {
		if (!js_check_keys(l, "lanes.", lanes, why, why_size))
			return false;
		if (!opt_number(l, "pitch_m_per_nm", "lanes.pitch_m_per_nm",
				&gp->pitch_m_per_nm, why, why_size) ||
		    !opt_number(l, "width_fraction", "lanes.width_fraction",
				&gp->width_fraction, why, why_size) ||
		    !opt_number(l, "offset_cell_nm", "lanes.offset_cell_nm",
				&gp->offset_cell_nm, why, why_size))
			return false;
		if ((v = json_object_get(l, "families")) && !read_families(gp, v, why, why_size))
			return false;
	}
	if (!read_hex_keys(gp, l, t, why, why_size))
		return false;
	if (t) {
		if (!js_check_keys(t, "telescope.", tel, why, why_size))
			return false;
		if (!opt_number(t, "speed_km_s", "telescope.speed_km_s", &gp->speed_km_s,
				why, why_size) ||
		    !opt_number(t, "heading_deg", "telescope.heading_deg", &gp->heading_deg,
				why, why_size) ||
		    !opt_number(t, "aperture_m", "telescope.aperture_m", &gp->aperture_m,
				why, why_size))
			return false;
	}
	return genparams_check(gp, why, why_size);
}

bool
genparams_load(struct genparams *gp, const char *path, char *why, size_t why_size)
{
	json_error_t err;
	json_t *obj = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	char inner[512];
	bool ok;

	if (!obj) {
		if (err.line < 1)
			snprintf(why, why_size, "%s: %s", path, err.text);
		else
			snprintf(why, why_size, "%s: line %d: %s", path, err.line, err.text);
		return false;
	}
	ok = genparams_from_json(gp, obj, inner, sizeof inner);
	json_decref(obj);
	if (!ok)
		snprintf(why, why_size, "%s: %s", path, inner);
	return ok;
}

bool
genparams_check(const struct genparams *gp, char *why, size_t why_size)
{
	if (!(gp->min_nm < gp->max_nm))
		FAIL("spectrum.min_nm: must be below spectrum.max_nm (%g), got %g",
		     gp->max_nm, gp->min_nm);
	if (gp->pitch_law == LATTICE_EXP && !gp->hex)
		FAIL("lanes.pitch_law: \"exp\" needs lanes.geometry \"hex\"");
	return true;
}

static void
hex_to_json(const struct genparams *gp, json_t *o)
{
	json_t *l = json_object_get(o, "lanes"), *t = json_object_get(o, "telescope");

	json_object_set_new(l, "geometry", json_string(gp->hex ? "hex" : "strips"));
	json_object_set_new(l, "pitch_law",
			    json_string(gp->pitch_law == LATTICE_EXP ? "exp" : "linear"));
	json_object_set_new(l, "alpha_m", json_real(gp->alpha_m));
	json_object_set_new(l, "lucretius_per_nm", json_real(gp->lucretius_per_nm));
	json_object_set_new(t, "perp", json_real(gp->perp));
	json_object_set_new(t, "phase", json_real(gp->phase));
	json_object_set_new(t, "heading_rate_deg_s", json_real(gp->heading_rate_deg_s));
}

json_t *
genparams_to_json(const struct genparams *gp)
{
	json_t *fams = json_array(), *o;

	for (size_t j = 0; j < gp->n_families; j++)
		json_array_append_new(fams, json_pack("{sfsf}", "angle_deg",
						      gp->family[j].angle_deg,
						      "weight", gp->family[j].weight));
	o = json_pack("{sfsfsfs{sssfsfsf}sfs{sfsfsfso}s{sfsfsf}}",
		      "tstart", gp->tstart, "duration_s", gp->duration_s,
		      "rate_cps", gp->rate_cps,
		      "spectrum", "kind", genparams_kind_name(gp->kind),
		      "min_nm", gp->min_nm, "max_nm", gp->max_nm, "index", gp->index,
		      "background_fraction", gp->background_fraction,
		      "lanes", "pitch_m_per_nm", gp->pitch_m_per_nm,
		      "width_fraction", gp->width_fraction,
		      "offset_cell_nm", gp->offset_cell_nm, "families", fams,
		      "telescope", "speed_km_s", gp->speed_km_s,
		      "heading_deg", gp->heading_deg, "aperture_m", gp->aperture_m);
	if (gp->has_seed)
		json_object_set_new(o, "seed", json_integer((json_int_t)gp->seed));
	if (gp->hex)
		hex_to_json(gp, o);
	return o;
}

bool
genparams_lanesheet(const struct genparams *gp, double t0, struct lanesheet *ls,
		    char *why, size_t why_size)
{
	memset(ls, 0, sizeof *ls);
	ls->pitch_m_per_nm = gp->pitch_m_per_nm;
	ls->width_fraction = gp->width_fraction;
	ls->offset_cell_nm = gp->offset_cell_nm;
	ls->n_families = gp->n_families;
	memcpy(ls->family, gp->family, gp->n_families * sizeof gp->family[0]);
	ls->speed_m_s = gp->speed_km_s * 1e3;	/* km/s -> m/s */
	ls->heading_deg = gp->heading_deg;
	ls->aperture_m = gp->aperture_m;
	ls->t0 = t0;
	ls->seed = gp->seed;
	return lanesheet_init(ls, why, why_size);
}

bool
genparams_lattice(const struct genparams *gp, double t0, struct lattice *lt,
		  char *why, size_t why_size)
{
	memset(lt, 0, sizeof *lt);
	lt->law = gp->pitch_law;
	lt->pitch_m_per_nm = gp->pitch_m_per_nm;
	lt->alpha_m = gp->alpha_m;
	lt->lucretius_per_nm = gp->lucretius_per_nm;
	lt->speed_m_s = gp->speed_km_s * 1e3;	/* km/s -> m/s */
	lt->heading_deg = gp->heading_deg;
	lt->heading_rate_deg_s = gp->heading_rate_deg_s;
	lt->aperture_m = gp->aperture_m;
	lt->perp = gp->perp;
	lt->phase = gp->phase;
	lt->t0 = t0;
	return lattice_init(lt, why, why_size);
}
