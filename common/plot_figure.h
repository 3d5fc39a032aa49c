/* plot_figure: one x–y chart described as data, then drawn with cairo.
 *
 * A plotter fills a figure (axes, series, reference lines, legend labels)
 * and calls plot_render(); the figure does the layout, because where things
 * go depends on all of it at once: the margins on the tick labels, the
 * legend on where the data lie (an inside corner free of data, else a
 * column to the right of the axes), the title size on the width.  Nothing is
 * clipped: titles that would not fit shrink, data are clipped to the axes.
 *
 * Sizes scale with the canvas: at the 1600×1000 reference, axis titles are
 * 30 units, tick labels 27, the title 34; but the canvas knows its printed
 * size (struct plot_canvas), and no text is drawn under 7 pt there, so a
 * figure made for a journal column stays readable: text that had to grow
 * takes room from the axes, lines thicken with it.  A caption too long for
 * a line wraps between its ";  "-separated parts, a long title after its
 * dash, a long two-part x title into two lines.  Reference-line labels go
 * where they hide no data, else into the legend.  Text is DejaVu Sans
 * through cairo's toy font API (no pango).  Values a scale cannot show
 * (NaN, and <= 0 on a log axis) are skipped, never drawn as 0; a line
 * through data breaks at them, a histogram drops to the bottom edge. */
#ifndef LL_PLOT_FIGURE_H
#define LL_PLOT_FIGURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cairo.h>

#include "plot_axes.h"

struct plot_colour {
	double r, g, b;
};

enum plot_marker {
	PLOT_MARK_NONE, PLOT_MARK_CIRCLE, PLOT_MARK_SQUARE, PLOT_MARK_TRIANGLE,
	PLOT_MARK_DIAMOND
};

enum plot_dash { PLOT_SOLID, PLOT_DASHED, PLOT_DOTTED, PLOT_DASHDOT };

struct plot_style {
	struct plot_colour colour;
	enum plot_dash dash;
	double line_width;	/* px at the reference size; 0: no connecting line */
	enum plot_marker marker;
	bool open_marker;	/* outline only (white inside) */
	double alpha;		/* bands and bars: fill opacity; 0 means 1 */
};

/* Colour i of a colour-blind-safe palette (Okabe & Ito 2008), cycling. */
struct plot_colour plot_palette(size_t i);
extern const struct plot_colour plot_black, plot_grey;

enum plot_series_kind {
	PLOT_POINTS,	/* markers at (x, y), error bars ylo..yhi, optional line */
	PLOT_STEPS,	/* histogram outline: y over [xlo, xhi) */
	PLOT_BARS,	/* filled bars from 0 to y over [xlo, xhi), error bars */
	PLOT_BAND,	/* filled region between ylo and yhi along x */
	PLOT_CELLS	/* filled rectangles [xlo, xhi) x [ylo, yhi) coloured by the
			 * value y through the colour map (heat maps); NaN: not drawn */
};

struct plot_figure;

struct plot_figure *plot_figure_new(void);
void plot_figure_free(struct plot_figure *f);

/* Title (top, bold) and an optional smaller second line; copied. */
void plot_figure_title(struct plot_figure *f, const char *title, const char *subtitle);

/* Axis scales and titles (with units); copied. */
void plot_figure_x(struct plot_figure *f, enum plot_scale scale, const char *label);
void plot_figure_y(struct plot_figure *f, enum plot_scale scale, const char *label);

/* Fix an axis range instead of fitting it to the data. */
void plot_figure_x_range(struct plot_figure *f, double lo, double hi);
void plot_figure_y_range(struct plot_figure *f, double lo, double hi);

/* Never let a fitted y axis start below `floor` (Fano factors are >= 0
 * even when an error bar reaches below). */
void plot_figure_y_floor(struct plot_figure *f, double floor);

/* Leave the top `fraction` (0..0.5) of a fitted y axis free of data, for a
 * panel's tag or a legend inside the axes (log axes: in decades). */
void plot_figure_y_headroom(struct plot_figure *f, double fraction);

/* Category names for a linear x axis: tick i at x = i labelled names[i]
 * (bar charts).  Copied. */
void plot_figure_x_categories(struct plot_figure *f, size_t n, const char *const *names);

/* Add a series.  Arrays are copied; ylo/yhi (error bar or band ends) and
 * xlo/xhi (bin edges for STEPS and BARS) may be NULL where the kind does
 * not need them.  `label` (copied, may be NULL) makes a legend entry.  The
 * series is drawn above the ones added before it, bands first of all. */
void plot_figure_add(struct plot_figure *f, enum plot_series_kind kind, size_t n,
		     const double *x, const double *y, const double *ylo, const double *yhi,
		     const double *xlo, const double *xhi,
		     const struct plot_style *style, const char *label);

/* A reference line across the axes: horizontal at y = value, or vertical at
 * x = value, with a text label drawn along it.  When `extend` the axis
 * range grows to show it; else it is drawn only when inside the range. */
void plot_figure_hline(struct plot_figure *f, double value, const struct plot_style *style,
		       const char *label, bool extend);
void plot_figure_vline(struct plot_figure *f, double value, const struct plot_style *style,
		       const char *label, bool extend);

/* The legend in rows above the axes, wherever the data lie: figures to be
 * compared side by side (A's and B's) then have it in the same place. */
void plot_figure_legend_above(struct plot_figure *f);

/* A panel's name, drawn in bold inside the axes at the top left (panels
 * of a grid: "0.1–0.4 nm"); copied. */
void plot_figure_tag(struct plot_figure *f, const char *tag);

/* A colour bar for PLOT_CELLS values: its title (with units) and scale;
 * the range is fitted to the cells unless plot_figure_z_range() fixes it. */
void plot_figure_colourbar(struct plot_figure *f, const char *label);
void plot_figure_z_range(struct plot_figure *f, double lo, double hi);

/* Write every data point of the figure as CSV rows
 * "panel,series,label,kind,x,y,ylo,yhi,xlo,xhi" (empty fields for what a
 * series lacks): the numbers the figure draws, for tests and for readers
 * who want them.  `panel` names the panel. */
void plot_figure_dump(const struct plot_figure *f, FILE *fp, const char *panel);

/* The canvas a figure is drawn on: its size in user units and what one
 * unit is in print (points).  Text is never smaller than 7 pt and lines
 * not thinner than about 0.4 pt at that printed size, whatever the canvas;
 * otherwise sizes scale with the canvas (see the top of this file). */
struct plot_canvas {
	double width, height;	/* user units */
	double pt_per_unit;	/* 72 / dpi for a PNG; points per unit for PDF/SVG */
};

/* Draw the figure on cr over a width×height canvas at 0.45 pt per unit
 * (PLOT_POINTS_PER_PX of plot_output.h).  Returns the number of data points
 * drawn (0 means an empty chart: the caller decides whether that is an
 * error). */
size_t plot_render(struct plot_figure *f, cairo_t *cr, double width, double height);

/* n complete figures, each with its own title, as tiles of cell_w×cell_h
 * units (0.45 pt per unit, as plot_render()), `cols` per row from the top
 * left, on a white canvas: independent charts side by side, unlike the
 * panels of plot_render_grid().  Returns the points drawn. */
size_t plot_render_tiles(struct plot_figure *const *f, size_t n, size_t cols, cairo_t *cr,
			 double cell_w, double cell_h);

/* The same on a canvas of a given print size. */
size_t plot_render_canvas(struct plot_figure *f, cairo_t *cr, const struct plot_canvas *c);

/* n figures as panels on one canvas, `cols` per row, under one title and
 * subtitle (the panels' own titles are ignored).  With `shared_x` the
 * panels of a column share one x range and their axes line up; only the
 * bottom panel of a column labels its x axis.  Returns the points drawn. */
size_t plot_render_grid(struct plot_figure *const *f, size_t n, size_t cols, bool shared_x,
			cairo_t *cr, const struct plot_canvas *c, const char *title,
			const char *subtitle);

#endif
