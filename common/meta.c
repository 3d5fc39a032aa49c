/* meta: typed metadata access; see meta.h. */
#include <math.h>
#include <stdlib.h>

#include "die.h"
#include "meta.h"

bool
meta_number(json_t *meta, const char *key, double *out)
{
	json_t *v = json_object_get(meta, key);

	if (!v || json_is_null(v))
		return false;
	if (!json_is_number(v))
		die(EXIT_RUNTIME, "metadata: %s: expected a number", key);
	*out = json_number_value(v);
	return true;
}

void
meta_set_number(json_t *meta, const char *key, double v)
{
	json_object_set_new(meta, key, isfinite(v) ? json_real(v) : json_null());
}

const char *
meta_string(json_t *meta, const char *key)
{
	return json_string_value(json_object_get(meta, key));
}

bool
meta_gti(json_t *meta, struct gti_list *out)
{
	char why[256];

	if (!gti_from_json(json_object_get(meta, "gti"), out, why, sizeof why))
		die(EXIT_RUNTIME, "metadata: %s", why);
	return out->n > 0;
}

void
meta_set_gti(json_t *meta, const struct gti_list *g)
{
	json_object_set_new(meta, "gti", gti_to_json(g));
}

bool
meta_analysis_gti(json_t *meta, struct gti_list *out)
{
	double a, b;

	if (meta_gti(meta, out))
		return true;
	gti_free(out);
	if (meta_number(meta, "tstart", &a) && meta_number(meta, "tstop", &b) && b > a) {
		out->n = 1;
		out->iv = xmalloc(sizeof *out->iv);
		out->iv[0] = (struct gti){ a, b };
		return true;
	}
	return false;
}

bool
meta_wbin_edges(json_t *meta, double **edges, size_t *n_edges)
{
	json_t *wb = json_object_get(meta, "wbins"), *arr, *e;
	size_t i;

	if (!wb || json_is_null(wb))
		return false;
	arr = json_object_get(wb, "edges");
	if (!json_is_object(wb) || !json_is_array(arr) || json_array_size(arr) < 2)
		die(EXIT_RUNTIME, "metadata: wbins: expected {\"edges\": [at least 2 numbers]}");
	*n_edges = json_array_size(arr);
	*edges = xmalloc(*n_edges * sizeof **edges);
	json_array_foreach(arr, i, e) {
		if (!json_is_number(e) || (i > 0 && !(json_number_value(e) > (*edges)[i - 1])))
			die(EXIT_RUNTIME, "metadata: wbins: edges must be increasing numbers");
		(*edges)[i] = json_number_value(e);
	}
	return true;
}

void
meta_set_wbin_edges(json_t *meta, const double *edges, size_t n_edges)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n_edges; i++)
		json_array_append_new(arr, json_real(edges[i]));
	json_object_set_new(meta, "wbins", json_pack("{so}", "edges", arr));
}

void
meta_set_sorted(json_t *meta, bool sorted)
{
	json_object_set_new(meta, "sorted", json_boolean(sorted));
}

void
meta_add_seed(json_t *meta, uint64_t seed)
{
	json_t *seeds = json_object_get(meta, "seeds");

	if (!json_is_array(seeds)) {
		seeds = json_array();
		json_object_set_new(meta, "seeds", seeds);
	}
	json_array_append_new(seeds, json_pack("{sssI}", "program", ll_progname,
					       "seed", (json_int_t)seed));
}
