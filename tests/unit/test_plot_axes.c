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

/* The labels of the decades of a log axis lo..hi, "10^k" or plain. */
static const char *
decades(double lo, double hi, bool exponent_labels)
{
	static char buf[256];
	struct plot_axis a = { .scale = PLOT_LOG, .lo = lo, .hi = hi, .exponent_labels = exponent_labels };
	struct plot_tick t[64];
	size_t n = plot_axis_ticks(&a, 300, 50, t, 64), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (t[i].labelled && t[i].major && len < sizeof buf - 40)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s%s", len ? " " : "",
						t[i].text, t[i].exponent[0] ? "^" : "", t[i].exponent);
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
	check(strcmp(decades(0.3, 300, false), "1 10 100") == 0,
	      "a log axis within 0.001..10000 labels decades as plain numbers");
	check(strcmp(decades(0.3, 3e5, false), "10^0 10^1 10^2 10^3 10^4 10^5") == 0,
	      "a log axis reaching 10^5 labels every decade as 10^k");
	check(strcmp(decades(0.3, 300, true), "10^0 10^1 10^2") == 0,
	      "exponent_labels asks for 10^k where plain numbers would do (a grid's panels alike)");
	{
		struct plot_axis lin = { .scale = PLOT_LINEAR, .lo = 1, .hi = 1e6, .exponent_labels = true };
		struct plot_axis log5 = { .scale = PLOT_LOG, .lo = 1, .hi = 1e5 };

		check(!plot_axis_exponent_form(&lin) && plot_axis_exponent_form(&log5),
		      "plot_axis_exponent_form: never on a linear axis, on a log axis reaching 10^5");
	}
	return tap_done();
}
