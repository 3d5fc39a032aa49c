/* test_frames: the frame grid of DESIGN §4a (widths in whole frames, edges
 * on boundaries, stamps), on the ACIS sample's frame time.
 * Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdio.h>

#include <jansson.h>

#include "frames.h"
#include "tap.h"

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int
main(void)
{
	const double tau = 0.44104, stamp = 100.0 + 0.5 * tau;
	struct frame_grid g;
	char why[200];
	json_t *meta = json_pack("{sf}", "timedel", tau);

	check(frame_grid_from_meta(meta, true, &g, why, sizeof why) && g.tau == tau &&
	      g.timepixr == 0.5, "timedel read, timepixr 0.5 when absent");
	check(frame_grid_from_meta(meta, false, &g, why, sizeof why) && !frame_grid_on(&g),
	      "--no-frames: no grid");
	frame_grid_from_meta(meta, true, &g, why, sizeof why);
	frame_grid_anchor(&g, stamp);
	frame_grid_anchor(&g, stamp + 0.1);
	check(near(g.b0, 100.0), "anchored on the first stamp only, boundary half a frame before");
	check(frame_count(&g, 0.05) == 1 && frame_count(&g, 1.0) == 2 &&
	      frame_count(&g, 44.104) == 100, "widths round to the nearest whole frame, at least one");
	check(frame_index(&g, stamp) == 0 && frame_index(&g, stamp + 7 * tau) == 7 &&
	      frame_index(&g, 99.99) == -1, "frame index of stamps and of a time before b0");
	check(near(frame_ceil(&g, 100.1), 100.0 + tau) && near(frame_floor(&g, 100.1), 100.0),
	      "ceil and floor to boundaries");
	check(near(frame_ceil(&g, 100.0 + 3 * tau - 1e-9), 100.0 + 3 * tau) &&
	      near(frame_floor(&g, 100.0 + 3 * tau - 1e-9), 100.0 + 3 * tau),
	      "a GTI edge a rounding away from a boundary keeps its frame");
	check(near(frame_stamp(&g, 100.0 + 2.9 * tau), stamp + 2 * tau),
	      "a drawn time takes its frame's stamp");
	json_object_set_new(meta, "timepixr", json_real(1.5));
	check(!frame_grid_from_meta(meta, true, &g, why, sizeof why), "timepixr outside [0, 1] refused");
	json_object_set_new(meta, "timepixr", json_real(0));
	json_object_set_new(meta, "timedel", json_real(-1));
	check(!frame_grid_from_meta(meta, true, &g, why, sizeof why), "timedel <= 0 refused");
	json_decref(meta);
	return tap_done();
}
