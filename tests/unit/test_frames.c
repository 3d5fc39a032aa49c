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
	{
		/* Stamps at 100 + (k + 0.5) tau.  GTI 1 starts after frame 0's
		 * stamp and ends before frame 3's; GTI 2 starts and stops on stamps
		 * (an events' span [first, last]); GTI 3 holds no stamp. */
		struct gti iv[] = { { 100.0 + 0.6 * tau, 100.0 + 3.4 * tau },
				    { stamp + 10 * tau, stamp + 12 * tau },
				    { 100.0 + 20.1 * tau, 100.0 + 20.4 * tau } };
		struct gti_list in = { 3, iv }, fr;

		frame_gtis(&g, &in, &fr);
		check(fr.n == 2 && near(fr.iv[0].start, 100.0 + tau) &&
		      near(fr.iv[0].stop, 100.0 + 3 * tau) && near(fr.iv[1].start, 100.0 + 10 * tau) &&
		      near(fr.iv[1].stop, 100.0 + 13 * tau),
		      "frame_gtis: the whole frames whose stamps lie in the GTIs, edge stamps kept");
		check(near(frame_stamp_in(&g, fr.iv[0].start, &fr.iv[0]), stamp + tau) &&
		      near(frame_stamp_in(&g, nextafter(fr.iv[0].stop, 0), &fr.iv[0]), stamp + 2 * tau) &&
		      near(frame_stamp_in(&g, fr.iv[0].stop, &fr.iv[0]), stamp + 2 * tau) &&
		      near(frame_stamp_in(&g, 100.0 + 11.5 * tau, &fr.iv[1]), stamp + 11 * tau),
		      "frame_stamp_in: the frame's stamp, never one outside the interval");
		gti_free(&fr);
	}
	json_object_set_new(meta, "timepixr", json_real(1.5));
	check(!frame_grid_from_meta(meta, true, &g, why, sizeof why), "timepixr outside [0, 1] refused");
	json_object_set_new(meta, "timepixr", json_real(0));
	json_object_set_new(meta, "timedel", json_real(-1));
	check(!frame_grid_from_meta(meta, true, &g, why, sizeof why), "timedel <= 0 refused");
	json_decref(meta);
	return tap_done();
}
