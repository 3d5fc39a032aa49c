/* frames: the instrument's time quantisation (DESIGN §4a).
 *
 * A detector that reads out in frames (ACIS: 0.44-3.2 s) stamps every event
 * of a frame with one time.  Bins that are not whole frames, or whose edges
 * fall between two stamps of one frame, then count the clock, not the
 * source: Fano factors far above 1 and power-spectrum peaks at aliases of the
 * frame rate.  A frame grid says where the frames are, so that programs that
 * bin time use whole frames with edges on frame boundaries, and programs that
 * draw times (poissonize, llgen --source) put them on the same stamps.
 *
 * Frame k spans [b0 + k*tau, b0 + (k+1)*tau) and its events carry the stamp
 * b0 + (k + timepixr)*tau (FITS TIMEPIXR: 0 = stamp at the frame's start,
 * 0.5 = its middle).  The grid's phase is not in any header: it is anchored
 * on one event's time, taken to be a stamp. */
#ifndef LL_FRAMES_H
#define LL_FRAMES_H

#include <stdbool.h>

#include <jansson.h>

#include "gti.h"

struct frame_grid {
	double tau;		/* frame time (s); 0: no quantisation to follow */
	double timepixr;	/* where a stamp lies in its frame, in [0, 1] */
	double b0;		/* one frame boundary, once anchored */
	bool anchored;
};

/* The grid of a stream's metadata: tau from `timedel`, timepixr from
 * `timepixr` (0.5, Chandra's value, when absent).  tau = 0 when the stream
 * has no `timedel` or `use` is false (--no-frames).  Dies (status 1, via
 * meta) on a non-number; a timedel that is not finite and > 0, or a timepixr
 * outside [0, 1], is reported through `why` and returns false. */
bool frame_grid_from_meta(json_t *meta, bool use, struct frame_grid *g,
			  char *why, size_t why_size);

/* Whether the grid quantises anything (tau > 0). */
static inline bool
frame_grid_on(const struct frame_grid *g)
{
	return g->tau > 0;
}

/* Anchor the grid on a stamp (the stream's first event).  Later calls do
 * nothing: one stream, one phase. */
void frame_grid_anchor(struct frame_grid *g, double stamp);

/* The number of whole frames nearest to `width`, at least 1. */
long long frame_count(const struct frame_grid *g, double width);

/* Index of the frame holding time t (anchored grid). */
long long frame_index(const struct frame_grid *g, double t);

/* First frame boundary >= t, and last frame boundary <= t: the part of a
 * GTI [a, b] made of whole frames is [frame_ceil(a), frame_floor(b)].  A
 * boundary within 1e-6 frame of t counts as t itself, so that a GTI edge
 * written on a boundary with rounding does not lose a frame. */
double frame_ceil(const struct frame_grid *g, double t);
double frame_floor(const struct frame_grid *g, double t);

/* The stamp of the frame holding t: where an event drawn at time t is put
 * so that it carries the same quantisation as the data. */
double frame_stamp(const struct frame_grid *g, double t);

/* Where times are drawn so that, once stamped, they look like the data's:
 * the frames whose stamp lies in one of the GTIs (a stamp within 1e-6 frame
 * of a GTI edge counts as inside, so a GTI [first event, last event] keeps
 * its end frames), as intervals of whole frames, touching frames merged.
 * A time drawn uniformly over these and stamped with frame_stamp_in() is a
 * stamp inside the GTIs, every frame equally likely.  `frames` is a new
 * list (empty when no stamp lies in any GTI); the grid must be anchored. */
void frame_gtis(const struct frame_grid *g, const struct gti_list *gti,
		struct gti_list *frames);

/* frame_stamp() of a time drawn inside `iv`, one of frame_gtis()'s
 * intervals: rounding at the interval's ends cannot move the stamp to a
 * frame outside it. */
double frame_stamp_in(const struct frame_grid *g, double t, const struct gti *iv);

#endif
