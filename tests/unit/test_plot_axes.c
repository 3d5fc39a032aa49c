/* test_plot_axes: tick choice on linear axes (plot_axis_ticks).
 * Prints TAP lines; exits 1 when any check failed.  Negative labels
 * start with U+2212, the minus sign. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_axes.h"
#include "tap.h"

/* The labels (text) of the labelled ticks of an axis lo..hi, joined by spaces. */
static const char *
labels(double lo, double hi, double length_px, double min_gap_px)
{
	static char buf[256];
	struct plot_axis a = { .scale = PLOT_LINEAR, .lo = lo, .hi = hi, .label = NULL };
	struct plot_tick t[64];
	size_t n = plot_axis_ticks(&a, length_px, min_gap_px, t, 64), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (t[i].labelled && len < sizeof buf - 40)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "",
						t[i].text);
	return buf;
}

int
main(void)
{
	/* The gap asks for a step of 3.4: the nice step 5 labels only 0 of
	 * -4.05..3.13, so the step falls to 2 (89 px apart, over half of 150). */
	check(strcmp(labels(-4.05, 3.13, 320, 150), "\xe2\x88\x92" "4 \xe2\x88\x92" "2 0 2") == 0,
	      "a step that would label one value falls to the next smaller nice step");
	check(strcmp(labels(0, 10, 500, 60), "0 2 4 6 8 10") == 0,
	      "a step that labels several values stays (0..10 by 2)");
	/* 2 would be 28 px apart, under half of 150: the one label stays. */
	check(strcmp(labels(-4.05, 3.13, 100, 150), "0") == 0,
	      "no smaller step when its labels would crowd");
	return tap_done();
}
