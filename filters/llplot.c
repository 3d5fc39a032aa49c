/* llplot: draw the analyzers' CSV tables as PNG, PDF or SVG figures.
 * Input: one or more tables of one kind (varstat, lcurve, psd, interarrival).
 * Output: the -o file, PNG (with history in text chunks), or PDF/SVG by
 * extension.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * One program for every kind because the kinds share everything but the
 * choice of columns: axes, legend, styles, metadata and output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "meta.h"
#include "plot_figure.h"
#include "plot_output.h"
#include "table.h"

static const char usage_text[] =
	"usage: llplot --kind KIND [options] -o FILE TABLE [TABLE...]\n"
	"Draw analyzer tables (CSV) as a figure: PNG, or PDF/SVG when FILE ends in\n"
	".pdf/.svg.  Several tables of the same kind (A, B, ...) are overlaid in\n"
	"distinct line and marker styles; each wavelength bin has its own colour.\n"
	"\n"
	"Kinds and the tables they read:\n"
	"  fano          varstat: Fano factor vs time scale, Poisson line and band\n"
	"  nxs           varstat: normalised excess variance vs time scale\n"
	"  lcurve        lcurve: count rate vs time per wavelength bin\n"
	"  psd           psd: Leahy power vs frequency, white level 2\n"
	"  interarrival  interarrival: histogram against the exponential\n"
	"  counts        lcurve: events per wavelength bin (bar chart)\n"
	"HRC dither periods (1087 s, 768 s) are marked on fano, nxs and psd plots.\n"
	"\n"
	"  --kind KIND       the kind of figure (required)\n"
	"  -o, --output F    the figure file (required), written atomically\n"
	"  --label TEXT      legend name of the next table (repeat; default A, B, ...)\n"
	"  --wbin LIST       draw only these wavelength bins (-1: all events)\n"
	"  --size WxH        canvas size in pixels (default 1600x1000)\n"
	"  --title TEXT      title instead of the one made from the metadata\n"
	"  --xrange LO:HI    x axis range instead of fitting the data\n"
	"  --yrange LO:HI    y axis range instead of fitting the data\n"
	"  --logy            logarithmic y axis (fano, nxs, lcurve, counts)\n"
	"  --help, --version\n"
	"\n"
	"Example: llplot --kind fano A.csv B.csv --label M82 --label Poisson -o fano.png\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum kind { K_FANO, K_NXS, K_LCURVE, K_PSD, K_INTERARRIVAL, K_COUNTS, K_NONE };
static const char *const kind_names[] = {
	"fano", "nxs", "lcurve", "psd", "interarrival", "counts"
};

enum {
	OPT_KIND = CLI_FIRST_PROGRAM_OPTION, OPT_LABEL, OPT_WBIN, OPT_SIZE, OPT_TITLE,
	OPT_XRANGE, OPT_YRANGE, OPT_LOGY
};

#define MAX_TABLES 8
#define DITHER_LONG_S 1087.0
#define DITHER_SHORT_S 768.0

struct opts {
	enum kind kind;
	const char *labels[MAX_TABLES];
	size_t n_labels;
	double *wbins;
	size_t n_wbins;
	int width, height;
	const char *title;
	bool xrange, yrange, logy;
	double x_lo, x_hi, y_lo, y_hi;
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

static void
parse_size(const char *arg, int *w, int *h)
{
	char *end;
	long a, b;

	a = strtol(arg, &end, 10);
	if (end == arg || (*end != 'x' && *end != 'X'))
		cli_usage_error("--size: expected WIDTHxHEIGHT, got '%s'", arg);
	b = strtol(end + 1, &end, 10);
	if (*end != '\0' || a < 200 || b < 150 || a > 20000 || b > 20000)
		cli_usage_error("--size: expected WIDTHxHEIGHT from 200x150 to 20000x20000, got '%s'",
				arg);
	*w = (int)a;
	*h = (int)b;
}

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "wbin", required_argument, NULL, OPT_WBIN },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "xrange", required_argument, NULL, OPT_XRANGE },
		{ "yrange", required_argument, NULL, OPT_YRANGE },
		{ "logy", no_argument, NULL, OPT_LOGY },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .kind = K_NONE, .width = 1600, .height = 1000 };
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
						"interarrival, counts)", optarg);
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
			parse_size(optarg, &o.width, &o.height);
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
		default:
			cli_common_option(c);
		}
	}
	if (o.kind == K_NONE)
		cli_usage_error("--kind is required");
	if (!cli_output)
		cli_usage_error("an output file is required (-o FILE)");
	if (optind >= argc)
		cli_usage_error("no input table");
	o.paths = argv + optind;
	o.n_paths = (size_t)(argc - optind);
	if (o.n_paths > MAX_TABLES)
		cli_usage_error("at most %d tables, got %zu", MAX_TABLES, o.n_paths);
	if (o.n_labels > o.n_paths)
		cli_usage_error("%zu labels for %zu tables", o.n_labels, o.n_paths);
	if (o.logy && (o.kind == K_PSD || o.kind == K_INTERARRIVAL))
		cli_usage_error("--logy: the %s plot is always logarithmic in y", kind_names[o.kind]);
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

static void
read_dataset(struct dataset *d, const struct opts *o)
{
	struct table *t = table_read_path(d->path);
	size_t cw, cx = 0, cy = 0, ce = 0, clo = 0, chi = 0, caux = 0;
	long cmin = -1, cmax = -1;

	d->t = t;
	cw = table_require_numeric(t, "wbin");
	switch (o->kind) {
	case K_FANO:
	case K_NXS:
		cx = table_require_numeric(t, "timescale_s");
		cy = table_require_numeric(t, o->kind == K_FANO ? "fano" : "nxs");
		ce = table_require_numeric(t, o->kind == K_FANO ? "fano_err" : "nxs_err");
		cmin = (long)table_require_numeric(t, "wmin_nm");
		cmax = (long)table_require_numeric(t, "wmax_nm");
		break;
	case K_LCURVE:
	case K_COUNTS:
		clo = table_require_numeric(t, "time_start");
		chi = table_require_numeric(t, "time_stop");
		cy = table_require_numeric(t, o->kind == K_LCURVE ? "rate" : "counts");
		ce = o->kind == K_LCURVE ? table_require_numeric(t, "rate_err") : cy;
		break;
	case K_PSD:
		cx = table_require_numeric(t, "freq_hz");
		cy = table_require_numeric(t, "power");
		ce = table_require_numeric(t, "power_err");
		break;
	case K_INTERARRIVAL:
		clo = table_require_numeric(t, "dt_lo_s");
		chi = table_require_numeric(t, "dt_hi_s");
		cy = table_require_numeric(t, "count");
		caux = table_require_numeric(t, "expected");
		break;
	case K_NONE:
		break;
	}
	if (table_n_rows(t) == 0)
		die(EXIT_RUNTIME, "%s: empty table: no rows", table_name(t));
	for (size_t r = 0; r < table_n_rows(t); r++) {
		double w = table_value(t, r, cw);
		struct group *g;
		struct pt p;

		if (!(w >= -1) || w != floor(w))
			die(EXIT_RUNTIME, "%s:%lu: column 'wbin': not a wavelength bin index: '%s'",
			    table_name(t), table_row_line(t, r), table_text(t, r, cw));
		if (!wanted_wbin(o, (long)w))
			continue;
		memset(&p, 0, sizeof p);
		p.y = table_value(t, r, cy);
		if (o->kind == K_LCURVE || o->kind == K_COUNTS || o->kind == K_INTERARRIVAL) {
			p.xlo = table_value(t, r, clo);
			p.xhi = table_value(t, r, chi);
			p.x = 0.5 * (p.xlo + p.xhi);
		} else {
			p.x = table_value(t, r, cx);
		}
		if (o->kind == K_INTERARRIVAL) {
			/* Poisson counting error of the observed histogram. */
			double e = sqrt(p.y);

			p.ylo = p.y - e, p.yhi = p.y + e;
			p.aux = table_value(t, r, caux);
		} else if (o->kind != K_COUNTS) {
			double e = table_value(t, r, ce);

			p.ylo = p.y - e, p.yhi = p.y + e;
		}
		g = find_group(d, (long)w);
		if (g->n == 0)
			name_group(g, t, r, cmin, cmax);
		g->p = xrealloc(g->p, (g->n + 1) * sizeof *g->p);
		g->p[g->n++] = p;
	}
	for (size_t i = 0; i < d->n_g; i++)
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
	case K_COUNTS: return "Events per wavelength bin";
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

/* Second title line: what the overlaid tables are, or the instrument. */
static char *
make_subtitle(const struct opts *o, const struct dataset *d, size_t n, double t0)
{
	char *s = xcalloc(1, 1024);
	size_t len = 0;

	if (o->kind == K_LCURVE && isfinite(t0))
		len += (size_t)snprintf(s + len, 1024 - len, "T0 = %.1f s (mission time)", t0);
	if (n > 1)
		for (size_t i = 0; i < n && len < 900; i++) {
			json_t *m = table_meta(d[i].t);
			const char *what = meta_string(m, "dataset");

			if (!what)
				what = meta_string(m, "object");
			if (!what)
				what = d[i].path;
			/* A label that already names the dataset needs no repeat. */
			if (strstr(d[i].label, what))
				len += (size_t)snprintf(s + len, 1024 - len, "%s%s",
							len ? (i ? ";  " : "  \xc2\xb7  ") : "", d[i].label);
			else
				len += (size_t)snprintf(s + len, 1024 - len, "%s%s: %.60s",
							len ? (i ? ";  " : "  \xc2\xb7  ") : "", d[i].label, what);
		}
	if (len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void
add_points(struct plot_figure *f, enum plot_series_kind kind, const struct group *g,
	   const struct plot_style *st, bool errors, bool use_aux)
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
			kind == PLOT_POINTS ? NULL : xl, kind == PLOT_POINTS ? NULL : xh, st, NULL);
	free(x), free(y), free(lo), free(hi), free(xl), free(xh);
}

static void
legend_entry(struct plot_figure *f, const struct plot_style *st, const char *label)
{
	plot_figure_add(f, PLOT_POINTS, 0, NULL, NULL, NULL, NULL, NULL, NULL, st, label);
}

static void
mark_dither(struct plot_figure *f, bool frequency)
{
	struct plot_style st = { .colour = { 0.35, 0.35, 0.35 }, .dash = PLOT_DASHED,
				 .line_width = 2 };

	plot_figure_vline(f, frequency ? 1 / DITHER_LONG_S : DITHER_LONG_S, &st,
			  "HRC dither 1087 s", false);
	plot_figure_vline(f, frequency ? 1 / DITHER_SHORT_S : DITHER_SHORT_S, &st,
			  "HRC dither 768 s", false);
}

/* The Poisson ±1σ band around F = 1: fano_err of the all-events rows of the
 * first table (else of its first bin), the scatter a Poisson process of the
 * same rate would show. */
static void
fano_band(struct plot_figure *f, const struct dataset *d)
{
	const struct group *g = NULL;
	struct plot_style st = { .colour = { 0.5, 0.5, 0.5 }, .alpha = 0.22 };
	double *x, *lo, *hi, *y;

	for (size_t i = 0; i < d->n_g; i++)
		if (d->g[i].wbin == -1)
			g = &d->g[i];
	if (!g && d->n_g)
		g = &d->g[0];
	if (!g)
		return;
	x = xmalloc((g->n + 1) * sizeof *x), y = xmalloc((g->n + 1) * sizeof *y);
	lo = xmalloc((g->n + 1) * sizeof *lo), hi = xmalloc((g->n + 1) * sizeof *hi);
	for (size_t i = 0; i < g->n; i++) {
		double e = 0.5 * (g->p[i].yhi - g->p[i].ylo);

		x[i] = g->p[i].x;
		y[i] = 1;
		lo[i] = 1 - e, hi[i] = 1 + e;
	}
	plot_figure_add(f, PLOT_BAND, g->n, x, y, lo, hi, NULL, NULL, &st,
			g->wbin == -1 ? "Poisson \xc2\xb1" "1\xcf\x83 (all events)"
				      : "Poisson \xc2\xb1" "1\xcf\x83");
	free(x), free(y), free(lo), free(hi);
}

/* Bars: events per wavelength bin, one bar per table side by side. */
static void
build_counts(struct plot_figure *f, struct dataset *d, size_t n_d, const long *wb, size_t n_wb)
{
	const char **names = xcalloc(n_wb + 1, sizeof *names);
	double width = 0.8 / (double)n_d;

	for (size_t k = 0; k < n_wb; k++)
		for (size_t i = 0; i < n_d && !names[k]; i++)
			for (size_t j = 0; j < d[i].n_g; j++)
				if (d[i].g[j].wbin == wb[k]) {
					names[k] = d[i].g[j].name;
					break;
				}
	plot_figure_x_categories(f, n_wb, names);
	for (size_t i = 0; i < n_d; i++) {
		double *x = xmalloc(n_wb * sizeof *x), *y = xmalloc(n_wb * sizeof *y);
		double *lo = xmalloc(n_wb * sizeof *lo), *hi = xmalloc(n_wb * sizeof *hi);
		double *xl = xmalloc(n_wb * sizeof *xl), *xh = xmalloc(n_wb * sizeof *xh);
		struct plot_style st = { .colour = plot_palette(i), .alpha = 0.55 };

		for (size_t k = 0; k < n_wb; k++) {
			double sum = NAN;

			for (size_t j = 0; j < d[i].n_g; j++)
				if (d[i].g[j].wbin == wb[k]) {
					sum = 0;
					for (size_t r = 0; r < d[i].g[j].n; r++)
						if (isfinite(d[i].g[j].p[r].y))
							sum += d[i].g[j].p[r].y;
				}
			xl[k] = (double)k - 0.4 + width * (double)i + 0.06 * width;
			xh[k] = xl[k] + 0.88 * width;
			x[k] = 0.5 * (xl[k] + xh[k]);
			y[k] = sum;
			lo[k] = sum - sqrt(sum), hi[k] = sum + sqrt(sum);
		}
		plot_figure_add(f, PLOT_BARS, n_wb, x, y, lo, hi, xl, xh, &st,
				n_d > 1 ? d[i].label : NULL);
		free(x), free(y), free(lo), free(hi), free(xl), free(xh);
	}
	free(names);
}

static struct plot_figure *
build_figure(const struct opts *o, struct dataset *d, size_t n_d, char **subtitle)
{
	struct plot_figure *f = plot_figure_new();
	long *wb = NULL;
	size_t n_wb = 0;
	double t0 = INFINITY;
	size_t max_n = 0;
	bool any_all = false;

	/* Every bin of every table, in order of appearance, "all" (-1) last. */
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
			for (size_t r = 0; r < d[i].g[j].n; r++)
				if (isfinite(d[i].g[j].p[r].xlo) && d[i].g[j].p[r].xlo < t0)
					t0 = d[i].g[j].p[r].xlo;
		}
	if (o->kind == K_COUNTS) {
		/* The all-events bar would dwarf the others; it stays only when
		 * it is all there is. */
		if (n_wb == 0 && any_all) {
			wb = xrealloc(wb, sizeof *wb);
			wb[n_wb++] = -1;
		}
		build_counts(f, d, n_d, wb, n_wb);
		plot_figure_x(f, PLOT_LINEAR, "wavelength bin");
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR, "events");
		free(wb);
		*subtitle = make_subtitle(o, d, n_d, NAN);
		return f;
	}
	if (any_all) {
		wb = xrealloc(wb, (n_wb + 1) * sizeof *wb);
		wb[n_wb++] = -1;
	}

	switch (o->kind) {
	case K_FANO:
		plot_figure_x(f, PLOT_LOG, "time scale \xce\x94t (s)");
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR, "Fano factor  F = variance / mean");
		if (!o->logy)
			plot_figure_y_floor(f, 0);
		fano_band(f, &d[0]);
		plot_figure_hline(f, 1, &(struct plot_style){ .colour = plot_black, .line_width = 2 },
				  "Poisson F = 1", true);
		mark_dither(f, false);
		break;
	case K_NXS:
		plot_figure_x(f, PLOT_LOG, "time scale \xce\x94t (s)");
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR,
			      "normalised excess variance  \xcf\x83\xc2\xb2" "NXS");
		plot_figure_hline(f, 0, &(struct plot_style){ .colour = plot_black, .line_width = 2 },
				  "Poisson (0)", true);
		mark_dither(f, false);
		break;
	case K_LCURVE:
		plot_figure_x(f, PLOT_LINEAR, "time since T0 (s)");
		plot_figure_y(f, o->logy ? PLOT_LOG : PLOT_LINEAR, "count rate (counts/s)");
		for (size_t i = 0; i < n_d; i++)
			for (size_t j = 0; j < d[i].n_g; j++)
				for (size_t r = 0; r < d[i].g[j].n; r++) {
					struct pt *p = &d[i].g[j].p[r];

					p->x -= t0, p->xlo -= t0, p->xhi -= t0;
				}
		break;
	case K_PSD:
		/* Spectra are dense: markers only for a handful of frequencies. */
		marker_limit = 40;
		plot_figure_x(f, PLOT_LOG, "frequency (Hz)");
		plot_figure_y(f, PLOT_LOG, "Leahy power");
		plot_figure_hline(f, 2, &(struct plot_style){ .colour = plot_black, .line_width = 2 },
				  "white noise (2)", true);
		mark_dither(f, true);
		break;
	case K_INTERARRIVAL: {
		double wmin = INFINITY, wmax = 0, lo = INFINITY;

		for (size_t i = 0; i < n_d; i++)
			for (size_t j = 0; j < d[i].n_g; j++)
				for (size_t r = 0; r < d[i].g[j].n; r++) {
					double w = d[i].g[j].p[r].xhi - d[i].g[j].p[r].xlo;

					if (w > 0)
						wmin = fmin(wmin, w), wmax = fmax(wmax, w);
					lo = fmin(lo, d[i].g[j].p[r].xlo);
				}
		/* Geometric bins read best on a log axis. */
		plot_figure_x(f, lo > 0 && wmax > 5 * wmin ? PLOT_LOG : PLOT_LINEAR,
			      "inter-arrival time (s)");
		plot_figure_y(f, PLOT_LOG, "events per bin");
		/* The expectation's far tail must not squash the observed counts. */
		plot_figure_y_floor(f, 0.3);
		break;
	}
	default:
		break;
	}

	/* Legend: one entry per wavelength bin (colour), one per table (style),
	 * with markers only when the data have them. */
	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++)
			max_n = d[i].g[j].n > max_n ? d[i].g[j].n : max_n;
	for (size_t k = 0; k < n_wb; k++) {
		struct plot_style st = dataset_style(0, wbin_colour(wb[k], wb, n_wb), max_n);
		const char *name = NULL;

		for (size_t i = 0; i < n_d && !name; i++)
			for (size_t j = 0; j < d[i].n_g; j++)
				if (d[i].g[j].wbin == wb[k])
					name = d[i].g[j].name;
		if (o->kind == K_LCURVE || o->kind == K_INTERARRIVAL)
			st.marker = PLOT_MARK_NONE;
		legend_entry(f, &st, name);
	}
	if (n_d > 1)
		for (size_t i = 0; i < n_d; i++) {
			struct plot_style st = dataset_style(i, plot_grey, max_n);

			if (o->kind == K_LCURVE || o->kind == K_INTERARRIVAL)
				st.marker = PLOT_MARK_NONE;
			legend_entry(f, &st, d[i].label);
		}
	if (o->kind == K_INTERARRIVAL)
		legend_entry(f, &(struct plot_style){ .colour = plot_black, .dash = PLOT_DOTTED,
						      .line_width = 3 },
			     "exponential expectation");

	for (size_t i = 0; i < n_d; i++)
		for (size_t j = 0; j < d[i].n_g; j++) {
			const struct group *g = &d[i].g[j];
			struct plot_style st = dataset_style(i, wbin_colour(g->wbin, wb, n_wb), g->n);

			switch (o->kind) {
			case K_LCURVE:
				add_points(f, PLOT_STEPS, g, &st, true, false);
				break;
			case K_INTERARRIVAL: {
				struct plot_style ex = st;

				add_points(f, PLOT_STEPS, g, &st, true, false);
				ex.dash = PLOT_DOTTED;
				ex.line_width = 3;
				ex.marker = PLOT_MARK_NONE;
				add_points(f, PLOT_POINTS, g, &ex, false, true);
				break;
			}
			default:
				/* Error bars on hundreds of spectral points hide the
				 * spectrum; the line alone reads better. */
				add_points(f, PLOT_POINTS, g, &st,
					   g->n <= (o->kind == K_PSD ? 60 : 300), false);
			}
		}
	free(wb);
	*subtitle = make_subtitle(o, d, n_d, o->kind == K_LCURVE ? t0 : NAN);
	return f;
}

/* --- Metadata for the output file ---------------------------------------- */

static void
add_metadata(struct plot_output *out, const char *title, const struct dataset *d, size_t n_d)
{
	size_t cap = 4096, len = 0;
	char *hist = xmalloc(cap), *src;
	json_t *params = json_object();
	char *ptext;

	hist[0] = '\0';
	for (size_t i = 0; i < n_d; i++) {
		json_t *h = json_object_get(table_meta(d[i].t), "history"), *v;
		json_t *m = json_deep_copy(table_meta(d[i].t));
		size_t k;

		json_object_del(m, "history");
		if (n_d == 1) {
			json_decref(params);
			params = m;
		} else {
			json_object_set_new(params, d[i].label, m);
		}
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
	{
		const char *me = cli_command_line();
		size_t need = len + strlen(me) + 2;

		if (need > cap)
			hist = xrealloc(hist, cap = need);
		len += (size_t)sprintf(hist + len, "%s", me);
	}
	ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	src = xcalloc(1, 1);
	for (size_t i = 0, n = 0; i < n_d; i++) {
		n += strlen(d[i].path) + 2;
		src = xrealloc(src, n + 1);
		if (i)
			strcat(src, "\n");
		strcat(src, d[i].path);
	}
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
	json_decref(params);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	static const char *const default_labels[MAX_TABLES] = { "A", "B", "C", "D", "E", "F", "G", "H" };
	struct dataset d[MAX_TABLES] = { 0 };
	struct plot_output *out;
	struct plot_figure *f;
	char *title, *subtitle = NULL;
	size_t drawn;

	/* Open first: an unwritable output fails before any work. */
	out = plot_output_open(cli_output, o.width, o.height);
	for (size_t i = 0; i < o.n_paths; i++) {
		d[i].path = o.paths[i];
		d[i].label = i < o.n_labels ? o.labels[i] : default_labels[i];
		read_dataset(&d[i], &o);
	}
	f = build_figure(&o, d, o.n_paths, &subtitle);
	title = make_title(&o, d);
	plot_figure_title(f, title, subtitle);
	if (o.xrange)
		plot_figure_x_range(f, o.x_lo, o.x_hi);
	if (o.yrange)
		plot_figure_y_range(f, o.y_lo, o.y_hi);
	if (o.logy && o.yrange && o.y_lo <= 0)
		die(EXIT_USAGE, "--yrange: a log axis needs LO > 0");
	drawn = plot_render(f, plot_output_cairo(out), o.width, o.height);
	if (drawn == 0)
		die(EXIT_RUNTIME, "%s: nothing to plot: no defined values%s", o.paths[0],
		    o.n_wbins ? " in the selected wavelength bins" : "");
	add_metadata(out, title, d, o.n_paths);
	plot_output_commit(out);

	plot_figure_free(f);
	free(title);
	free(subtitle);
	for (size_t i = 0; i < o.n_paths; i++) {
		for (size_t j = 0; j < d[i].n_g; j++)
			free(d[i].g[j].p);
		free(d[i].g);
		table_free(d[i].t);
	}
	free(o.wbins);
	return EXIT_OK;
}
