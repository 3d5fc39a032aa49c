/* gti: good time intervals; see gti.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "gti.h"

static int
by_start(const void *a, const void *b)
{
	const struct gti *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

void
gti_normalize(struct gti_list *g)
{
	size_t out = 0;

	qsort(g->iv, g->n, sizeof *g->iv, by_start);
	for (size_t i = 0; i < g->n; i++) {
		if (!(g->iv[i].stop > g->iv[i].start))
			continue;
		if (out > 0 && g->iv[i].start <= g->iv[out - 1].stop) {
			if (g->iv[i].stop > g->iv[out - 1].stop)
				g->iv[out - 1].stop = g->iv[i].stop;
			continue;
		}
		g->iv[out++] = g->iv[i];
	}
	g->n = out;
}

double
gti_exposure(const struct gti_list *g)
{
	double sum = 0;

	for (size_t i = 0; i < g->n; i++)
		sum += g->iv[i].stop - g->iv[i].start;
	return sum;
}

long
gti_find(const struct gti_list *g, double t)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->iv[mid].stop <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && g->iv[lo].start <= t && t < g->iv[lo].stop)
		return (long)lo;
	return -1;
}

bool
gti_contains_sorted(const struct gti_list *g, double t, size_t *cursor)
{
	size_t c = *cursor;

	if (c > 0 && t < g->iv[c - 1].stop) {
		long i = gti_find(g, t);	/* time went backwards */

		if (i >= 0)
			*cursor = (size_t)i;
		return i >= 0;
	}
	while (c < g->n && g->iv[c].stop <= t)
		c++;
	*cursor = c;
	return c < g->n && g->iv[c].start <= t;
}

struct gti_list
gti_intersect(const struct gti_list *a, const struct gti_list *b)
{
	struct gti_list out = { 0, xmalloc((a->n + b->n + 1) * sizeof(struct gti)) };
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		double lo = fmax(a->iv[i].start, b->iv[j].start);
		double hi = fmin(a->iv[i].stop, b->iv[j].stop);

		if (hi > lo)
			out.iv[out.n++] = (struct gti){ lo, hi };
		if (a->iv[i].stop < b->iv[j].stop)
			i++;
		else
			j++;
	}
	return out;
}

bool
gti_parse(const char *text, struct gti_list *out)
{
	size_t cap = 4;
	const char *p = text;

	out->n = 0;
	out->iv = xmalloc(cap * sizeof *out->iv);
	for (;;) {
		char *end;
		double a, b;

		/* Decimal only, as every numeric option (cli.h): no 0x10, inf. */
		a = strtod(p, &end);
		if (end == p || end != p + cli_decimal_length(p) || *end != ':' || !isfinite(a))
			return false;
		p = end + 1;
		b = strtod(p, &end);
		if (end == p || end != p + cli_decimal_length(p) || !isfinite(b) || !(b > a))
			return false;
		if (out->n == cap)
			out->iv = xrealloc(out->iv, (cap *= 2) * sizeof *out->iv);
		out->iv[out->n++] = (struct gti){ a, b };
		if (*end == '\0')
			break;
		if (*end != ',')
			return false;
		p = end + 1;
	}
	gti_normalize(out);
	return true;
}

bool
gti_from_json(json_t *value, struct gti_list *out, char *why, size_t why_size)
{
	size_t i;
	json_t *pair;

	out->n = 0;
	out->iv = NULL;
	if (!value)
		return true;
	if (!json_is_array(value)) {
		snprintf(why, why_size, "gti: expected an array of [start, stop] pairs");
		return false;
	}
	out->iv = xmalloc((json_array_size(value) + 1) * sizeof *out->iv);
	json_array_foreach(value, i, pair) {
		json_t *a = json_array_get(pair, 0), *b = json_array_get(pair, 1);

		if (!json_is_array(pair) || json_array_size(pair) != 2 ||
		    !json_is_number(a) || !json_is_number(b) ||
		    !(json_number_value(b) >= json_number_value(a))) {
			snprintf(why, why_size, "gti: entry %zu is not a [start, stop] pair "
				 "with start <= stop", i);
			gti_free(out);
			return false;
		}
		out->iv[out->n++] = (struct gti){ json_number_value(a), json_number_value(b) };
	}
	gti_normalize(out);
	return true;
}

json_t *
gti_to_json(const struct gti_list *g)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < g->n; i++)
		json_array_append_new(arr, json_pack("[ff]", g->iv[i].start, g->iv[i].stop));
	return arr;
}

void
gti_free(struct gti_list *g)
{
	free(g->iv);
	g->iv = NULL;
	g->n = 0;
}
