/* test_scan: the analyzers' shared walk: GTIs (metadata, merged; or the
 * events' span with its note), the frame grid (GTIs cut to whole frames,
 * widths in whole frames), slots, row order, whole-bin counts.
 * Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ev.h"
#include "scan.h"
#include "tap.h"

/* A temporary file holding the stream (meta, events), positioned at 0. */
static int
stream(const char *meta_json, const struct ev_event *ev, size_t n)
{
	FILE *f = tmpfile();
	json_t *meta = json_loads(meta_json, 0, NULL);
	int fd = fileno(f);
	struct ev_writer *w = ev_writer_open(dup(fd), "tmp", "test", meta);

	ev_write_block(w, ev, n);
	ev_writer_close(w);
	json_decref(meta);
	lseek(fd, 0, SEEK_SET);
	return dup(fd);		/* f itself is left to the process's exit */
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static const char *
note(const struct scan *s, const char *prefix)
{
	for (const char *const *n = scan_notes(s); *n; n++)
		if (strncmp(*n, prefix, strlen(prefix)) == 0)
			return *n;
	return NULL;
}

static void
metadata_gtis(void)
{
	const struct ev_event ev[] = {
		{ 0.5, 1, 0 }, { 1.0, 1, 1 }, { 2.5, 1, -1 }, { 3.0, 1, 2 }, { 5.5, 1, 0 }, { 9.0, 1, 0 },
	};
	struct scan s;
	struct scan_event e;
	double t[8];
	size_t g[8], slot[8], n = 0;

	scan_open(&s, stream("{\"gti\": [[1, 2], [2, 4], [5, 6]]}", ev, 6), "t", true);
	check(s.gti.n == 2 && s.gti.iv[0].start == 1 && s.gti.iv[0].stop == 4 && !s.gti_from_events,
	      "metadata GTIs, touching ones merged");
	while (scan_next(&s, &e) && n < 8) {
		t[n] = e.t;
		g[n] = e.g;
		slot[n++] = e.slot;
	}
	check(n == 4 && t[0] == 1.0 && t[1] == 2.5 && t[2] == 3.0 && t[3] == 5.5,
	      "only the events inside the GTIs");
	check(g[0] == 0 && g[2] == 0 && g[3] == 1 && slot[0] == 2 && slot[1] == 0 && slot[2] == 3,
	      "each with its GTI and slot (1 + wbin, 0 unbinned)");
	check(s.n_slots == 4 && scan_row_slot(&s, 0) == 1 && scan_row_slot(&s, 3) == 0 &&
	      scan_slot_wbin(0) == -1, "slots grow with the wbins; rows: wbins first, all events last");
	check(scan_count(&s) == 6 && scan_notes(&s)[0] == NULL, "every event read; no note");
	scan_close(&s);
}

static void
events_span(void)
{
	const struct ev_event ev[] = { { 10, 1, -1 }, { 12, 1, -1 }, { 17.5, 1, -1 } };
	struct scan s;
	struct scan_event e;
	bool open_during = true;

	scan_open(&s, stream("{\"tstart\": 0, \"tstop\": 100}", ev, 3), "t", true);
	check(s.gti_from_events && s.gti.n == 1 && s.gti.iv[0].start == 10,
	      "no GTI: one from the first event (tstart/tstop ignored)");
	while (scan_next(&s, &e))
		open_during = open_during && isinf(s.gti.iv[0].stop);
	check(open_during && s.gti.iv[0].stop == 17.5, "open during the walk, closed on the last event");
	check(note(&s, "note: no GTI in the metadata") != NULL, "with a note");
	scan_close(&s);
}

static void
frames(void)
{
	const double tau = 0.5;
	/* Stamps at frame middles of the grid 100 + k tau. */
	const struct ev_event ev[] = { { 100.25, 1, -1 }, { 100.75, 1, -1 }, { 103.25, 1, -1 } };
	struct scan s;
	struct scan_event e;
	size_t n = 0;

	scan_open(&s, stream("{\"gti\": [[100.1, 103.4], [104, 104.3]], \"timedel\": 0.5}", ev, 3),
		  "t", true);
	check(s.gti.n == 1 && near(s.gti.iv[0].start, 100.5) && near(s.gti.iv[0].stop, 103.0),
	      "GTIs cut to whole frames; one shorter than a frame goes");
	check(near(scan_width(&s, 0.1), tau) && near(scan_width(&s, 1.3), 3 * tau) &&
	      near(scan_width(&s, 1.2), 2 * tau), "widths: the nearest whole number of frames, >= 1");
	check(note(&s, "note: frames: timedel 0.5 s") != NULL, "a note says bins follow frames");
	while (scan_next(&s, &e))
		n++;
	check(n == 1, "events in partial frames at GTI edges are left out");
	scan_close(&s);

	scan_open(&s, stream("{\"timedel\": 0.5}", ev, 3), "t", true);
	while (scan_next(&s, &e))
		;
	check(near(s.gti.iv[0].start, 100.0) && near(s.gti.iv[0].stop, 103.5),
	      "no GTI with frames: from the first event's frame to the end of the last's");
	scan_close(&s);

	scan_open(&s, stream("{\"timedel\": 0.5}", ev, 3), "t", false);
	check(!frame_grid_on(&s.frames) && scan_width(&s, 0.1) == 0.1, "--no-frames: free widths");
	scan_close(&s);
}

static void
runs(void)
{
	const struct ev_event ev[] = {
		{ 0.5, 1, 0 }, { 1.0, 1, 1 }, { 2.5, 1, -1 }, { 3.0, 1, 2 }, { 5.5, 1, 0 }, { 9.0, 1, 0 },
	};
	struct scan s;
	struct scan_run r[4];
	size_t slots[4], n = 0;

	scan_open(&s, stream("{\"gti\": [[1, 2], [2, 4], [5, 6]]}", ev, 6), "t", true);
	while (n < 4 && scan_next_run(&s, &r[n])) {
		slots[n] = s.n_slots;
		n++;
	}
	check(n == 3 && r[0].n == 2 && r[0].ev[0].time == 1.0 && r[0].g == 0 && slots[0] == 3,
	      "runs: the first from the first event inside a GTI, its new wbin already a slot");
	check(r[1].n == 1 && r[1].ev[0].time == 3.0 && r[1].g == 0 && slots[1] == 4,
	      "runs: cut before an event with a new wbin, which starts the next");
	check(r[2].n == 1 && r[2].ev[0].time == 5.5 && r[2].g == 1 && scan_count(&s) == 6,
	      "runs: cut at a GTI's stop; events outside the GTIs left out");
	scan_close(&s);
}

/* Over several blocks, the runs hand out what scan_next does. */
static void
runs_as_events(void)
{
	enum { N = 3 * EV_BLOCK_EVENTS + 17 };
	struct ev_event *ev = malloc(N * sizeof *ev);
	struct scan a, b;
	struct scan_event e;
	struct scan_run r;
	size_t n_runs = 0, i = 0;
	bool same = true;

	for (size_t k = 0; k < N; k++)
		ev[k] = (struct ev_event){ 0.01 * (double)k, 1, k % 7 == 0 ? -1 : (int32_t)(k % 5) };
	ev[185000].wbin = 6;	/* a late new wbin, at 1850 s */
	scan_open(&a, stream("{\"gti\": [[10, 700], [700.5, 1500], [1600, 1900.004]]}", ev, N), "a", true);
	scan_open(&b, stream("{\"gti\": [[10, 700], [700.5, 1500], [1600, 1900.004]]}", ev, N), "b", true);
	while (scan_next_run(&b, &r)) {
		n_runs++;
		for (size_t j = 0; j < r.n; j++, i++)
			same = same && scan_next(&a, &e) && e.t == r.ev[j].time && e.g == r.g &&
			       e.slot == (size_t)r.ev[j].wbin + 1 && e.slot < b.n_slots;
	}
	check(same && !scan_next(&a, &e) && i > 150000 && n_runs >= 6 && a.n_slots == 8 &&
	      b.n_slots == 8, "runs over blocks: the same events, GTIs and slots as scan_next");
	scan_close(&a);
	scan_close(&b);
	free(ev);
}

int
main(void)
{
	metadata_gtis();
	events_span();
	frames();
	runs();
	runs_as_events();
	check(scan_whole_bins(0, 10, 3) == 3 && scan_whole_bins(0, INFINITY, 1) == INT64_MAX &&
	      scan_whole_bins(0, 1000, 1e-17) == -1 && scan_whole_bins(5, 4, 1) == 0,
	      "whole bins: floor, open GTI, over 2^53, none");
	return tap_done();
}
