/* plot_axes: axis scales, data ranges and tick marks for the plotters.
 *
 * Pure arithmetic, no drawing, so it can be unit-tested: an axis maps data
 * values to a 0..1 fraction of its length (linear or logarithmic), and
 * plot_axis_ticks() chooses tick marks and their label texts for a given
 * length in pixels.  Log axes label decades and, where space allows, the 2
 * and 5 (or every 1..9) multiples; an axis narrower than that falls back to
 * "nice" linear steps placed logarithmically.  Values a scale cannot show
 * (NaN, inf, and <= 0 on a log axis) are skipped everywhere, never drawn as 0. */
#ifndef LL_PLOT_AXES_H
#define LL_PLOT_AXES_H

#include <stdbool.h>
#include <stddef.h>

enum plot_scale { PLOT_LINEAR, PLOT_LOG };

struct plot_axis {
	enum plot_scale scale;
	double lo, hi;		/* shown range; lo < hi, both > 0 on a log axis */
	const char *label;	/* title with unit, e.g. "time scale (s)"; borrowed */
	bool exponent_labels;	/* log axis: decades as 10^k even where plain
				 * decimals would be short (the panels of a
				 * grid then label alike) */
};

/* The extent of the values an axis must show. */
struct plot_range {
	double lo, hi;
	size_t n;		/* values accepted so far */
};

#define PLOT_MAX_TICKS 128

struct plot_tick {
	double value;
	bool major;		/* long tick and a grid line */
	bool labelled;
	char text[32];		/* UTF-8 label, or the mantissa when exponent[0] */
	char exponent[8];	/* non-empty: label is text·10^exponent (superscript) */
};

void plot_range_init(struct plot_range *r);

/* Whether `scale` can show v (finite, and > 0 on a log axis). */
bool plot_scale_accepts(enum plot_scale scale, double v);

/* Widen r to hold v when the scale can show it; returns whether it could. */
bool plot_range_add(struct plot_range *r, double v, enum plot_scale scale);

/* Set a->lo, a->hi from r, padded by `pad` (a fraction of the span, in log
 * space on a log axis).  A single value or an empty range gets a sensible
 * window around it (or [0, 1] / [1, 10]); returns false when r is empty. */
bool plot_axis_fit(struct plot_axis *a, const struct plot_range *r, double pad);

/* Position of v along the axis, 0 at lo and 1 at hi (outside values give
 * numbers outside 0..1); NaN when the scale cannot show v. */
double plot_axis_fraction(const struct plot_axis *a, double v);

/* Choose ticks for an axis `length_px` long whose labelled ticks must be at
 * least `min_gap_px` apart.  Fills t (up to `max`), returns the count. */
size_t plot_axis_ticks(const struct plot_axis *a, double length_px, double min_gap_px,
		       struct plot_tick *t, size_t max);

/* Whether a log axis labels its decades as 10^k: when any decade it shows
 * would be long as plain decimals (below 0.001 or above 10000), or when
 * exponent_labels asks for it.  False for a linear axis. */
bool plot_axis_exponent_form(const struct plot_axis *a);

/* A "nice" step (1, 2 or 5 times a power of ten) not below `raw`. */
double plot_nice_step(double raw);

#endif
