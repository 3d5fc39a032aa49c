/* wbinmap: distinct wbins of a held dataset; see wbinmap.h. */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "meta.h"
#include "wbinmap.h"

/* Largest wbin value that gets a direct table (4 MiB of uint32). */
#define TABLE_MAX ((int32_t)1 << 20)

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

void
wbinmap_build(struct wbinmap *m, const struct ev_event *ev, size_t n)
{
	int32_t max = -1;

	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < n; i++)
		if (ev[i].wbin > max)
			max = ev[i].wbin;
	if (max < TABLE_MAX) {
		/* Mark present values, then number them in ascending order. */
		size_t size = (size_t)max + 2;
		uint32_t *t = xcalloc(size, sizeof *t);

		for (size_t i = 0; i < n; i++)
			t[(uint32_t)ev[i].wbin + 1] = 1;
		for (size_t v = 0; v < size; v++)
			m->n_bins += t[v];
		m->value = xmalloc((m->n_bins ? m->n_bins : 1) * sizeof *m->value);
		for (size_t v = 0, k = 0; v < size; v++)
			if (t[v]) {
				m->value[k] = (int32_t)v - 1;
				t[v] = (uint32_t)k++;
			}
		m->table = t;
	} else {
		int32_t *v = xmalloc(n * sizeof *v);
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			v[i] = ev[i].wbin;
		qsort(v, n, sizeof *v, cmp_i32);
		for (size_t i = 0; i < n; i++)
			if (k == 0 || v[i] != v[k - 1])
				v[k++] = v[i];
		m->n_bins = k;
		m->value = xrealloc(v, k * sizeof *v);
	}
	m->count = xcalloc(m->n_bins ? m->n_bins : 1, sizeof *m->count);
	for (size_t i = 0; i < n; i++)
		m->count[wbinmap_index(m, ev[i].wbin)]++;
}

void
wbinmap_free(struct wbinmap *m)
{
	free(m->value);
	free(m->count);
	free(m->table);
	memset(m, 0, sizeof *m);
}

void
wbinmap_require_assigned(const struct wbinmap *m, size_t n)
{
	if (m->n_bins > 1 && m->value[0] == -1)
		die(EXIT_RUNTIME, "stdin: %zu of %zu events have no wavelength bin (wbin -1): "
		    "run wbin first", m->count[0], n);
}

void
wbinmap_require_within(json_t *meta, const struct ev_event *ev, size_t n, uint64_t first,
		       const char *name)
{
	double *edges;
	size_t n_edges, n_wbins;

	if (!meta_wbin_edges(meta, &edges, &n_edges))
		return;
	free(edges);
	n_wbins = n_edges - 1;
	for (size_t i = 0; i < n; i++)
		if (ev[i].wbin >= 0 && (size_t)ev[i].wbin >= n_wbins)
			die(EXIT_RUNTIME, "%s: event %llu has wbin %d but the metadata wbins have "
			    "%zu bins", name, (unsigned long long)(first + i), (int)ev[i].wbin, n_wbins);
}
