/* test_wbinmap: distinct wbins and counts, by the direct table and by
 * bisection (huge values), with -1 and an empty dataset.
 * Prints TAP lines; exits 1 when any check failed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "wbinmap.h"


/* Events with the given wbins (times and wavelengths do not matter here). */
static struct ev_event *
make(size_t n, const int32_t *wbin)
{
	struct ev_event *ev = calloc(n ? n : 1, sizeof *ev);

	for (size_t i = 0; i < n; i++)
		ev[i] = (struct ev_event){ (double)i, 0.5f, wbin[i] };
	return ev;
}

/* Whether m holds exactly the given (value, count) pairs and every event
 * maps back to its own value. */
static bool
holds(const struct wbinmap *m, const struct ev_event *ev, size_t n,
      size_t k, const int32_t *value, const size_t *count)
{
	if (m->n_bins != k)
		return false;
	for (size_t b = 0; b < k; b++)
		if (m->value[b] != value[b] || m->count[b] != count[b])
			return false;
	for (size_t i = 0; i < n; i++)
		if (m->value[wbinmap_index(m, ev[i].wbin)] != ev[i].wbin)
			return false;
	return true;
}

int
main(void)
{
	struct wbinmap m;
	struct ev_event *ev;

	{
		const int32_t w[] = { 3, 0, 3, 7, 0, 3 };
		const int32_t v[] = { 0, 3, 7 };
		const size_t c[] = { 2, 3, 1 };

		ev = make(6, w);
		wbinmap_build(&m, ev, 6);
		check(m.table != NULL && holds(&m, ev, 6, 3, v, c),
		      "small values: direct table, ascending values, counts");
		wbinmap_free(&m);
		free(ev);
	}
	{
		const int32_t w[] = { 2147483647, 5, -1, 2147483647, 1048576 };
		const int32_t v[] = { -1, 5, 1048576, 2147483647 };
		const size_t c[] = { 1, 1, 1, 2 };

		ev = make(5, w);
		wbinmap_build(&m, ev, 5);
		check(m.table == NULL && holds(&m, ev, 5, 4, v, c),
		      "huge values: bisection, no table as large as the value");
		wbinmap_free(&m);
		free(ev);
	}
	{
		const int32_t w[] = { -1, -1, -1 };
		const int32_t v[] = { -1 };
		const size_t c[] = { 3 };

		ev = make(3, w);
		wbinmap_build(&m, ev, 3);
		check(holds(&m, ev, 3, 1, v, c), "all -1: one bin of value -1");
		wbinmap_free(&m);
		free(ev);
	}
	ev = make(0, NULL);
	wbinmap_build(&m, ev, 0);
	check(m.n_bins == 0, "no events: no bins");
	wbinmap_free(&m);
	free(ev);
	return tap_done();
}
