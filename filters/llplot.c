/* llplot: draw the analyzers' CSV tables as PNG, PDF or SVG figures.
 * Input: one or more tables of one kind (varstat, lcurve, psd, interarrival).
 * Output: the -o file, PNG (with history in text chunks), or PDF/SVG by
 * extension.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * One program for every kind because the kinds share everything but the
 * choice of columns: axes, legend, styles, metadata and output. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "meta.h"
#include "plot_figure.h"
#include "plot_output.h"
#include "table.h"

static const char usage_text[] =
	"usage: llplot --kind KIND [options] -o FILE TABLE [TABLE...]\n"
	"Draw analyzer tables (CSV) as a figure: PNG, or PDF/SVG when FILE ends in\n"
	".pdf/.svg (another extension is refused).  Several tables of the same kind\n"
	"(A, B, ...) are overlaid in distinct line and marker styles; each\n"
	"wavelength bin has its own colour.\n"
	"\n"
	"Kinds and the tables they read:\n"
	"  fano          varstat: Fano factor vs time scale, Poisson line and band\n"
	"  nxs           varstat: normalised excess variance vs time scale\n"
	"  lcurve        lcurve: count rate vs time per wavelength bin\n"
	"  psd           psd: Leahy power vs frequency, log-rebinned, with the 99%\n"
	"                and 99.9% single-trial detection levels; a panel per wbin\n"
	"  interarrival  interarrival: histogram against its expectation (the\n"
	"                exponential, or with frames the frame-grid model), KS test\n"
	"  counts        lcurve: counts spectrum, rate per nm against wavelength\n"
	"  heatmap       lcurve: time x wavelength map of the rate per nm\n"
	"  chunkhist     chunkvar: histograms of the chunk metrics, A over B\n"
	"  chunkmap      chunkvar: wavelength x width map of the top 1% chunks\n"
	"Dither periods (HRC 1087 s, 768 s; ACIS 1000 s, 707 s) are marked on fano,\n"
	"nxs and psd plots.\n"
	"\n"
	"  --kind KIND       the kind of figure (required)\n"
	"  -o, --output F    the figure file (required), written atomically\n"
	"  --label TEXT      legend name of the next table (repeat; default A, B, ...)\n"
	"  --wbin LIST       draw only these wavelength bins (-1: all events)\n"
	"  --size WxH        size: pixels (1600x1000, the default) or print units,\n"
	"                    89mmx60mm, 3.5inx2.2in, 8.9cmx6cm, 252ptx170pt\n"
	"  --dpi N           PNG pixels per inch (default 300 for a print size,\n"
	"                    160 for pixels, which makes 1600 px 10 in)\n"
	"  --title TEXT      title instead of the one made from the metadata\n"
	"  --xrange LO:HI    x axis range instead of fitting the data\n"
	"  --yrange LO:HI    y axis range instead of fitting the data\n"
	"  --logy            logarithmic y axis (fano, nxs, lcurve, counts, chunkhist)\n"
	"  --min-bins N      fano, nxs: leave out points made of fewer than N time\n"
	"                    bins (n_bins; default 10)\n"
	"  --rebin F         psd: average powers in frequency bins F times wider\n"
	"                    than the last (geometric; default 1.1; 1: no rebinning)\n"
	"  --metric LIST     chunkhist: the metrics drawn (default all seven);\n"
	"                    chunkmap: the one metric (default fano_local)\n"
	"  --dump FILE       also write the plotted numbers as CSV\n"
	"  --help, --version\n"
	"\n"
	"Example: llplot --kind fano A.csv B.csv --label M82 --label Poisson --size 89mmx60mm -o fano.pdf\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum kind {
	K_FANO, K_NXS, K_LCURVE, K_PSD, K_INTERARRIVAL, K_COUNTS, K_HEATMAP, K_CHUNKHIST,
	K_CHUNKMAP, K_NONE
};
static const char *const kind_names[] = {
	"fano", "nxs", "lcurve", "psd", "interarrival", "counts", "heatmap", "chunkhist", "chunkmap"
};

static const char *const chunk_metrics[] = {
	"ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth", "odd_even"
};
#define N_METRICS 7

enum {
	OPT_KIND = CLI_FIRST_PROGRAM_OPTION, OPT_LABEL, OPT_WBIN, OPT_SIZE, OPT_TITLE,
	OPT_XRANGE, OPT_YRANGE, OPT_LOGY, OPT_DPI, OPT_MIN_BINS, OPT_REBIN, OPT_METRIC, OPT_DUMP
};

#define MAX_TABLES 8
#define MM (72 / 25.4)

struct opts {
	enum kind kind;
	const char *labels[MAX_TABLES];
	size_t n_labels;
	double *wbins;
	size_t n_wbins;
	double width_pt, height_pt, dpi;
	bool print_size, size_given;
	const char *title;
	bool xrange, yrange, logy;
	double x_lo, x_hi, y_lo, y_hi;
	long min_bins;
	double rebin;
	bool metric[N_METRICS];
	size_t n_metric;
	const char *dump;
	char **paths;
	size_t n_paths;
};

/* One wavelength bin of one table: its rows as points sorted by x. */
struct pt {
	double x, y, ylo, yhi, xlo, xhi, aux;
};

struct group {
	long wbin;
	size_t n;
	struct pt *p;
	char name[64];		/* "0.1–0.4 nm", "all events" */
};

struct dataset {
	const char *path, *label;
	struct table *t;
	struct group *g;
	size_t n_g;
};

static void
parse_range(const char *arg, const char *option, double *lo, double *hi)
{
	char *copy = xstrdup(arg), *colon = strchr(copy, ':');

	if (!colon)
		cli_usage_error("%s: expected LO:HI, got '%s'", option, arg);
	*colon = '\0';
	*lo = cli_double(copy, option);
	*hi = cli_double(colon + 1, option);
	if (!(*lo < *hi))
		cli_usage_error("%s: LO must be below HI, got '%s'", option, arg);
	free(copy);
}

/* One side of --size: a number and a unit (px when none); returns points
 * per unit (0 for px) or -1 for an unknown unit. */
static double
size_unit(const char *u)
{
	static const struct { const char *name; double pt; } units[] = {
		{ "", 0 }, { "px", 0 }, { "mm", 72 / 25.4 }, { "cm", 72 / 2.54 },
		{ "in", 72 }, { "pt", 1 },
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(u, units[i].name) == 0)
			return units[i].pt;
	return -1;
}

/* --size: "1600x1000" pixels, or a print size "89mmx60mm", "3.5inx2.2in"
 * (a unit written once, on the height, holds for both). */
static void
parse_size(const char *arg, struct opts *o)
{
	char *copy = xstrdup(arg), *x, *end;
	double a, b, ua, ub;
	char unit_a[8] = "", unit_b[8] = "";

	x = strpbrk(copy, "xX");
	if (!x)
		cli_usage_error("--size: expected WIDTHxHEIGHT (pixels or with mm, cm, in, pt), got '%s'", arg);
	*x = '\0';
	a = strtod(copy, &end);
	if (end == copy || strlen(end) >= sizeof unit_a)
		cli_usage_error("--size: expected WIDTHxHEIGHT (pixels or with mm, cm, in, pt), got '%s'", arg);
	strcpy(unit_a, end);
	b = strtod(x + 1, &end);
	if (end == x + 1 || strlen(end) >= sizeof unit_b)
		cli_usage_error("--size: expected WIDTHxHEIGHT (pixels or with mm, cm, in, pt), got '%s'", arg);
	strcpy(unit_b, end);
	if (!unit_a[0])
		strcpy(unit_a, unit_b);
	ua = size_unit(unit_a), ub = size_unit(unit_b);
	if (ua < 0 || ub < 0 || (ua == 0) != (ub == 0))
		cli_usage_error("--size: unknown or mixed units in '%s' (px, mm, cm, in, pt)", arg);
	if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b))
		cli_usage_error("--size: expected positive sizes, got '%s'", arg);
	if (ua == 0) {
		if (a != floor(a) || b != floor(b) || a < 200 || b < 150 || a > 20000 || b > 20000)
			cli_usage_error("--size: expected WIDTHxHEIGHT from 200x150 to 20000x20000 pixels, got '%s'",
					arg);
		o->print_size = false;
		o->width_pt = a, o->height_pt = b;	/* pixels until the dpi is known */
	} else {
		o->print_size = true;
		o->width_pt = a * ua, o->height_pt = b * ub;
		/* A figure smaller than 30x20 mm has no room for 7 pt text. */
		if (o->width_pt < 85 || o->height_pt < 56 || o->width_pt > 2880 || o->height_pt > 2880)
			cli_usage_error("--size: a print size from 30mmx20mm to 40inx40in, got '%s'", arg);
	}
	free(copy);
}

static void
parse_metrics(const char *arg, struct opts *o)
{
	char *copy = xstrdup(arg), *save = NULL;

	memset(o->metric, 0, sizeof o->metric);
	o->n_metric = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t m;

		for (m = 0; m < N_METRICS; m++)
			if (strcmp(tok, chunk_metrics[m]) == 0)
				break;
		if (m == N_METRICS)
			cli_usage_error("--metric: unknown metric '%s' (ev, ev_smooth, fano_local, "
					"fano_global, adjacent, adjacent_smooth, odd_even)", tok);
		if (!o->metric[m])
			o->n_metric++;
		o->metric[m] = true;
	}
	free(copy);
	if (o->n_metric == 0)
		cli_usage_error("--metric: no metric in '%s'", arg);
}

/* What getopt cannot see: required options, the table count and
 * options that do not fit the kind; the default metrics. */
static void
check_options(struct opts *o, int argc, char **argv, bool metric_given)
{
	if (o->kind == K_NONE)
		cli_usage_error("--kind is required");
	if (!cli_output)
		cli_usage_error("an output file is required (-o FILE)");
	if (!plot_format_known(cli_output))
		cli_usage_error("-o: '%s': llplot writes .png, .pdf or .svg", cli_output);
	if (optind >= argc)
		cli_usage_error("no input table");
	o->paths = argv + optind;
	o->n_paths = (size_t)(argc - optind);
	if (o->n_paths > MAX_TABLES)
		cli_usage_error("at most %d tables, got %zu", MAX_TABLES, o->n_paths);
	if (o->n_labels > o->n_paths)
		cli_usage_error("%zu labels for %zu tables", o->n_labels, o->n_paths);
	if (o->logy && (o->kind == K_PSD || o->kind == K_INTERARRIVAL || o->kind == K_HEATMAP ||
			o->kind == K_CHUNKMAP))
		cli_usage_error("--logy: the %s plot chooses its own y axis", kind_names[o->kind]);
	if (metric_given && o->kind != K_CHUNKHIST && o->kind != K_CHUNKMAP)
		cli_usage_error("--metric: only for chunkhist and chunkmap");
	if (metric_given && o->kind == K_CHUNKMAP && o->n_metric != 1)
		cli_usage_error("--metric: chunkmap draws one metric");
	if (!metric_given) {
		for (size_t m = 0; m < N_METRICS; m++)
			o->metric[m] = o->kind == K_CHUNKHIST || m == 2;	/* fano_local */
		o->n_metric = o->kind == K_CHUNKHIST ? N_METRICS : 1;
	}
}

/* The print size and dpi: a book's column by default, else --size in
 * print units or pixels (whose print size follows from the dpi). */
static void
print_size(struct opts *o)
{
	if (!o->size_given) {
		/* A book's column; main() makes it taller for several panels. */
		o->print_size = true;
		o->width_pt = 89 * MM, o->height_pt = 62 * MM;
	}
	if (o->dpi == 0)
		o->dpi = o->print_size ? 300 : 72.0 / PLOT_POINTS_PER_PX;
	if (!o->print_size) {
		/* Pixels: their print size follows from the dpi. */
		o->width_pt *= 72.0 / o->dpi;
		o->height_pt *= 72.0 / o->dpi;
	} else if (o->width_pt * o->dpi / 72 > 20000 || o->height_pt * o->dpi / 72 > 20000) {
		cli_usage_error("--size at --dpi %g: more than 20000 pixels a side", o->dpi);
	}
}

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "wbin", required_argument, NULL, OPT_WBIN },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "dpi", required_argument, NULL, OPT_DPI },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "xrange", required_argument, NULL, OPT_XRANGE },
		{ "yrange", required_argument, NULL, OPT_YRANGE },
		{ "logy", no_argument, NULL, OPT_LOGY },
		{ "min-bins", required_argument, NULL, OPT_MIN_BINS },
		{ "rebin", required_argument, NULL, OPT_REBIN },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "dump", required_argument, NULL, OPT_DUMP },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .kind = K_NONE, .width_pt = 1600, .height_pt = 1000, .min_bins = 10,
			  .rebin = 1.1 };
	bool metric_given = false;
	int c;

	cli_init(argc, argv, "llplot", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_KIND:
			for (size_t k = 0; k < K_NONE; k++)
				if (strcmp(optarg, kind_names[k]) == 0)
					o.kind = (enum kind)k;
			if (o.kind == K_NONE)
				cli_usage_error("--kind: unknown kind '%s' (fano, nxs, lcurve, psd, "
						"interarrival, counts, heatmap, chunkhist, chunkmap)", optarg);
			break;
		case OPT_LABEL:
			if (o.n_labels == MAX_TABLES)
				cli_usage_error("--label: at most %d labels", MAX_TABLES);
			o.labels[o.n_labels++] = optarg;
			break;
		case OPT_WBIN:
			free(o.wbins);
			o.wbins = cli_double_list(optarg, "--wbin", &o.n_wbins);
			for (size_t i = 0; i < o.n_wbins; i++)
				if (o.wbins[i] != floor(o.wbins[i]) || o.wbins[i] < -1)
					cli_usage_error("--wbin: not a wavelength bin index: '%s'", optarg);
			break;
		case OPT_SIZE:
			parse_size(optarg, &o);
			o.size_given = true;
			break;
		case OPT_DPI:
			o.dpi = cli_positive_double(optarg, "--dpi");
			if (o.dpi < 50 || o.dpi > 2400)
				cli_usage_error("--dpi: expected 50 to 2400, got '%s'", optarg);
			break;
		case OPT_TITLE:
			o.title = optarg;
			break;
		case OPT_XRANGE:
			parse_range(optarg, "--xrange", &o.x_lo, &o.x_hi);
			o.xrange = true;
			break;
		case OPT_YRANGE:
			parse_range(optarg, "--yrange", &o.y_lo, &o.y_hi);
			o.yrange = true;
			break;
		case OPT_LOGY:
			o.logy = true;
			break;
		case OPT_MIN_BINS:
			o.min_bins = cli_long(optarg, "--min-bins");
			if (o.min_bins < 2)
				cli_usage_error("--min-bins: expected at least 2 (a variance needs two bins), got '%s'",
						optarg);
			break;
		case OPT_REBIN:
			o.rebin = cli_double(optarg, "--rebin");
			if (!(o.rebin >= 1) || o.rebin > 10)
				cli_usage_error("--rebin: expected a factor from 1 to 10, got '%s'", optarg);
			break;
		case OPT_METRIC:
			parse_metrics(optarg, &o);
			metric_given = true;
			break;
		case OPT_DUMP:
			o.dump = optarg;
			break;
		default:
			cli_common_option(c);
		}
	}
	check_options(&o, argc, argv, metric_given);
	print_size(&o);
	return o;
}

/* --- Reading the tables -------------------------------------------------- */

static bool
wanted_wbin(const struct opts *o, long wbin)
{
	if (o->n_wbins == 0)
		return true;
	for (size_t i = 0; i < o->n_wbins; i++)
		if ((long)o->wbins[i] == wbin)
			return true;
	return false;
}

static int
by_x(const void *a, const void *b)
{
	double xa = ((const struct pt *)a)->x, xb = ((const struct pt *)b)->x;

	return (xa > xb) - (xa < xb);
}

static struct group *
find_group(struct dataset *d, long wbin)
{
	for (size_t i = 0; i < d->n_g; i++)
		if (d->g[i].wbin == wbin)
			return &d->g[i];
	d->g = xrealloc(d->g, (d->n_g + 1) * sizeof *d->g);
	memset(&d->g[d->n_g], 0, sizeof d->g[d->n_g]);
	d->g[d->n_g].wbin = wbin;
	return &d->g[d->n_g++];
}

/* The wavelength range of a bin, from the varstat columns when present,
 * else from the metadata edges. */
static void
name_group(struct group *g, const struct table *t, size_t row, long cmin, long cmax)
{
	double lo = NAN, hi = NAN, *edges = NULL;
	size_t n_edges = 0;

	if (cmin >= 0 && cmax >= 0) {
		lo = table_value(t, row, (size_t)cmin);
		hi = table_value(t, row, (size_t)cmax);
	}
	if ((!isfinite(lo) || !isfinite(hi)) && meta_wbin_edges(table_meta(t), &edges, &n_edges)) {
		if (g->wbin >= 0 && (size_t)g->wbin + 1 < n_edges)
			lo = edges[g->wbin], hi = edges[g->wbin + 1];
		else if (g->wbin == -1)
			lo = edges[0], hi = edges[n_edges - 1];
	}
	free(edges);
	if (g->wbin == -1)
		snprintf(g->name, sizeof g->name, "all events");
	else if (isfinite(lo) && isfinite(hi))
		snprintf(g->name, sizeof g->name, "%.3g\xe2\x80\x93%.3g nm", lo, hi);
	else
		snprintf(g->name, sizeof g->name, "wbin %ld", g->wbin);
}

/* The columns a kind reads from its table (kinds that read their own
 * leave them 0; wmin/wmax -1 when the table has no wavelength range). */
struct columns {
	size_t wbin, x, y, err, lo, hi, aux, n_bins;
	long wmin, wmax;
};

static struct columns
kind_columns(const struct table *t, enum kind kind)
{
	struct columns c = { .wmin = -1, .wmax = -1 };

	c.wbin = table_require_numeric(t, "wbin");
	switch (kind) {
	case K_FANO:
	case K_NXS:
		c.x = table_require_numeric(t, "timescale_s");
		c.y = table_require_numeric(t, kind == K_FANO ? "fano" : "nxs");
		c.err = table_require_numeric(t, kind == K_FANO ? "fano_err" : "nxs_err");
		c.n_bins = table_require_numeric(t, "n_bins");
		c.wmin = (long)table_require_numeric(t, "wmin_nm");
		c.wmax = (long)table_require_numeric(t, "wmax_nm");
		break;
	case K_LCURVE:
		c.lo = table_require_numeric(t, "time_start");
		c.hi = table_require_numeric(t, "time_stop");
		c.y = table_require_numeric(t, "rate");
		c.err = table_require_numeric(t, "rate_err");
		break;
	case K_PSD:
		c.x = table_require_numeric(t, "freq_hz");
		c.y = table_require_numeric(t, "power");
		c.err = table_require_numeric(t, "power_err");
		c.aux = table_require_numeric(t, "n_avg");
		break;
	case K_INTERARRIVAL:
		c.lo = table_require_numeric(t, "dt_lo_s");
		c.hi = table_require_numeric(t, "dt_hi_s");
		c.y = table_require_numeric(t, "count");
		c.aux = table_require_numeric(t, "expected");
		break;
	default:
		/* The map and chunk kinds read their columns themselves. */
		break;
	}
	return c;
}

/* Row r as a point: x the bin centre for binned kinds, error bars from the
 * error column, aux the expectation (interarrival) or n_avg (psd). */
static struct pt
row_point(const struct table *t, size_t r, const struct columns *c, enum kind kind)
{
	struct pt p;

	memset(&p, 0, sizeof p);
	p.y = table_value(t, r, c->y);
	if (kind == K_LCURVE || kind == K_INTERARRIVAL) {
		p.xlo = table_value(t, r, c->lo);
		p.xhi = table_value(t, r, c->hi);
		p.x = 0.5 * (p.xlo + p.xhi);
	} else {
		p.x = table_value(t, r, c->x);
	}
	if (kind == K_INTERARRIVAL) {
		p.aux = table_value(t, r, c->aux);
	} else {
		double e = table_value(t, r, c->err);

		p.ylo = p.y - e, p.yhi = p.y + e;
		if (kind == K_PSD)
			p.aux = table_value(t, r, c->aux);
	}
	return p;
}

/* Read a table into groups of points per wanted wbin, sorted by x; the
 * map and chunk kinds get the named groups only. */
static void
read_dataset(struct dataset *d, const struct opts *o)
{
	struct table *t = table_read_path(d->path);
	struct columns c = kind_columns(t, o->kind);
	bool points = o->kind == K_FANO || o->kind == K_NXS || o->kind == K_LCURVE ||
		      o->kind == K_PSD || o->kind == K_INTERARRIVAL;

	d->t = t;
	if (table_n_rows(t) == 0)
		die(EXIT_RUNTIME, "%s: empty table: no rows", table_name(t));
	for (size_t r = 0; r < table_n_rows(t); r++) {
		double w = table_value(t, r, c.wbin);
		struct group *g;

		if (!(w >= -1) || w != floor(w))
			die(EXIT_RUNTIME, "%s:%lu: column 'wbin': not a wavelength bin index: '%s'",
			    table_name(t), table_row_line(t, r), table_text(t, r, c.wbin));
		if (!wanted_wbin(o, (long)w))
			continue;
		g = find_group(d, (long)w);
		if (g->n == 0 && !g->name[0])
			name_group(g, t, r, c.wmin, c.wmax);
		if (!points)
			continue;
		/* A variance of a handful of bins is noise that would set the
		 * y range (DESIGN §4a). */
		if ((o->kind == K_FANO || o->kind == K_NXS) &&
		    !(table_value(t, r, c.n_bins) >= (double)o->min_bins))
			continue;
		g->p = xrealloc(g->p, (g->n + 1) * sizeof *g->p);
		g->p[g->n++] = row_point(t, r, &c, o->kind);
	}
	for (size_t i = 0; i < d->n_g; i++)
		if (d->g[i].n)
			qsort(d->g[i].p, d->g[i].n, sizeof *d->g[i].p, by_x);
}

/* --- Building the figure ------------------------------------------------- */

/* Colour of a wavelength bin: its rank among the bins of all tables, so
 * the same bin has the same colour in A and B; all events in black. */
static struct plot_colour
wbin_colour(long wbin, const long *all_wbins, size_t n_all)
{
	if (wbin == -1)
		return plot_black;
	for (size_t i = 0; i < n_all; i++)
		if (all_wbins[i] == wbin)
			return plot_palette(i);
	return plot_grey;
}

static size_t marker_limit = 150;

static struct plot_style
dataset_style(size_t d, struct plot_colour colour, size_t n_points)
{
	static const enum plot_marker markers[] = {
		PLOT_MARK_CIRCLE, PLOT_MARK_SQUARE, PLOT_MARK_TRIANGLE, PLOT_MARK_DIAMOND
	};
	static const enum plot_dash dashes[] = { PLOT_SOLID, PLOT_DASHED, PLOT_DOTTED, PLOT_DASHDOT };
	struct plot_style st = { 0 };

	st.colour = colour;
	st.dash = dashes[d % 4];
	st.line_width = 2.5;
	/* Markers on a few hundred points would be a smear. */
	st.marker = n_points <= marker_limit ? markers[d % 4] : PLOT_MARK_NONE;
	st.open_marker = d > 0;
	return st;
}

static const char *
kind_title(enum kind k)
{
	switch (k) {
	case K_FANO: return "Fano factor";
	case K_NXS: return "Normalised excess variance";
	case K_LCURVE: return "Light curve";
	case K_PSD: return "Power spectrum";
	case K_INTERARRIVAL: return "Inter-arrival times";
	case K_COUNTS: return "Counts spectrum";
	case K_HEATMAP: return "Rate map";
	case K_CHUNKHIST: return "Chunk statistics";
	case K_CHUNKMAP: return "Where the top 1% chunks sit";
	case K_NONE: break;
	}
	return "";
}

/* "Fano factor — M82, ObsID 10542" from the first table's metadata. */
static char *
make_title(const struct opts *o, const struct dataset *d)
{
	json_t *meta = table_meta(d[0].t), *obs = json_object_get(meta, "obs_id");
	const char *object = meta_string(meta, "object"), *dataset = meta_string(meta, "dataset");
	char obs_text[64] = "", *s;
	size_t n = 512;

	if (o->title)
		return xstrdup(o->title);
	if (json_is_integer(obs))
		snprintf(obs_text, sizeof obs_text, "ObsID %lld", (long long)json_integer_value(obs));
	else if (json_is_string(obs))
		snprintf(obs_text, sizeof obs_text, "ObsID %s", json_string_value(obs));
	s = xmalloc(n);
	if (object && obs_text[0])
		snprintf(s, n, "%s \xe2\x80\x94 %s, %s", kind_title(o->kind), object, obs_text);
	else if (object || dataset)
		snprintf(s, n, "%s \xe2\x80\x94 %s", kind_title(o->kind), object ? object : dataset);
	else if (obs_text[0])
		snprintf(s, n, "%s \xe2\x80\x94 %s", kind_title(o->kind), obs_text);
	else
		snprintf(s, n, "%s", kind_title(o->kind));
	return s;
}

/* Append to a growing caption, "; " between parts. */
static void
caption_add(char **s, const char *fmt, ...)
{
	char part[600];
	va_list ap;
	size_t len = *s ? strlen(*s) : 0;

	va_start(ap, fmt);
	vsnprintf(part, sizeof part, fmt, ap);
	va_end(ap);
	*s = xrealloc(*s, len + strlen(part) + 4);
	sprintf(*s + len, "%s%s", len ? ";  " : "", part);
}

/* What a table is, "B: model of sample": its label and dataset. */
static void
table_entry(const struct dataset *d, char *buf, size_t size)
{
	json_t *m = table_meta(d->t);
	const char *what = meta_string(m, "dataset");

	if (!what)
		what = meta_string(m, "object");
	if (!what)
		what = d->path;
	/* A label that already names the dataset needs no repeat. */
	if (strstr(d->label, what))
		snprintf(buf, size, "%s", d->label);
	else
		snprintf(buf, size, "%s: %.60s", d->label, what);
}

/* What the overlaid tables are, when there are several. */
static void
caption_tables(char **s, const struct dataset *d, size_t n)
{
	char entry[400];

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		table_entry(&d[i], entry, sizeof entry);
		caption_add(s, "%s", entry);
	}
}

static void
add_points(struct plot_figure *f, enum plot_series_kind kind, const struct group *g,
	   const struct plot_style *st, bool errors, bool use_aux, const char *label)
{
	size_t n = g->n;
	double *x = xmalloc((n + 1) * sizeof *x), *y = xmalloc((n + 1) * sizeof *y);
	double *lo = xmalloc((n + 1) * sizeof *lo), *hi = xmalloc((n + 1) * sizeof *hi);
	double *xl = xmalloc((n + 1) * sizeof *xl), *xh = xmalloc((n + 1) * sizeof *xh);

	for (size_t i = 0; i < n; i++) {
		x[i] = g->p[i].x;
		y[i] = use_aux ? g->p[i].aux : g->p[i].y;
		lo[i] = g->p[i].ylo, hi[i] = g->p[i].yhi;
		xl[i] = g->p[i].xlo, xh[i] = g->p[i].xhi;
	}
	plot_figure_add(f, kind, n, x, y, errors ? lo : NULL, errors ? hi : NULL,
			kind == PLOT_POINTS ? NULL : xl, kind == PLOT_POINTS ? NULL : xh, st, label);
	free(x), free(y), free(lo), free(hi), free(xl), free(xh);
}

static void
legend_entry(struct plot_figure *f, const struct plot_style *st, const char *label)
{
	plot_figure_add(f, PLOT_POINTS, 0, NULL, NULL, NULL, NULL, NULL, NULL, st, label);
}

/* The dither periods of the instrument (Chandra dithers in a Lissajous
 * pattern: HRC 1087 s and 768 s, ACIS 1000 s and 707 s), else HRC's. */
static void
mark_dither(struct plot_figure *f, bool frequency, json_t *meta)
{
	struct plot_style st = { .colour = { 0.35, 0.35, 0.35 }, .dash = PLOT_DASHED,
				 .line_width = 1.5 };
	const char *instrument = meta_string(meta, "instrument");
	bool acis = instrument && strncmp(instrument, "ACIS", 4) == 0;
	double p[2] = { acis ? 1000 : 1087, acis ? 707 : 768 };

	for (int i = 0; i < 2; i++) {
		char label[48];

		snprintf(label, sizeof label, "%s dither %g s", acis ? "ACIS" : "HRC", p[i]);
		plot_figure_vline(f, frequency ? 1 / p[i] : p[i], &st, label, false);
	}
}

/* Every wavelength bin of every table in order of appearance, "all" (-1)
 * last; returns the count. */
static size_t
all_wbins(const struct dataset *d, size_t n_d, long **out)
{
	long *wb = NULL;
	size_t n_wb = 0;
	bool any_all = false;

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			bool seen = false;

			for (size_t k = 0; k < n_wb; k++)
				seen |= wb[k] == d[i].g[j].wbin;
			if (d[i].g[j].wbin == -1)
				any_all = true;
			else if (!seen) {
				wb = xrealloc(wb, (n_wb + 1) * sizeof *wb);
				wb[n_wb++] = d[i].g[j].wbin;
			}
		}
	if (any_all) {
		wb = xrealloc(wb, (n_wb + 1) * sizeof *wb);
		wb[n_wb++] = -1;
	}
	*out = wb;
	return n_wb;
}

static const struct group *
group_of(const struct dataset *d, long wbin)
{
	for (size_t j = 0; j < d->n_g; j++)
		if (d->g[j].wbin == wbin)
			return &d->g[j];
	return NULL;
}

/* The all-events group of a table, else its first. */
static const struct group *
main_group(const struct dataset *d)
{
	const struct group *g = group_of(d, -1);

	return g ? g : d->n_g ? &d->g[0] : NULL;
}

/* The Poisson ±1σ band around F = 1 (fano_err: the scatter a Poisson
 * process of the same counts would show), from the all-events rows of each
 * table.  Tables with about the same counts share one band; when they
 * differ (a B much brighter than A) each gets its own. */
static void
fano_bands(struct plot_figure *f, const struct dataset *d, size_t n_d)
{
	static const struct plot_colour tints[] = {
		{ 0.5, 0.5, 0.5 }, { 0.84, 0.55, 0.35 }, { 0.35, 0.6, 0.5 }, { 0.6, 0.45, 0.65 }
	};
	size_t n_bands = 1;

	for (size_t i = 1; i < n_d; i++) {
		const struct group *a = main_group(&d[0]), *b = main_group(&d[i]);

		if (!a || !b)
			continue;
		for (size_t p = 0; p < a->n; p++)
			for (size_t q = 0; q < b->n; q++) {
				double ea = a->p[p].yhi - a->p[p].ylo, eb = b->p[q].yhi - b->p[q].ylo;

				if (fabs(a->p[p].x - b->p[q].x) <= 1e-6 * a->p[p].x &&
				    fabs(ea - eb) > 0.2 * fmin(ea, eb))
					n_bands = n_d;
			}
	}
	for (size_t i = 0; i < n_bands; i++) {
		const struct group *g = main_group(&d[i]);
		struct plot_style st = { .colour = tints[i % 4], .alpha = n_bands > 1 ? 0.25 : 0.22 };
		double *x, *lo, *hi, *y;
		char label[160];

		if (!g || g->n == 0)
			continue;
		x = xmalloc(g->n * sizeof *x), y = xmalloc(g->n * sizeof *y);
		lo = xmalloc(g->n * sizeof *lo), hi = xmalloc(g->n * sizeof *hi);
		for (size_t k = 0; k < g->n; k++) {
			double e = 0.5 * (g->p[k].yhi - g->p[k].ylo);

			x[k] = g->p[k].x;
			y[k] = 1;
			lo[k] = 1 - e, hi[k] = 1 + e;
		}
		if (n_bands > 1)
			snprintf(label, sizeof label, "Poisson \xc2\xb1" "1\xcf\x83 for %.60s", d[i].label);
		else
			snprintf(label, sizeof label, "Poisson \xc2\xb1" "1\xcf\x83");
		plot_figure_add(f, PLOT_BAND, g->n, x, y, lo, hi, NULL, NULL, &st, label);
		free(x), free(y), free(lo), free(hi);
	}
}

/* Legend: one entry per wavelength bin (colour), one per table (style). */
static void
legend_bins_and_tables(struct plot_figure *f, const struct dataset *d, size_t n_d,
		       const long *wb, size_t n_wb, bool markers)
{
	size_t max_n = 0;

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++)
			max_n = d[i].g[j].n > max_n ? d[i].g[j].n : max_n;
	for (size_t k = 0; k < n_wb; k++) {
		struct plot_style st = dataset_style(0, wbin_colour(wb[k], wb, n_wb), max_n);
		const char *name = NULL;

		for (size_t i = 0; i < n_d && !name; i++)
			if (group_of(&d[i], wb[k]))
				name = group_of(&d[i], wb[k])->name;
		if (!markers)
			st.marker = PLOT_MARK_NONE;
		legend_entry(f, &st, name);
	}
	if (n_d > 1)
		for (size_t i = 0; i < n_d; i++) {
			struct plot_style st = dataset_style(i, plot_grey, max_n);

			if (!markers)
				st.marker = PLOT_MARK_NONE;
			legend_entry(f, &st, d[i].label);
		}
}

/* --- Fano factor and excess variance ------------------------------------- */

static struct plot_figure *
build_variance(const struct opts *o, struct dataset *d, size_t n_d, char **caption)
{
	struct plot_figure *f = plot_figure_new();
	long *wb;
	size_t n_wb = all_wbins(d, n_d, &wb);

	plot_figure_x(f, PLOT_LOG, "time scale \xce\x94t (s)");
	if (o->kind == K_FANO) {
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR, "Fano factor  F");
		if (!o->logy)
			plot_figure_y_floor(f, 0);
		fano_bands(f, d, n_d);
		plot_figure_hline(f, 1, &(struct plot_style){ .colour = plot_black, .line_width = 2 },
				  "Poisson F = 1", true);
	} else {
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR,
			      "excess variance  \xcf\x83\xc2\xb2" "NXS");
		plot_figure_hline(f, 0, &(struct plot_style){ .colour = plot_black, .line_width = 2 },
				  "Poisson (0)", true);
	}
	mark_dither(f, false, table_meta(d[0].t));
	legend_bins_and_tables(f, d, n_d, wb, n_wb, true);
	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			const struct group *g = &d[i].g[j];
			struct plot_style st = dataset_style(i, wbin_colour(g->wbin, wb, n_wb), g->n);

			add_points(f, PLOT_POINTS, g, &st, g->n <= 300, false, NULL);
		}
	if (o->kind == K_FANO)
		caption_add(caption, "F = variance / mean of the counts in bins of \xce\x94t");
	else
		caption_add(caption, "\xcf\x83\xc2\xb2" "NXS = (variance \xe2\x88\x92 mean) / mean\xc2\xb2");
	caption_add(caption, "points of fewer than %ld bins left out", o->min_bins);
	caption_tables(caption, d, n_d);
	free(wb);
	return f;
}

/* --- Light curves -------------------------------------------------------- */

/* TAI - UTC (s) at a UTC MJD, from 1997-07-01 on (Chandra's era and later):
 * the IERS leap seconds. */
static double
tai_minus_utc(double mjd_utc)
{
	static const struct { double mjd, dat; } leaps[] = {
		{ 50630, 31 }, { 51179, 32 }, { 53736, 33 }, { 54832, 34 },
		{ 56109, 35 }, { 57204, 36 }, { 57754, 37 },
	};
	double dat = 31;

	for (size_t i = 0; i < sizeof leaps / sizeof leaps[0]; i++)
		if (mjd_utc >= leaps[i].mjd)
			dat = leaps[i].dat;
	return dat;
}

/* "MJD 54618.13690 (TT) = 2008-06-01 03:15:59 UTC": T0 (mission seconds)
 * as a date, from the metadata's mjdref and timesys.  Empty when the
 * metadata has no mjdref. */
static void
t0_text(json_t *meta, double t0, char *buf, size_t size)
{
	double mjdref, mjd, mjd_utc;
	const char *sys = meta_string(meta, "timesys");
	time_t secs;
	struct tm tm;
	char date[40];

	buf[0] = '\0';
	if (!meta_number(meta, "mjdref", &mjdref) || !isfinite(t0))
		return;
	mjd = mjdref + t0 / 86400;
	if (!sys || strcmp(sys, "TT") == 0)
		mjd_utc = mjd - (32.184 + tai_minus_utc(mjd)) / 86400;
	else if (strcmp(sys, "UTC") == 0)
		mjd_utc = mjd;
	else {
		snprintf(buf, size, "MJD %.5f (%s)", mjd, sys);
		return;
	}
	secs = (time_t)llround((mjd_utc - 40587) * 86400);
	gmtime_r(&secs, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, size, "MJD %.5f (%s) = %s UTC", mjd, sys ? sys : "TT", date);
}

/* The time axis title: time since T0, saying where its zero is (as a
 * date when the metadata allows, else in mission seconds). */
static void
time_axis_title(json_t *meta, double t0, char *buf, size_t size)
{
	char when[128];

	t0_text(meta, t0, when, sizeof when);
	if (when[0])
		snprintf(buf, size, "time since T0 (s);  T0 = %s", when);
	else
		snprintf(buf, size, "time since T0 = %.1f s mission time (s)", t0);
}

/* Whether the mean positive rates of the curves are more than a factor 30
 * apart (a bright B over a faint A, narrow bins under all events): each
 * then keeps its shape only on a log axis. */
static bool
curves_far_apart(const struct dataset *d, size_t n_d)
{
	double lo = INFINITY, hi = 0;

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			double sum = 0;
			size_t n = 0;

			for (size_t r = 0; r < d[i].g[j].n; r++)
				if (d[i].g[j].p[r].y > 0)
					sum += d[i].g[j].p[r].y, n++;
			if (n)
				lo = fmin(lo, sum / (double)n), hi = fmax(hi, sum / (double)n);
		}
	return hi > 30 * lo;
}

static struct plot_figure *
build_lcurve(const struct opts *o, struct dataset *d, size_t n_d, char **caption)
{
	struct plot_figure *f = plot_figure_new();
	long *wb;
	size_t n_wb = all_wbins(d, n_d, &wb);
	double t0 = INFINITY;
	char xlabel[200];

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++)
			for (size_t r = 0; r < d[i].g[j].n; r++)
				if (isfinite(d[i].g[j].p[r].xlo) && d[i].g[j].p[r].xlo < t0)
					t0 = d[i].g[j].p[r].xlo;
	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++)
			for (size_t r = 0; r < d[i].g[j].n; r++) {
				struct pt *p = &d[i].g[j].p[r];

				p->x -= t0, p->xlo -= t0, p->xhi -= t0;
			}
	time_axis_title(table_meta(d[0].t), t0, xlabel, sizeof xlabel);
	plot_figure_x(f, PLOT_LINEAR, xlabel);
	plot_figure_y(f, o->logy || curves_far_apart(d, n_d) ? PLOT_LOG : PLOT_LINEAR,
		      "count rate (counts/s)");
	legend_bins_and_tables(f, d, n_d, wb, n_wb, false);
	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			const struct group *g = &d[i].g[j];
			struct plot_style st = dataset_style(i, wbin_colour(g->wbin, wb, n_wb), g->n);

			add_points(f, PLOT_STEPS, g, &st, true, false, NULL);
		}
	caption_tables(caption, d, n_d);
	free(wb);
	return f;
}

/* --- Inter-arrival times ------------------------------------------------- */

/* The KS line of a table for one wbin, "D = 0.012, p = 0.41". */
static bool
ks_text(const struct dataset *d, long wbin, char *buf, size_t size)
{
	const char *line;

	for (size_t i = 0; (line = table_comment_nth(d->t, "ks", i)); i++) {
		const char *w = strstr(line, "wbin="), *dp = strstr(line, "D="), *pp = strstr(line, " p=");
		double dv, pv;

		if (w && atol(w + 5) != wbin)
			continue;
		if (!dp || !pp)
			continue;
		dv = strtod(dp + 2, NULL);
		pv = strtod(pp + 3, NULL);
		if (pv < 1e-300)
			snprintf(buf, size, "D = %.3f, p < 1e-300", dv);
		else if (pv < 1e-3)
			snprintf(buf, size, "D = %.3f, p = %.1e", dv, pv);
		else
			snprintf(buf, size, "D = %.3f, p = %.2g", dv, pv);
		return true;
	}
	return false;
}

/* Frame-quantised times (ACIS: every event of a frame shares one stamp)
 * give inter-arrival times that are whole frames, so histogram bins
 * narrower than a frame alternate between full and empty.  Merged into
 * one bin per frame multiple, k*tau +- tau/2, the histogram reads as what
 * it is. */
static void
merge_to_frames(struct group *g, double tau)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct pt p = g->p[i];
		/* The frame multiple inside the bin, where its counts are;
		 * a bin holding none (necessarily empty) goes to the nearest. */
		long k = (long)ceil(p.xlo / tau - 1e-9);

		if (!((double)k * tau < p.xhi))
			k = lround(p.x / tau);
		if (n > 0 && lround(g->p[n - 1].x / tau) == k) {
			g->p[n - 1].y += p.y;
			g->p[n - 1].aux += p.aux;
			continue;
		}
		/* Edges on the frame midpoints, x the frame multiple itself. */
		p.x = (double)k * tau;
		p.xlo = fmax(0, ((double)k - 0.5) * tau);
		p.xhi = ((double)k + 0.5) * tau;
		g->p[n++] = p;
	}
	g->n = n;
}

/* The frame time of a histogram of frame-quantised inter-arrival times,
 * when the table's metadata does not give it (a stream made before fits2ev
 * recorded timedel): bins where the exponential expects five or more events
 * but which hold none are impossible for a Poisson process (P < 0.7%), so
 * when two in five such bins are empty the times are whole frames.  The
 * frame time is then the slope of the occupied runs of bins against their
 * frame numbers.  0 when the histogram does not look quantised. */
static double
estimate_frame_time(const struct group *g)
{
	size_t n_expect = 0, n_empty = 0, n_runs = 0;
	double *c = xmalloc((g->n + 1) * sizeof *c), tau0, sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (size_t i = 0; i < g->n; i++)
		if (g->p[i].aux >= 5) {
			n_expect++;
			n_empty += g->p[i].y == 0;
		}
	if (n_expect < 10 || 5 * n_empty < 2 * n_expect) {
		free(c);
		return 0;
	}
	/* Count-weighted centres of the runs of occupied bins. */
	for (size_t i = 0; i < g->n;) {
		double w = 0, m = 0;

		if (!(g->p[i].y > 0)) {
			i++;
			continue;
		}
		for (; i < g->n && g->p[i].y > 0; i++)
			w += g->p[i].y, m += g->p[i].y * g->p[i].x;
		c[n_runs++] = m / w;
	}
	if (n_runs < 4) {
		free(c);
		return 0;
	}
	/* A first guess from neighbouring runs, then a fit over all. */
	tau0 = c[2] - c[1];
	for (size_t j = 1; j < n_runs; j++) {
		double k = round(c[j] / tau0);

		sx += k, sy += c[j], sxx += k * k, sxy += k * c[j];
	}
	free(c);
	{
		double n = (double)(n_runs - 1), den = n * sxx - sx * sx;

		return den > 0 ? (n * sxy - sx * sy) / den : 0;
	}
}

/* The frame time of a table: its metadata's timedel, else estimated from
 * the bin whose histogram is finest (*estimated then set); 0 for none. */
static double
table_frame_time(const struct dataset *d, bool *estimated)
{
	double t = 0, finest = INFINITY;

	if (meta_number(table_meta(d->t), "timedel", &t) && t > 0)
		return t;
	t = 0;
	for (size_t j = 0; j < d->n_g; j++) {
		const struct group *g = &d->g[j];
		double e;

		if (g->n > 1 && g->p[0].xhi - g->p[0].xlo < finest && (e = estimate_frame_time(g)) > 0)
			t = e, finest = g->p[0].xhi - g->p[0].xlo;
	}
	*estimated |= t > 0;
	return t;
}

/* Merge bins narrower than a frame to whole frames (one clock per table)
 * and set the Poisson counting errors.  Returns whether any table was
 * merged, with the largest frame time merged to in *tau. */
static bool
frame_histograms(struct dataset *d, size_t n_d, double *tau, bool *estimated)
{
	bool framed = false;

	*tau = 0;
	for (size_t i = 0; i < n_d; i++) {
		double t = table_frame_time(&d[i], estimated);

		for (size_t j = 0; j < d[i].n_g; j++) {
			struct group *g = &d[i].g[j];

			if (t > 0 && g->n > 1 && g->p[0].xhi - g->p[0].xlo < 0.75 * t) {
				merge_to_frames(g, t);
				framed = true;
				*tau = fmax(*tau, t);
			}
			for (size_t r = 0; r < g->n; r++) {
				g->p[r].ylo = g->p[r].y - sqrt(g->p[r].y);
				g->p[r].yhi = g->p[r].y + sqrt(g->p[r].y);
			}
		}
	}
	return framed;
}

/* The axes of the panel of one wbin, and its tag: the bin's name, with
 * the KS result when there is one table. */
static void
interarrival_axes(struct plot_figure *f, const struct dataset *d, size_t n_d, long wbin,
		  size_t n_wb)
{
	double wmin = INFINITY, wmax = 0, lo = INFINITY;
	const char *name = NULL;
	char tag[200] = "";

	for (size_t i = 0; i < n_d; i++) {
		const struct group *g = group_of(&d[i], wbin);
		char ks[96];

		if (!g)
			continue;
		if (!name)
			name = g->name;
		for (size_t r = 0; r < g->n; r++) {
			double w = g->p[r].xhi - g->p[r].xlo;

			if (w > 0)
				wmin = fmin(wmin, w), wmax = fmax(wmax, w);
			lo = fmin(lo, g->p[r].xlo);
		}
		if (n_d == 1 && ks_text(&d[i], wbin, ks, sizeof ks))
			snprintf(tag, sizeof tag, "%s   KS %s", g->name, ks);
	}
	if (!tag[0])
		snprintf(tag, sizeof tag, "%s", name ? name : "");
	/* Geometric bins read best on a log axis. */
	plot_figure_x(f, lo > 0 && wmax > 5 * wmin ? PLOT_LOG : PLOT_LINEAR, "inter-arrival time (s)");
	plot_figure_y(f, PLOT_LOG, "events per bin");
	/* The expectation's far tail must not squash the observed counts. */
	plot_figure_y_floor(f, 0.3);
	if (n_wb > 1 || n_d == 1) {
		plot_figure_tag(f, tag);
		/* The tag, with its KS result, is as wide as half the panel:
		 * room above the histogram, not over it. */
		plot_figure_y_headroom(f, 0.22);
	}
}

/* Whether interarrival compared a table with a Poisson process seen on
 * the frame grid (its "# note: frames: ..." line: the stream had timedel)
 * rather than with the exponential; *tau the frame time. */
static bool
frame_model(const struct dataset *d, double *tau)
{
	const char *note;

	for (size_t i = 0; (note = table_comment_nth(d->t, "note", i)); i++)
		if (strncmp(note, "frames:", 7) == 0) {
			if (!meta_number(table_meta(d->t), "timedel", tau))
				*tau = strtod(note + strcspn(note, "0123456789"), NULL);
			return true;
		}
	return false;
}

/* The name of the expectation the tables were compared with: the
 * exponential, the frame-grid model, or each table's own when they differ. */
static const char *
expectation_name(const struct dataset *d, size_t n_d)
{
	size_t n_framed = 0;
	double tau;

	for (size_t i = 0; i < n_d; i++)
		n_framed += frame_model(&d[i], &tau);
	return n_framed == 0 ? "exponential expectation"
	       : n_framed == n_d ? "frame-grid expectation" : "expectation";
}

/* Each table's observed histogram (solid) and expectation (dotted) in the
 * panel of one wbin, the k-th. */
static void
interarrival_series(struct plot_figure *f, const struct dataset *d, size_t n_d, long wbin,
		    size_t k)
{
	for (size_t i = 0; i < n_d; i++) {
		const struct group *g = group_of(&d[i], wbin);
		struct plot_style st = dataset_style(i, plot_palette(i), 0);
		struct plot_style ex = st;
		char label[200], ks[96];

		if (!g)
			continue;
		st.marker = PLOT_MARK_NONE;
		st.line_width = 2.5;
		if (n_d > 1 && ks_text(&d[i], wbin, ks, sizeof ks))
			snprintf(label, sizeof label, "%s  KS %s", d[i].label, ks);
		else
			snprintf(label, sizeof label, "%s", n_d > 1 ? d[i].label : "observed");
		/* One table: the caption says which line is which, so no
		 * legend competes with the panel's tag for the top. */
		add_points(f, PLOT_STEPS, g, &st, true, false, n_d > 1 ? label : NULL);
		ex.dash = PLOT_DOTTED;
		ex.line_width = 3;
		ex.marker = PLOT_MARK_NONE;
		if (n_d > 1)
			ex.colour = plot_black;
		add_points(f, PLOT_POINTS, g, &ex, false, true,
			   n_d > 1 && k == 0 && i == 0 ? expectation_name(d, n_d) : NULL);
	}
}

/* What the dotted line and the KS test compare with: the exponential, or
 * (the stream had timedel) a Poisson process seen on the frame grid, whose
 * gaps are whole frames, geometric beyond the first. */
static void
expectation_caption(char **caption, const struct dataset *d, size_t n_d)
{
	size_t n_framed = 0;
	double tau = NAN;
	char framed[200] = "";

	for (size_t i = 0; i < n_d; i++)
		if (frame_model(&d[i], &tau)) {
			size_t len = strlen(framed);

			n_framed++;
			snprintf(framed + len, sizeof framed - len, "%s%.40s", len ? ", " : "", d[i].label);
		}
	if (n_framed == 0) {
		if (n_d == 1)
			caption_add(caption, "solid: observed, dotted: the exponential expectation");
		caption_add(caption, "KS: Kolmogorov\xe2\x80\x93Smirnov test against the exponential");
		return;
	}
	if (n_d == 1)
		caption_add(caption, "solid: observed, dotted: the expectation of a Poisson process "
			    "seen on the %.4g s frame grid (gaps of whole frames, geometric)", tau);
	else if (n_framed == n_d)
		caption_add(caption, "dotted: the expectation of a Poisson process seen on the "
			    "frame grid (gaps of whole frames, geometric)");
	else
		caption_add(caption, "dotted: each table's expectation, a Poisson process seen on "
			    "the frame grid for %s (gaps of whole frames, geometric), else the "
			    "exponential", framed);
	caption_add(caption, "KS: Kolmogorov\xe2\x80\x93Smirnov test against %s",
		    n_framed == n_d ? "that frame-grid model" : "each table's expectation");
}

static void
interarrival_caption(char **caption, const struct dataset *d, size_t n_d, bool framed,
		     bool estimated, double tau)
{
	if (framed)
		caption_add(caption, "times are frame stamps: bins merged to whole frames of %s%.4g s",
			    estimated ? "about " : "", tau);
	expectation_caption(caption, d, n_d);
	caption_tables(caption, d, n_d);
}

/* One panel per wavelength bin (shared time axis), each with every
 * table's histogram against its expectation. */
static size_t
build_interarrival(const struct opts *o, struct dataset *d, size_t n_d, char **caption,
		   struct plot_figure ***panels)
{
	long *wb;
	size_t n_wb = all_wbins(d, n_d, &wb);
	struct plot_figure **p = xcalloc(n_wb + 1, sizeof *p);
	double tau;
	bool estimated = false, framed = frame_histograms(d, n_d, &tau, &estimated);

	(void)o;
	for (size_t k = 0; k < n_wb; k++) {
		p[k] = plot_figure_new();
		interarrival_axes(p[k], d, n_d, wb[k], n_wb);
		interarrival_series(p[k], d, n_d, wb[k], k);
	}
	interarrival_caption(caption, d, n_d, framed, estimated, tau);
	free(wb);
	*panels = p;
	return n_wb;
}

/* --- Power spectra ------------------------------------------------------- */

/* The upper tail of chi-squared with 2n degrees of freedom at 2x:
 * Q(n, x) = exp(-x) sum_{k<n} x^k / k!, summed in logs. */
static double
chi2_2n_tail(long n, double x)
{
	double lx = log(x), top = -INFINITY, sum = 0;

	if (x <= 0)
		return 1;
	for (long k = 0; k < n; k++)
		top = fmax(top, -x + (double)k * lx - lgamma((double)k + 1));
	for (long k = 0; k < n; k++)
		sum += exp(-x + (double)k * lx - lgamma((double)k + 1) - top);
	return fmin(1, exp(top) * sum);
}

/* The single-trial detection level of an average of n Leahy powers: the
 * power P such that n*P ~ chi2(2n) exceeds it with probability `p`. */
static double
leahy_level(long n, double p)
{
	double lo = 0, hi = (double)n + 12 * sqrt((double)n) + 60;

	for (int it = 0; it < 200 && hi - lo > 1e-10 * hi; it++) {
		double mid = 0.5 * (lo + hi);

		if (chi2_2n_tail(n, mid) > p)
			lo = mid;
		else
			hi = mid;
	}
	return 2 * 0.5 * (lo + hi) / (double)n;
}

/* Average the powers of g in frequency bins [f1 c^j, f1 c^(j+1)) (f1 the
 * lowest frequency): each point becomes the n-weighted mean power of its
 * bin, n = the number of powers averaged (segments times frequencies),
 * with the error P/sqrt(n) of such an average.  c = 1: no rebinning.  The
 * count of averaged powers goes to aux. */
static void
log_rebin(struct group *g, double c)
{
	size_t n = 0;
	double f1;
	long prev = -1;

	if (g->n == 0)
		return;
	f1 = g->p[0].x;
	for (size_t i = 0; i < g->n; i++) {
		struct pt p = g->p[i];
		double m = p.aux >= 1 ? p.aux : 1;
		long j = c > 1 && f1 > 0 ? (long)floor(log(p.x / f1) / log(c) + 1e-9) : (long)i;

		if (!isfinite(p.y) || !(p.x > 0))
			continue;
		if (n > 0 && j == prev) {
			struct pt *q = &g->p[n - 1];

			q->x += m * p.x;
			q->y += m * p.y;
			q->aux += m;
			q->xhi = p.x;
			continue;
		}
		g->p[n].x = m * p.x;
		g->p[n].y = m * p.y;
		g->p[n].aux = m;
		g->p[n].xlo = g->p[n].xhi = p.x;
		n++;
		prev = j;
	}
	for (size_t i = 0; i < n; i++) {
		struct pt *q = &g->p[i];

		q->x /= q->aux;
		q->y /= q->aux;
		q->ylo = q->y - q->y / sqrt(q->aux);
		q->yhi = q->y + q->y / sqrt(q->aux);
	}
	g->n = n;
}

/* The bin width and segment length a psd table was made with: from its
 * frequencies j/seg, j = 1 .. seg/dt/2 - 1 (psd(1)), which are what was used
 * (with a frame time psd rounds --dt to whole frames and --seg to an even
 * number of them); else --dt and --seg of the psd command in its history. */
static void
psd_parameters(const struct table *t, double *dt, double *seg)
{
	json_t *h = json_object_get(table_meta(t), "history"), *v;
	long col = table_column(t, "freq_hz");
	double fmin = INFINITY, fmax = 0;
	size_t k;

	for (size_t r = 0; col >= 0 && r < table_n_rows(t); r++) {
		double f = table_value(t, r, (size_t)col);

		if (f > 0) {
			fmin = fmin < f ? fmin : f;
			fmax = fmax > f ? fmax : f;
		}
	}
	if (fmax > 0) {
		*seg = 1 / fmin;
		*dt = *seg / (2 * (nearbyint(fmax / fmin) + 1));
		return;
	}
	*dt = *seg = NAN;
	json_array_foreach(h, k, v) {
		const char *s = json_string_value(v), *a;

		if (!s || strncmp(s, "psd", 3) != 0 || (s[3] != ' ' && s[3] != '\0'))
			continue;
		if ((a = strstr(s, "--dt")))
			*dt = strtod(a + 5, NULL);
		if ((a = strstr(s, "--seg")))
			*seg = strtod(a + 6, NULL);
	}
}

static void
add_level(struct plot_figure *f, const struct group *g, double p, enum plot_dash dash,
	  const char *label)
{
	double *x = xmalloc((g->n + 1) * sizeof *x), *y = xmalloc((g->n + 1) * sizeof *y);
	struct plot_style st = { .colour = { 0.3, 0.3, 0.3 }, .dash = dash, .line_width = 1.8 };

	for (size_t i = 0; i < g->n; i++) {
		x[i] = g->p[i].x;
		y[i] = leahy_level(lround(g->p[i].aux), p);
	}
	plot_figure_add(f, PLOT_POINTS, g->n, x, y, NULL, NULL, NULL, NULL, &st, label);
	free(x), free(y);
}

/* Log-rebin every group; returns whether every group averages as many
 * segments as the first table's first (*n_avg, NaN when none). */
static bool
rebin_all(const struct opts *o, struct dataset *d, size_t n_d, double *n_avg)
{
	bool same_n = true;

	*n_avg = NAN;
	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			if (d[i].g[j].n && i == 0 && !isfinite(*n_avg))
				*n_avg = d[i].g[j].p[0].aux;
			if (d[i].g[j].n && isfinite(*n_avg) && d[i].g[j].p[0].aux != *n_avg)
				same_n = false;
			log_rebin(&d[i].g[j], o->rebin);
		}
	return same_n;
}

/* The panel of one wbin, the k-th of n_wb: every table's powers and the
 * first table's detection levels; the legend in the first panel only. */
static struct plot_figure *
psd_panel(const struct dataset *d, size_t n_d, const long *wb, size_t n_wb, size_t k,
	  const char *l99, const char *l999)
{
	struct plot_figure *f = plot_figure_new();
	const struct group *first = NULL;
	const char *name = NULL;

	plot_figure_x(f, PLOT_LOG, "frequency (Hz)");
	plot_figure_y(f, PLOT_LOG, "Leahy power");
	/* Not in a corner free of data: A's and B's figures of an analysis,
	 * side by side, have their legends in the same place. */
	plot_figure_legend_above(f);
	plot_figure_hline(f, 2, &(struct plot_style){ .colour = plot_black, .line_width = 1.5 },
			  k == 0 ? "white noise 2" : NULL, true);
	mark_dither(f, true, table_meta(d[0].t));
	for (size_t i = 0; i < n_d; i++) {
		const struct group *g = group_of(&d[i], wb[k]);

		if (g && !first)
			first = g;
		if (g && !name)
			name = g->name;
	}
	for (size_t i = 0; i < n_d; i++) {
		const struct group *g = group_of(&d[i], wb[k]);
		struct plot_style st;
		char label[200];

		if (!g)
			continue;
		st = dataset_style(i, n_wb > 1 ? plot_palette(i) : wbin_colour(wb[k], wb, n_wb), g->n);
		st.line_width = 1.5;
		snprintf(label, sizeof label, "%s", n_d > 1 ? d[i].label : n_wb > 1 ? "averaged power" : name);
		add_points(f, PLOT_POINTS, g, &st, true, false, k == 0 ? label : NULL);
	}
	if (first) {
		add_level(f, first, 0.01, PLOT_DASHED, k == 0 ? l99 : NULL);
		add_level(f, first, 0.001, PLOT_DOTTED, k == 0 ? l999 : NULL);
	}
	if (n_wb > 1)
		plot_figure_tag(f, name);
	return f;
}

static void
psd_caption(const struct opts *o, char **caption, const struct dataset *d, size_t n_d,
	    double n_avg)
{
	double dt, seg;

	psd_parameters(d[0].t, &dt, &seg);
	if (isfinite(dt))
		caption_add(caption, "dt = %.6g s", dt);
	if (isfinite(seg))
		caption_add(caption, "segments of %.6g s", seg);
	if (isfinite(n_avg))
		caption_add(caption, "n_avg = %g segments", n_avg);
	if (o->rebin > 1)
		caption_add(caption, "powers averaged in bins %g\xc3\x97 wider each (log rebinning)",
			    o->rebin);
	caption_tables(caption, d, n_d);
}

/* One panel per wavelength bin when there are several (shared frequency
 * axis), each with A, B... overlaid. */
static size_t
build_psd(const struct opts *o, struct dataset *d, size_t n_d, char **caption,
	  struct plot_figure ***panels)
{
	long *wb;
	size_t n_wb = all_wbins(d, n_d, &wb);
	double n_avg;
	struct plot_figure **p = xcalloc(n_wb + 1, sizeof *p);
	bool same_n;
	char l99[64], l999[64];

	marker_limit = 60;
	same_n = rebin_all(o, d, n_d, &n_avg);
	/* The levels are the first table's; another averaging other numbers
	 * of segments has its own, higher or lower. */
	snprintf(l99, sizeof l99, "99%% single trial%s%s%s", same_n ? "" : " (", same_n ? "" : d[0].label,
		 same_n ? "" : ")");
	snprintf(l999, sizeof l999, "99.9%%%s%s%s", same_n ? "" : " (", same_n ? "" : d[0].label,
		 same_n ? "" : ")");
	for (size_t k = 0; k < n_wb; k++)
		p[k] = psd_panel(d, n_d, wb, n_wb, k, l99, l999);
	psd_caption(o, caption, d, n_d, n_avg);
	free(wb);
	*panels = p;
	return n_wb;
}

/* --- Counts spectrum ----------------------------------------------------- */

/* The number of bars without wavelength edges: one per wbin index seen
 * (at least one). */
static size_t
n_bars(const struct dataset *d, size_t n_d)
{
	size_t n_b = 0;

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++)
			if ((size_t)(d[i].g[j].wbin + 1) > n_b)
				n_b = (size_t)(d[i].g[j].wbin + 1);
	return n_b ? n_b : 1;
}

/* A table's counts and exposure summed per bin b < n_b; returns whether
 * the table has only all-events rows (wbin -1, then counted in bin 0 of
 * a single bar). */
static bool
sum_counts(const struct opts *o, struct table *t, size_t n_b, double *cnt, double *exp_s)
{
	size_t cw = table_require_numeric(t, "wbin"), cc = table_require_numeric(t, "counts");
	size_t ce = table_require_numeric(t, "exposure_s");
	bool only_all = true;

	for (size_t r = 0; r < table_n_rows(t); r++)
		only_all &= table_value(t, r, cw) == -1;
	for (size_t r = 0; r < table_n_rows(t); r++) {
		double w = table_value(t, r, cw), c = table_value(t, r, cc), e = table_value(t, r, ce);
		long b = (long)w;

		if (w == -1 && only_all && n_b == 1)
			b = 0;
		if (b < 0 || (size_t)b >= n_b || !wanted_wbin(o, (long)w))
			continue;
		if (isfinite(c) && isfinite(e))
			cnt[b] += c, exp_s[b] += e;
	}
	return only_all;
}

/* Table i's rates per nm (steps over the wavelength edges) or per bin
 * (bars side by side in each category); widens [*ymin, *ymax] to the
 * positive rates.  Returns whether the table has only all-events rows. */
static bool
counts_series(struct plot_figure *f, const struct opts *o, const struct dataset *d, size_t i,
	      size_t n_d, const double *edges, size_t n_b, double *ymin, double *ymax)
{
	double *cnt = xcalloc(n_b, sizeof *cnt), *exp_s = xcalloc(n_b, sizeof *exp_s);
	double *x = xmalloc(n_b * sizeof *x), *y = xmalloc(n_b * sizeof *y);
	double *lo = xmalloc(n_b * sizeof *lo), *hi = xmalloc(n_b * sizeof *hi);
	double *xl = xmalloc(n_b * sizeof *xl), *xh = xmalloc(n_b * sizeof *xh);
	struct plot_style st = dataset_style(i, plot_palette(i), 0);
	bool only_all = sum_counts(o, d[i].t, n_b, cnt, exp_s);

	for (size_t b = 0; b < n_b; b++) {
		double width = edges ? edges[b + 1] - edges[b] : 1;
		double rate = exp_s[b] > 0 ? cnt[b] / exp_s[b] / width : NAN;
		double err = exp_s[b] > 0 ? sqrt(cnt[b]) / exp_s[b] / width : NAN;

		if (edges) {
			xl[b] = edges[b], xh[b] = edges[b + 1];
		} else {
			double bw = 0.8 / (double)n_d;

			xl[b] = (double)b - 0.4 + bw * (double)i + 0.06 * bw;
			xh[b] = xl[b] + 0.88 * bw;
		}
		x[b] = 0.5 * (xl[b] + xh[b]);
		y[b] = rate, lo[b] = rate - err, hi[b] = rate + err;
		if (rate > 0)
			*ymin = fmin(*ymin, rate), *ymax = fmax(*ymax, rate);
	}
	if (edges) {
		st.marker = PLOT_MARK_NONE;
		st.line_width = 2.5;
		plot_figure_add(f, PLOT_STEPS, n_b, x, y, lo, hi, xl, xh, &st, d[i].label);
	} else {
		struct plot_style bs = { .colour = plot_palette(i), .alpha = 0.55 };

		plot_figure_add(f, PLOT_BARS, n_b, x, y, lo, hi, xl, xh, &bs, n_d > 1 ? d[i].label : NULL);
	}
	free(cnt), free(exp_s), free(x), free(y), free(lo), free(hi), free(xl), free(xh);
	return only_all;
}

/* Without wavelength edges: a category per bar, "wbin N" (or "all
 * events" for a single band). */
static void
counts_categories(struct plot_figure *f, size_t n_b, bool all_only)
{
	const char **names = xcalloc(n_b, sizeof *names);

	for (size_t b = 0; b < n_b; b++) {
		names[b] = xmalloc(32);
		if (all_only && n_b == 1)
			snprintf((char *)names[b], 32, "all events");
		else
			snprintf((char *)names[b], 32, "wbin %zu", b);
	}
	plot_figure_x_categories(f, n_b, names);
	plot_figure_x(f, PLOT_LINEAR, all_only ? "one band (no wavelengths)"
					       : "wavelength bin (no wavelength edges in the metadata)");
	for (size_t b = 0; b < n_b; b++)
		free((char *)names[b]);
	free(names);
}

/* Rate per nm against wavelength, from lcurve tables: each wavelength bin's
 * counts over its exposure and width, so that tables of different exposure
 * or bins of different width compare; a log y axis when the rates span
 * more than a factor 30 (a B much brighter than A must not hide A). */
static struct plot_figure *
build_counts(const struct opts *o, struct dataset *d, size_t n_d, char **caption)
{
	struct plot_figure *f = plot_figure_new();
	double *edges = NULL, ymin = INFINITY, ymax = 0;
	size_t n_edges = 0;
	bool by_nm = meta_wbin_edges(table_meta(d[0].t), &edges, &n_edges) && n_edges >= 2;
	size_t n_b = by_nm ? n_edges - 1 : n_bars(d, n_d);
	bool all_only = true, log_y;

	for (size_t i = 0; i < n_d; i++)
		all_only &= counts_series(f, o, d, i, n_d, by_nm ? edges : NULL, n_b, &ymin, &ymax);
	log_y = o->logy || ymax > 30 * ymin;
	if (by_nm) {
		plot_figure_x(f, PLOT_LINEAR, "wavelength (nm)");
		plot_figure_y(f, log_y ? PLOT_LOG : PLOT_LINEAR,
			      "rate (counts s\xe2\x81\xbb\xc2\xb9 nm\xe2\x81\xbb\xc2\xb9)");
		caption_add(caption, "counts over exposure and bin width, \xe2\x88\x9aN errors");
	} else {
		counts_categories(f, n_b, all_only);
		plot_figure_y(f, log_y ? PLOT_LOG : PLOT_LINEAR, "count rate (counts/s)");
	}
	if (!log_y)
		plot_figure_y_floor(f, 0);
	caption_tables(caption, d, n_d);
	free(edges);
	return f;
}

/* --- Heat map ------------------------------------------------------------ */

/* Whether wavelength edges are log-spaced (wbin --log): the widths grow by
 * one factor and span more than two to one, so a log axis draws the bins
 * evenly. */
static bool
edges_geometric(const double *e, size_t n)
{
	double r;

	if (n < 3 || !(e[0] > 0))
		return false;
	r = e[1] / e[0];
	for (size_t i = 1; i + 1 < n; i++)
		if (!(e[i] > 0) || fabs(e[i + 1] / e[i] - r) > 1e-6 * r)
			return false;
	return (e[n - 1] - e[n - 2]) > 2 * (e[1] - e[0]);
}

/* The earliest time_start of all tables (their common T0); checks the
 * columns a heat map reads. */
static double
heatmap_t0(const struct dataset *d, size_t n_d)
{
	double t0 = INFINITY;

	for (size_t i = 0; i < n_d; i++) {
		struct table *t = d[i].t;
		size_t cs = table_require_numeric(t, "time_start");

		table_require_numeric(t, "time_stop");
		table_require_numeric(t, "rate");
		table_require_numeric(t, "exposure_s");
		for (size_t r = 0; r < table_n_rows(t); r++)
			t0 = fmin(t0, table_value(t, r, cs));
	}
	return t0;
}

/* The map of one table: a cell per row of a wanted wbin, time since t0 by
 * wavelength, valued counts/s/nm (NaN without exposure); widens *zmax. */
static struct plot_figure *
heatmap_panel(const struct opts *o, const struct dataset *d, size_t n_d, double t0,
	      const char *xlabel, double *zmax)
{
	struct table *t = d->t;
	size_t cw = table_require_numeric(t, "wbin"), cs = table_require_numeric(t, "time_start");
	size_t ct = table_require_numeric(t, "time_stop"), cr = table_require_numeric(t, "rate");
	size_t ce = table_require_numeric(t, "exposure_s");
	size_t nr = table_n_rows(t), n = 0;
	double *edges = NULL, *xl = xmalloc((nr + 1) * sizeof *xl), *xh = xmalloc((nr + 1) * sizeof *xh);
	double *yl = xmalloc((nr + 1) * sizeof *yl), *yh = xmalloc((nr + 1) * sizeof *yh);
	double *z = xmalloc((nr + 1) * sizeof *z);
	size_t n_edges = 0;
	struct plot_style st = { 0 };
	struct plot_figure *f;
	char ylabel[120];

	if (!meta_wbin_edges(table_meta(t), &edges, &n_edges) || n_edges < 2)
		die(EXIT_RUNTIME, "%s: no wavelength bin edges in the metadata: a heat map "
		    "needs a stream binned by wbin", table_name(t));
	for (size_t r = 0; r < nr; r++) {
		double w = table_value(t, r, cw), e = table_value(t, r, ce);
		long b = (long)w;

		if (b < 0 || (size_t)b + 1 >= n_edges || !wanted_wbin(o, b))
			continue;
		xl[n] = table_value(t, r, cs) - t0;
		xh[n] = table_value(t, r, ct) - t0;
		yl[n] = edges[b], yh[n] = edges[b + 1];
		z[n] = e > 0 ? table_value(t, r, cr) / (edges[b + 1] - edges[b]) : NAN;
		if (isfinite(z[n]))
			*zmax = fmax(*zmax, z[n]);
		n++;
	}
	f = plot_figure_new();
	plot_figure_add(f, PLOT_CELLS, n, NULL, z, yl, yh, xl, xh, &st, NULL);
	plot_figure_x(f, PLOT_LINEAR, xlabel);
	snprintf(ylabel, sizeof ylabel, n_d > 1 ? "%s: wavelength (nm)" : "wavelength (nm)", d->label);
	plot_figure_y(f, edges_geometric(edges, n_edges) ? PLOT_LOG : PLOT_LINEAR, ylabel);
	plot_figure_colourbar(f, "counts s\xe2\x81\xbb\xc2\xb9 nm\xe2\x81\xbb\xc2\xb9");
	free(edges), free(xl), free(xh), free(yl), free(yh), free(z);
	return f;
}

/* One panel per lcurve table: time (since the earliest bin of all tables)
 * by wavelength, coloured by counts per second per nm on one scale for all
 * panels.  Bins without exposure and the time between GTIs (where lcurve
 * writes no bins) stay white. */
static size_t
build_heatmap(const struct opts *o, struct dataset *d, size_t n_d, char **caption,
	      struct plot_figure ***panels)
{
	struct plot_figure **p = xcalloc(n_d, sizeof *p);
	double t0 = heatmap_t0(d, n_d), zmax = 0;
	char xlabel[200];

	time_axis_title(table_meta(d[0].t), t0, xlabel, sizeof xlabel);
	for (size_t i = 0; i < n_d; i++)
		p[i] = heatmap_panel(o, &d[i], n_d, t0, xlabel, &zmax);
	for (size_t i = 0; i < n_d; i++)
		plot_figure_z_range(p[i], 0, zmax > 0 ? zmax : 1);
	caption_add(caption, "white: no exposure (GTI gaps)");
	caption_tables(caption, d, n_d);
	*panels = p;
	return n_d;
}

/* --- Chunk statistics (chunkvar tables) ---------------------------------- */

struct chunks {
	size_t n;
	long *wbin;
	double *wmin, *wmax, *width, *m[N_METRICS];
};

static void
read_chunks(const struct dataset *d, const struct opts *o, struct chunks *c)
{
	struct table *t = d->t;
	size_t cw = table_require_numeric(t, "wbin"), cmin = table_require_numeric(t, "wmin_nm");
	size_t cmax = table_require_numeric(t, "wmax_nm"), cwd = table_require_numeric(t, "width_s");
	size_t cm[N_METRICS], nr = table_n_rows(t);

	for (size_t m = 0; m < N_METRICS; m++)
		cm[m] = table_require_numeric(t, chunk_metrics[m]);
	memset(c, 0, sizeof *c);
	c->wbin = xmalloc((nr + 1) * sizeof *c->wbin);
	c->wmin = xmalloc((nr + 1) * sizeof *c->wmin);
	c->wmax = xmalloc((nr + 1) * sizeof *c->wmax);
	c->width = xmalloc((nr + 1) * sizeof *c->width);
	for (size_t m = 0; m < N_METRICS; m++)
		c->m[m] = xmalloc((nr + 1) * sizeof *c->m[m]);
	for (size_t r = 0; r < nr; r++) {
		double w = table_value(t, r, cw);

		if (!(w >= -1) || w != floor(w))
			die(EXIT_RUNTIME, "%s:%lu: column 'wbin': not a wavelength bin index: '%s'",
			    table_name(t), table_row_line(t, r), table_text(t, r, cw));
		if (!wanted_wbin(o, (long)w))
			continue;
		c->wbin[c->n] = (long)w;
		c->wmin[c->n] = table_value(t, r, cmin);
		c->wmax[c->n] = table_value(t, r, cmax);
		c->width[c->n] = table_value(t, r, cwd);
		for (size_t m = 0; m < N_METRICS; m++)
			c->m[m][c->n] = table_value(t, r, cm[m]);
		c->n++;
	}
}

static void
free_chunks(struct chunks *c)
{
	free(c->wbin), free(c->wmin), free(c->wmax), free(c->width);
	for (size_t m = 0; m < N_METRICS; m++)
		free(c->m[m]);
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of the finite values of v[0..n), NaN when none. */
static double
quantile(const double *v, size_t n, double q)
{
	double *s = xmalloc((n + 1) * sizeof *s), r;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			s[k++] = v[i];
	if (k == 0) {
		free(s);
		return NAN;
	}
	qsort(s, k, sizeof *s, by_value);
	{
		double pos = q * (double)(k - 1);
		size_t i = (size_t)floor(pos);

		r = i + 1 < k ? s[i] + (pos - (double)i) * (s[i + 1] - s[i]) : s[k - 1];
	}
	free(s);
	return r;
}

#define CHUNKHIST_BINS 40	/* at most; fewer for few chunks */
#define CHUNKHIST_MIN_BINS 10

/* The common bins of metric m over all tables: their count (Rice's rule)
 * and range (*lo NaN when no table has a finite value). */
static size_t
chunkhist_bins(const struct chunks *c, size_t n_d, size_t m, double *lo, double *hi)
{
	size_t total = 0, n_all = 0, n_fewest = SIZE_MAX, n_bins;
	double *all;

	for (size_t i = 0; i < n_d; i++)
		total += c[i].n;
	all = xmalloc((total + 1) * sizeof *all);
	for (size_t i = 0; i < n_d; i++) {
		size_t n_finite = 0;

		for (size_t r = 0; r < c[i].n; r++) {
			all[n_all++] = c[i].m[m][r];
			n_finite += isfinite(c[i].m[m][r]);
		}
		n_fewest = n_finite < n_fewest ? n_finite : n_fewest;
	}
	/* Rice's rule, 2 n^(1/3) bins for the table with the fewest values:
	 * metrics of small counts take few distinct values, and narrower
	 * bins alias them into a comb of full and empty bins. */
	n_bins = (size_t)ceil(2 * cbrt((double)n_fewest));
	n_bins = n_bins < CHUNKHIST_MIN_BINS ? CHUNKHIST_MIN_BINS
		 : n_bins > CHUNKHIST_BINS ? CHUNKHIST_BINS : n_bins;
	*lo = quantile(all, n_all, 0.005);
	*hi = quantile(all, n_all, 0.995);
	free(all);
	return n_bins;
}

/* Table i's histogram of metric m on n_bins bins of `step` from lo, as
 * the fraction of its finite values (values beyond in the end bins). */
static void
chunkhist_table(struct plot_figure *f, const struct chunks *c, size_t i, size_t m, double lo,
		double step, size_t n_bins)
{
	double y[CHUNKHIST_BINS] = { 0 }, x[CHUNKHIST_BINS], xl[CHUNKHIST_BINS], xh[CHUNKHIST_BINS];
	size_t n = 0;
	struct plot_style st = dataset_style(i, plot_palette(i), 0);

	for (size_t r = 0; r < c->n; r++) {
		double v = c->m[m][r];
		long b;

		if (!isfinite(v))
			continue;
		b = (long)floor((v - lo) / step);
		b = b < 0 ? 0 : b >= (long)n_bins ? (long)n_bins - 1 : b;
		y[b]++;
		n++;
	}
	for (size_t b = 0; b < n_bins; b++) {
		/* Edges computed once each, so neighbours touch exactly and
		 * the outline joins. */
		xl[b] = lo + step * (double)b;
		xh[b] = lo + step * (double)(b + 1);
		x[b] = 0.5 * (xl[b] + xh[b]);
		y[b] = n ? y[b] / (double)n : NAN;
	}
	st.marker = PLOT_MARK_NONE;
	st.line_width = 2.5;
	/* Small panels have no room for a legend: the caption says which
	 * line is which. */
	plot_figure_add(f, PLOT_STEPS, n_bins, x, y, NULL, NULL, xl, xh, &st, NULL);
}

/* The panel of metric m: every table's histogram on the same bins. */
static struct plot_figure *
chunkhist_panel(const struct opts *o, const struct chunks *c, size_t n_d, size_t m)
{
	struct plot_figure *f = plot_figure_new();
	double lo, hi, step;
	size_t n_bins = chunkhist_bins(c, n_d, m, &lo, &hi);

	plot_figure_x(f, PLOT_LINEAR, chunk_metrics[m]);
	plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR, "fraction");
	if (!isfinite(lo))
		return f;
	if (!(hi > lo))
		hi = lo + 1;
	step = (hi - lo) / (double)n_bins;
	for (size_t i = 0; i < n_d; i++)
		chunkhist_table(f, &c[i], i, m, lo, step, n_bins);
	plot_figure_y_floor(f, 0);
	return f;
}

static void
chunkhist_caption(const struct opts *o, char **caption, const struct dataset *d, size_t n_d)
{
	/* Each table once, with its line style (the panels have no legend). */
	for (size_t i = 0; i < n_d; i++) {
		char entry[400];

		if (n_d > 1)
			table_entry(&d[i], entry, sizeof entry);
		else
			snprintf(entry, sizeof entry, "%s", d[i].label);
		caption_add(caption, "%s (%s)", entry,
			    (const char *const[]){ "blue solid", "orange dashed", "green dotted",
						   "purple dash-dot" }[i % 4]);
	}
	caption_add(caption, "y: fraction of each table's chunks in 2n^(1/3) bins "
		    "(n: the fewest chunks of a table) from the 0.5%% to the 99.5%% quantile "
		    "(values beyond in the end bins)");
	caption_add(caption, "all widths%s together", o->n_wbins ? "" : " and wavelength bins");
}

/* One panel per metric: every table's histogram on the same bins (from the
 * 0.5% to the 99.5% quantile of all tables together; values beyond go
 * into the end bins), as the fraction of that table's chunks, so a B with
 * more chunks than A compares. */
static size_t
build_chunkhist(const struct opts *o, struct dataset *d, size_t n_d, char **caption,
		struct plot_figure ***panels)
{
	struct chunks *c = xcalloc(n_d, sizeof *c);
	struct plot_figure **p = xcalloc(N_METRICS, sizeof *p);
	size_t n_p = 0;

	for (size_t i = 0; i < n_d; i++)
		read_chunks(&d[i], o, &c[i]);
	for (size_t m = 0; m < N_METRICS; m++)
		if (o->metric[m])
			p[n_p++] = chunkhist_panel(o, c, n_d, m);
	chunkhist_caption(o, caption, d, n_d);
	for (size_t i = 0; i < n_d; i++)
		free_chunks(&c[i]);
	free(c);
	*panels = p;
	return n_p;
}

/* The wavelength bins and chunk widths of a chunkmap table (wbins >= 0):
 * the widths sorted, the bins in order of appearance with their ranges. */
struct chunk_grid {
	double *widths, *wl, *wh;
	long *bins;
	size_t n_w, n_b;
};

static void
chunk_grid(const struct chunks *c, struct chunk_grid *g)
{
	memset(g, 0, sizeof *g);
	for (size_t r = 0; r < c->n; r++) {
		bool seen = false;

		if (c->wbin[r] < 0)
			continue;
		for (size_t k = 0; k < g->n_w; k++)
			seen |= g->widths[k] == c->width[r];
		if (!seen) {
			g->widths = xrealloc(g->widths, (g->n_w + 1) * sizeof *g->widths);
			g->widths[g->n_w++] = c->width[r];
		}
		seen = false;
		for (size_t k = 0; k < g->n_b; k++)
			seen |= g->bins[k] == c->wbin[r];
		if (!seen) {
			g->bins = xrealloc(g->bins, (g->n_b + 1) * sizeof *g->bins);
			g->wl = xrealloc(g->wl, (g->n_b + 1) * sizeof *g->wl);
			g->wh = xrealloc(g->wh, (g->n_b + 1) * sizeof *g->wh);
			g->bins[g->n_b] = c->wbin[r], g->wl[g->n_b] = c->wmin[r], g->wh[g->n_b] = c->wmax[r];
			g->n_b++;
		}
	}
	qsort(g->widths, g->n_w, sizeof *g->widths, by_value);
}

static void
free_chunk_grid(struct chunk_grid *g)
{
	free(g->widths), free(g->wl), free(g->wh), free(g->bins);
}

/* The 0.99 quantile of metric m over the chunks the map shows (wbins >= 0). */
static double
top_percent(const struct chunks *c, size_t m)
{
	double *v = xmalloc((c->n + 1) * sizeof *v), q;
	size_t n_v = 0;

	for (size_t r = 0; r < c->n; r++)
		if (c->wbin[r] >= 0)
			v[n_v++] = c->m[m][r];
	q = quantile(v, n_v, 0.99);
	free(v);
	return q;
}

/* The cells of one table's map: wavelength bin by width, each valued by
 * the percentage of its chunks with metric m >= q; widens *zmax. */
static void
chunkmap_cells(struct plot_figure *f, const struct chunks *c, const struct chunk_grid *g,
	       size_t m, double q, double *zmax)
{
	size_t n_w = g->n_w, n_cells = n_w * g->n_b;
	const double *widths = g->widths;
	double *xl = xmalloc((n_cells + 1) * sizeof *xl), *xh = xmalloc((n_cells + 1) * sizeof *xh);
	double *yl = xmalloc((n_cells + 1) * sizeof *yl), *yh = xmalloc((n_cells + 1) * sizeof *yh);
	double *z = xmalloc((n_cells + 1) * sizeof *z);
	double *hit = xcalloc(n_cells + 1, sizeof *hit), *cnt = xcalloc(n_cells + 1, sizeof *cnt);
	struct plot_style st = { 0 };

	for (size_t r = 0; r < c->n; r++) {
		size_t a = 0, b = 0;

		if (c->wbin[r] < 0 || !isfinite(c->m[m][r]))
			continue;
		while (g->bins[b] != c->wbin[r])
			b++;
		while (widths[a] != c->width[r])
			a++;
		cnt[b * n_w + a]++;
		hit[b * n_w + a] += c->m[m][r] >= q;
	}
	for (size_t b = 0; b < g->n_b; b++)
		for (size_t a = 0; a < n_w; a++) {
			size_t k = b * n_w + a;
			/* Cells reach halfway (geometrically) to the next width. */
			double below = a > 0 ? sqrt(widths[a] * widths[a - 1])
					     : n_w > 1 ? widths[0] * widths[0] / sqrt(widths[0] * widths[1])
						       : widths[0] / 1.5;
			double above = a + 1 < n_w ? sqrt(widths[a] * widths[a + 1])
						   : n_w > 1 ? widths[a] * widths[a] / sqrt(widths[a] * widths[a - 1])
							     : widths[a] * 1.5;

			xl[k] = g->wl[b], xh[k] = g->wh[b];
			yl[k] = below, yh[k] = above;
			z[k] = cnt[k] > 0 ? 100 * hit[k] / cnt[k] : NAN;
			if (isfinite(z[k]))
				*zmax = fmax(*zmax, z[k]);
		}
	plot_figure_add(f, PLOT_CELLS, n_cells, NULL, z, yl, yh, xl, xh, &st, NULL);
	free(xl), free(xh), free(yl), free(yh), free(z), free(hit), free(cnt);
}

/* The map of one table for metric m; its top-1% threshold goes into the
 * caption. */
static struct plot_figure *
chunkmap_panel(const struct opts *o, const struct dataset *d, size_t n_d, size_t m,
	       char **caption, double *zmax)
{
	struct plot_figure *f = plot_figure_new();
	struct chunks c;
	struct chunk_grid g;
	double q;

	read_chunks(d, o, &c);
	q = top_percent(&c, m);
	chunk_grid(&c, &g);
	chunkmap_cells(f, &c, &g, m, q, zmax);
	/* Log-spaced wavelength bins (widths growing with wavelength) read
	 * as equal cells on a log axis. */
	plot_figure_x(f, g.n_b > 1 && g.wl[0] > 0 &&
		      (g.wh[g.n_b - 1] - g.wl[g.n_b - 1]) > 1.5 * (g.wh[0] - g.wl[0]) ? PLOT_LOG : PLOT_LINEAR,
		      "wavelength (nm)");
	/* A panel's table is named by its tag: a label "A: ...: chunk bin
	 * width" runs longer than a panel is high. */
	plot_figure_y(f, PLOT_LOG, "bin width (s)");
	if (n_d > 1)
		plot_figure_tag(f, d->label);
	plot_figure_colourbar(f, "top 1% (%)");
	if (isfinite(q))
		caption_add(caption, "%s: top 1%% = %s \xe2\x89\xa5 %.3g", d->label, chunk_metrics[m], q);
	free_chunk_grid(&g);
	free_chunks(&c);
	return f;
}

/* One panel per table: wavelength bin by chunk width, coloured by the share
 * of the cell's chunks that are among the table's top 1% of the metric (all
 * cells together): 1% everywhere means the strongest chunks sit nowhere in
 * particular. */
static size_t
build_chunkmap(const struct opts *o, struct dataset *d, size_t n_d, char **caption,
	       struct plot_figure ***panels)
{
	struct plot_figure **p = xcalloc(n_d, sizeof *p);
	size_t m = 0;
	double zmax = 0;

	while (!o->metric[m])
		m++;
	for (size_t i = 0; i < n_d; i++)
		p[i] = chunkmap_panel(o, &d[i], n_d, m, caption, &zmax);
	for (size_t i = 0; i < n_d; i++)
		plot_figure_z_range(p[i], 0, zmax > 0 ? zmax : 1);
	caption_add(caption, "colour: share of a cell's chunks in the top 1%%, 1%% everywhere when they sit nowhere in particular");
	caption_tables(caption, d, n_d);
	*panels = p;
	return n_d;
}

/* --- Metadata for the output file ---------------------------------------- */

/* Every table's history, "[label] " before each line when there are
 * several, then this command line. */
static char *
history_text(const struct dataset *d, size_t n_d)
{
	size_t cap = 4096, len = 0;
	char *hist = xmalloc(cap);
	const char *me = cli_command_line();

	hist[0] = '\0';
	for (size_t i = 0; i < n_d; i++) {
		json_t *h = json_object_get(table_meta(d[i].t), "history"), *v;
		size_t k;

		json_array_foreach(h, k, v) {
			const char *s = json_string_value(v);
			size_t need;

			if (!s)
				continue;
			need = len + strlen(s) + strlen(d[i].label) + 8;
			if (need > cap)
				hist = xrealloc(hist, cap = 2 * need);
			len += (size_t)sprintf(hist + len, n_d > 1 ? "[%s] %s\n" : "%.0s%s\n",
					       d[i].label, s);
		}
	}
	if (len + strlen(me) + 2 > cap)
		hist = xrealloc(hist, len + strlen(me) + 2);
	sprintf(hist + len, "%s", me);
	return hist;
}

/* The tables' metadata without their history as compact JSON: the one
 * table's object, or an object of them by label. */
static char *
parameters_text(const struct dataset *d, size_t n_d)
{
	json_t *params = json_object();
	char *ptext;

	for (size_t i = 0; i < n_d; i++) {
		json_t *m = json_deep_copy(table_meta(d[i].t));

		json_object_del(m, "history");
		if (n_d == 1) {
			json_decref(params);
			params = m;
		} else {
			json_object_set_new(params, d[i].label, m);
		}
	}
	ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(params);
	return ptext;
}

/* The table paths, one a line. */
static char *
source_text(const struct dataset *d, size_t n_d)
{
	char *src = xcalloc(1, 1);

	for (size_t i = 0, n = 0; i < n_d; i++) {
		n += strlen(d[i].path) + 2;
		src = xrealloc(src, n + 1);
		if (i)
			strcat(src, "\n");
		strcat(src, d[i].path);
	}
	return src;
}

static void
add_metadata(struct plot_output *out, const char *title, const struct dataset *d, size_t n_d)
{
	char *hist = history_text(d, n_d), *ptext = parameters_text(d, n_d), *src = source_text(d, n_d);

	plot_output_text(out, "Title", title);
	plot_output_text(out, "Software", "llplot (Lightlane Studio " LL_VERSION ")");
	plot_output_text(out, "Source", src);
	plot_output_text(out, "History", hist);
	plot_output_text(out, "Parameters", ptext ? ptext : "{}");
	for (size_t i = 0; i < n_d; i++) {
		const char *ks = table_comment(d[i].t, "ks");

		if (ks) {
			char *c = xmalloc(strlen(ks) + strlen(d[i].label) + 16);

			sprintf(c, "[%s] ks: %s", d[i].label, ks);
			plot_output_text(out, "Comment", c);
			free(c);
		}
	}
	free(ptext);
	free(src);
	free(hist);
}

/* The default height: 62 mm for one panel at a column's 89 mm width, more
 * for panels, so each stays readable. */
static double
default_height(const struct opts *o, struct dataset *d, size_t n_d)
{
	size_t n = 1, rows;
	long *wb;

	switch (o->kind) {
	case K_PSD:
	case K_INTERARRIVAL:
		n = all_wbins(d, n_d, &wb);
		free(wb);
		break;
	case K_HEATMAP:
		n = n_d;
		break;
	case K_CHUNKMAP:
		/* Map panels need height for their colour bar's title. */
		return n_d <= 1 ? 62 * MM : fmin(40 + 40 * (double)n_d, 230) * MM;
	case K_CHUNKHIST:
		n = o->n_metric > 3 ? (o->n_metric + 1) / 2 : o->n_metric;
		break;
	default:
		break;
	}
	if (n <= 1)
		return 62 * MM;
	rows = n;
	return fmin(28 + 30 * (double)rows, 230) * MM;
}

/* The plotted numbers, for --dump. */
static void
write_dump(const char *path, struct plot_figure *const *panels, size_t n, const struct opts *o)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		die(EXIT_RUNTIME, "%s: cannot create the dump file: %s", path, strerror(errno));
	fprintf(fp, "panel,series,label,kind,x,y,ylo,yhi,xlo,xhi\n");
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof name, "%zu", i);
		plot_figure_dump(panels[i], fp, name);
	}
	(void)o;
	if (fclose(fp) != 0)
		die(EXIT_RUNTIME, "%s: cannot write the dump file: %s", path, strerror(errno));
}

/* The panels of the figure of o->kind, its caption in *caption; *cols
 * panels per row.  Returns the number of panels. */
static size_t
build_panels(const struct opts *o, struct dataset *d, char **caption,
	     struct plot_figure ***panels, size_t *cols)
{
	size_t n_d = o->n_paths, n = 1;

	*cols = 1;
	switch (o->kind) {
	case K_PSD:
		return build_psd(o, d, n_d, caption, panels);
	case K_HEATMAP:
		return build_heatmap(o, d, n_d, caption, panels);
	case K_INTERARRIVAL:
		return build_interarrival(o, d, n_d, caption, panels);
	case K_CHUNKHIST:
		n = build_chunkhist(o, d, n_d, caption, panels);
		*cols = n > 3 ? 2 : 1;
		return n;
	case K_CHUNKMAP:
		return build_chunkmap(o, d, n_d, caption, panels);
	default:
		*panels = xcalloc(1, sizeof **panels);
		(*panels)[0] = o->kind == K_LCURVE ? build_lcurve(o, d, n_d, caption)
			     : o->kind == K_COUNTS ? build_counts(o, d, n_d, caption)
			     : build_variance(o, d, n_d, caption);
		return n;
	}
}

/* Draw the panels under the title and caption: one figure, or a grid
 * (panels of a column sharing the x axis where they show one quantity
 * against the same x).  Returns the data points drawn. */
static size_t
render_panels(const struct opts *o, struct plot_output *out, struct plot_figure **panels,
	      size_t n_panels, size_t cols, const char *title, const char *caption)
{
	struct plot_canvas canvas = plot_output_canvas(out);

	for (size_t i = 0; i < n_panels; i++) {
		if (o->xrange)
			plot_figure_x_range(panels[i], o->x_lo, o->x_hi);
		if (o->yrange)
			plot_figure_y_range(panels[i], o->y_lo, o->y_hi);
	}
	if (o->logy && o->yrange && o->y_lo <= 0)
		die(EXIT_USAGE, "--yrange: a log axis needs LO > 0");
	if (n_panels == 1) {
		plot_figure_title(panels[0], title, caption);
		return plot_render_canvas(panels[0], plot_output_cairo(out), &canvas);
	}
	return plot_render_grid(panels, n_panels, cols,
				o->kind == K_PSD || o->kind == K_HEATMAP || o->kind == K_CHUNKMAP ||
				o->kind == K_INTERARRIVAL,
				plot_output_cairo(out), &canvas, title, caption);
}

static void
free_datasets(struct dataset *d, size_t n_d)
{
	for (size_t i = 0; i < n_d; i++) {
		for (size_t j = 0; j < d[i].n_g; j++)
			free(d[i].g[j].p);
		free(d[i].g);
		table_free(d[i].t);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	static const char *const default_labels[MAX_TABLES] = { "A", "B", "C", "D", "E", "F", "G", "H" };
	struct dataset d[MAX_TABLES] = { 0 };
	struct plot_output *out;
	struct plot_figure **panels = NULL;
	size_t n_panels, cols, drawn;
	char *title, *caption = NULL;

	for (size_t i = 0; i < o.n_paths; i++) {
		d[i].path = o.paths[i];
		d[i].label = i < o.n_labels ? o.labels[i] : default_labels[i];
		read_dataset(&d[i], &o);
	}
	if (!o.size_given)
		o.height_pt = default_height(&o, d, o.n_paths);
	/* Before any drawing: an unwritable output fails early. */
	out = plot_output_open_print(cli_output, o.width_pt, o.height_pt, o.dpi);
	n_panels = build_panels(&o, d, &caption, &panels, &cols);
	title = make_title(&o, d);
	drawn = render_panels(&o, out, panels, n_panels, cols, title, caption);
	if (drawn == 0)
		die(EXIT_RUNTIME, "%s: nothing to plot: no defined values%s", o.paths[0],
		    o.n_wbins ? " in the selected wavelength bins" : "");
	if (o.dump)
		write_dump(o.dump, panels, n_panels, &o);
	add_metadata(out, title, d, o.n_paths);
	plot_output_commit(out);

	for (size_t i = 0; i < n_panels; i++)
		plot_figure_free(panels[i]);
	free(panels);
	free(title);
	free(caption);
	free_datasets(d, o.n_paths);
	free(o.wbins);
	return EXIT_OK;
}
