/* test_gti: normalisation, exposure, lookups (binary search and the sorted
 * cursor), intersection, and parsing from text and JSON.
 * Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "gti.h"


/* A malloc'ed list from n (start, stop) pairs. */
static struct gti_list
make(size_t n, const double *pairs)
{
	struct gti_list g = { n, malloc((n + 1) * sizeof(struct gti)) };

	for (size_t i = 0; i < n; i++)
		g.iv[i] = (struct gti){ pairs[2 * i], pairs[2 * i + 1] };
	return g;
}

/* Whether g holds exactly the n pairs. */
static bool
equals(const struct gti_list *g, size_t n, const double *pairs)
{
	if (g->n != n) {
		printf("# %zu intervals, expected %zu\n", g->n, n);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (g->iv[i].start != pairs[2 * i] || g->iv[i].stop != pairs[2 * i + 1]) {
			printf("# interval %zu is [%g, %g), expected [%g, %g)\n", i,
			       g->iv[i].start, g->iv[i].stop, pairs[2 * i], pairs[2 * i + 1]);
			return false;
		}
	return true;
}

static void
test_normalize(void)
{
	struct gti_list g;

	g = make(3, (double[]){ 20, 30, 0, 10, 40, 50 });
	gti_normalize(&g);
	check(equals(&g, 3, (double[]){ 0, 10, 20, 30, 40, 50 }), "normalize: unsorted intervals sorted");
	gti_free(&g);

	g = make(3, (double[]){ 0, 10, 5, 15, 12, 13 });
	gti_normalize(&g);
	check(equals(&g, 1, (double[]){ 0, 15 }), "normalize: overlapping and contained intervals merged");
	gti_free(&g);

	g = make(2, (double[]){ 10, 20, 0, 10 });
	gti_normalize(&g);
	check(equals(&g, 1, (double[]){ 0, 20 }), "normalize: touching intervals merged");
	gti_free(&g);

	g = make(4, (double[]){ 5, 5, 0, 1, 7, 6, 2, 3 });
	gti_normalize(&g);
	check(equals(&g, 2, (double[]){ 0, 1, 2, 3 }), "normalize: empty and reversed intervals dropped");
	gti_free(&g);

	g = make(1, (double[]){ 3, 3 });
	gti_normalize(&g);
	check(g.n == 0, "normalize: a list of only empty intervals becomes empty");
	gti_free(&g);

	g = make(0, NULL);
	gti_normalize(&g);
	check(g.n == 0, "normalize: empty list stays empty");
	gti_free(&g);

	g = make(3, (double[]){ 0, 100, 10, 20, 30, 40 });
	gti_normalize(&g);
	check(equals(&g, 1, (double[]){ 0, 100 }), "normalize: a long interval swallows later ones");
	gti_free(&g);

	g = make(2, (double[]){ NAN, 5, 1, 2 });
	gti_normalize(&g);
	check(equals(&g, 1, (double[]){ 1, 2 }), "normalize: NaN interval dropped");
	gti_free(&g);
}

static void
test_exposure(void)
{
	struct gti_list g = make(3, (double[]){ 0, 10, 20, 25.5, 100, 100.25 });

	check(gti_exposure(&g) == 15.75, "exposure: sum of lengths");
	gti_free(&g);
	g = make(0, NULL);
	check(gti_exposure(&g) == 0, "exposure: empty list is 0");
	gti_free(&g);
}

static void
test_find(void)
{
	struct gti_list g = make(3, (double[]){ 0, 10, 20, 30, 40, 50 });
	struct { double t; long want; } cases[] = {
		{ -1, -1 }, { 0, 0 }, { 5, 0 }, { nextafter(10, 0), 0 }, { 10, -1 }, { 15, -1 },
		{ 20, 1 }, { 29.999, 1 }, { 30, -1 }, { 40, 2 }, { 49, 2 }, { 50, -1 }, { 1e9, -1 },
		{ NAN, -1 },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long got = gti_find(&g, cases[i].t);

		if (got != cases[i].want) {
			printf("# gti_find(%.17g) = %ld, expected %ld\n", cases[i].t, got, cases[i].want);
			ok = false;
		}
	}
	check(ok, "find: [start, stop) boundaries, gaps, before and after");
	gti_free(&g);
	g = make(0, NULL);
	check(gti_find(&g, 1) == -1, "find: empty list holds nothing");
	gti_free(&g);
}

static void
test_sorted(void)
{
	struct gti_list g = make(3, (double[]){ 0, 10, 20, 30, 40, 50 });
	double ts[] = { -5, 0, 9.5, 10, 15, 20, 20, 35, 49, 50, 60 };
	bool ok = true;
	size_t cursor = 0;

	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		bool got = gti_contains_sorted(&g, ts[i], &cursor);

		if (got != (gti_find(&g, ts[i]) >= 0)) {
			printf("# contains_sorted(%g) = %d\n", ts[i], got);
			ok = false;
		}
	}
	check(ok, "contains_sorted: agrees with gti_find for rising times");

	/* Times going backwards fall back to the binary search. */
	double back[] = { 45, 25, 5, 15, 46, 0, 10, 49.9, 20, -1, 29, 55, 40 };
	ok = true;
	cursor = 0;
	for (size_t i = 0; i < sizeof back / sizeof back[0]; i++) {
		bool got = gti_contains_sorted(&g, back[i], &cursor);

		if (got != (gti_find(&g, back[i]) >= 0) || cursor > g.n) {
			printf("# contains_sorted(%g) = %d after going backwards\n", back[i], got);
			ok = false;
		}
	}
	check(ok, "contains_sorted: right answers when time goes backwards");

	/* A random walk, checked against the binary search at every step. */
	struct gti_list many = make(0, NULL);
	many.iv = realloc(many.iv, 1000 * sizeof *many.iv);
	for (int i = 0; i < 1000; i++)
		many.iv[i] = (struct gti){ 3.0 * i, 3.0 * i + 1 + (i % 2) };
	many.n = 1000;
	unsigned x = 12345;
	double t = 0;
	ok = true;
	cursor = 0;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		t += ((x >> 16) % 1000) / 100.0 - (((x >> 8) & 15) == 0 ? 40 : 0);
		if (gti_contains_sorted(&many, t, &cursor) != (gti_find(&many, t) >= 0))
			ok = false;
	}
	check(ok, "contains_sorted: agrees with gti_find over a random walk with jumps back");
	gti_free(&many);

	struct gti_list empty = make(0, NULL);
	cursor = 0;
	check(!gti_contains_sorted(&empty, 1, &cursor) && cursor == 0,
	      "contains_sorted: empty list holds nothing");
	gti_free(&empty);
	gti_free(&g);
}

static void
test_intersect(void)
{
	struct gti_list a = make(3, (double[]){ 0, 10, 20, 30, 40, 50 });
	struct gti_list b = make(3, (double[]){ 5, 25, 30, 40, 45, 60 });
	struct gti_list r = gti_intersect(&a, &b);

	check(equals(&r, 3, (double[]){ 5, 10, 20, 25, 45, 50 }), "intersect: overlaps kept, touching ends dropped");
	gti_free(&r);
	r = gti_intersect(&b, &a);
	check(equals(&r, 3, (double[]){ 5, 10, 20, 25, 45, 50 }), "intersect: symmetric");
	gti_free(&r);
	r = gti_intersect(&a, &a);
	check(equals(&r, 3, (double[]){ 0, 10, 20, 30, 40, 50 }), "intersect: with itself is itself");
	gti_free(&r);

	struct gti_list wide = make(1, (double[]){ -100, 100 });
	r = gti_intersect(&a, &wide);
	check(equals(&r, 3, (double[]){ 0, 10, 20, 30, 40, 50 }), "intersect: with a covering interval");
	gti_free(&r);

	struct gti_list none = make(0, NULL);
	r = gti_intersect(&a, &none);
	check(r.n == 0, "intersect: with an empty list is empty");
	gti_free(&r);

	struct gti_list gap = make(1, (double[]){ 10, 20 });
	r = gti_intersect(&a, &gap);
	check(r.n == 0, "intersect: disjoint lists give nothing");
	gti_free(&r);

	/* Equal stops: both lists move on correctly. */
	struct gti_list c = make(2, (double[]){ 0, 10, 12, 20 });
	struct gti_list d = make(2, (double[]){ 5, 10, 11, 15 });
	r = gti_intersect(&c, &d);
	check(equals(&r, 2, (double[]){ 5, 10, 12, 15 }), "intersect: equal stops");
	gti_free(&r);
	gti_free(&a);
	gti_free(&b);
	gti_free(&wide);
	gti_free(&none);
	gti_free(&gap);
	gti_free(&c);
	gti_free(&d);
}

static void
test_parse(void)
{
	struct gti_list g;
	static const char *bad[] = {
		"", "5", "5:", ":5", "5:3", "5:5", "1:2,", "1:2,,3:4", "1:2;3:4", "a:b", "1:2x",
		"nan:5", "1:inf", "-inf:1", "1:2 ", "1 : 2", "1:2:3",
	};

	check(gti_parse("1:2", &g) && equals(&g, 1, (double[]){ 1, 2 }), "parse: one interval");
	gti_free(&g);
	check(gti_parse("30:40,1.5:2e1,15:35", &g) && equals(&g, 1, (double[]){ 1.5, 40 }),
	      "parse: several intervals, exponents, normalised");
	gti_free(&g);
	check(gti_parse("-10:-5,0:1", &g) && equals(&g, 2, (double[]){ -10, -5, 0, 1 }),
	      "parse: negative times");
	gti_free(&g);
	check(gti_parse("648000000.25:648000100.5", &g) &&
	      equals(&g, 1, (double[]){ 648000000.25, 648000100.5 }), "parse: Chandra-sized times exactly");
	gti_free(&g);

	bool all_bad = true;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (gti_parse(bad[i], &g)) {
			printf("# gti_parse(\"%s\") was accepted\n", bad[i]);
			all_bad = false;
		}
		gti_free(&g);
	}
	check(all_bad, "parse: malformed lists refused");
}

static bool
from_json(const char *text, struct gti_list *g, char *why, size_t why_size)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
	bool ok;

	if (!j) {
		printf("# bad test JSON %s\n", text);
		return false;
	}
	ok = gti_from_json(j, g, why, why_size);
	json_decref(j);
	return ok;
}

static void
test_json(void)
{
	struct gti_list g;
	char why[256];
	json_t *j;

	check(from_json("[[10, 20], [0, 5.5], [18, 30], [40, 40]]", &g, why, sizeof why) &&
	      equals(&g, 2, (double[]){ 0, 5.5, 10, 30 }), "from_json: pairs read and normalised");
	j = gti_to_json(&g);
	char *s = json_dumps(j, JSON_COMPACT);
	check(strcmp(s, "[[0.0,5.5],[10.0,30.0]]") == 0, "to_json: [[start, stop], ...]");
	printf("# to_json: %s\n", s);
	free(s);
	struct gti_list back;
	check(gti_from_json(j, &back, why, sizeof why) && equals(&back, 2, (double[]){ 0, 5.5, 10, 30 }),
	      "to_json -> from_json round trip");
	gti_free(&back);
	json_decref(j);
	gti_free(&g);

	check(gti_from_json(NULL, &g, why, sizeof why) && g.n == 0, "from_json: absent value is an empty list");
	gti_free(&g);
	check(from_json("[]", &g, why, sizeof why) && g.n == 0, "from_json: empty array");
	gti_free(&g);

	check(!from_json("{\"a\": 1}", &g, why, sizeof why) &&
	      strcmp(why, "gti: expected an array of [start, stop] pairs") == 0 && g.iv == NULL,
	      "from_json: object refused");
	check(!from_json("null", &g, why, sizeof why), "from_json: null refused");
	struct { const char *text, *why; } bad[] = {
		{ "[[1, 2], [3]]", "gti: entry 1 is not a [start, stop] pair with start <= stop" },
		{ "[[1, 2, 3]]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
		{ "[[5, 1]]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
		{ "[[\"1\", 2]]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
		{ "[1, 2]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
		{ "[[1, null]]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
		{ "[{\"0\": 1, \"1\": 2}]", "gti: entry 0 is not a [start, stop] pair with start <= stop" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[128];
		bool ok;

		why[0] = '\0';
		ok = !from_json(bad[i].text, &g, why, sizeof why) && strcmp(why, bad[i].why) == 0 &&
		     g.iv == NULL && g.n == 0;
		if (!ok)
			printf("# why: %s\n", why);
		snprintf(what, sizeof what, "from_json: %s refused", bad[i].text);
		check(ok, what);
	}
}

int
main(void)
{
	test_normalize();
	test_exposure();
	test_find();
	test_sorted();
	test_intersect();
	test_parse();
	test_json();
	return tap_done();
}
