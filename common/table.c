/* table: CSV tables with metadata comments; see table.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "die.h"
#include "table.h"

/* --- Writing ------------------------------------------------------------- */

struct table_writer {
	FILE *f;
	struct atomic_file *af;		/* NULL when writing to stdout */
	char *name;
	size_t n_columns, n_fields;	/* fields put in the current row */
	/* ECSV: the header names each column's type, which the first row's
	 * fields tell, so until that row ends f is a memory stream and the
	 * header's parts wait here. */
	bool ecsv;
	FILE *out;			/* the real output while f buffers */
	char *buf;
	size_t buf_len;
	char **columns;
	char *types;			/* 'i' int64, 'f' float64, 's' string */
	char *meta_text;
};

/* ECSV (astropy's self-describing CSV) when -o names a .ecsv file. */
static bool
want_ecsv(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n > 5 && strcmp(path + n - 5, ".ecsv") == 0;
}

/* The unit a column's name gives it (DESIGN §4's names say their unit). */
static const char *
column_unit(const char *name)
{
	static const struct {
		const char *name, *unit;
	} named[] = {
		{ "time_start", "s" }, { "time_stop", "s" }, { "counts", "ct" }, { "count", "ct" },
		{ "expected", "ct" }, { "rate", "ct / s" }, { "rate_err", "ct / s" },
	};
	static const struct {
		const char *suffix, *unit;
	} suffixed[] = { { "_nm", "nm" }, { "_s", "s" }, { "_hz", "Hz" } };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (strcmp(name, named[i].name) == 0)
			return named[i].unit;
	for (size_t i = 0; i < sizeof suffixed / sizeof *suffixed; i++) {
		size_t k = strlen(suffixed[i].suffix);

		if (n > k && strcmp(name + n - k, suffixed[i].suffix) == 0)
			return suffixed[i].unit;
	}
	return NULL;
}

/* The ECSV header (the metadata JSON is valid YAML), the column names, then
 * what was buffered: the comments and the first row. */
static void
ecsv_flush_header(struct table_writer *w)
{
	static const char *const type_names[] = { ['i'] = "int64", ['f'] = "float64",
						  ['s'] = "string" };

	if (fclose(w->f) != 0)
		die(EXIT_RUNTIME, "out of memory:");
	w->f = w->out;
	fputs("# %ECSV 1.0\n# ---\n# delimiter: ','\n# datatype:\n", w->f);
	for (size_t i = 0; i < w->n_columns; i++) {
		const char *unit = column_unit(w->columns[i]);

		fprintf(w->f, "# - {name: %s, ", w->columns[i]);
		if (unit)
			fprintf(w->f, "unit: %s, ", unit);
		fprintf(w->f, "datatype: %s}\n", type_names[(unsigned char)w->types[i]]);
	}
	fprintf(w->f, "# meta: %s\n# schema: astropy-2.0\n", w->meta_text);
	for (size_t i = 0; i < w->n_columns; i++) {
		fputs(i ? "," : "", w->f);
		fputs(w->columns[i], w->f);
		free(w->columns[i]);
	}
	fputc('\n', w->f);
	fwrite(w->buf, 1, w->buf_len, w->f);
	free(w->buf);
	free(w->columns);
	free(w->types);
	free(w->meta_text);
	w->ecsv = false;	/* from here on, rows as CSV's */
}

static void
set_type(struct table_writer *w, char type)
{
	if (w->ecsv && w->n_fields < w->n_columns && type != 'f')
		w->types[w->n_fields] = type;
}

/* The reference definition: the first of %.15g, %.16g, %.17g that strtod
 * reads back exactly.  Slow (up to three printf and three strtod calls); the
 * fast path below gives the same text and falls back to it in doubt. */
static int
format_double_slow(char *buf, size_t size, double v, int from)
{
	int n = 0;

	for (int prec = from; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/* Powers of ten a double holds exactly. */
static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Whether m * 10^e (m the digits as an integer) reads back as x: exact with
 * one correctly rounded operation when m < 2^53 and |e| <= 22 (Clinger's
 * fast path, what strtod itself does); -1 when that path does not apply. */
static int
reads_back(uint64_t m, int e, double x)
{
	if (m >= (UINT64_C(1) << 53) || e > 22 || e < -22)
		return -1;
	return (e >= 0 ? (double)m * exact_pow10[e] : (double)m / exact_pow10[-e]) == x;
}

/* Write m (ndig digits, decimal exponent x of the first) as printf's %.Pg
 * does: trailing zeros dropped, exponent form when x < -4 or x >= P. */
static int
put_g(char *buf, size_t size, bool neg, uint64_t m, int ndig, int x, int prec)
{
	char dig[24], out[48];
	int n = 0;

	while (ndig > 1 && m % 10 == 0) {
		m /= 10;
		ndig--;
	}
	for (int i = ndig - 1; i >= 0; i--, m /= 10)
		dig[i] = (char)('0' + m % 10);
	if (neg)
		out[n++] = '-';
	if (x < -4 || x >= prec) {
		out[n++] = dig[0];
		if (ndig > 1) {
			out[n++] = '.';
			memcpy(out + n, dig + 1, (size_t)ndig - 1);
			n += ndig - 1;
		}
		int ax = x < 0 ? -x : x;

		out[n++] = 'e';
		out[n++] = x < 0 ? '-' : '+';
		if (ax >= 100)
			out[n++] = (char)('0' + ax / 100);
		out[n++] = (char)('0' + ax / 10 % 10);
		out[n++] = (char)('0' + ax % 10);
	} else if (x < 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (int i = 0; i < -x - 1; i++)
			out[n++] = '0';
		memcpy(out + n, dig, (size_t)ndig);
		n += ndig;
	} else {
		for (int i = 0; i <= x; i++)
			out[n++] = i < ndig ? dig[i] : '0';
		if (ndig > x + 1) {
			out[n++] = '.';
			memcpy(out + n, dig + x + 1, (size_t)(ndig - x - 1));
			n += ndig - x - 1;
		}
	}
	out[n] = '\0';
	if (size) {
		size_t k = (size_t)n < size ? (size_t)n : size - 1;

		memcpy(buf, out, k);
		buf[k] = '\0';
	}
	return n;
}

/* 10^k for 0 <= k <= 27: exact in a long double (5^27 < 2^64). */
static const long double pow10l_tab[] = {
	1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L, 1e13L,
	1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L,
	1e26L, 1e27L
};

/* The 17 correctly rounded significant digits of a (finite, > 0) and the
 * decimal exponent of the first, as printf's %.16e gives them, without
 * printf: y = a * 10^(16 - x) in long double (64-bit significand) carries
 * at most two roundings, |error| <= 2 * 2^-64 * 2^57 = 2^-6, so round(y)
 * is the correct rounding unless y's fraction is within 2^-5 of a half.
 * false when in doubt (then printf decides): near such a half, or for
 * exponents x outside [-38, 70].  *side: the sign of a - d17·10^(x-16)
 * when |y - d17| > 2^-6 says it for sure, else 0: which way the 15- and
 * 16-digit candidates round when the digits cut off are exactly a half. */
static bool
digits17(double a, uint64_t *d17, int *x, int *side)
{
	int e2;

	static int wide = -1;

	/* The bound needs a 64-bit significand (x86's extended, or quad), at
	 * run time too: valgrind, for one, computes long doubles as doubles. */
	if (wide < 0) {
		volatile long double one = 1, tiny = 0x1p-63L;

		wide = LDBL_MANT_DIG >= 64 && one + tiny != one;
	}
	if (!wide)
		return false;
	frexp(a, &e2);
	/* floor(log10(a)) or one less: a in [2^(e2-1), 2^e2). */
	int xe = (int)floor((e2 - 1) * 0.30102999566398120);

	for (int tries = 0; tries < 2; tries++) {
		int k = 16 - xe;
		long double y = a;

		if (k > 54 || k < -54)
			return false;
		if (k > 27) {
			y *= pow10l_tab[27];
			y *= pow10l_tab[k - 27];
		} else if (k >= 0) {
			y *= pow10l_tab[k];
		} else if (k >= -27) {
			y /= pow10l_tab[-k];
		} else {
			y /= pow10l_tab[27];
			y /= pow10l_tab[-k - 27];
		}
		long double fl = floorl(y), frac = y - fl;

		if (fabsl(frac - 0.5L) <= 1.0L / 32)
			return false;
		uint64_t d = (uint64_t)fl + (frac > 0.5L);

		if (d >= UINT64_C(10000000000000000) && d < UINT64_C(100000000000000000)) {
			long double off = y - (long double)d;

			*d17 = d;
			*x = xe;
			*side = off > 1.0L / 64 ? 1 : off < -1.0L / 64 ? -1 : 0;
			return true;
		}
		xe += d >= UINT64_C(100000000000000000) ? 1 : -1;
	}
	return false;
}

int
table_format_double(char *buf, size_t size, double v)
{
	uint64_t d17 = 0;
	int x, side = 0;
	bool neg = signbit(v);
	double a = fabs(v);

	if (!isfinite(v)) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (a == 0)
		return format_double_slow(buf, size, v, 15);
	/* The 17 correctly rounded digits; the 15- and 16-digit candidates are
	 * rounded from them, which is the correct rounding of v unless the
	 * digits cut off are exactly a half: then side decides, or if it
	 * cannot, the slow path. */
	if (!digits17(a, &d17, &x, &side)) {
		char e17[40];	/* "d.dddddddddddddddde+XX" */

		snprintf(e17, sizeof e17, "%.16e", a);
		d17 = 0;
		for (int i = 0; i < 18; i++)
			if (i != 1)
				d17 = d17 * 10 + (uint64_t)(e17[i] - '0');
		x = atoi(e17 + 19);
	}
	for (int prec = 15; prec <= 16; prec++) {
		uint64_t cut = prec == 15 ? 100 : 10, half = cut / 2;
		uint64_t m = d17 / cut, rest = d17 % cut;
		int xm = x, ok;

		if (rest == half && side == 0)
			return format_double_slow(buf, size, v, prec);
		if ((rest > half || (rest == half && side > 0)) && ++m == (prec == 15 ? UINT64_C(1000000000000000) :
					 UINT64_C(10000000000000000))) {
			m /= 10;
			xm++;
		}
		ok = reads_back(m, xm - (prec - 1), a);
		if (ok < 0)
			return format_double_slow(buf, size, v, prec);
		if (ok)
			return put_g(buf, size, neg, m, prec, xm, prec);
	}
	return put_g(buf, size, neg, d17, 17, x, 17);
}

struct table_writer *
table_writer_open(const char *path, const char *history, json_t *meta,
		  const char *const *columns, const char *const *comments)
{
	struct table_writer *w = xcalloc(1, sizeof *w);
	json_t *m = meta ? json_deep_copy(meta) : json_object();
	json_t *h = json_object_get(m, "history");
	char *text;

	if (path) {
		w->af = atomic_open(path);
		w->f = atomic_stream(w->af);
	} else {
		w->f = stdout;
	}
	w->name = xstrdup(path ? path : "stdout");
	if (!h) {
		h = json_array();
		json_object_set_new(m, "history", h);
	} else if (!json_is_array(h)) {
		die(EXIT_RUNTIME, "metadata: history: expected an array of command lines");
	}
	if (history)
		json_array_append_new(h, json_string(history));
	w->ecsv = want_ecsv(path);
	if (w->ecsv && comments && comments[0]) {
		/* astropy shows the metadata, not comment lines: the notes too. */
		json_t *notes = json_array();

		for (size_t i = 0; comments[i]; i++)
			json_array_append_new(notes, json_string(comments[i]));
		json_object_set_new(m, "comments", notes);
	}
	/* JSON_COMPACT and jansson's escaping keep it on one line; as YAML
	 * (a superset of JSON) it is also ECSV's metadata. */
	text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		die(EXIT_RUNTIME, "metadata: cannot be written as JSON");
	json_decref(m);
	while (columns[w->n_columns])
		w->n_columns++;
	if (w->ecsv) {
		w->out = w->f;
		w->meta_text = text;
		w->columns = xmalloc((w->n_columns + 1) * sizeof *w->columns);
		w->types = xmalloc(w->n_columns + 1);
		for (size_t i = 0; i < w->n_columns; i++) {
			w->columns[i] = xstrdup(columns[i]);
			w->types[i] = 'f';
		}
		if (!(w->f = open_memstream(&w->buf, &w->buf_len)))
			die(EXIT_RUNTIME, "out of memory:");
	} else {
		fprintf(w->f, "# meta: %s\n", text);
		free(text);
	}
	for (size_t i = 0; comments && comments[i]; i++)
		fprintf(w->f, "# %s\n", comments[i]);
	if (!w->ecsv) {
		for (size_t i = 0; i < w->n_columns; i++) {
			fputs(i ? "," : "", w->f);
			fputs(columns[i], w->f);
		}
		fputc('\n', w->f);
	}
	return w;
}

void
table_writer_comment(struct table_writer *w, const char *fmt, ...)
{
	va_list ap;

	fputs("# ", w->f);
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
	fputc('\n', w->f);
}

static void
field_sep(struct table_writer *w)
{
	if (w->n_fields++)
		fputc(',', w->f);
}

void
table_put_double(struct table_writer *w, double v)
{
	char buf[40];

	field_sep(w);
	table_format_double(buf, sizeof buf, v);
	fputs(buf, w->f);
}

void
table_put_long(struct table_writer *w, long long v)
{
	char buf[24], *p = buf + sizeof buf;
	/* Digits of |v| as unsigned: -LLONG_MIN overflows a long long. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	set_type(w, 'i');
	field_sep(w);
	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	fputs(p, w->f);
}

void
table_put_text(struct table_writer *w, const char *s)
{
	if (strpbrk(s, ",\"\n\r"))
		abort();	/* a caller's bug: fields are never quoted */
	set_type(w, 's');
	field_sep(w);
	fputs(s, w->f);
}

void
table_put_empty(struct table_writer *w)
{
	field_sep(w);
}

void
table_end_row(struct table_writer *w)
{
	if (w->n_fields != w->n_columns)
		abort();
	fputc('\n', w->f);
	w->n_fields = 0;
	if (w->ecsv)
		ecsv_flush_header(w);
}

void
table_writer_close(struct table_writer *w)
{
	if (w->ecsv)
		ecsv_flush_header(w);	/* a table without rows */
	if (w->af) {
		atomic_commit(w->af);
	} else {
		/* A write error seen only at close still fails the program. */
		if (fflush(w->f) != 0 || ferror(w->f))
			die(EXIT_RUNTIME, "%s: write error:", w->name);
		if (fclose(w->f) != 0 && errno != EINTR)
			die(EXIT_RUNTIME, "%s: write error:", w->name);
	}
	free(w->name);
	free(w);
}


/* --- Reading ------------------------------------------------------------- */

struct comment {
	char *key;	/* text before ": " or the whole comment */
	char *value;	/* text after ": ", or NULL */
};

struct table {
	char *name;
	json_t *meta;
	struct comment *comments;
	size_t n_comments;
	char **columns;
	size_t n_columns, n_rows;
	char **text;		/* n_rows * n_columns cells */
	double *value;		/* the same cells as numbers (NaN: empty/text) */
	unsigned char *numeric;	/* whether a non-empty cell parsed as a number */
	unsigned long *line;	/* per row */
};

static char *
strndup_x(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Split one line (no newline) into fields; returns the count or -1 on an
 * unterminated quote.  Fields are malloc'ed into *fields. */
static long
split_fields(const char *s, size_t len, char ***fields)
{
	size_t cap = 16, n = 0, i = 0;
	char **f = xmalloc(cap * sizeof *f);

	for (;;) {
		char *cell;

		if (i < len && s[i] == '"') {
			size_t k = 0;

			cell = xmalloc(len - i + 1);
			i++;
			for (;;) {
				if (i >= len) {
					free(cell);
					for (size_t j = 0; j < n; j++)
						free(f[j]);
					free(f);
					return -1;
				}
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						cell[k++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				cell[k++] = s[i++];
			}
			cell[k] = '\0';
			/* Text after the closing quote up to the comma is kept. */
			size_t start = i;
			while (i < len && s[i] != ',')
				i++;
			if (i > start) {
				cell = xrealloc(cell, k + (i - start) + 1);
				memcpy(cell + k, s + start, i - start);
				cell[k + (i - start)] = '\0';
			}
		} else {
			size_t start = i;

			while (i < len && s[i] != ',')
				i++;
			cell = strndup_x(s + start, i - start);
		}
		if (n == cap)
			f = xrealloc(f, (cap *= 2) * sizeof *f);
		f[n++] = cell;
		if (i >= len)
			break;
		i++;	/* the comma */
	}
	*fields = f;
	return (long)n;
}

static bool
parse_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return end != s && *end == '\0' && *s != ' ' && *s != '\t';
}

/* "# KEY: TEXT" or "# TEXT" (s, l: the line without its newline); the
 * first "# meta: {JSON}" is the table's metadata. */
static bool
add_comment(struct table *t, const char *s, size_t l, char *why, size_t why_size)
{
	size_t k = 1;
	const char *colon;

	if (k < l && s[k] == ' ')
		k++;
	if (l - k >= 6 && memcmp(s + k, "meta: ", 6) == 0 && !t->meta) {
		json_error_t err;

		t->meta = json_loadb(s + k + 6, l - k - 6, 0, &err);
		if (!t->meta || !json_is_object(t->meta)) {
			snprintf(why, why_size, "metadata is not a JSON object");
			return false;
		}
	}
	t->comments = xrealloc(t->comments, (t->n_comments + 1) * sizeof *t->comments);
	colon = memchr(s + k, ':', l - k);
	if (colon && colon + 1 < s + l && colon[1] == ' ') {
		t->comments[t->n_comments].key = strndup_x(s + k, (size_t)(colon - (s + k)));
		t->comments[t->n_comments].value = strndup_x(colon + 2, (size_t)(s + l - colon - 2));
	} else {
		t->comments[t->n_comments].key = strndup_x(s + k, l - k);
		t->comments[t->n_comments].value = NULL;
	}
	t->n_comments++;
	return true;
}

/* The header row: named, distinct columns.  Takes f. */
static bool
set_columns(struct table *t, char **f, long nf, char *why, size_t why_size)
{
	t->columns = f;
	t->n_columns = (size_t)nf;
	for (size_t i = 0; i < t->n_columns; i++) {
		if (!t->columns[i][0]) {
			snprintf(why, why_size, "empty column name");
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->columns[i], t->columns[j]) == 0) {
				snprintf(why, why_size, "duplicate column '%.64s'", t->columns[i]);
				return false;
			}
	}
	return true;
}

/* A data row as wide as the header.  Takes f. */
static bool
add_row(struct table *t, char **f, long nf, unsigned long lineno, size_t *cap_rows,
	char *why, size_t why_size)
{
	if ((size_t)nf != t->n_columns) {
		for (long j = 0; j < nf; j++)
			free(f[j]);
		free(f);
		snprintf(why, why_size, "%ld field%s, expected %zu", nf, nf == 1 ? "" : "s",
			 t->n_columns);
		return false;
	}
	if (t->n_rows == *cap_rows) {
		*cap_rows = *cap_rows ? 2 * *cap_rows : 64;
		t->text = xrealloc(t->text, *cap_rows * t->n_columns * sizeof *t->text);
		t->value = xrealloc(t->value, *cap_rows * t->n_columns * sizeof *t->value);
		t->numeric = xrealloc(t->numeric, *cap_rows * t->n_columns);
		t->line = xrealloc(t->line, *cap_rows * sizeof *t->line);
	}
	for (size_t j = 0; j < t->n_columns; j++) {
		size_t c = t->n_rows * t->n_columns + j;
		double v = NAN;

		t->text[c] = f[j];
		t->numeric[c] = f[j][0] == '\0' || parse_number(f[j], &v);
		t->value[c] = f[j][0] == '\0' ? NAN : v;
	}
	free(f);
	t->line[t->n_rows++] = lineno;
	return true;
}

/* The line number of the first NUL byte, or 0 when there is none. */
static unsigned long
nul_line(const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	unsigned long l = 1;

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++)
		l += *p == '\n';
	return l;
}

bool
table_parse(const char *text, size_t len, const char *name,
	    struct table **out, unsigned long *line, char *why, size_t why_size)
{
	struct table *t = xcalloc(1, sizeof *t);
	size_t pos = 0, cap_rows = 0;
	unsigned long lineno = 0;

	*line = 0;
	t->name = xstrdup(name);
	if ((lineno = nul_line(text, len)) > 0) {
		snprintf(why, why_size, "not a text file (NUL byte)");
		goto fail;
	}
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;
		char **f;
		long nf;

		pos += l + (nl != NULL);
		lineno++;
		if (l > 0 && s[l - 1] == '\r')
			l--;
		if (l > 0 && s[0] == '#') {
			if (!add_comment(t, s, l, why, why_size))
				goto fail;
			continue;
		}
		if (l == 0)
			continue;	/* blank lines carry nothing */
		nf = split_fields(s, l, &f);
		if (nf < 0) {
			snprintf(why, why_size, "unterminated quoted field");
			goto fail;
		}
		if (!(t->columns ? add_row(t, f, nf, lineno, &cap_rows, why, why_size)
				 : set_columns(t, f, nf, why, why_size)))
			goto fail;
	}
	if (!t->columns) {
		lineno = 0;
		snprintf(why, why_size, "empty table: no header row");
		goto fail;
	}
	if (!t->meta)
		t->meta = json_object();
	*out = t;
	return true;
fail:
	*line = lineno;
	table_free(t);
	*out = NULL;
	return false;
}

struct table *
table_read_path(const char *path)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	size_t len = 0, cap = 1 << 16;
	char *buf, why[256];
	unsigned long line;
	struct table *t;

	if (fd < 0)
		die(EXIT_RUNTIME, "%s: cannot open:", path);
	buf = xmalloc(cap);
	for (;;) {
		ssize_t k;

		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
		k = read(fd, buf + len, cap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "%s: read error:", path);
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (!is_stdin)
		close(fd);
	if (!table_parse(buf, len, is_stdin ? "stdin" : path, &t, &line, why, sizeof why)) {
		if (line)
			die(EXIT_RUNTIME, "%s:%lu: %s", is_stdin ? "stdin" : path, line, why);
		die(EXIT_RUNTIME, "%s: %s", is_stdin ? "stdin" : path, why);
	}
	free(buf);
	return t;
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
		free(t->text[i]);
	for (size_t i = 0; t->columns && i < t->n_columns; i++)
		free(t->columns[i]);
	for (size_t i = 0; i < t->n_comments; i++) {
		free(t->comments[i].key);
		free(t->comments[i].value);
	}
	free(t->comments);
	free(t->columns);
	free(t->text);
	free(t->value);
	free(t->numeric);
	free(t->line);
	json_decref(t->meta);
	free(t->name);
	free(t);
}

const char *
table_name(const struct table *t)
{
	return t->name;
}

json_t *
table_meta(const struct table *t)
{
	return t->meta;
}

const char *
table_comment(const struct table *t, const char *key)
{
	for (size_t i = 0; i < t->n_comments; i++)
		if (t->comments[i].value && strcmp(t->comments[i].key, key) == 0)
			return t->comments[i].value;
	return NULL;
}

const char *
table_comment_nth(const struct table *t, const char *key, size_t i)
{
	for (size_t k = 0; k < t->n_comments; k++)
		if (t->comments[k].value && strcmp(t->comments[k].key, key) == 0 && i-- == 0)
			return t->comments[k].value;
	return NULL;
}

size_t
table_n_rows(const struct table *t)
{
	return t->n_rows;
}

size_t
table_n_columns(const struct table *t)
{
	return t->n_columns;
}

const char *
table_column_name(const struct table *t, size_t col)
{
	return t->columns[col];
}

long
table_column(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n_columns; i++)
		if (strcmp(t->columns[i], name) == 0)
			return (long)i;
	return -1;
}

size_t
table_require_numeric(const struct table *t, const char *name)
{
	long c = table_column(t, name);

	if (c < 0)
		die(EXIT_RUNTIME, "%s: missing column '%s'", t->name, name);
	for (size_t r = 0; r < t->n_rows; r++) {
		size_t i = r * t->n_columns + (size_t)c;

		if (!t->numeric[i])
			die(EXIT_RUNTIME, "%s:%lu: column '%s': not a number: '%.40s'",
			    t->name, t->line[r], name, t->text[i]);
	}
	return (size_t)c;
}

double
table_value(const struct table *t, size_t row, size_t col)
{
	size_t i = row * t->n_columns + col;

	return t->numeric[i] ? t->value[i] : NAN;
}

const char *
table_text(const struct table *t, size_t row, size_t col)
{
	return t->text[row * t->n_columns + col];
}

unsigned long
table_row_line(const struct table *t, size_t row)
{
	return t->line[row];
}
