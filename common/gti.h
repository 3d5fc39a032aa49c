/* gti: good time intervals, [start, stop) in the stream's time system.
 *
 * A list is kept normalised: sorted by start, non-overlapping, no empty
 * intervals.  Lookups for time-sorted streams use a cursor, so filtering a
 * stream against many GTIs costs O(events + intervals). */
#ifndef LL_GTI_H
#define LL_GTI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct gti {
	double start, stop;
};

struct gti_list {
	size_t n;
	struct gti *iv;
};

/* Sort, merge overlapping or touching intervals, drop empty ones. */
void gti_normalize(struct gti_list *g);

/* Total length of the intervals (s). */
double gti_exposure(const struct gti_list *g);

/* Index of the interval holding t, or -1.  Binary search. */
long gti_find(const struct gti_list *g, double t);

/* Whether t lies in an interval, for non-decreasing t: *cursor starts at 0
 * and only moves forward.  Falls back to gti_find when t goes backwards. */
bool gti_contains_sorted(const struct gti_list *g, double t, size_t *cursor);

/* Intersection of a and b (both normalised) into a new list. */
struct gti_list gti_intersect(const struct gti_list *a, const struct gti_list *b);

/* Parse "START:STOP[,START:STOP...]"; returns false on a malformed list. */
bool gti_parse(const char *text, struct gti_list *out);

/* From / to metadata ("gti": [[start, stop], ...]).  gti_from_json returns
 * false and fills `why` when the value is not such an array (absent is not
 * an error for the caller to decide: pass NULL and get an empty list). */
bool gti_from_json(json_t *value, struct gti_list *out, char *why, size_t why_size);
json_t *gti_to_json(const struct gti_list *g);

void gti_free(struct gti_list *g);

#endif
