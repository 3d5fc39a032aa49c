/* workspace_kinds: the schemas of the meta/ file kinds (docs/workspace.md
 * tables): analyses and filters, the processing, pipeline and dataset
 * decoders, and ws_validate's dispatch (generation files to genparams,
 * search files to searchspec). */
#include "workspace.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "die.h"
#include "genparams.h"
#include "searchspec.h"

#define FAIL(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)

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
		     js_got(v, buf, sizeof buf));
	memset(out, 0, WS_N_ANALYSES * sizeof *out);
	json_array_foreach(v, i, item) {
		int a;

		for (a = 0; a < WS_N_ANALYSES; a++)
			if (json_is_string(item) && strcmp(json_string_value(item), analysis_names[a]) == 0)
				break;
		if (a == WS_N_ANALYSES)
			FAIL("analyses[%zu]: expected varstat, lcurve, psd, interarrival or chunkvar, got %s",
			     i, js_got(item, buf, sizeof buf));
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
		     js_got(v, buf, sizeof buf));
	json_array_foreach(v, i, item) {
		enum ws_filter f;

		if (!json_is_string(item) || !ws_filter_parse(json_string_value(item), &f))
			FAIL("%s[%zu]: expected a filter name (gtifilter, chandrashift, wrange, wbin, "
			     "flatten, equalize, poissonize, downsample, trange, tthinning%s), got %s", key, i,
			     slot_b ? "; first: generate, copysource, copyA" : "",
			     js_got(item, buf, sizeof buf));
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

	if (!js_get_object(obj, "trange", "{\"start_s\", \"stop_s\"}", tr_keys, &o, why, why_size))
		return false;
	if (o) {
		p->has_trange = true;
		p->trange_start_s = 0;
		p->trange_stop_s = INFINITY;
		if ((v = json_object_get(o, "start_s")) &&
		    !ws_quantity(v, WS_TIME_S, "trange.start_s", &p->trange_start_s, why, why_size))
			return false;
		if (!(p->trange_start_s >= 0) || !isfinite(p->trange_start_s))
			FAIL("trange.start_s: expected a time >= 0, got %s", js_got(v, buf, sizeof buf));
		if (!js_get_positive(o, "stop_s", "trange.stop_s", WS_TIME_S, &p->trange_stop_s,
				  why, why_size))
			return false;
		if (!(p->trange_stop_s > p->trange_start_s))
			FAIL("trange.stop_s: expected a time above trange.start_s (%g s), got %g s",
			     p->trange_start_s, p->trange_stop_s);
	}
	if (!js_get_object(obj, "tthinning", "{\"dt_s\"}", tt_keys, &o, why, why_size))
		return false;
	if (o) {
		if (!json_object_get(o, "dt_s"))
			FAIL("tthinning.dt_s: expected the bin width (a time > 0), got nothing");
		if (!js_get_positive(o, "dt_s", "tthinning.dt_s", WS_TIME_S, &p->tthinning_dt_s,
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

	if (!js_get_object(obj, "chunkvar", "{\"widths\", \"chunk\", \"chunks\"}", cv_keys, &o, why,
			   why_size))
		return false;
	if (!o)
		return true;
	/* js_get_object would name the inner keys without their "chunkvar." */
	w = json_object_get(o, "widths");
	if (w && !json_is_object(w))
		FAIL("chunkvar.widths: expected {\"min_s\", \"max_s\", \"count\"}, got %s",
		     js_got(w, buf, sizeof buf));
	if (w && !js_check_keys(w, "chunkvar.widths.", w_keys, why, why_size))
		return false;
	if (w) {
		x = p->cv_count;
		if (!js_get_positive(w, "min_s", "chunkvar.widths.min_s", WS_TIME_S, &p->cv_min_s, why,
				     why_size) ||
		    !js_get_positive(w, "max_s", "chunkvar.widths.max_s", WS_TIME_S, &p->cv_max_s, why,
				     why_size) ||
		    !js_get_int(w, "count", "chunkvar.widths.count", 1, 1000, &x, why, why_size))
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
	if (!js_get_int(o, "chunk", "chunkvar.chunk", 2, 100000, &x, why, why_size))
		return false;
	p->cv_chunk = (long)x;
	v = json_object_get(o, "chunks");
	if (v && !json_is_null(v)) {
		x = 1;
		if (!js_get_int(o, "chunks", "chunkvar.chunks", 1, LLONG_MAX, &x, why, why_size))
			return false;
		p->cv_chunks = (uint64_t)x;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The kinds. */

/* Both null: no wavelength range, for datasets analysed as one band (HRC);
 * wrange and a wbin by count then have nothing to go by. */
static bool
get_wavelength_range(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	json_t *lo = json_object_get(obj, "min_wavelength"), *hi = json_object_get(obj, "max_wavelength");

	if ((lo && json_is_null(lo)) != (hi && json_is_null(hi)))
		FAIL("%s: expected null like %s (no wavelength range), or both wavelengths",
		     lo && json_is_null(lo) ? "max_wavelength" : "min_wavelength",
		     lo && json_is_null(lo) ? "min_wavelength" : "max_wavelength");
	if (lo && json_is_null(lo))
		p->has_range = false;
	else if (!js_get_positive(obj, "min_wavelength", "min_wavelength", WS_WAVELENGTH_NM, &p->min_nm, why, why_size) ||
		 !js_get_positive(obj, "max_wavelength", "max_wavelength", WS_WAVELENGTH_NM, &p->max_nm, why, why_size))
		return false;
	if (!(p->min_nm < p->max_nm))
		FAIL("max_wavelength: expected a wavelength above min_wavelength (%g nm), got %g nm",
		     p->min_nm, p->max_nm);
	return true;
}

static bool
get_wbin_edges(json_t *v, struct ws_processing *p, char *why, size_t why_size)
{
	char buf[64];
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) < 2)
		FAIL("wbins.edges: expected a list of at least 2 increasing wavelengths, got %s",
		     js_got(v, buf, sizeof buf));
	p->n_edges = json_array_size(v);
	p->edges = xmalloc(p->n_edges * sizeof *p->edges);
	p->wbin_count = 0;
	json_array_foreach(v, i, e) {
		char key[40];

		snprintf(key, sizeof key, "wbins.edges[%zu]", i);
		if (!ws_quantity(e, WS_WAVELENGTH_NM, key, &p->edges[i], why, why_size))
			return false;
		if (!(p->edges[i] > 0) || (i > 0 && !(p->edges[i] > p->edges[i - 1])))
			FAIL("%s: expected a wavelength > 0 above the edge before, got %s",
			     key, js_got(e, buf, sizeof buf));
	}
	return true;
}

static bool
get_wbins(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const wbins_keys[] = { "count", "scale", "edges", NULL };
	json_t *o, *v;
	const char *s = NULL;
	long long x;
	char buf[64];

	if (!js_get_object(obj, "wbins", "{\"count\": K, \"scale\": \"lin\"|\"log\"} or {\"edges\": [nm, ...]}",
			wbins_keys, &o, why, why_size))
		return false;
	if (!o)
		return true;
	if ((v = json_object_get(o, "edges"))) {
		if (json_object_get(o, "count") || json_object_get(o, "scale"))
			FAIL("wbins: expected either edges or count and scale, not both");
		return get_wbin_edges(v, p, why, why_size);
	}
	x = (long long)p->wbin_count;
	if (!js_get_int(o, "count", "wbins.count", 1, 1000000, &x, why, why_size))
		return false;
	p->wbin_count = (size_t)x;
	if (!js_get_string(o, "scale", "\"lin\" or \"log\"", &s, why, why_size))
		return false;
	v = json_object_get(o, "scale");
	if (s && strcmp(s, "lin") != 0 && strcmp(s, "log") != 0)
		FAIL("wbins.scale: expected \"lin\" or \"log\", got %s", js_got(v, buf, sizeof buf));
	if (s)
		p->wbin_log = strcmp(s, "log") == 0;
	return true;
}

static bool
get_timescales(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const ts_keys[] = { "min_s", "max_s", "count", NULL };
	json_t *o;
	long long x = p->ts_count;

	if (!js_get_object(obj, "timescales", "{\"min_s\", \"max_s\", \"count\"}", ts_keys, &o, why, why_size))
		return false;
	if (!o)
		return true;
	if (!js_get_positive(o, "min_s", "timescales.min_s", WS_TIME_S, &p->ts_min_s, why, why_size) ||
	    !js_get_positive(o, "max_s", "timescales.max_s", WS_TIME_S, &p->ts_max_s, why, why_size) ||
	    !js_get_int(o, "count", "timescales.count", 1, 10000, &x, why, why_size))
		return false;
	p->ts_count = (long)x;
	if (p->ts_max_s < p->ts_min_s)
		FAIL("timescales.max_s: expected at least timescales.min_s (%g s), got %g s",
		     p->ts_min_s, p->ts_max_s);
	return true;
}

static bool
get_downsample(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const ds_keys[] = { "n", "fraction", NULL };
	json_t *o, *v = json_object_get(obj, "downsample");
	long long x = 1;
	char buf[64];

	if (!v || json_is_null(v))
		return true;
	if (!js_get_object(obj, "downsample", "null, {\"n\": N} or {\"fraction\": F}", ds_keys, &o, why, why_size))
		return false;
	if (!!json_object_get(o, "n") == !!json_object_get(o, "fraction"))
		FAIL("downsample: expected {\"n\": N} or {\"fraction\": F}, one of the two");
	if (json_object_get(o, "n")) {
		if (!js_get_int(o, "n", "downsample.n", 1, LLONG_MAX, &x, why, why_size))
			return false;
		p->ds_n = true;
		p->ds_count = (uint64_t)x;
		return true;
	}
	v = json_object_get(o, "fraction");
	if (!json_is_number(v) || !(json_number_value(v) > 0 && json_number_value(v) <= 1))
		FAIL("downsample.fraction: expected a number in (0, 1], got %s", js_got(v, buf, sizeof buf));
	p->ds_fraction = true;
	p->ds_frac = json_number_value(v);
	return true;
}

/* lcurve, psd and interarrival's parameters. */
static bool
get_series_params(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const lc_keys[] = { "dt_s", NULL };
	static const char *const psd_keys[] = { "dt_s", "seg_s", NULL };
	static const char *const ia_keys[] = { "bins", NULL };
	json_t *o;
	long long x = p->interarrival_bins;
	double r, k;

	if (!js_get_object(obj, "lcurve", "{\"dt_s\"}", lc_keys, &o, why, why_size))
		return false;
	if (o && !js_get_positive(o, "dt_s", "lcurve.dt_s", WS_TIME_S, &p->lcurve_dt_s, why, why_size))
		return false;
	if (!js_get_object(obj, "psd", "{\"dt_s\", \"seg_s\"}", psd_keys, &o, why, why_size))
		return false;
	if (o && (!js_get_positive(o, "dt_s", "psd.dt_s", WS_TIME_S, &p->psd_dt_s, why, why_size) ||
		  !js_get_positive(o, "seg_s", "psd.seg_s", WS_TIME_S, &p->psd_seg_s, why, why_size)))
		return false;
	/* psd needs seg = an even number (>= 4) of dt bins; say so here, not
	 * halfway through a pipeline run. */
	r = p->psd_seg_s / p->psd_dt_s;
	k = round(r);
	if (fabs(r - k) > 1e-9 * k || k < 4 || fmod(k, 2) != 0)
		FAIL("psd.seg_s: expected an even multiple (at least 4) of psd.dt_s (%g s), got %g s",
		     p->psd_dt_s, p->psd_seg_s);
	if (!js_get_object(obj, "interarrival", "{\"bins\"}", ia_keys, &o, why, why_size))
		return false;
	if (o && !js_get_int(o, "bins", "interarrival.bins", 1, 100000, &x, why, why_size))
		return false;
	p->interarrival_bins = (long)x;
	return true;
}

bool
ws_processing_from_json(json_t *obj, struct ws_processing *p, char *why, size_t why_size)
{
	static const char *const keys[] = {
		"min_wavelength", "max_wavelength", "wbins", "timescales", "downsample", "seed",
		"lcurve", "psd", "interarrival", "analyses", "description", "trange", "tthinning",
		"chunkvar", NULL,
	};
	long long x;
	const char *s = NULL;

	*p = (struct ws_processing){
		.min_nm = 0.1, .max_nm = 1, .wbin_count = 4, .wbin_log = true,
		.ts_min_s = 1, .ts_max_s = 1000, .ts_count = 20, .seed = 1,
		.lcurve_dt_s = 20, .psd_dt_s = 0.5, .psd_seg_s = 256, .interarrival_bins = 40,
		.analyses = { true, true, true, true }, .has_range = true,
		.cv_min_s = 1, .cv_max_s = 100, .cv_count = 5, .cv_chunk = 12,
	};
	if (!json_is_object(obj))
		FAIL("expected a JSON object of processing parameters, got %s", js_type_name(obj));
	if (!js_check_keys(obj, "", keys, why, why_size))
		return false;
	x = (long long)p->seed;
	if (!get_wavelength_range(obj, p, why, why_size) ||
	    !get_wbins(obj, p, why, why_size) ||
	    !get_timescales(obj, p, why, why_size) ||
	    !get_downsample(obj, p, why, why_size) ||
	    !js_get_int(obj, "seed", "seed", 0, LLONG_MAX, &x, why, why_size) ||
	    !get_series_params(obj, p, why, why_size) ||
	    !get_analyses(obj, p->analyses, NULL, why, why_size) ||
	    !js_get_string(obj, "description", "a string", &s, why, why_size) ||
	    !get_time_filters(obj, p, why, why_size) ||
	    !get_chunkvar(obj, p, why, why_size)) {
		ws_processing_free(p);
		return false;
	}
	p->seed = (uint64_t)x;
	return true;
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
		FAIL("expected a JSON object (a pipeline), got %s", js_type_name(obj));
	if (!js_check_keys(obj, "", keys, why, why_size))
		return false;
	if (!json_object_get(obj, "A_fits_id"))
		FAIL("A_fits_id: expected a dataset name (required)");
	if (!js_get_name(obj, "A_fits_id", "a dataset", false, &p->a_fits_id, why, why_size) ||
	    !js_get_name(obj, "B_fits_id", "a dataset", true, &p->b_fits_id, why, why_size) ||
	    !js_get_name(obj, "processing", "a processing", false, &p->processing, why, why_size) ||
	    !js_get_name(obj, "generation", "a generation", false, &p->generation, why, why_size) ||
	    !get_filters(obj, "A_filters", false, p->a_filters, &p->n_a_filters, why, why_size) ||
	    !get_filters(obj, "B_filters", true, p->b_filters, &p->n_b_filters, why, why_size) ||
	    !get_analyses(obj, p->analyses, &p->has_analyses, why, why_size) ||
	    !js_get_string(obj, "description", "a string", &s, why, why_size))
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
		FAIL("expected a JSON object (a dataset), got %s", js_type_name(obj));
	if (!js_check_keys(obj, "", keys, why, why_size))
		return false;
	if (json_object_get(obj, "path") && json_object_get(obj, "fits"))
		FAIL("fits: expected either path or fits, not both");
	if (!json_object_get(obj, "path") && !json_object_get(obj, "fits"))
		FAIL("path: expected the FITS (or .ev) file name (required)");
	name = json_object_get(obj, "path") ? "path" : "fits";
	v = json_object_get(obj, name);
	if (!json_is_string(v) || json_string_length(v) == 0)
		FAIL("%s: expected a file name, got %s", name, js_got(v, buf, sizeof buf));
	d->path = json_string_value(v);
	if (!js_get_string(obj, "wave_col", "a column name", &s, why, why_size) ||
	    !js_get_string(obj, "wave_unit", "\"angstrom\", \"nm\", \"ev\" or \"kev\"", &s, why, why_size))
		return false;
	if ((v = json_object_get(obj, "wave_unit"))) {
		bool ok = false;

		for (const char *const *u = wave_units_fits; *u; u++)
			ok |= strcasecmp(s, *u) == 0;
		if (!ok)
			FAIL("wave_unit: expected \"angstrom\", \"nm\", \"ev\" or \"kev\", got %s",
			     js_got(v, buf, sizeof buf));
	}
	if ((v = json_object_get(obj, "no_wavelength")) && !json_is_boolean(v))
		FAIL("no_wavelength: expected true or false, got %s", js_got(v, buf, sizeof buf));
	if ((v = json_object_get(obj, "filter")) && !json_is_string(v) && !json_is_null(v))
		FAIL("filter: expected a cfitsio row filter string, got %s", js_got(v, buf, sizeof buf));
	x = 0;
	if (!js_get_int(obj, "gti_ccd", "gti_ccd", 0, 1000, &x, why, why_size) ||
	    !js_get_name(obj, "processing", "a processing", false, &d->processing, why, why_size) ||
	    !js_get_string(obj, "description", "a string", &s, why, why_size))
		return false;
	if (!js_get_object(obj, "generated", "{\"pipeline\", \"generation\", \"seed\", \"source\", \"params\"}",
			gen_keys, &g, why, why_size))
		return false;
	if (g) {
		char inner[400];

		d->generated = true;
		if (!js_get_name(g, "pipeline", "a pipeline", true, &s, inner, sizeof inner) ||
		    !js_get_name(g, "generation", "a generation", true, &s, inner, sizeof inner) ||
		    !js_get_name(g, "source", "a dataset", true, &s, inner, sizeof inner) ||
		    !js_get_int(g, "seed", "seed", 0, LLONG_MAX, &x, inner, sizeof inner))
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
			FAIL("expected a JSON object, got %s", js_type_name(obj));
		return true;
	}
}

