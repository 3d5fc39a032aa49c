/* test_table_format: table_format_double gives exactly the text of its
 * definition (the first of %.15g, %.16g, %.17g that strtod reads back) on
 * millions of doubles of every kind, and that text reads back exactly.
 * Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <unistd.h>

#include "rng.h"
#include "table.h"
#include "tap.h"

static void
reference(char *buf, size_t size, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static long n_bad;

static void
one(double v)
{
	char want[48], got[48];
	int n;

	if (!isfinite(v))
		return;
	reference(want, sizeof want, v);
	n = table_format_double(got, sizeof got, v);
	if (strcmp(want, got) != 0 || n != (int)strlen(want) || strtod(got, NULL) != v) {
		if (n_bad++ < 5)
			printf("# %a: '%s', expected '%s'\n", v, got, want);
	}
}

/* table_put_long writes what printf's %lld does, extremes included. */
static void
check_integers(void)
{
	static const long long vals[] = { 0, 7, -7, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN };
	static const char *const columns[] = { "n", NULL };
	char path[] = "/tmp/test_table_format.XXXXXX", line[64], want[64];
	int fd = mkstemp(path);
	size_t n_vals = sizeof vals / sizeof vals[0], k = 0;
	bool same = fd >= 0;
	FILE *f;

	if (fd >= 0)
		close(fd);
	struct table_writer *w = table_writer_open(path, "test", NULL, columns, NULL);

	for (size_t i = 0; i < n_vals; i++) {
		table_put_long(w, vals[i]);
		table_end_row(w);
	}
	table_writer_close(w);
	f = fopen(path, "r");
	while (same && f && fgets(line, sizeof line, f)) {
		if (line[0] == '#' || strcmp(line, "n\n") == 0)
			continue;
		snprintf(want, sizeof want, "%lld\n", k < n_vals ? vals[k] : 0LL);
		same = k++ < n_vals && strcmp(line, want) == 0;
	}
	if (f)
		fclose(f);
	remove(path);
	check(same && k == n_vals, "table_put_long: 0, +-7, +-10, 13 digits, LLONG_MAX, LLONG_MIN");
}

int
main(void)
{
	struct rng g;
	char text[64];

	rng_seed(&g, 20261206);
	for (long i = 0; i < 100000; i++) {
		uint64_t bits = rng_next(&g);
		double v;

		memcpy(&v, &bits, sizeof v);
		one(v);
	}
	check(n_bad == 0, "1e5 random bit patterns (every exponent, subnormals)");
	n_bad = 0;
	for (long i = 0; i < 50000; i++) {
		one(339469168.0 + rng_uniform(&g) * 20000);	/* Chandra times */
		one(rng_uniform(&g));
		one(rng_exponential(&g) * 1e-3);
		one((double)(rng_next(&g) % 100000) / (double)(1 + rng_next(&g) % 1000));
	}
	check(n_bad == 0, "times, uniforms, exponentials, ratios of integers");
	n_bad = 0;
	for (int e = -30; e <= 30; e++)
		for (long k = 0; k < 300; k++) {
			/* Short decimals, and decimals whose 17th digit is a 5 after
			 * a cut: the halves where rounding the 17 digits would not
			 * be rounding v. */
			snprintf(text, sizeof text, "%ldE%d", k, e);
			one(strtod(text, NULL));
			snprintf(text, sizeof text, "1.%014ld5E%d", rng_next(&g) % 100000000000000, e);
			one(strtod(text, NULL));
			snprintf(text, sizeof text, "9.%013ld50E%d", rng_next(&g) % 10000000000000, e);
			one(strtod(text, NULL));
			one(-k * pow(10, e));
			one(ldexp((double)k, e));
		}
	one(0.0);
	one(-0.0);
	one(5e-324);
	one(1.7976931348623157e308);
	one(0.1);
	one(1e22);
	one(1e23);
	one(9007199254740993.0);
	check(n_bad == 0, "decimals of every length and exponent, halves, powers of two, extremes");
	check(table_format_double(text, sizeof text, NAN) == 0 && text[0] == '\0' &&
	      table_format_double(text, sizeof text, -INFINITY) == 0, "NaN and infinities are empty");
	check_integers();
	return tap_done();
}
