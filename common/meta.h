/* meta: typed access to the stream metadata keys of DESIGN §3.
 *
 * Getters that can find a wrong type die (status 1) with
 * "PROGRAM: metadata: KEY: expected ...", because metadata comes from another
 * program or a user's filter and a wrong value must not be guessed around.
 * Keys a program does not understand are kept untouched. */
#ifndef LL_META_H
#define LL_META_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "gti.h"

/* Number under `key`; false when absent or null.  Dies on another type. */
bool meta_number(json_t *meta, const char *key, double *out);

/* Set `key` to a number; NaN/inf are stored as null (JSON has no NaN). */
void meta_set_number(json_t *meta, const char *key, double v);

/* String under `key` or NULL. */
const char *meta_string(json_t *meta, const char *key);

/* The metadata GTIs, normalised; false when there are none.  Dies when the
 * key holds something other than [[start, stop], ...]. */
bool meta_gti(json_t *meta, struct gti_list *out);
void meta_set_gti(json_t *meta, const struct gti_list *g);

/* The metadata GTIs; else one interval [tstart, tstop]; else false.  The
 * analyzers of time do not use it (scan.h: no GTI means the events' span,
 * because a level-1 file's TSTART/TSTOP can lie kiloseconds from its
 * events); poissonize and lanevideo still do. */
bool meta_analysis_gti(json_t *meta, struct gti_list *out);

/* wbins edges ("wbins": {"edges": [...]}); false when unassigned.  Dies on
 * a malformed value.  *edges is malloc'ed, *n_edges >= 2 on success. */
bool meta_wbin_edges(json_t *meta, double **edges, size_t *n_edges);
void meta_set_wbin_edges(json_t *meta, const double *edges, size_t n_edges);

/* "sorted": whether time order holds. */
void meta_set_sorted(json_t *meta, bool sorted);

/* Record a seed used: appends {"program": NAME, "seed": N} to "seeds". */
void meta_add_seed(json_t *meta, uint64_t seed);

#endif
