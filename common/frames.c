/* frames: the instrument's time quantisation; see frames.h. */
#include <math.h>
#include <stdio.h>

#include "die.h"
#include "frames.h"
#include "meta.h"

/* Boundaries within this fraction of a frame of a time count as that time. */
#define FRAME_SLACK 1e-6

bool
frame_grid_from_meta(json_t *meta, bool use, struct frame_grid *g, char *why,
		     size_t why_size)
{
	double tau = 0, pixr = 0.5;

	*g = (struct frame_grid){ 0, 0.5, 0, false };
	if (!meta_number(meta, "timedel", &tau) || !use)
		return true;
	if (!isfinite(tau) || !(tau > 0)) {
		snprintf(why, why_size, "timedel: expected a time resolution > 0 s, got %g", tau);
		return false;
	}
	if (meta_number(meta, "timepixr", &pixr) && !(pixr >= 0 && pixr <= 1)) {
		snprintf(why, why_size, "timepixr: expected a number in [0, 1], got %g", pixr);
		return false;
	}
	g->tau = tau;
	g->timepixr = pixr;
	return true;
}

void
frame_grid_anchor(struct frame_grid *g, double stamp)
{
	if (g->anchored || !frame_grid_on(g))
		return;
	g->b0 = stamp - g->timepixr * g->tau;
	g->anchored = true;
}

long long
frame_count(const struct frame_grid *g, double width)
{
	double k = nearbyint(width / g->tau);

	return k < 1 ? 1 : (long long)k;
}

long long
frame_index(const struct frame_grid *g, double t)
{
	return (long long)floor((t - g->b0) / g->tau);
}

double
frame_ceil(const struct frame_grid *g, double t)
{
	return g->b0 + ceil((t - g->b0) / g->tau - FRAME_SLACK) * g->tau;
}

double
frame_floor(const struct frame_grid *g, double t)
{
	return g->b0 + floor((t - g->b0) / g->tau + FRAME_SLACK) * g->tau;
}

double
frame_stamp(const struct frame_grid *g, double t)
{
	return g->b0 + ((double)frame_index(g, t) + g->timepixr) * g->tau;
}

void
frame_gtis(const struct frame_grid *g, const struct gti_list *gti, struct gti_list *frames)
{
	frames->n = 0;
	frames->iv = xmalloc((gti->n ? gti->n : 1) * sizeof *frames->iv);
	for (size_t i = 0; i < gti->n; i++) {
		/* Frame k has its stamp at b0 + (k + timepixr) tau. */
		double first = ceil((gti->iv[i].start - g->b0) / g->tau - g->timepixr - FRAME_SLACK);
		double last = floor((gti->iv[i].stop - g->b0) / g->tau - g->timepixr + FRAME_SLACK);

		if (last < first)
			continue;
		frames->iv[frames->n++] = (struct gti){ g->b0 + first * g->tau,
							g->b0 + (last + 1) * g->tau };
	}
	gti_normalize(frames);
}

double
frame_stamp_in(const struct frame_grid *g, double t, const struct gti *iv)
{
	double first = nearbyint((iv->start - g->b0) / g->tau);
	double last = nearbyint((iv->stop - g->b0) / g->tau) - 1;
	double k = floor((t - g->b0) / g->tau);

	k = k < first ? first : k > last ? last : k;
	return g->b0 + (k + g->timepixr) * g->tau;
}
