/* poissonize: replace the event times by uniform random times within the
 * GTIs, keeping the counts and the wavelengths: the Poisson control.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * Holds the dataset (16 bytes per event).  Output is time-sorted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "frames.h"
#include "gti.h"
#include "meta.h"
#include "rng.h"

static const char usage_text[] =
	"usage: poissonize [--seed N] [-o FILE]\n"
	"Give every event a new time drawn uniformly within the good time\n"
	"intervals, so the output is a Poisson process with the same count, the\n"
	"same wavelengths and wbins, and the same exposure: the control dataset\n"
	"for variability analyses.  Wavelengths are assigned to the new times in\n"
	"random order, so wavelength is independent of time.  Output is sorted.\n"
	"Time range: the metadata GTIs; else [tstart, tstop]; else [first event,\n"
	"last event].  When the metadata has \"timedel\" (the instrument's frame\n"
	"time) each new time is the stamp of the frame it falls in, on the\n"
	"source's frame grid, so the control has the data's time quantisation.\n"
	"Holds the dataset in memory: 16 bytes per event.\n"
	"\n"
	"  --seed N         random seed (default: drawn from the OS); recorded in\n"
	"                   the metadata \"seeds\", same seed gives the same output\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 8 --min 0.1 --max 1 | poissonize --seed 1 | varstat --timescales 1:1000:10\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

/* N sorted uniform times in the union of the GTIs, written into ev[].time,
 * in O(N + intervals): the partial sums of N+1 exponential spacings, divided
 * by their total, are N sorted uniforms on [0, 1) (Devroye 1986, V.2); scaled
 * to the total exposure they are walked through the cumulative interval
 * lengths.  With a frame grid (fg not NULL, g made by frame_gtis) each time
 * becomes its frame's stamp, which keeps the order. */
static void
sorted_uniform_times(struct ev_event *ev, size_t n, const struct gti_list *g,
		     const struct frame_grid *fg, struct rng *r)
{
	double sum = 0, exposure = gti_exposure(g), cum = 0, scale;
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		sum += rng_exponential(r);
		ev[i].time = sum;
	}
	sum += rng_exponential(r);
	scale = exposure / sum;
	for (size_t i = 0; i < n; i++) {
		double u = ev[i].time * scale, t;

		while (j + 1 < g->n && u >= cum + (g->iv[j].stop - g->iv[j].start)) {
			cum += g->iv[j].stop - g->iv[j].start;
			j++;
		}
		t = g->iv[j].start + (u - cum);
		/* Rounding must not push a time out of its interval. */
		if (t >= g->iv[j].stop)
			t = nextafter(g->iv[j].stop, -INFINITY);
		if (t < g->iv[j].start)
			t = g->iv[j].start;
		ev[i].time = fg ? frame_stamp_in(fg, t, &g->iv[j]) : t;
	}
}

/* No GTI in the metadata: the events' own span is the time to spread over. */
static void
span_of_events(const struct ev_event *ev, size_t n, struct gti_list *gti)
{
	double lo = ev[0].time, hi = ev[0].time;

	for (size_t i = 1; i < n; i++) {
		lo = ev[i].time < lo ? ev[i].time : lo;
		hi = ev[i].time > hi ? ev[i].time : hi;
	}
	gti->n = 1;
	gti->iv = xmalloc(sizeof *gti->iv);
	gti->iv[0] = (struct gti){ lo, hi };
}

/* Fisher-Yates on the (wavelength, wbin) pairs; the times are replaced
 * next, so which slot a pair lands in is its new time. */
static void
shuffle_labels(struct ev_event *ev, size_t n, struct rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		float w = ev[i - 1].wavelength;
		int32_t b = ev[i - 1].wbin;

		ev[i - 1].wavelength = ev[j].wavelength;
		ev[i - 1].wbin = ev[j].wbin;
		ev[j].wavelength = w;
		ev[j].wbin = b;
	}
}

/* New sorted times, uniform over the GTIs (n > 0). */
static void
draw_times(struct ev_event *ev, size_t n, const struct gti_list *gti,
	   const struct frame_grid *frames, struct rng *r)
{
	if (gti_exposure(gti) > 0 && frame_grid_on(frames)) {
		/* Draw over the frames whose stamps are in the GTIs, then
		 * stamp: A's frame grid, A's GTIs. */
		struct gti_list on_frames;

		frame_gtis(frames, gti, &on_frames);
		if (on_frames.n == 0)
			die(EXIT_RUNTIME, "stdin: no frame of the timedel %g s grid has its "
			    "time stamp inside the GTIs", frames->tau);
		sorted_uniform_times(ev, n, &on_frames, frames, r);
		gti_free(&on_frames);
	} else if (gti_exposure(gti) > 0) {
		sorted_uniform_times(ev, n, gti, NULL, r);
	} else {
		/* One instant (a single event, or all at the same time and no
		 * range in the metadata): nothing to spread over. */
		for (size_t i = 0; i < n; i++)
			ev[i].time = gti->iv[0].start;
	}
}

int
main(int argc, char **argv)
{
	struct ev_reader *in;
	struct ev_writer *out;
	struct ev_event *ev;
	struct gti_list gti = { 0 };
	struct frame_grid frames;
	struct rng r_time, r_shuffle;
	char why[256];
	size_t n;
	uint64_t seed;
	json_t *meta;

	cli_parse_seed_output(argc, argv, "poissonize", usage_text);
	seed = cli_seed();
	in = ev_reader_open(0, "stdin");
	meta = ev_reader_meta(in);
	ev = ev_read_all(in, &n);
	if (!frame_grid_from_meta(meta, true, &frames, why, sizeof why))
		die(EXIT_RUNTIME, "metadata: %s", why);
	if (n > 0)
		frame_grid_anchor(&frames, ev[0].time);	/* a stamp of the data */
	if (!meta_analysis_gti(meta, &gti) && n > 0)
		span_of_events(ev, n, &gti);
	r_time = rng_split(seed, 1);
	r_shuffle = rng_split(seed, 2);
	shuffle_labels(ev, n, &r_shuffle);
	if (n > 0)
		draw_times(ev, n, &gti, &frames, &r_time);
	meta_add_seed(meta, seed);
	meta_set_sorted(meta, true);
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	for (size_t i = 0; i < n; i += EV_BLOCK_EVENTS)
		ev_write_block(out, ev + i, n - i < EV_BLOCK_EVENTS ? n - i : EV_BLOCK_EVENTS);
	ev_writer_close(out);
	gti_free(&gti);
	free(ev);
	ev_reader_close(in);
	return EXIT_OK;
}
