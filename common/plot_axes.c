/* plot_axes: scales, ranges and ticks; see plot_axes.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_axes.h"

void
plot_range_init(struct plot_range *r)
{
	r->lo = INFINITY;
	r->hi = -INFINITY;
	r->n = 0;
}

bool
plot_scale_accepts(enum plot_scale scale, double v)
{
	return isfinite(v) && (scale == PLOT_LINEAR || v > 0);
}

bool
plot_range_add(struct plot_range *r, double v, enum plot_scale scale)
{
	if (!plot_scale_accepts(scale, v))
		return false;
	if (v < r->lo)
		r->lo = v;
	if (v > r->hi)
		r->hi = v;
	r->n++;
	return true;
}

bool
plot_axis_fit(struct plot_axis *a, const struct plot_range *r, double pad)
{
	if (r->n == 0) {
		a->lo = a->scale == PLOT_LOG ? 1 : 0;
		a->hi = a->scale == PLOT_LOG ? 10 : 1;
		return false;
	}
	if (a->scale == PLOT_LOG) {
		double l = log10(r->lo), h = log10(r->hi), span = h - l;

		if (span < 1e-9) {
			l -= 0.5;
			h += 0.5;
		} else {
			l -= pad * span;
			h += pad * span;
		}
		a->lo = pow(10, l);
		a->hi = pow(10, h);
	} else {
		double span = r->hi - r->lo;

		if (span <= 1e-12 * fmax(fabs(r->lo), fabs(r->hi))) {
			double w = r->lo != 0 ? 0.1 * fabs(r->lo) : 1;

			a->lo = r->lo - w;
			a->hi = r->hi + w;
		} else {
			a->lo = r->lo - pad * span;
			a->hi = r->hi + pad * span;
		}
	}
	return true;
}

double
plot_axis_fraction(const struct plot_axis *a, double v)
{
	if (!plot_scale_accepts(a->scale, v))
		return NAN;
	if (a->scale == PLOT_LOG)
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	return (v - a->lo) / (a->hi - a->lo);
}

double
plot_nice_step(double raw)
{
	double p, m;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	/* A hair of tolerance, so 0.2 (stored as 0.2000000001) stays 0.2. */
	if (m <= 1 + 1e-9)
		return p;
	if (m <= 2 + 1e-9)
		return 2 * p;
	if (m <= 5 + 1e-9)
		return 5 * p;
	return 10 * p;
}

/* "-" as the typographic minus sign U+2212, which lines up with "+" and
 * digits in DejaVu Sans. */
static void
use_minus_sign(char *s, size_t size)
{
	if (s[0] == '-' && strlen(s) + 3 < size) {
		memmove(s + 3, s + 1, strlen(s));
		memcpy(s, "\xe2\x88\x92", 3);
	}
}

/* Linear label: `decimals` after the point, or mantissa·10^e when the
 * numbers are very large or very small. */
static void
linear_label(struct plot_tick *t, double v, double step, double max_abs)
{
	t->exponent[0] = '\0';
	if (fabs(v) < 1e-9 * step)
		v = 0;
	if (max_abs >= 1e6 || (max_abs < 1e-3 && max_abs > 0)) {
		int e = (int)floor(log10(max_abs));
		double scale = pow(10, e), m = v / scale;
		int dec = (int)fmax(0, -floor(log10(step / scale) + 1e-9));

		if (v == 0) {
			snprintf(t->text, sizeof t->text, "0");
			return;
		}
		snprintf(t->text, sizeof t->text, "%.*f\xc3\x97" "10", dec, m);
		snprintf(t->exponent, sizeof t->exponent, "%d", e);
		use_minus_sign(t->text, sizeof t->text);
		use_minus_sign(t->exponent, sizeof t->exponent);
		return;
	}
	snprintf(t->text, sizeof t->text, "%.*f",
		 (int)fmax(0, -floor(log10(step) + 1e-9)), v);
	use_minus_sign(t->text, sizeof t->text);
}

/* Label of m·10^k on a log axis, plain decimals or 10^k form. */
static void
log_label(struct plot_tick *t, int m, int k, bool exponent_form)
{
	t->exponent[0] = '\0';
	if (!exponent_form) {
		if (k >= 0)
			snprintf(t->text, sizeof t->text, "%.0f", m * pow(10, k));
		else
			snprintf(t->text, sizeof t->text, "%.*f", -k, m * pow(10, k));
		return;
	}
	if (m == 1)
		snprintf(t->text, sizeof t->text, "10");
	else
		snprintf(t->text, sizeof t->text, "%d\xc3\x97" "10", m);
	snprintf(t->exponent, sizeof t->exponent, "%d", k);
	use_minus_sign(t->exponent, sizeof t->exponent);
}

static size_t
push_tick(struct plot_tick *t, size_t n, size_t max, double v, bool major, bool labelled)
{
	if (n >= max)
		return n;
	memset(&t[n], 0, sizeof t[n]);
	t[n].value = v;
	t[n].major = major;
	t[n].labelled = labelled;
	return n + 1;
}

static size_t
linear_ticks(const struct plot_axis *a, double length_px, double min_gap_px,
	     struct plot_tick *t, size_t max)
{
	double span = a->hi - a->lo, step, max_abs = fmax(fabs(a->lo), fabs(a->hi));
	size_t n = 0;

	step = plot_nice_step(span * min_gap_px / fmax(length_px, 1));
	/* The smallest gap is where a log axis is most compressed: its top. */
	if (a->scale == PLOT_LOG)
		while (length_px * log10(a->hi / (a->hi - step)) / log10(a->hi / a->lo) < min_gap_px
		       && step < span)
			step = plot_nice_step(step * 1.01);
	else if (floor(a->hi / step + 1e-9) - ceil(a->lo / step - 1e-9) < 1) {
		/* One label shows no scale (-4..3 in steps of 5 labels only 0):
		 * the next smaller nice step, when its labels keep half the gap. */
		double mant = step / pow(10, floor(log10(step) + 1e-9));
		double smaller = step * (fabs(mant - 5) < 1e-6 ? 0.4 : 0.5);

		if (length_px * smaller / span >= 0.5 * min_gap_px)
			step = smaller;
	}
	max_abs = fmax(fabs(ceil(a->lo / step) * step), fabs(floor(a->hi / step) * step));
	for (double k = ceil(a->lo / step - 1e-9); k * step <= a->hi + 1e-9 * step; k++) {
		double v = k * step;

		if (a->scale == PLOT_LOG && v <= 0)
			continue;
		n = push_tick(t, n, max, v, true, true);
		if (n > 0 && t[n - 1].value == v)
			linear_label(&t[n - 1], v, step, max_abs);
	}
	/* Minor ticks at a fifth (or half) of the step, where there is room. */
	if (a->scale == PLOT_LINEAR) {
		double mant = step / pow(10, floor(log10(step) + 1e-9));
		double sub = step / (fabs(mant - 2) < 1e-6 ? 4 : 5);

		if (length_px * sub / span >= 15)
			for (double k = ceil(a->lo / sub - 1e-9); k * sub <= a->hi + 1e-9 * sub; k++) {
				double r = k * sub / step;

				if (fabs(r - round(r)) > 1e-6)
					n = push_tick(t, n, max, k * sub, false, false);
			}
	}
	return n;
}

bool
plot_axis_exponent_form(const struct plot_axis *a)
{
	if (a->scale != PLOT_LOG || !(a->lo > 0) || !(a->hi >= a->lo))
		return false;
	if (a->exponent_labels)
		return true;
	/* One label form per axis: 10^k throughout when any decade label
	 * would be very long as plain decimals. */
	for (int k = (int)floor(log10(a->lo)); k <= (int)ceil(log10(a->hi)); k++)
		if (pow(10, k) >= a->lo * (1 - 1e-9) && pow(10, k) <= a->hi * (1 + 1e-9) &&
		    (k < -3 || k > 4))
			return true;
	return false;
}

size_t
plot_axis_ticks(const struct plot_axis *a, double length_px, double min_gap_px,
		struct plot_tick *t, size_t max)
{
	static const int set9[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, set3[] = { 1, 2, 5 };
	double l, h, decade_px;
	int klo, khi, stride = 1;
	const int *set;
	size_t n_set, n = 0, n_labels = 0;
	bool exponent_form = false;

	if (a->scale == PLOT_LINEAR)
		return linear_ticks(a, length_px, min_gap_px, t, max);
	l = log10(a->lo);
	h = log10(a->hi);
	decade_px = length_px / (h - l);
	klo = (int)floor(l);
	khi = (int)ceil(h);
	if (decade_px * log10(10.0 / 9) >= min_gap_px) {
		set = set9;
		n_set = 9;
	} else if (decade_px * log10(2) >= min_gap_px) {
		set = set3;
		n_set = 3;
	} else {
		set = set3;
		n_set = 1;
		while (stride * decade_px < min_gap_px)
			stride++;
	}
	/* Count the labels the choice gives; fewer than two cannot show a
	 * scale, so a narrow axis gets linear steps instead. */
	for (int k = klo; k <= khi; k++)
		for (size_t i = 0; i < n_set; i++) {
			double v = set[i] * pow(10, k);

			if (v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9) &&
			    (set[i] != 1 || k % stride == 0))
				n_labels++;
		}
	if (n_labels < 2) {
		/* Linear steps, unless they find fewer than two labels too (a
		 * step beyond the top): then the decade ticks we have. */
		size_t n_lin = linear_ticks(a, length_px, min_gap_px, t, max), n_lab = 0;

		for (size_t i = 0; i < n_lin; i++)
			n_lab += t[i].labelled;
		if (n_lab >= 2)
			return n_lin;
		/* 1, 2, 5 when they nearly fit. */
		if (decade_px * log10(2) >= 0.6 * min_gap_px) {
			set = set3;
			n_set = 3;
			stride = 1;
		}
	}
	exponent_form = plot_axis_exponent_form(a);
	if (set == set9 && exponent_form) {
		/* "7×10⁻⁵" nine times a decade is clutter: keep 1, 2, 5. */
		set = set3;
		n_set = 3;
	}
	for (int k = klo; k <= khi; k++)
		for (int m = 1; m <= 9; m++) {
			double v = m * pow(10, k);
			bool labelled = false;

			if (v < a->lo * (1 - 1e-9) || v > a->hi * (1 + 1e-9))
				continue;
			for (size_t i = 0; i < n_set; i++)
				if (set[i] == m)
					labelled = m != 1 || k % stride == 0;
			if (m != 1 && !labelled && decade_px < 30)
				continue;	/* minor ticks would merge into a smear */
			n = push_tick(t, n, max, v, m == 1, labelled);
			if (labelled && n > 0 && t[n - 1].value == v)
				log_label(&t[n - 1], m, k, exponent_form);
		}
	return n;
}
