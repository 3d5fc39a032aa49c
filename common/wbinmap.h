/* wbinmap: the distinct wavelength bins of a held dataset and their counts.
 *
 * flatten and equalize resample each wbin on its own, so they need a dense
 * index 0..n_bins-1 per event and the count of each bin.  wbin values come
 * from the stream (validated >= -1 but otherwise arbitrary), so a hostile
 * value such as 2^31-1 must not make us allocate a table that large: small
 * ranges get a direct lookup table, anything else a sorted list searched by
 * bisection. */
#ifndef LL_WBINMAP_H
#define LL_WBINMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct wbinmap {
	size_t n_bins;		/* distinct wbin values present (-1 included) */
	int32_t *value;		/* those values, ascending */
	size_t *count;		/* events per bin, same order */
	uint32_t *table;	/* value + 1 -> bin index, or NULL (bisection) */
};

/* Find the distinct wbin values of ev[0..n) and count the events of each.
 * Dies (status 1) only when out of memory.  n may be 0 (then n_bins is 0). */
void wbinmap_build(struct wbinmap *m, const struct ev_event *ev, size_t n);

/* For programs that resample per bin: wbin -1 alone is one bin (a stream
 * never binned), but -1 mixed with assigned bins is an error (status 1)
 * telling the user to run wbin first.  n is the number of events. */
void wbinmap_require_assigned(const struct wbinmap *m, size_t n);

/* Dense index of `wbin`, which must be one of the values seen by build. */
static inline size_t
wbinmap_index(const struct wbinmap *m, int32_t wbin)
{
	size_t lo = 0, hi;

	if (m->table)
		return m->table[(uint32_t)wbin + 1];
	hi = m->n_bins;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->value[mid] <= wbin)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The analyzers' rule for every program that reads wbins: when the
 * metadata has wbins edges, an event's wbin is -1 or one of their bins.
 * Dies (status 1) naming the first event of ev[0..n) that breaks it, or on
 * malformed edges; `first` is the stream index of ev[0] and `name` the
 * stream's name (stdin).  Without edges any wbin >= -1 is accepted. */
void wbinmap_require_within(json_t *meta, const struct ev_event *ev, size_t n,
			    uint64_t first, const char *name);

void wbinmap_free(struct wbinmap *m);

#endif
