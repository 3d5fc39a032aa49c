/* chunktest: compare two chunk-statistics tables (chunkvar's, DESIGN §4
 * "Chunk variability"): A (the test) against B (the null: a control or a
 * model), per metric and per wbin, with exact tests.
 * Operands: two CSV tables.  stdout: CSV table.  Exit: 0 ok, 1 bad input or
 * I/O, 2 usage.
 *
 * Per (metric, wbin): q = B's (1 − P) quantile (type 7); x = A's chunks >= q
 * out of m; p = P(X >= x | m, P) exactly; the 95% Clopper–Pearson interval
 * of x/m; means and medians; the two-sample KS statistic and p-value.  Per
 * metric, the concentration of A's and B's top 1% chunks over wavelength. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stats.h"
#include "table.h"

static const char usage_text[] =
	"usage: chunktest [--percentile P] [--metric M] [--width S] [-o FILE] A.csv B.csv\n"
	"Compare the chunk statistics of A (the test) with those of B (the null: a\n"
	"control or a model), both chunkvar tables.  For each metric and each wbin\n"
	"(wbin -1: chunkvar's all-events series): q = B's (1-P) quantile, x = the\n"
	"number of A's m chunks >= q, the exact one-sided binomial p-value\n"
	"P(X >= x | m, P), the 95% Clopper-Pearson interval of x/m, means, medians\n"
	"and the two-sample Kolmogorov-Smirnov D and p-value.  Then, per metric, a\n"
	"\"# concentration:\" line: the power-law index b of the wavelength\n"
	"dependence of A's top 1% chunks against B's, with z (man chunktest).\n"
	"\n"
	"  --percentile P   tail fraction, 0 < P < 1 (default 0.05: B's 95th\n"
	"                   percentile)\n"
	"  --metric M       only this metric: ev, ev_smooth, fano_local,\n"
	"                   fano_global, adjacent, adjacent_smooth, odd_even\n"
	"                   (default: all seven)\n"
	"  --width S        only the chunks of bin width S s (default: every width\n"
	"                   pooled)\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Output columns: metric,wbin,n_a,n_b,q,x,frac,p_binom,ci_lo,ci_hi,mean_a,\n"
	"mean_b,median_a,median_b,ks_d,ks_p; undefined values are empty.\n"
	"\n"
	"Example: chunktest out/A_chunkvar.csv out/B_chunkvar.csv --metric fano_local\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

static const char *const metrics[] = {
	"ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth",
	"odd_even",
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

enum { OPT_PERCENTILE = CLI_FIRST_PROGRAM_OPTION, OPT_METRIC, OPT_WIDTH };

struct opts {
	double p;
	int metric;		/* index into metrics[], -1: all */
	double width;		/* NAN: all widths */
	const char *a_path, *b_path;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "percentile", required_argument, NULL, OPT_PERCENTILE },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "width", required_argument, NULL, OPT_WIDTH },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0.05, -1, NAN, NULL, NULL };
	int c;

	cli_init(argc, argv, "chunktest", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_PERCENTILE:
			o.p = cli_double(optarg, "--percentile");
			if (!(o.p > 0 && o.p < 1))
				cli_usage_error("--percentile: expected a tail fraction in (0, 1), got '%s'",
						optarg);
			break;
		case OPT_METRIC:
			o.metric = -1;
			for (size_t i = 0; i < N_METRICS; i++)
				if (strcmp(optarg, metrics[i]) == 0)
					o.metric = (int)i;
			if (o.metric < 0)
				cli_usage_error("--metric: expected ev, ev_smooth, fano_local, fano_global, "
						"adjacent, adjacent_smooth or odd_even, got '%s'", optarg);
			break;
		case OPT_WIDTH:
			o.width = cli_positive_double(optarg, "--width");
			break;
		default:
			cli_common_option(c);
		}
	}
	if (argc - optind != 2)
		cli_usage_error("expected two tables, A.csv and B.csv");
	o.a_path = argv[optind];
	o.b_path = argv[optind + 1];
	return o;
}

/* A chunk table's columns. */
struct chunks {
	struct table *t;
	size_t wbin, wmin, wmax, width, metric[N_METRICS];
};

static struct chunks
chunks_read(const char *path)
{
	struct chunks c;

	c.t = table_read_path(path);
	c.wbin = table_require_numeric(c.t, "wbin");
	c.wmin = table_require_numeric(c.t, "wmin_nm");
	c.wmax = table_require_numeric(c.t, "wmax_nm");
	c.width = table_require_numeric(c.t, "width_s");
	for (size_t i = 0; i < N_METRICS; i++)
		c.metric[i] = table_require_numeric(c.t, metrics[i]);
	for (size_t r = 0; r < table_n_rows(c.t); r++) {
		double w = table_value(c.t, r, c.wbin);

		if (!(w == floor(w) && w >= -1 && w < 1e9))
			die(EXIT_RUNTIME, "%s:%lu: wbin: expected an integer >= -1, got '%s'", path,
			    table_row_line(c.t, r), table_text(c.t, r, c.wbin));
	}
	return c;
}

static bool
width_ok(const struct opts *o, double w)
{
	return isnan(o->width) || fabs(w - o->width) <= 1e-9 * o->width;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The defined values of metric k in the rows of wbin w (all wbins >= 0
 * when w is -2), sorted; their count in *n. */
static double *
values_of(const struct chunks *c, const struct opts *o, size_t k, long w, size_t *n)
{
	size_t rows = table_n_rows(c->t);
	double *v = xmalloc((rows + 1) * sizeof *v);

	*n = 0;
	for (size_t r = 0; r < rows; r++) {
		double wb = table_value(c->t, r, c->wbin), x = table_value(c->t, r, c->metric[k]);

		if ((w == -2 ? wb >= 0 : wb == (double)w) && width_ok(o, table_value(c->t, r, c->width)) &&
		    isfinite(x))
			v[(*n)++] = x;
	}
	qsort(v, *n, sizeof *v, cmp_double);
	return v;
}

static double
mean_of(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : NAN;
}

/* wbin order: ascending, -1 (all events) last. */
static int
cmp_wbin(const void *pa, const void *pb)
{
	long x = *(const long *)pa, y = *(const long *)pb;

	x = x < 0 ? LONG_MAX : x;
	y = y < 0 ? LONG_MAX : y;
	return (x > y) - (x < y);
}

/* The distinct wbins of both tables in that order. */
static long *
wbins_of(const struct chunks *a, const struct chunks *b, size_t *n)
{
	size_t cap = table_n_rows(a->t) + table_n_rows(b->t) + 1, m = 0, k = 0;
	long *w = xmalloc(cap * sizeof *w);
	const struct chunks *t[2] = { a, b };

	for (int s = 0; s < 2; s++)
		for (size_t r = 0; r < table_n_rows(t[s]->t); r++)
			w[m++] = (long)table_value(t[s]->t, r, t[s]->wbin);
	qsort(w, m, sizeof *w, cmp_wbin);
	for (size_t i = 0; i < m; i++)
		if (k == 0 || w[i] != w[k - 1])
			w[k++] = w[i];
	*n = k;
	return w;
}

static void
put_row(struct table_writer *tw, const struct opts *o, size_t k, long w,
	const double *va, size_t na, const double *vb, size_t nb, size_t *n_ks, size_t *n_asymp)
{
	double q = NAN, frac = NAN, p = NAN, lo = NAN, hi = NAN, d = NAN, ks_p = NAN;
	long x = -1;
	int exact = 1;

	if (nb > 0)
		q = stats_quantile_sorted(vb, nb, 1 - o->p);
	if (nb > 0 && na > 0) {
		x = 0;
		for (size_t i = 0; i < na; i++)
			x += va[i] >= q;
		frac = (double)x / (double)na;
		p = stats_binom_sf_ge(x, (long)na, o->p);
		stats_clopper_pearson(x, (long)na, 0.95, &lo, &hi);
		d = stats_ks_2samp(va, na, vb, nb, &ks_p, &exact);
		*n_ks += 1;
		*n_asymp += !exact;
	}
	table_put_text(tw, metrics[k]);
	table_put_long(tw, w);
	table_put_long(tw, (long long)na);
	table_put_long(tw, (long long)nb);
	table_put_double(tw, q);
	if (x >= 0)
		table_put_long(tw, x);
	else
		table_put_empty(tw);
	table_put_double(tw, frac);
	table_put_double(tw, p);
	table_put_double(tw, lo);
	table_put_double(tw, hi);
	table_put_double(tw, mean_of(va, na));
	table_put_double(tw, mean_of(vb, nb));
	table_put_double(tw, na ? stats_quantile_sorted(va, na, 0.5) : NAN);
	table_put_double(tw, nb ? stats_quantile_sorted(vb, nb, 0.5) : NAN);
	table_put_double(tw, d);
	table_put_double(tw, ks_p);
	table_end_row(tw);
}

/* --- Concentration ------------------------------------------------------- */

struct power_law {
	size_t n_top;		/* chunks in the top 1% */
	double b, sigma;	/* index and its standard error; NaN when undefined */
};

/* The top 1% of a table's chunks of metric k (over wbins >= 0: values >=
 * their 0.99 quantile), the fraction f_w of wbin w's chunks among them, and
 * the weighted least-squares line ln f_w = c + b ln λ_w (λ_w = √(wmin·wmax)),
 * weights n_w (the top chunks in w: var(ln n_w) ≈ 1/n_w for Poisson counts),
 * over the wbins with n_w > 0: b = Σ n (x − x̄)(y − ȳ) / S, σ = 1/√S,
 * S = Σ n (x − x̄)², x̄, ȳ the weighted means. */
static struct power_law
concentration(const struct chunks *c, const struct opts *o, size_t k)
{
	struct power_law pl = { 0, NAN, NAN };
	size_t n, rows = table_n_rows(c->t), nw = 0;
	double *all = values_of(c, o, k, -2, &n), thr;
	long *wb = xmalloc((rows + 1) * sizeof *wb);
	double *lam = xmalloc((rows + 1) * sizeof *lam), *tot = xcalloc(rows + 1, sizeof *tot);
	double *top = xcalloc(rows + 1, sizeof *top), sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;

	if (n == 0)
		goto done;
	thr = stats_quantile_sorted(all, n, 0.99);
	for (size_t r = 0; r < rows; r++) {
		double w = table_value(c->t, r, c->wbin), x = table_value(c->t, r, c->metric[k]);
		size_t i;

		if (!(w >= 0) || !width_ok(o, table_value(c->t, r, c->width)) || !isfinite(x))
			continue;
		for (i = 0; i < nw && wb[i] != (long)w; i++)
			;
		if (i == nw) {
			wb[nw] = (long)w;
			lam[nw++] = sqrt(table_value(c->t, r, c->wmin) * table_value(c->t, r, c->wmax));
		}
		tot[i]++;
		if (x >= thr) {
			top[i]++;
			pl.n_top++;
		}
	}
	for (size_t i = 0; i < nw; i++) {
		double x = log(lam[i]), y;

		if (top[i] == 0 || !isfinite(x))
			continue;
		y = log(top[i] / tot[i]);
		sw += top[i];
		sx += top[i] * x;
		sy += top[i] * y;
	}
	if (sw > 0) {
		double mx = sx / sw, my = sy / sw;

		for (size_t i = 0; i < nw; i++) {
			double x = log(lam[i]);

			if (top[i] == 0 || !isfinite(x))
				continue;
			sxx += top[i] * (x - mx) * (x - mx);
			sxy += top[i] * (x - mx) * (log(top[i] / tot[i]) - my);
		}
		if (sxx > 0) {
			pl.b = sxy / sxx;
			pl.sigma = 1 / sqrt(sxx);
		}
	}
done:
	free(all);
	free(wb);
	free(lam);
	free(tot);
	free(top);
	return pl;
}

/* "NAME=VALUE" with an empty value for NaN. */
static const char *
kv(char *buf, size_t size, const char *name, double v)
{
	char num[40];

	table_format_double(num, sizeof num, v);
	snprintf(buf, size, "%s=%s", name, num);
	return buf;
}

static void
put_concentration(struct table_writer *tw, const struct opts *o, size_t k,
		  const struct chunks *a, const struct chunks *b)
{
	struct power_law pa = concentration(a, o, k), pb = concentration(b, o, k);
	double z = (pa.b - pb.b) / sqrt(pa.sigma * pa.sigma + pb.sigma * pb.sigma);
	char s[6][64];

	table_writer_comment(tw, "concentration: metric=%s n_top_a=%zu %s %s n_top_b=%zu %s %s %s",
			     metrics[k], pa.n_top, kv(s[0], 64, "b_a", pa.b),
			     kv(s[1], 64, "sigma_a", pa.sigma), pb.n_top, kv(s[2], 64, "b_b", pb.b),
			     kv(s[3], 64, "sigma_b", pb.sigma), kv(s[4], 64, "z", z));
}

int
main(int argc, char **argv)
{
	static const char *const columns[] = {
		"metric", "wbin", "n_a", "n_b", "q", "x", "frac", "p_binom", "ci_lo", "ci_hi",
		"mean_a", "mean_b", "median_a", "median_b", "ks_d", "ks_p", NULL
	};
	struct opts o = parse_options(argc, argv);
	struct chunks a = chunks_read(o.a_path), b = chunks_read(o.b_path);
	size_t n_wbins, n_ks = 0, n_asymp = 0;
	long *wbins = wbins_of(&a, &b, &n_wbins);
	json_t *meta = json_deep_copy(table_meta(a.t));
	struct table_writer *tw;
	char pct[40];

	json_object_set_new(meta, "chunktest", json_pack("{sssssf}", "a", o.a_path,
		"b", o.b_path, "percentile", o.p));
	table_format_double(pct, sizeof pct, o.p);
	{
		char c0[4200], c1[80];
		const char *const comments[] = { c0, c1, NULL };

		snprintf(c0, sizeof c0, "b: %s", o.b_path);
		snprintf(c1, sizeof c1, "percentile: %s", pct);
		tw = table_writer_open(cli_output, cli_command_line(), meta, columns, comments);
	}
	for (size_t k = 0; k < N_METRICS; k++) {
		if (o.metric >= 0 && (size_t)o.metric != k)
			continue;
		for (size_t i = 0; i < n_wbins; i++) {
			size_t na, nb;
			double *va = values_of(&a, &o, k, wbins[i], &na);
			double *vb = values_of(&b, &o, k, wbins[i], &nb);

			put_row(tw, &o, k, wbins[i], va, na, vb, nb, &n_ks, &n_asymp);
			free(va);
			free(vb);
		}
	}
	table_writer_comment(tw, "ks: p-values exact (lattice paths) in %zu rows, asymptotic "
			     "(Kolmogorov series, Stephens correction) in %zu", n_ks - n_asymp, n_asymp);
	for (size_t k = 0; k < N_METRICS; k++)
		if (o.metric < 0 || (size_t)o.metric == k)
			put_concentration(tw, &o, k, &a, &b);
	table_writer_close(tw);
	json_decref(meta);
	free(wbins);
	table_free(a.t);
	table_free(b.t);
	return EXIT_OK;
}
