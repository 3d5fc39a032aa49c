/* plot_figure: layout and cairo drawing of one chart; see plot_figure.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "plot_figure.h"

#define FONT "DejaVu Sans"
#define PI 3.14159265358979323846

const struct plot_colour plot_black = { 0, 0, 0 };
const struct plot_colour plot_grey = { 0.55, 0.55, 0.55 };

struct plot_colour
plot_palette(size_t i)
{
	/* Okabe-Ito without its yellow (too pale on white) and black (kept
	 * for reference lines). */
	static const struct plot_colour p[] = {
		{ 0.000, 0.447, 0.698 },	/* blue */
		{ 0.835, 0.369, 0.000 },	/* vermillion */
		{ 0.000, 0.620, 0.451 },	/* bluish green */
		{ 0.800, 0.475, 0.655 },	/* reddish purple */
		{ 0.902, 0.624, 0.000 },	/* orange */
		{ 0.337, 0.706, 0.914 },	/* sky blue */
		{ 0.40, 0.40, 0.40 },		/* dark grey */
	};
	return p[i % (sizeof p / sizeof p[0])];
}

struct series {
	enum plot_series_kind kind;
	size_t n;
	double *x, *y, *ylo, *yhi, *xlo, *xhi;
	struct plot_style style;
	char *label;
};

struct refline {
	bool vertical, extend;
	double value;
	struct plot_style style;
	char *label;
};

struct plot_figure {
	char *title, *subtitle, *xlabel, *ylabel;
	struct plot_axis x, y;
	bool x_fixed, y_fixed, y_floored;
	double y_floor, y_headroom;
	char **categories;
	size_t n_categories;
	struct series *s;
	size_t n_s;
	struct refline *l;
	size_t n_l;
	char *zlabel;			/* non-NULL: a colour bar */
	struct plot_axis z;
	bool z_fixed;
	/* Set by plot_render_grid for the panels of a column. */
	bool hide_x_labels;		/* no x tick labels and no x title */
	bool x_extent_forced;
	double fx0, fx1;		/* axes left and right, panel units */
	bool no_side_legend;		/* panels of a column: axes must line up */
	char *tag;			/* panel name, inside the axes top left */
	bool legend_above;		/* legend in rows above the axes, always */
};

/* Everything the layout decides, in canvas units. */
struct layout {
	cairo_t *cr;
	double w, h, u;			/* canvas size, scale to the reference */
	double lu;			/* scale of lines, markers and ticks */
	double tu;			/* scale of spacing around text */
	double pt;			/* points per unit */
	double fs_min;			/* the smallest text allowed: 7 pt */
	double fs_title, fs_sub, fs_label, fs_tick, fs_legend, fs_ref;
	double x0, x1, y0, y1;		/* axes rectangle: left, right, top, bottom */
	struct plot_tick xt[PLOT_MAX_TICKS], yt[PLOT_MAX_TICKS];
	size_t n_xt, n_yt;
	double legend_x, legend_y, legend_w, legend_h;
	size_t n_legend, legend_cols;
	double top_legend_h;		/* height the legend took above the axes */
	bool xlabel_split;		/* the x title in two lines, at its ";  " */
	bool title_split;		/* the title in two lines, after its " — " */
	double legend_col_w;
	char *sub_lines[8];		/* the subtitle wrapped to the width */
	size_t n_sub_lines;
	double cb_x0, cb_x1;		/* colour bar, left and right */
	struct plot_tick zt[PLOT_MAX_TICKS];
	size_t n_zt;
	/* Where each reference line's label goes: 0..3 along it, see
	 * place_ref_labels(). */
	int *ref_pos;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static double *
dup_array(const double *a, size_t n)
{
	double *d;

	if (!a)
		return NULL;
	d = xmalloc((n ? n : 1) * sizeof *d);
	memcpy(d, a, n * sizeof *d);
	return d;
}

struct plot_figure *
plot_figure_new(void)
{
	struct plot_figure *f = xcalloc(1, sizeof *f);

	f->x.scale = f->y.scale = PLOT_LINEAR;
	return f;
}

void
plot_figure_free(struct plot_figure *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_s; i++) {
		struct series *s = &f->s[i];

		free(s->x), free(s->y), free(s->ylo), free(s->yhi), free(s->xlo), free(s->xhi);
		free(s->label);
	}
	for (size_t i = 0; i < f->n_l; i++)
		free(f->l[i].label);
	for (size_t i = 0; i < f->n_categories; i++)
		free(f->categories[i]);
	free(f->categories), free(f->s), free(f->l);
	free(f->title), free(f->subtitle), free(f->xlabel), free(f->ylabel);
	free(f->zlabel);
	free(f->tag);
	free(f);
}

void
plot_figure_title(struct plot_figure *f, const char *title, const char *subtitle)
{
	free(f->title), free(f->subtitle);
	f->title = dup_or_null(title);
	f->subtitle = dup_or_null(subtitle);
}

void
plot_figure_x(struct plot_figure *f, enum plot_scale scale, const char *label)
{
	free(f->xlabel);
	f->x.scale = scale;
	f->xlabel = dup_or_null(label);
}

void
plot_figure_y(struct plot_figure *f, enum plot_scale scale, const char *label)
{
	free(f->ylabel);
	f->y.scale = scale;
	f->ylabel = dup_or_null(label);
}

void
plot_figure_x_range(struct plot_figure *f, double lo, double hi)
{
	f->x.lo = lo, f->x.hi = hi, f->x_fixed = true;
}

void
plot_figure_y_range(struct plot_figure *f, double lo, double hi)
{
	f->y.lo = lo, f->y.hi = hi, f->y_fixed = true;
}

void
plot_figure_y_floor(struct plot_figure *f, double floor)
{
	f->y_floor = floor, f->y_floored = true;
}

void
plot_figure_y_headroom(struct plot_figure *f, double fraction)
{
	f->y_headroom = fraction < 0 ? 0 : fraction > 0.5 ? 0.5 : fraction;
}

void
plot_figure_legend_above(struct plot_figure *f)
{
	f->legend_above = true;
}

void
plot_figure_tag(struct plot_figure *f, const char *tag)
{
	free(f->tag);
	f->tag = dup_or_null(tag);
}

void
plot_figure_colourbar(struct plot_figure *f, const char *label)
{
	free(f->zlabel);
	f->zlabel = xstrdup(label ? label : "");
	f->z.scale = PLOT_LINEAR;
}

void
plot_figure_z_range(struct plot_figure *f, double lo, double hi)
{
	f->z.lo = lo, f->z.hi = hi, f->z_fixed = true;
}

/* The colour of fraction v (0..1) of the colour map (viridis: dark blue to
 * yellow, readable in grey and by colour-blind readers). */
static struct plot_colour
plot_colour_map(double v)
{
	/* viridis at ninths (van der Walt & Smith, matplotlib), interpolated
	 * linearly in between. */
	static const struct plot_colour m[] = {
		{ 0.267, 0.004, 0.329 }, { 0.282, 0.157, 0.471 }, { 0.243, 0.286, 0.537 },
		{ 0.192, 0.408, 0.557 }, { 0.149, 0.510, 0.557 }, { 0.122, 0.620, 0.537 },
		{ 0.208, 0.718, 0.475 }, { 0.431, 0.808, 0.345 }, { 0.992, 0.906, 0.145 },
	};
	double t;
	size_t i;

	if (!(v > 0))
		return m[0];
	if (v >= 1)
		return m[8];
	t = v * 8;
	i = (size_t)t;
	t -= (double)i;
	return (struct plot_colour){ m[i].r + t * (m[i + 1].r - m[i].r),
				     m[i].g + t * (m[i + 1].g - m[i].g),
				     m[i].b + t * (m[i + 1].b - m[i].b) };
}

static void
dump_value(FILE *fp, const double *a, size_t i)
{
	if (a && isfinite(a[i]))
		fprintf(fp, ",%.10g", a[i]);
	else
		fputs(",", fp);
}

void
plot_figure_dump(const struct plot_figure *f, FILE *fp, const char *panel)
{
	static const char *const kinds[] = { "points", "steps", "bars", "band", "cells" };

	for (size_t k = 0; k < f->n_s; k++) {
		const struct series *s = &f->s[k];

		for (size_t i = 0; i < s->n; i++) {
			fprintf(fp, "%s,%zu,", panel, k);
			/* Labels are free text: keep the CSV one field. */
			for (const char *c = s->label ? s->label : ""; *c; c++)
				fputc(*c == ',' || *c == '\n' || *c == '"' ? ' ' : *c, fp);
			fprintf(fp, ",%s", kinds[s->kind]);
			dump_value(fp, s->x, i);
			dump_value(fp, s->y, i);
			dump_value(fp, s->ylo, i);
			dump_value(fp, s->yhi, i);
			dump_value(fp, s->xlo, i);
			dump_value(fp, s->xhi, i);
			fputc('\n', fp);
		}
	}
}

void
plot_figure_x_categories(struct plot_figure *f, size_t n, const char *const *names)
{
	f->categories = xcalloc(n ? n : 1, sizeof *f->categories);
	f->n_categories = n;
	for (size_t i = 0; i < n; i++)
		f->categories[i] = xstrdup(names[i]);
	f->x.scale = PLOT_LINEAR;
}

void
plot_figure_add(struct plot_figure *f, enum plot_series_kind kind, size_t n,
		const double *x, const double *y, const double *ylo, const double *yhi,
		const double *xlo, const double *xhi,
		const struct plot_style *style, const char *label)
{
	struct series *s;

	f->s = xrealloc(f->s, (f->n_s + 1) * sizeof *f->s);
	s = &f->s[f->n_s++];
	s->kind = kind;
	s->n = n;
	s->x = dup_array(x, n), s->y = dup_array(y, n);
	s->ylo = dup_array(ylo, n), s->yhi = dup_array(yhi, n);
	s->xlo = dup_array(xlo, n), s->xhi = dup_array(xhi, n);
	s->style = *style;
	s->label = dup_or_null(label);
}

static void
add_line(struct plot_figure *f, bool vertical, double value, const struct plot_style *style,
	 const char *label, bool extend)
{
	struct refline *l;

	f->l = xrealloc(f->l, (f->n_l + 1) * sizeof *f->l);
	l = &f->l[f->n_l++];
	l->vertical = vertical;
	l->extend = extend;
	l->value = value;
	l->style = *style;
	l->label = dup_or_null(label);
}

void
plot_figure_hline(struct plot_figure *f, double value, const struct plot_style *style,
		  const char *label, bool extend)
{
	add_line(f, false, value, style, label, extend);
}

void
plot_figure_vline(struct plot_figure *f, double value, const struct plot_style *style,
		  const char *label, bool extend)
{
	add_line(f, true, value, style, label, extend);
}

/* --- Ranges -------------------------------------------------------------- */

/* The x of point i of a series: its x, or the middle of its bin. */
static double
series_x(const struct series *s, size_t i)
{
	if (s->x)
		return s->x[i];
	if (s->xlo && s->xhi)
		return 0.5 * (s->xlo[i] + s->xhi[i]);
	return NAN;
}

/* Widen the x, y and z ranges to series s's drawable values (a cell's
 * extent and value, a band's ends, a point's bin or x, its error bar; bars
 * start at 0).  Returns whether s drew a bar. */
static bool
series_ranges(const struct plot_figure *f, const struct series *s, struct plot_range *xr,
	      struct plot_range *yr, struct plot_range *zr)
{
	bool bars = false;

	for (size_t i = 0; i < s->n; i++) {
		double x = series_x(s, i);

		if (s->kind == PLOT_CELLS) {
			if (!isfinite(s->y[i]))
				continue;
			plot_range_add(xr, s->xlo[i], f->x.scale);
			plot_range_add(xr, s->xhi[i], f->x.scale);
			plot_range_add(yr, s->ylo[i], f->y.scale);
			plot_range_add(yr, s->yhi[i], f->y.scale);
			plot_range_add(zr, s->y[i], f->z.scale);
			continue;
		}
		if (!plot_scale_accepts(f->x.scale, x))
			continue;
		if (s->kind == PLOT_BAND) {
			if (plot_scale_accepts(f->y.scale, s->ylo[i]) &&
			    plot_scale_accepts(f->y.scale, s->yhi[i])) {
				plot_range_add(xr, x, f->x.scale);
				plot_range_add(yr, s->ylo[i], f->y.scale);
				plot_range_add(yr, s->yhi[i], f->y.scale);
			}
			continue;
		}
		if (!plot_scale_accepts(f->y.scale, s->y[i]))
			continue;
		plot_range_add(yr, s->y[i], f->y.scale);
		if (s->xlo) {
			plot_range_add(xr, s->xlo[i], f->x.scale);
			plot_range_add(xr, s->xhi[i], f->x.scale);
		} else {
			plot_range_add(xr, x, f->x.scale);
		}
		if (s->ylo)
			plot_range_add(yr, s->ylo[i], f->y.scale);
		if (s->yhi)
			plot_range_add(yr, s->yhi[i], f->y.scale);
		if (s->kind == PLOT_BARS) {
			bars = true;
			plot_range_add(yr, 0, f->y.scale);
		}
	}
	return bars;
}

/* The y axis from its range yr: bars from 0 on a linear axis, the floor,
 * the headroom. */
static void
fit_y(struct plot_figure *f, const struct plot_range *yr, bool bars, bool cells)
{
	plot_axis_fit(&f->y, yr, cells ? 0 : 0.06);
	if (bars && f->y.scale == PLOT_LINEAR && yr->lo >= 0)
		f->y.lo = 0;
	if (f->y_floored && f->y.lo < f->y_floor && f->y_floor < f->y.hi &&
	    plot_scale_accepts(f->y.scale, f->y_floor))
		f->y.lo = f->y_floor;
	if (f->y_headroom > 0 && f->y.hi > f->y.lo) {
		double k = 1 / (1 - f->y_headroom);

		if (f->y.scale == PLOT_LOG && f->y.lo > 0)
			f->y.hi = f->y.lo * pow(f->y.hi / f->y.lo, k);
		else if (f->y.scale != PLOT_LOG)
			f->y.hi = f->y.lo + (f->y.hi - f->y.lo) * k;
	}
}

static void
fit_axes(struct plot_figure *f)
{
	struct plot_range xr, yr, zr;
	bool bars = false, cells = false;

	plot_range_init(&xr);
	plot_range_init(&yr);
	plot_range_init(&zr);
	for (size_t k = 0; k < f->n_s; k++)
		cells |= f->s[k].kind == PLOT_CELLS;
	for (size_t k = 0; k < f->n_s; k++)
		bars |= series_ranges(f, &f->s[k], &xr, &yr, &zr);
	for (size_t k = 0; k < f->n_l; k++)
		if (f->l[k].extend)
			plot_range_add(f->l[k].vertical ? &xr : &yr, f->l[k].value,
				       f->l[k].vertical ? f->x.scale : f->y.scale);
	if (!f->x_fixed) {
		if (f->n_categories) {
			f->x.lo = -0.6;
			f->x.hi = (double)f->n_categories - 0.4;
		} else {
			plot_axis_fit(&f->x, &xr, cells ? 0 : 0.03);
		}
	}
	if (f->zlabel && !f->z_fixed) {
		plot_axis_fit(&f->z, &zr, 0);
		if (f->z.scale == PLOT_LINEAR && zr.n && zr.lo >= 0)
			f->z.lo = 0;	/* counts: the map starts at none */
	}
	f->z.label = f->zlabel;
	if (!f->y_fixed)
		fit_y(f, &yr, bars, cells);
	f->x.label = f->xlabel;
	f->y.label = f->ylabel;
}

/* --- Text ---------------------------------------------------------------- */

static void
set_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static double
text_width(cairo_t *cr, const char *s, double size, bool bold)
{
	cairo_text_extents_t e;

	set_font(cr, size, bold);
	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

/* Draw s with its box anchored at (x, y): ax = 0 left, 0.5 centre, 1 right;
 * ay = 0 top, 0.5 middle, 1 bottom of the font's ascent..descent box. */
static void
draw_text(cairo_t *cr, double x, double y, const char *s, double size, bool bold,
	  double ax, double ay)
{
	cairo_font_extents_t fe;
	double w = text_width(cr, s, size, bold);

	cairo_font_extents(cr, &fe);
	cairo_move_to(cr, x - ax * w, y - ay * (fe.ascent + fe.descent) + fe.ascent);
	cairo_show_text(cr, s);
}

/* The smallest text of the canvas being drawn (7 pt in units), which an
 * exponent must not go under either. */
static double text_floor;

static double
superscript_size(double size)
{
	return fmax(0.7 * size, text_floor);
}

static double
tick_label_width(cairo_t *cr, const struct plot_tick *t, double size)
{
	double w = text_width(cr, t->text, size, false);

	if (t->exponent[0])
		w += text_width(cr, t->exponent, superscript_size(size), false) + 0.05 * size;
	return w;
}

/* A tick label, with the exponent as a superscript. */
static void
draw_tick_label(cairo_t *cr, double x, double y, const struct plot_tick *t, double size,
		double ax, double ay)
{
	double w = tick_label_width(cr, t, size), left = x - ax * w;

	draw_text(cr, left, y, t->text, size, false, 0, ay);
	if (t->exponent[0])
		draw_text(cr, left + text_width(cr, t->text, size, false) + 0.05 * size,
			  y - 0.42 * size, t->exponent, superscript_size(size), false, 0, ay);
}

/* --- Layout -------------------------------------------------------------- */

static double
map_x(const struct layout *L, const struct plot_figure *f, double v)
{
	return L->x0 + plot_axis_fraction(&f->x, v) * (L->x1 - L->x0);
}

static double
map_y(const struct layout *L, const struct plot_figure *f, double v)
{
	return L->y1 - plot_axis_fraction(&f->y, v) * (L->y1 - L->y0);
}

static double
max_label_width(const struct layout *L, const struct plot_tick *t, size_t n, double size)
{
	double w = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].labelled)
			w = fmax(w, tick_label_width(L->cr, &t[i], size));
	return w;
}

static void
category_ticks(struct layout *L, const struct plot_figure *f)
{
	L->n_xt = 0;
	for (size_t i = 0; i < f->n_categories && i < PLOT_MAX_TICKS; i++) {
		struct plot_tick *t = &L->xt[L->n_xt++];

		memset(t, 0, sizeof *t);
		t->value = (double)i;
		t->labelled = true;
		snprintf(t->text, sizeof t->text, "%s", f->categories[i]);
	}
}

/* x ticks for the current x0..x1: the gap between labels must hold the
 * widest label plus an em, and the widest depends on the ticks chosen. */
static void
choose_x_ticks(struct layout *L, const struct plot_figure *f)
{
	/* Log axes label single digits (2, 5): they may sit closer. */
	double gap = (f->x.scale == PLOT_LOG ? 2.4 : 3.5) * L->fs_tick;

	if (f->n_categories) {
		category_ticks(L, f);
		return;
	}
	for (int pass = 0; pass < 4; pass++) {
		double need;

		L->n_xt = plot_axis_ticks(&f->x, L->x1 - L->x0, gap, L->xt, PLOT_MAX_TICKS);
		need = max_label_width(L, L->xt, L->n_xt, L->fs_tick) + 1.0 * L->fs_tick;
		if (need <= gap)
			break;
		gap = need;
	}
}

/* Reference lines whose label found no place free of data are named in
 * the legend instead (ref_pos -1). */
static bool
ref_in_legend(const struct layout *L, const struct plot_figure *f, size_t k)
{
	return L->ref_pos && f->l[k].label && L->ref_pos[k] == -1;
}

static size_t
legend_entries(const struct layout *L, const struct plot_figure *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_s; i++)
		n += f->s[i].label != NULL;
	for (size_t k = 0; k < f->n_l; k++)
		n += ref_in_legend(L, f, k);
	return n;
}

/* The legend as a box of `cols` columns. */
static void
legend_size(struct layout *L, const struct plot_figure *f, size_t cols)
{
	double tw = 0;
	size_t rows;

	L->n_legend = legend_entries(L, f);
	for (size_t i = 0; i < f->n_s; i++)
		if (f->s[i].label)
			tw = fmax(tw, text_width(L->cr, f->s[i].label, L->fs_legend, false));
	for (size_t k = 0; k < f->n_l; k++)
		if (ref_in_legend(L, f, k))
			tw = fmax(tw, text_width(L->cr, f->l[k].label, L->fs_legend, false));
	if (cols < 1)
		cols = 1;
	rows = (L->n_legend + cols - 1) / cols;
	L->legend_cols = cols;
	L->legend_col_w = 48 * L->tu + 10 * L->tu + tw + 18 * L->tu;
	L->legend_w = 2 * 12 * L->tu + (double)cols * L->legend_col_w - 18 * L->tu;
	L->legend_h = 2 * 8 * L->tu + (double)rows * 1.3 * L->fs_legend;
}

static void wrap_subtitle(struct layout *L, const struct plot_figure *f);
static void ref_label_box(const struct layout *L, const struct plot_figure *f,
			  const struct refline *r, int pos, double *bx, double *by, double *bw,
			  double *bh);

/* Points of the data and reference labels, in canvas coordinates, that a
 * legend placed inside the axes would hide. */
static size_t
count_hidden(const struct layout *L, const struct plot_figure *f,
	     double lx, double ly, double lw, double lh)
{
	size_t hits = 0;
	double pad = 8 * L->u;

#define INSIDE(px, py) ((px) >= lx - pad && (px) <= lx + lw + pad && \
			(py) >= ly - pad && (py) <= ly + lh + pad)
	for (size_t k = 0; k < f->n_s; k++) {
		const struct series *s = &f->s[k];
		double px_prev = NAN, py_prev = NAN;

		if (s->kind == PLOT_BAND)
			continue;
		if (s->kind == PLOT_CELLS) {
			for (size_t i = 0; i < s->n; i++)
				if (isfinite(s->y[i]))
					hits += INSIDE(map_x(L, f, 0.5 * (s->xlo[i] + s->xhi[i])),
						       map_y(L, f, 0.5 * (s->ylo[i] + s->yhi[i])));
			continue;
		}
		for (size_t i = 0; i < s->n; i++) {
			double px = map_x(L, f, series_x(s, i)), py = map_y(L, f, s->y[i]);

			if (!isfinite(px) || !isfinite(py)) {
				px_prev = NAN;
				continue;
			}
			hits += INSIDE(px, py);
			if (s->ylo && isfinite(map_y(L, f, s->ylo[i])))
				hits += INSIDE(px, map_y(L, f, s->ylo[i]));
			if (s->yhi && isfinite(map_y(L, f, s->yhi[i])))
				hits += INSIDE(px, map_y(L, f, s->yhi[i]));
			if (s->kind == PLOT_BARS)
				for (double t = 0; t <= 1; t += 0.1)
					hits += INSIDE(px, py + t * (L->y1 - py));
			/* A connecting line or step passes through too. */
			if ((s->style.line_width > 0 || s->kind == PLOT_STEPS) && isfinite(px_prev))
				for (double t = 0.1; t < 1; t += 0.1)
					hits += INSIDE(px_prev + t * (px - px_prev),
						       py_prev + t * (py - py_prev));
			px_prev = px, py_prev = py;
		}
	}
#undef INSIDE
	/* A placed reference label must stay visible. */
	for (size_t k = 0; L->ref_pos && k < f->n_l; k++) {
		double bx, by, bw, bh;

		if (!f->l[k].label || L->ref_pos[k] < 0)
			continue;
		ref_label_box(L, f, &f->l[k], L->ref_pos[k], &bx, &by, &bw, &bh);
		if (bx < lx + lw + pad && bx + bw > lx - pad && by < ly + lh + pad && by + bh > ly - pad)
			hits += 100;
	}
	return hits;
}

/* Data points of the figure inside a rectangle (reference lines ignored):
 * how much a label placed there would hide. */
static size_t
data_hidden(const struct layout *L, const struct plot_figure *f,
	    double lx, double ly, double lw, double lh)
{
	struct plot_figure g = *f;

	g.n_l = 0;
	return count_hidden(L, &g, lx, ly, lw, lh);
}

/* The box a reference line's label takes at position pos: horizontal lines
 * 0 right end above, 1 left end above, 2 right end below, 3 left end below;
 * vertical lines 0 top, 1 bottom (reading upwards, left of the line). */
static void
ref_label_box(const struct layout *L, const struct plot_figure *f, const struct refline *r,
	      int pos, double *bx, double *by, double *bw, double *bh)
{
	double tw = text_width(L->cr, r->label, L->fs_ref, false), fh = 1.15 * L->fs_ref;
	double p = r->vertical ? map_x(L, f, r->value) : map_y(L, f, r->value);
	double gap = 12 * L->u;

	if (r->vertical) {
		*bx = p - 4 * L->u - fh, *bw = fh, *bh = tw;
		*by = pos == 0 ? L->y0 + gap : L->y1 - gap - tw;
	} else {
		*bw = tw, *bh = fh;
		*bx = pos & 1 ? L->x0 + gap : L->x1 - gap - tw;
		*by = pos & 2 ? p + 4 * L->u : p - 4 * L->u - fh;
	}
}

/* Each labelled reference line's label where it hides no data (a label
 * over the data is what a reader stumbles on); with `to_legend`, a label
 * that finds no such place goes to the legend (ref_pos -1), else it takes
 * the place hiding the fewest.  Lines outside the axes get no label. */
static void
place_ref_labels(struct layout *L, const struct plot_figure *f, bool to_legend)
{
	int *pos = xcalloc(f->n_l ? f->n_l : 1, sizeof *pos);

	for (size_t k = 0; k < f->n_l; k++) {
		const struct refline *r = &f->l[k];
		double p = r->vertical ? map_x(L, f, r->value) : map_y(L, f, r->value);
		size_t best_hits = (size_t)-1;

		pos[k] = -2;	/* not drawn */
		if (!r->label || !isfinite(p) ||
		    (r->vertical ? (p < L->x0 || p > L->x1) : (p < L->y0 || p > L->y1)))
			continue;
		if (!to_legend && L->ref_pos && L->ref_pos[k] == -1) {
			pos[k] = -1;
			continue;
		}
		for (int c = 0; c < (r->vertical ? 2 : 4); c++) {
			double bx, by, bw, bh;
			size_t hits;

			ref_label_box(L, f, r, c, &bx, &by, &bw, &bh);
			if (by < L->y0 || by + bh > L->y1 || bx < L->x0 || bx + bw > L->x1)
				continue;
			hits = data_hidden(L, f, bx, by, bw, bh);
			if (!to_legend && L->n_legend && bx < L->legend_x + L->legend_w &&
			    bx + bw > L->legend_x && by < L->legend_y + L->legend_h &&
			    by + bh > L->legend_y)
				hits += 1000;
			/* Nor on another line's label. */
			for (size_t j = 0; j < k; j++) {
				double ox, oy, ow, oh;

				if (pos[j] < 0)
					continue;
				ref_label_box(L, f, &f->l[j], pos[j], &ox, &oy, &ow, &oh);
				if (bx < ox + ow && bx + bw > ox && by < oy + oh && by + bh > oy)
					hits += 1000;
			}
			if (hits < best_hits)
				best_hits = hits, pos[k] = c;
		}
		if (to_legend && best_hits != 0)
			pos[k] = -1;
	}
	free(L->ref_pos);
	L->ref_pos = pos;
}

/* Width kept right of the axes for a colour bar, its ticks and title. */
static double
colourbar_width(struct layout *L, const struct plot_figure *f)
{
	if (!f->zlabel)
		return 0;
	L->n_zt = plot_axis_ticks(&f->z, L->y1 - L->y0, 2.2 * L->fs_tick, L->zt, PLOT_MAX_TICKS);
	return 0.8 * L->fs_tick + 0.9 * L->fs_tick + 12 * L->lu + 6 * L->u +
	       max_label_width(L, L->zt, L->n_zt, L->fs_tick) + 0.6 * L->fs_tick +
	       (f->zlabel[0] ? 1.3 * L->fs_label : 0);
}

/* The legend in the corner of the axes that hides no data, when one
 * does not. */
static bool
legend_in_corner(struct layout *L, const struct plot_figure *f)
{
	double pad = 16 * L->u, lw = L->legend_w, lh = L->legend_h, corners[4][2];
	size_t best = 0, best_hits = (size_t)-1;

	corners[0][0] = L->x1 - pad - lw, corners[0][1] = L->y0 + pad;
	corners[1][0] = L->x0 + pad, corners[1][1] = L->y0 + pad;
	corners[2][0] = L->x1 - pad - lw, corners[2][1] = L->y1 - pad - lh;
	corners[3][0] = L->x0 + pad, corners[3][1] = L->y1 - pad - lh;
	if (lw + 2 * pad < L->x1 - L->x0 && lh + 2 * pad < L->y1 - L->y0)
		for (size_t c = 0; c < 4; c++) {
			size_t hits = count_hidden(L, f, corners[c][0], corners[c][1], lw, lh);

			if (hits < best_hits)
				best = c, best_hits = hits;
		}
	if (best_hits != 0)
		return false;
	L->legend_x = corners[best][0];
	L->legend_y = corners[best][1];
	return true;
}

/* The legend in a column right of the axes (and of a colour bar), when
 * the axes keep most of the width and need not line up with others'. */
static bool
legend_beside(struct layout *L, const struct plot_figure *f, double cb_w)
{
	double margin = 26 * L->u;

	if (f->x_extent_forced || f->no_side_legend ||
	    !(L->w - 2 * margin - L->legend_w - 1.2 * L->fs_tick - cb_w - (L->x0 - margin) >
	      0.45 * (L->w - 2 * margin)))
		return false;
	L->x1 = L->w - margin - L->legend_w - 1.2 * L->fs_tick - cb_w;
	L->cb_x0 = L->x1 + 0.8 * L->fs_tick;
	L->cb_x1 = L->cb_x0 + 0.9 * L->fs_tick;
	choose_x_ticks(L, f);
	L->legend_x = L->w - margin - L->legend_w;
	L->legend_y = L->y0;
	return true;
}

/* The legend in rows above the axes (as few as fit the width), which
 * move down to make room. */
static void
legend_above(struct layout *L, const struct plot_figure *f)
{
	double margin = 26 * L->u;
	size_t cols = L->n_legend;

	for (legend_size(L, f, cols); L->legend_w > L->w - 2 * margin && cols > 1;)
		legend_size(L, f, --cols);
	L->legend_x = 0.5 * (L->w - L->legend_w);
	L->legend_y = L->y0 - 0.8 * L->fs_tick;
	L->y0 += L->legend_h + 0.2 * L->fs_tick;
	L->top_legend_h = L->legend_h + 0.2 * L->fs_tick;
	if (L->y1 - L->y0 < 40 * L->u)
		L->y1 = L->y0 + 40 * L->u;
	L->n_yt = plot_axis_ticks(&f->y, L->y1 - L->y0, 1.7 * L->fs_tick, L->yt, PLOT_MAX_TICKS);
}

/* The height of the band of x tick labels: room for superscript exponents
 * (drawn 0.42 of a label higher) only on an axis that has them, so that
 * the axis title sits close under plain labels, where it reads as the
 * axis's (in a grid, not as the next panel's). */
static double
x_label_band(const struct layout *L, const struct plot_figure *f)
{
	return (plot_axis_exponent_form(&f->x) ? 1.9 : 1.2) * L->fs_tick;
}

static void
layout(struct layout *L, const struct plot_figure *f)
{
	double margin = 26 * L->u, tick_len = 12 * L->lu, top, ylab_w, cb_w;

	top = margin;
	wrap_subtitle(L, f);
	if (f->title)
		top += 1.3 * L->fs_title * (L->title_split ? 2 : 1);
	top += 1.2 * L->fs_sub * (double)L->n_sub_lines + (L->n_sub_lines ? 0.1 * L->fs_sub : 0);
	L->y0 = top + 0.8 * L->fs_tick;
	if (f->hide_x_labels)
		L->y1 = L->h - tick_len - 4 * L->u;
	else
		L->y1 = L->h - margin - (f->xlabel ? 1.3 * L->fs_label : 0) - x_label_band(L, f) -
			tick_len - 8 * L->u;
	/* A long x title with two parts (a light curve's "time since T0;
	 * T0 = date") takes two lines rather than shrinking below 7 pt. */
	L->xlabel_split = false;
	if (f->xlabel && !f->hide_x_labels && strstr(f->xlabel, ";  ") &&
	    text_width(L->cr, f->xlabel, L->fs_label, false) > 0.95 * (L->w - 2 * margin - 1.3 * L->fs_label)) {
		L->xlabel_split = true;
		L->y1 -= 1.2 * L->fs_label;
	}
	if (L->y1 - L->y0 < 40 * L->u)
		L->y1 = L->y0 + 40 * L->u;
	L->n_yt = plot_axis_ticks(&f->y, L->y1 - L->y0, 1.7 * L->fs_tick, L->yt, PLOT_MAX_TICKS);
	ylab_w = max_label_width(L, L->yt, L->n_yt, L->fs_tick);
	L->x0 = margin + (f->ylabel ? 1.3 * L->fs_label : 0) + 10 * L->u + ylab_w + tick_len;
	cb_w = colourbar_width(L, f);
	/* Room on the right for half the last x label, which centres on the edge. */
	L->x1 = L->w - margin - (cb_w > 0 ? cb_w : 1.6 * L->fs_tick);
	if (f->x_extent_forced)
		L->x0 = f->fx0, L->x1 = f->fx1;
	L->cb_x0 = L->x1 + 0.8 * L->fs_tick;
	L->cb_x1 = L->cb_x0 + 0.9 * L->fs_tick;
	choose_x_ticks(L, f);

	free(L->ref_pos);
	L->ref_pos = NULL;
	L->n_legend = 0;
	L->top_legend_h = 0;
	place_ref_labels(L, f, true);
	legend_size(L, f, 1);
	/* A corner free of data, else a column beside the axes, else rows
	 * above them; above at once when the figure asks. */
	if (L->n_legend > 0 &&
	    (f->legend_above || (!legend_in_corner(L, f) && !legend_beside(L, f, cb_w))))
		legend_above(L, f);
	place_ref_labels(L, f, false);
}

/* --- Drawing ------------------------------------------------------------- */

static void
set_colour(cairo_t *cr, struct plot_colour c, double alpha)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static void
set_line(const struct layout *L, const struct plot_style *st, double width)
{
	double u = L->lu;
	double dashed[] = { 16 * u, 9 * u }, dotted[] = { 2 * u, 7 * u },
	       dashdot[] = { 16 * u, 7 * u, 2 * u, 7 * u };

	cairo_set_line_width(L->cr, width * u);
	cairo_set_line_join(L->cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(L->cr, st->dash == PLOT_DOTTED ? CAIRO_LINE_CAP_ROUND
							  : CAIRO_LINE_CAP_BUTT);
	switch (st->dash) {
	case PLOT_DASHED:
		cairo_set_dash(L->cr, dashed, 2, 0);
		break;
	case PLOT_DOTTED:
		cairo_set_dash(L->cr, dotted, 2, 0);
		break;
	case PLOT_DASHDOT:
		cairo_set_dash(L->cr, dashdot, 4, 0);
		break;
	default:
		cairo_set_dash(L->cr, NULL, 0, 0);
	}
}

static void
draw_marker(const struct layout *L, const struct plot_style *st, double x, double y)
{
	cairo_t *cr = L->cr;
	double r = 7.5 * L->lu;

	switch (st->marker) {
	case PLOT_MARK_NONE:
		return;
	case PLOT_MARK_CIRCLE:
		cairo_new_sub_path(cr);
		cairo_arc(cr, x, y, r, 0, 2 * PI);
		break;
	case PLOT_MARK_SQUARE:
		cairo_rectangle(cr, x - 0.88 * r, y - 0.88 * r, 1.76 * r, 1.76 * r);
		break;
	case PLOT_MARK_TRIANGLE:
		cairo_move_to(cr, x, y - 1.2 * r);
		cairo_line_to(cr, x + 1.05 * r, y + 0.65 * r);
		cairo_line_to(cr, x - 1.05 * r, y + 0.65 * r);
		cairo_close_path(cr);
		break;
	case PLOT_MARK_DIAMOND:
		cairo_move_to(cr, x, y - 1.25 * r);
		cairo_line_to(cr, x + 1.0 * r, y);
		cairo_line_to(cr, x, y + 1.25 * r);
		cairo_line_to(cr, x - 1.0 * r, y);
		cairo_close_path(cr);
		break;
	}
	if (st->open_marker)
		cairo_set_source_rgb(cr, 1, 1, 1);
	else
		set_colour(cr, st->colour, 1);
	cairo_fill_preserve(cr);
	set_colour(cr, st->colour, 1);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 2.4 * L->lu);
	cairo_stroke(cr);
}

/* y of a value for a bar or error-bar end: values a log axis cannot show
 * go just below the axes (clipped), so the bar still reaches the edge. */
static double
map_y_end(const struct layout *L, const struct plot_figure *f, double v)
{
	double y = map_y(L, f, v);

	return isfinite(y) ? y : L->y1 + 10 * L->lu;
}

/* A band: one polygon per run of drawable points. */
static void
draw_band(const struct layout *L, const struct plot_figure *f, const struct series *s, double alpha)
{
	cairo_t *cr = L->cr;
	size_t i = 0;

	while (i < s->n) {
		size_t j = i;

		while (j < s->n && isfinite(map_x(L, f, s->x[j])) &&
		       isfinite(map_y(L, f, s->ylo[j])) && isfinite(map_y(L, f, s->yhi[j])))
			j++;
		if (j > i) {
			for (size_t k = i; k < j; k++)
				cairo_line_to(cr, map_x(L, f, s->x[k]), map_y(L, f, s->yhi[k]));
			for (size_t k = j; k-- > i;)
				cairo_line_to(cr, map_x(L, f, s->x[k]), map_y(L, f, s->ylo[k]));
			cairo_close_path(cr);
			set_colour(cr, s->style.colour, alpha);
			cairo_fill(cr);
		}
		i = j + 1;
	}
}

static size_t
draw_cells(const struct layout *L, const struct plot_figure *f, const struct series *s)
{
	cairo_t *cr = L->cr;
	size_t drawn = 0;

	for (size_t i = 0; i < s->n; i++) {
		double xa = map_x(L, f, s->xlo[i]), xb = map_x(L, f, s->xhi[i]);
		double ya = map_y(L, f, s->ylo[i]), yb = map_y(L, f, s->yhi[i]);
		double v = plot_axis_fraction(&f->z, s->y[i]);

		if (!isfinite(xa) || !isfinite(xb) || !isfinite(ya) || !isfinite(yb) ||
		    !isfinite(s->y[i]))
			continue;
		drawn++;
		/* A hair of overlap, so neighbouring cells show no seam. */
		cairo_rectangle(cr, xa - 0.3, yb - 0.3, xb - xa + 0.6, ya - yb + 0.6);
		set_colour(cr, plot_colour_map(isfinite(v) ? v : 0), 1);
		cairo_fill(cr);
	}
	return drawn;
}

/* Bars, or a histogram outline (steps), over the bins [xlo, xhi). */
static size_t
draw_bins(const struct layout *L, const struct plot_figure *f, const struct series *s, double alpha)
{
	cairo_t *cr = L->cr;
	const struct plot_style *st = &s->style;
	size_t drawn = 0;

	for (size_t i = 0; i < s->n; i++) {
		double xa = map_x(L, f, s->xlo[i]), xb = map_x(L, f, s->xhi[i]);
		double y = map_y(L, f, s->y[i]), base = map_y_end(L, f, 0);

		/* An empty bin of a histogram on a log axis is a drop to the
		 * bottom edge, not a hole. */
		if (s->kind == PLOT_STEPS && s->y[i] == 0 && !isfinite(y))
			y = map_y_end(L, f, 0);
		if (!isfinite(xa) || !isfinite(xb) || !isfinite(y))
			continue;
		drawn++;
		if (s->kind == PLOT_BARS) {
			cairo_rectangle(cr, xa, y, xb - xa, base - y);
			set_colour(cr, st->colour, alpha);
			cairo_fill_preserve(cr);
			set_colour(cr, st->colour, 1);
			set_line(L, st, 2.0);
			cairo_stroke(cr);
		} else {
			/* Join to the previous bin when the bins touch. */
			bool join = i > 0 && s->xhi[i - 1] == s->xlo[i] &&
				    (isfinite(map_y(L, f, s->y[i - 1])) || s->y[i - 1] == 0);

			if (join)
				cairo_line_to(cr, xa, y);
			else
				cairo_move_to(cr, xa, y);
			cairo_line_to(cr, xb, y);
		}
	}
	if (s->kind == PLOT_STEPS) {
		set_colour(cr, st->colour, 1);
		set_line(L, st, st->line_width > 0 ? st->line_width : 3);
		cairo_stroke(cr);
	}
	return drawn;
}

/* The line through the points, broken where a point cannot be drawn. */
static void
draw_polyline(const struct layout *L, const struct plot_figure *f, const struct series *s)
{
	cairo_t *cr = L->cr;
	bool pen = false;

	for (size_t i = 0; i < s->n; i++) {
		double x = map_x(L, f, s->x[i]), y = map_y(L, f, s->y[i]);

		if (!isfinite(x) || !isfinite(y)) {
			pen = false;
			continue;
		}
		if (pen)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen = true;
	}
	set_colour(cr, s->style.colour, 1);
	set_line(L, &s->style, s->style.line_width);
	cairo_stroke(cr);
}

/* Error bars ylo..yhi, with caps when the points are few enough to
 * leave room for them. */
static void
draw_error_bars(const struct layout *L, const struct plot_figure *f, const struct series *s)
{
	cairo_t *cr = L->cr;
	bool caps = s->n <= 120;

	for (size_t i = 0; i < s->n; i++) {
		double x = map_x(L, f, series_x(s, i)), y = map_y(L, f, s->y[i]);
		double a = s->ylo ? map_y_end(L, f, s->ylo[i]) : y;
		double b = s->yhi ? map_y_end(L, f, s->yhi[i]) : y;
		double cw = 5 * L->lu;

		if (!isfinite(x) || !isfinite(y))
			continue;
		if (s->ylo && isnan(s->ylo[i]))
			a = y;
		if (s->yhi && isnan(s->yhi[i]))
			b = y;
		cairo_move_to(cr, x, a);
		cairo_line_to(cr, x, b);
		if (caps) {
			cairo_move_to(cr, x - cw, a), cairo_line_to(cr, x + cw, a);
			cairo_move_to(cr, x - cw, b), cairo_line_to(cr, x + cw, b);
		}
	}
	set_colour(cr, s->style.colour, 1);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 2.0 * L->lu);
	cairo_stroke(cr);
}

static size_t
draw_markers(const struct layout *L, const struct plot_figure *f, const struct series *s)
{
	size_t drawn = 0;

	for (size_t i = 0; i < s->n; i++) {
		double x = map_x(L, f, s->x[i]), y = map_y(L, f, s->y[i]);

		if (!isfinite(x) || !isfinite(y))
			continue;
		drawn++;
		draw_marker(L, &s->style, x, y);
	}
	return drawn;
}

/* Draw one series; returns the data points drawn (bands count none). */
static size_t
draw_series(const struct layout *L, const struct plot_figure *f, const struct series *s)
{
	double alpha = s->style.alpha > 0 ? s->style.alpha : 1;
	size_t drawn = 0;

	switch (s->kind) {
	case PLOT_BAND:
		draw_band(L, f, s, alpha);
		return 0;
	case PLOT_CELLS:
		return draw_cells(L, f, s);
	case PLOT_BARS:
	case PLOT_STEPS:
		drawn = draw_bins(L, f, s, alpha);
		break;
	case PLOT_POINTS:
		if (s->style.line_width > 0)
			draw_polyline(L, f, s);
		break;
	}
	/* Error bars, then markers on top. */
	if (s->ylo || s->yhi)
		draw_error_bars(L, f, s);
	if (s->kind == PLOT_POINTS)
		drawn += draw_markers(L, f, s);
	return drawn;
}

static void
draw_reflines(const struct layout *L, const struct plot_figure *f, bool labels)
{
	cairo_t *cr = L->cr;

	for (size_t k = 0; k < f->n_l; k++) {
		const struct refline *r = &f->l[k];
		double p = r->vertical ? map_x(L, f, r->value) : map_y(L, f, r->value);

		if (!isfinite(p) || (r->vertical ? (p < L->x0 || p > L->x1) : (p < L->y0 || p > L->y1)))
			continue;
		if (!labels) {
			if (r->vertical)
				cairo_move_to(cr, p, L->y0), cairo_line_to(cr, p, L->y1);
			else
				cairo_move_to(cr, L->x0, p), cairo_line_to(cr, L->x1, p);
			set_colour(cr, r->style.colour, 1);
			set_line(L, &r->style, r->style.line_width > 0 ? r->style.line_width : 2);
			cairo_stroke(cr);
			continue;
		}
		if (!r->label)
			continue;
		/* The label sits along the line where it hides the fewest
		 * data (place_ref_labels): vertical lines read upwards, left
		 * of the line. */
		{
			double tw = text_width(cr, r->label, L->fs_ref, false), fh = 1.15 * L->fs_ref;
			double pad = 6 * L->u, bx, by, bw, bh;

			if (L->ref_pos && L->ref_pos[k] < 0)
				continue;	/* named in the legend, or outside */
			ref_label_box(L, f, r, L->ref_pos ? L->ref_pos[k] : 0, &bx, &by, &bw, &bh);
			cairo_save(cr);
			if (r->vertical) {
				cairo_translate(cr, bx + bw, by + bh);
				cairo_rotate(cr, -PI / 2);
			} else {
				cairo_translate(cr, bx, by);
			}
			cairo_rectangle(cr, -pad, 0, tw + 2 * pad, fh);
			cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
			cairo_fill(cr);
			set_colour(cr, r->style.colour, 1);
			draw_text(cr, 0, 0.5 * fh, r->label, L->fs_ref, false, 0, 0.5);
			cairo_restore(cr);
		}
	}
}

/* The frame, ticks and tick labels. */
static void
draw_frame_and_ticks(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;
	double major = 12 * L->lu, minor = 7 * L->lu;

	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 2.0 * L->lu);
	cairo_rectangle(cr, L->x0, L->y0, L->x1 - L->x0, L->y1 - L->y0);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 1.8 * L->lu);
	for (size_t i = 0; i < L->n_xt; i++) {
		const struct plot_tick *t = &L->xt[i];
		double x = map_x(L, f, t->value), len = t->major || t->labelled ? major : minor;

		if (!isfinite(x) || x < L->x0 - 0.5 || x > L->x1 + 0.5)
			continue;
		cairo_move_to(cr, x, L->y1), cairo_line_to(cr, x, L->y1 + len);
		cairo_stroke(cr);
		if (t->labelled && !f->hide_x_labels)
			draw_tick_label(cr, x, L->y1 + major + 4 * L->u + 0.42 * L->fs_tick * (t->exponent[0] != 0),
					t, L->fs_tick, 0.5, 0);
	}
	for (size_t i = 0; i < L->n_yt; i++) {
		const struct plot_tick *t = &L->yt[i];
		double y = map_y(L, f, t->value), len = t->major || t->labelled ? major : minor;

		if (!isfinite(y) || y < L->y0 - 0.5 || y > L->y1 + 0.5)
			continue;
		cairo_move_to(cr, L->x0, y), cairo_line_to(cr, L->x0 - len, y);
		cairo_stroke(cr);
		if (t->labelled)
			draw_tick_label(cr, L->x0 - major - 6 * L->u, y, t, L->fs_tick, 1, 0.5);
	}
}

/* The x title, on one or two lines (split at ";  "), shrunk to fit. */
static void
draw_x_title(const struct layout *L, const char *title)
{
	cairo_t *cr = L->cr;
	double size = L->fs_label, avail = L->w - 2 * 26 * L->u;
	char *one = xstrdup(title), *two = NULL;
	double cx = 0.5 * (L->x0 + L->x1);

	if (L->xlabel_split) {
		two = strstr(one, ";  ");
		*two = '\0';
		two += 3;
	}
	while ((text_width(cr, one, size, false) > avail ||
		(two && text_width(cr, two, size, false) > avail)) && size > L->fs_min)
		size = fmax(0.95 * size, L->fs_min);
	/* Centred on the axes, but kept inside the canvas. */
	for (int i = 0; i < 2; i++) {
		const char *line = i ? two : one;
		double tw, x;

		if (!line)
			continue;
		tw = text_width(cr, line, size, false);
		x = fmin(fmax(cx, 26 * L->u + 0.5 * tw), L->w - 26 * L->u - 0.5 * tw);
		draw_text(cr, x, L->h - 26 * L->u - (two && i == 0 ? 1.2 * size : 0), line, size,
			  false, 0.5, 1);
	}
	free(one);
}

/* The y title, turned, shrunk to fit beside the axes. */
static void
draw_y_title(const struct layout *L, const char *title)
{
	cairo_t *cr = L->cr;
	double size = L->fs_label, avail = L->y1 - L->y0 + 0.5 * (L->y0);

	while (text_width(cr, title, size, false) > avail && size > L->fs_min)
		size = fmax(0.95 * size, L->fs_min);
	cairo_save(cr);
	cairo_translate(cr, 26 * L->u, 0.5 * (L->y0 + L->y1));
	cairo_rotate(cr, -PI / 2);
	draw_text(cr, 0, 0, title, size, false, 0.5, 0);
	cairo_restore(cr);
}

static void
draw_axes(const struct layout *L, const struct plot_figure *f)
{
	draw_frame_and_ticks(L, f);
	if (f->xlabel && !f->hide_x_labels)
		draw_x_title(L, f->xlabel);
	if (f->ylabel)
		draw_y_title(L, f->ylabel);
}

static void
draw_grid(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;

	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1.2 * L->lu);
	cairo_set_source_rgb(cr, 0.89, 0.89, 0.89);
	for (size_t i = 0; i < L->n_xt; i++) {
		double x = map_x(L, f, L->xt[i].value);

		if (!f->n_categories && (L->xt[i].major || L->xt[i].labelled) && isfinite(x) &&
		    x > L->x0 + 1 && x < L->x1 - 1)
			cairo_move_to(cr, x, L->y0), cairo_line_to(cr, x, L->y1);
	}
	for (size_t i = 0; i < L->n_yt; i++) {
		double y = map_y(L, f, L->yt[i].value);

		if ((L->yt[i].major || L->yt[i].labelled) && isfinite(y) && y > L->y0 + 1 && y < L->y1 - 1)
			cairo_move_to(cr, L->x0, y), cairo_line_to(cr, L->x1, y);
	}
	cairo_stroke(cr);
}

/* One legend entry's sample (line, marker or swatch) and text at row
 * centre cy. */
static void
draw_legend_entry(const struct layout *L, enum plot_series_kind kind, const struct plot_style *st,
		  const char *label, double sx, double cy)
{
	cairo_t *cr = L->cr;
	double row = 1.3 * L->fs_legend, sw = 48 * L->tu;

	if (kind == PLOT_BAND || kind == PLOT_BARS) {
		cairo_rectangle(cr, sx, cy - 0.3 * row, sw, 0.6 * row);
		set_colour(cr, st->colour, st->alpha > 0 ? st->alpha : 1);
		cairo_fill_preserve(cr);
		set_colour(cr, st->colour, 1);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_set_line_width(cr, kind == PLOT_BARS ? 2 * L->lu : 0.01);
		cairo_stroke(cr);
	} else {
		if (st->line_width > 0 || kind == PLOT_STEPS) {
			cairo_move_to(cr, sx, cy), cairo_line_to(cr, sx + sw, cy);
			set_colour(cr, st->colour, 1);
			set_line(L, st, st->line_width > 0 ? st->line_width : 3);
			cairo_stroke(cr);
		}
		draw_marker(L, st, sx + 0.5 * sw, cy);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	draw_text(cr, sx + sw + 10 * L->tu, cy, label, L->fs_legend, false, 0, 0.5);
}

static void
draw_legend(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;
	double row = 1.3 * L->fs_legend, y0 = L->legend_y + 8 * L->tu;
	double sx0 = L->legend_x + 12 * L->tu;
	size_t e = 0, cols = L->legend_cols ? L->legend_cols : 1;

	if (L->n_legend == 0)
		return;
	cairo_rectangle(cr, L->legend_x, L->legend_y, L->legend_w, L->legend_h);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1.5 * L->lu);
	cairo_stroke(cr);
	for (size_t k = 0; k < f->n_s + f->n_l; k++) {
		bool is_ref = k >= f->n_s;
		const char *label = is_ref ? f->l[k - f->n_s].label : f->s[k].label;

		if (!label || (is_ref && !ref_in_legend(L, f, k - f->n_s)))
			continue;
		draw_legend_entry(L, is_ref ? PLOT_POINTS : f->s[k].kind,
				  is_ref ? &f->l[k - f->n_s].style : &f->s[k].style, label,
				  sx0 + (double)(e % cols) * L->legend_col_w,
				  y0 + ((double)(e / cols) + 0.5) * row);
		e++;
	}
}

/* The subtitle in lines that fit the width, broken after "; " (a caption
 * made of parts). */
static void
wrap_subtitle(struct layout *L, const struct plot_figure *f)
{
	const char *s = f->subtitle;
	double avail = L->w - 2 * 26 * L->u;

	L->title_split = f->title && strstr(f->title, " \xe2\x80\x94 ") &&
			 text_width(L->cr, f->title, L->fs_min * 1.15, true) > avail;

	for (size_t i = 0; i < L->n_sub_lines; i++)
		free(L->sub_lines[i]);
	L->n_sub_lines = 0;
	if (!s)
		return;
	while (*s && L->n_sub_lines < 8) {
		size_t best = strlen(s);
		const char *p = s;

		/* The longest run of whole parts that fits, at least one part. */
		if (text_width(L->cr, s, L->fs_sub, false) > avail && L->n_sub_lines < 7) {
			best = 0;
			while ((p = strstr(p, ";  "))) {
				char *head = xmalloc((size_t)(p - s) + 2);

				memcpy(head, s, (size_t)(p - s) + 1);
				head[p - s + 1] = '\0';
				if (best && text_width(L->cr, head, L->fs_sub, false) > avail) {
					free(head);
					break;
				}
				best = (size_t)(p - s) + 1;
				free(head);
				p += 3;
			}
			if (best == 0)
				best = strlen(s);
			/* One part too long by itself: break it at a space. */
			{
				char *head = xmalloc(best + 1);

				memcpy(head, s, best);
				head[best] = '\0';
				while (text_width(L->cr, head, L->fs_sub, false) > avail) {
					char *sp = strrchr(head, ' ');

					if (!sp || sp == head)
						break;
					*sp = '\0';
					best = (size_t)(sp - head);
				}
				free(head);
			}
		}
		L->sub_lines[L->n_sub_lines] = xmalloc(best + 1);
		memcpy(L->sub_lines[L->n_sub_lines], s, best);
		L->sub_lines[L->n_sub_lines][best] = '\0';
		L->n_sub_lines++;
		s += best;
		while (*s == ' ')
			s++;
	}
}

static void
draw_title(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;
	double y = 26 * L->u, avail = L->w - 2 * 26 * L->u;

	cairo_set_source_rgb(cr, 0, 0, 0);
	if (f->title) {
		double size = L->fs_title;
		char *one = xstrdup(f->title), *two = NULL;

		/* Too long at 8 pt: two lines, broken after the dash. */
		if (L->title_split) {
			two = strstr(one, " \xe2\x80\x94 ");
			two[4] = '\0';
			two += 5;
		}
		while ((text_width(cr, one, size, true) > avail ||
			(two && text_width(cr, two, size, true) > avail)) && size > L->fs_min * 1.1)
			size = fmax(0.95 * size, L->fs_min * 1.1);
		draw_text(cr, 0.5 * L->w, y, one, size, true, 0.5, 0);
		y += 1.3 * L->fs_title;
		if (two) {
			draw_text(cr, 0.5 * L->w, y, two, size, true, 0.5, 0);
			y += 1.3 * L->fs_title;
		}
		free(one);
	}
	for (size_t i = 0; i < L->n_sub_lines; i++) {
		double size = L->fs_sub;

		while (text_width(cr, L->sub_lines[i], size, false) > avail && size > L->fs_min)
			size = fmax(0.95 * size, L->fs_min);
		cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
		draw_text(cr, 0.5 * L->w, y, L->sub_lines[i], size, false, 0.5, 0);
		y += 1.2 * L->fs_sub;
	}
}

static void
draw_colourbar(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;
	double h = L->y1 - L->y0, major = 12 * L->lu;
	int steps = 128;

	if (!f->zlabel)
		return;
	for (int i = 0; i < steps; i++) {
		double a = L->y1 - h * i / steps, b = L->y1 - h * (i + 1) / steps;

		cairo_rectangle(cr, L->cb_x0, b - 0.3, L->cb_x1 - L->cb_x0, a - b + 0.6);
		set_colour(cr, plot_colour_map((i + 0.5) / steps), 1);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_line_width(cr, 1.5 * L->lu);
	cairo_rectangle(cr, L->cb_x0, L->y0, L->cb_x1 - L->cb_x0, h);
	cairo_stroke(cr);
	for (size_t i = 0; i < L->n_zt; i++) {
		const struct plot_tick *t = &L->zt[i];
		double fr = plot_axis_fraction(&f->z, t->value), y = L->y1 - fr * h;

		if (!isfinite(fr) || fr < -1e-6 || fr > 1 + 1e-6)
			continue;
		cairo_move_to(cr, L->cb_x1, y);
		cairo_line_to(cr, L->cb_x1 + (t->labelled ? major : 0.6 * major), y);
		cairo_stroke(cr);
		if (t->labelled)
			draw_tick_label(cr, L->cb_x1 + major + 6 * L->u, y, t, L->fs_tick, 0, 0.5);
	}
	if (f->zlabel[0]) {
		double size = L->fs_label;

		while (text_width(cr, f->zlabel, size, false) > h && size > L->fs_min)
			size = fmax(0.95 * size, L->fs_min);
		cairo_save(cr);
		cairo_translate(cr, L->cb_x1 + major + 6 * L->u +
				max_label_width(L, L->zt, L->n_zt, L->fs_tick) + 0.6 * L->fs_tick,
				0.5 * (L->y0 + L->y1));
		cairo_rotate(cr, -PI / 2);
		draw_text(cr, 0, 0, f->zlabel, size, false, 0.5, 0);
		cairo_restore(cr);
	}
}

/* Font sizes and scales for a canvas: proportional to the canvas (the
 * reference is 1600x1000 units), but never below a printed minimum, so a
 * figure made for a journal column has 7 pt text, not 3 pt. */
static void
set_sizes(struct layout *L, cairo_t *cr, const struct plot_canvas *c)
{
	double pt = c->pt_per_unit > 0 ? c->pt_per_unit : 0.45;

	L->cr = cr;
	L->pt = pt;
	L->u = fmin(c->width / 1600, c->height / 1000);
	L->fs_min = 7.0 / pt;
	text_floor = L->fs_min;
	L->fs_title = fmax(34 * L->u, 9.0 / pt);
	L->fs_sub = fmax(25 * L->u, 7.0 / pt);
	L->fs_label = fmax(30 * L->u, 8.0 / pt);
	L->fs_tick = fmax(27 * L->u, 7.0 / pt);
	L->fs_legend = fmax(25 * L->u, 7.0 / pt);
	L->fs_ref = fmax(22 * L->u, 7.0 / pt);
	/* Lines thicken with text that had to grow, half as fast; spacing
	 * around text follows the text. */
	L->lu = fmax(L->u, 0.8 * L->fs_tick / 27);
	L->tu = fmax(L->u, L->fs_legend / 25);
}

static void
set_font_options(cairo_t *cr)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
}

/* The panel's name inside the axes, in the corner where it hides the
 * fewest data, never the legend's, on a white ground. */
static void
draw_tag(const struct layout *L, const struct plot_figure *f)
{
	cairo_t *cr = L->cr;
	double tw = text_width(cr, f->tag, L->fs_legend, true), pad = 5 * L->tu;
	double th = 1.3 * L->fs_legend, tx = L->x0 + 10 * L->tu, ty = L->y0 + 8 * L->tu;
	size_t best = (size_t)-1;

	for (int c = 0; c < 4; c++) {
		double cx = c & 1 ? L->x1 - 10 * L->tu - tw : L->x0 + 10 * L->tu;
		double cy = c & 2 ? L->y1 - 8 * L->tu - th : L->y0 + 8 * L->tu;
		size_t hits = data_hidden(L, f, cx - pad, cy, tw + 2 * pad, th);

		if (L->n_legend && L->legend_x < cx + tw && L->legend_y < cy + th &&
		    L->legend_x + L->legend_w > cx && L->legend_y + L->legend_h > cy)
			hits += 100000;
		if (hits < best)
			best = hits, tx = cx, ty = cy;
	}
	cairo_rectangle(cr, tx - pad, ty, tw + 2 * pad, 1.3 * L->fs_legend);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	draw_text(cr, tx, ty + 0.65 * L->fs_legend, f->tag, L->fs_legend, true, 0, 0.5);
}

/* Layout and draw f in the panel at the origin of cr, w x h units, with
 * the sizes already in L. */
static size_t
render_panel(struct plot_figure *f, struct layout *L, double w, double h, bool paint)
{
	cairo_t *cr = L->cr;
	size_t drawn = 0;

	L->w = w;
	L->h = h;
	fit_axes(f);
	layout(L, f);

	if (paint) {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
	}
	draw_grid(L, f);

	cairo_save(cr);
	cairo_rectangle(cr, L->x0, L->y0, L->x1 - L->x0, L->y1 - L->y0);
	cairo_clip(cr);
	for (size_t k = 0; k < f->n_s; k++)
		if (f->s[k].kind == PLOT_BAND || f->s[k].kind == PLOT_CELLS)
			drawn += draw_series(L, f, &f->s[k]);
	if (f->zlabel)
		draw_grid(L, f);	/* over the map, where a grid still helps */
	draw_reflines(L, f, false);
	for (size_t k = 0; k < f->n_s; k++)
		if (f->s[k].kind != PLOT_BAND && f->s[k].kind != PLOT_CELLS)
			drawn += draw_series(L, f, &f->s[k]);
	draw_reflines(L, f, true);
	if (f->tag)
		draw_tag(L, f);
	cairo_restore(cr);

	draw_axes(L, f);
	draw_colourbar(L, f);
	draw_legend(L, f);
	draw_title(L, f);
	free(L->ref_pos);
	L->ref_pos = NULL;
	for (size_t i = 0; i < L->n_sub_lines; i++)
		free(L->sub_lines[i]);
	L->n_sub_lines = 0;
	return drawn;
}

size_t
plot_render_canvas(struct plot_figure *f, cairo_t *cr, const struct plot_canvas *c)
{
	struct layout *L = xcalloc(1, sizeof *L);
	size_t drawn;

	set_sizes(L, cr, c);
	set_font_options(cr);
	drawn = render_panel(f, L, c->width, c->height, true);
	free(L);
	return drawn;
}

size_t
plot_render(struct plot_figure *f, cairo_t *cr, double width, double height)
{
	struct plot_canvas c = { width, height, 0.45 };

	return plot_render_canvas(f, cr, &c);
}

size_t
plot_render_tiles(struct plot_figure *const *f, size_t n, size_t cols, cairo_t *cr,
		  double cell_w, double cell_h)
{
	size_t drawn = 0;

	if (cols == 0)
		return 0;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (size_t i = 0; i < n; i++) {
		cairo_save(cr);
		cairo_translate(cr, (double)(i % cols) * cell_w, (double)(i / cols) * cell_h);
		/* Each figure paints its own background: keep it to its cell. */
		cairo_rectangle(cr, 0, 0, cell_w, cell_h);
		cairo_clip(cr);
		drawn += plot_render(f[i], cr, cell_w, cell_h);
		cairo_restore(cr);
	}
	return drawn;
}

/* One x range for each column of a grid (the panels of a column share
 * their x axis). */
static void
share_x_ranges(struct plot_figure *const *f, size_t n, size_t cols)
{
	for (size_t col = 0; col < cols; col++) {
		double lo = INFINITY, hi = -INFINITY;

		for (size_t i = col; i < n; i += cols) {
			fit_axes(f[i]);
			lo = fmin(lo, f[i]->x.lo), hi = fmax(hi, f[i]->x.hi);
		}
		for (size_t i = col; i < n; i += cols) {
			plot_figure_x_range(f[i], lo, hi);
			fit_axes(f[i]);
		}
	}
}

/* One label form for the log y axes of a grid's panels: 10^k on all when
 * any needs it (a panel reaching 10^5), so the panels read alike. */
static void
same_y_labels(struct plot_figure *const *f, size_t n)
{
	bool exponents = false;

	for (size_t i = 0; i < n; i++) {
		f[i]->y.exponent_labels = false;
		fit_axes(f[i]);
		exponents |= f[i]->y.scale == PLOT_LOG && plot_axis_exponent_form(&f[i]->y);
	}
	for (size_t i = 0; i < n; i++)
		f[i]->y.exponent_labels = exponents;
}

/* Paint the canvas white and draw the grid's title and subtitle; returns
 * the height they take. */
static double
grid_heading(struct layout *L, const char *title, const char *subtitle)
{
	struct plot_figure head = { 0 };
	double top;

	cairo_set_source_rgb(L->cr, 1, 1, 1);
	cairo_paint(L->cr);
	head.title = (char *)title;
	head.subtitle = (char *)subtitle;
	wrap_subtitle(L, &head);
	draw_title(L, &head);
	top = 26 * L->u + (title ? 1.3 * L->fs_title * (L->title_split ? 2 : 1) : 0) +
	      1.2 * L->fs_sub * (double)L->n_sub_lines;
	for (size_t i = 0; i < L->n_sub_lines; i++)
		free(L->sub_lines[i]);
	L->n_sub_lines = 0;
	return top;
}

/* The heights of the rows sharing `avail`: a bottom row with the shared x
 * axis's labels keeps room for them, the others share the rest, so every
 * panel's axes are equally tall. */
static double *
grid_rows(const struct layout *L, struct plot_figure *const *f, size_t n, size_t cols,
	  size_t rows, bool shared_x, double avail)
{
	double *row_h = xcalloc(rows, sizeof *row_h), band = 0, extra;

	for (size_t i = (rows - 1) * cols; i < n; i++)
		band = fmax(band, x_label_band(L, f[i]));
	extra = shared_x ? 26 * L->u + 1.3 * L->fs_label + band + 8 * L->u - 4 * L->u : 0;
	avail -= extra;
	for (size_t r = 0; r < rows; r++)
		row_h[r] = avail / (double)rows + (r + 1 == rows ? extra : 0);
	return row_h;
}

/* Align the axes of each column (the widest left margin, the narrowest
 * right one); returns the height a legend above the first row's axes
 * takes. */
static double
align_columns(const struct layout *L, struct plot_figure *const *f, size_t n, size_t cols,
	      double cell_w, const double *row_h)
{
	double top_extra = 0;

	for (size_t col = 0; col < cols; col++) {
		double x0 = 0, x1 = INFINITY;

		for (size_t i = col; i < n; i += cols) {
			struct layout M = *L;

			M.w = cell_w, M.h = row_h[i / cols];
			M.ref_pos = NULL;
			fit_axes(f[i]);
			layout(&M, f[i]);
			free(M.ref_pos);
			x0 = fmax(x0, M.x0), x1 = fmin(x1, M.x1);
			/* A legend above the first row's axes: that row grows so
			 * its axes stay as tall as the others. */
			if (i < cols && M.top_legend_h > top_extra)
				top_extra = M.top_legend_h;
		}
		for (size_t i = col; i < n; i += cols) {
			f[i]->x_extent_forced = true;
			f[i]->fx0 = x0, f[i]->fx1 = x1;
		}
	}
	return top_extra;
}

size_t
plot_render_grid(struct plot_figure *const *f, size_t n, size_t cols, bool shared_x,
		 cairo_t *cr, const struct plot_canvas *c, const char *title, const char *subtitle)
{
	struct layout *L = xcalloc(1, sizeof *L);
	size_t rows, drawn = 0;
	double top, cell_w, *row_h, top_extra = 0;

	if (n == 0 || cols == 0) {
		free(L);
		return 0;
	}
	if (cols > n)
		cols = n;
	rows = (n + cols - 1) / cols;
	set_sizes(L, cr, c);
	set_font_options(cr);
	L->w = c->width;
	top = grid_heading(L, title, subtitle);
	cell_w = c->width / (double)cols;
	for (size_t i = 0; i < n; i++) {
		free(f[i]->title), free(f[i]->subtitle);
		f[i]->title = f[i]->subtitle = NULL;
		f[i]->hide_x_labels = shared_x && i + cols < n;
		f[i]->x_extent_forced = false;
		f[i]->no_side_legend = shared_x;
	}
	same_y_labels(f, n);
	if (shared_x)
		share_x_ranges(f, n, cols);
	row_h = grid_rows(L, f, n, cols, rows, shared_x, c->height - top);
	if (shared_x)
		top_extra = align_columns(L, f, n, cols, cell_w, row_h);
	if (top_extra > 0 && rows > 1) {
		for (size_t r = 0; r < rows; r++)
			row_h[r] -= top_extra / (double)rows;
		row_h[0] += top_extra;
	}
	for (size_t i = 0; i < n; i++) {
		double y = top;

		for (size_t r = 0; r < i / cols; r++)
			y += row_h[r];
		cairo_save(cr);
		cairo_translate(cr, (double)(i % cols) * cell_w, y);
		cairo_rectangle(cr, 0, 0, cell_w, row_h[i / cols]);
		cairo_clip(cr);
		drawn += render_panel(f[i], L, cell_w, row_h[i / cols], false);
		cairo_restore(cr);
	}
	free(row_h);
	free(L);
	return drawn;
}
