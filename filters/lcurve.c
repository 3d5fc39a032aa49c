/* lcurve: light curve per wavelength bin and for all events.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4 "lcurve").
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Bins of width dt start at each GTI's start; a GTI's last bin is cut at its
 * end and kept with that shorter exposure.  With frames (DESIGN §4a) dt is
 * whole frames and the GTIs their whole-frame parts, so every bin is.  Holds one counter per bin and
 * wbin (4 bytes each): the table itself has that many rows. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "scan.h"
#include "table.h"

static const char usage_text[] =
	"usage: lcurve --dt S [--no-frames] [-o FILE]\n"
	"Light curve of a time-sorted stream: counts in bins of S seconds inside\n"
	"the GTIs, per wavelength bin and then for all events (wbin -1).\n"
	"Columns: wbin,time_start,time_stop,counts,exposure_s,rate,rate_err.\n"
	"Bins start at each GTI's start; the last bin of a GTI ends with the GTI\n"
	"and has a shorter exposure_s.  rate = counts/exposure_s and\n"
	"rate_err = sqrt(max(counts, 1))/exposure_s (an empty bin still has an\n"
	"error of one count).  GTIs: the metadata \"gti\", else one GTI from the\n"
	"first event to the last (with a \"# note:\" line).  When the metadata has\n"
	"timedel (the frame time), S is rounded to whole frames (at least one; a\n"
	"note gives the width used) and the GTIs to their whole frames.\n"
	"\n"
	"  --dt S           bin width, seconds\n"
	"  --no-frames      bin at S exactly, ignoring timedel\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | lcurve --dt 100\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_DT = CLI_FIRST_PROGRAM_OPTION, OPT_NO_FRAMES };

#define MAX_BINS (1ull << 28)	/* 1 GiB of counters per wbin: surely a typo */

struct opts {
	double dt;
	bool no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "dt", required_argument, NULL, OPT_DT },
		SCAN_OPT_NO_FRAMES(OPT_NO_FRAMES), CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "lcurve", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_DT:
			o.dt = cli_positive_double(optarg, "--dt");
			break;
		case OPT_NO_FRAMES:
			o.no_frames = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (o.dt == 0)
		cli_usage_error("--dt S is required");
	return o;
}

/* Counts per (slot, bin); GTI g's bins are offset[g] .. offset[g+1]-1.  The
 * events' GTI, open during the walk, grows its bins as events come. */
struct curve {
	double dt;
	size_t n_slots;
	uint64_t *offset, n_bins;
	uint32_t **counts;	/* [slot][bin]; slot 0 is all events */
};

static void
too_many_bins(double dt)
{
	die(EXIT_RUNTIME, "--dt %g makes over %llu bins", dt, (unsigned long long)MAX_BINS);
}

/* Bins covering [a, b]: ceil((b - a)/dt); with frames counted in frames so
 * that rounding adds no sliver of a bin.  The events' span without frames
 * keeps a bin for the last event even when it falls on an edge. */
static double
bins_covering(const struct scan *scan, double a, double b, double dt)
{
	const struct frame_grid *fg = &scan->frames;

	if (frame_grid_on(fg)) {
		double frames = nearbyint((b - a) / fg->tau), per_bin = nearbyint(dt / fg->tau);

		return ceil(frames / per_bin);
	}
	if (scan->gti_from_events)
		return floor((b - a) / dt) + 1;
	return ceil((b - a) / dt);
}

static void
resize(struct curve *c, size_t n_slots, uint64_t n_bins)
{
	if (n_bins > MAX_BINS)
		too_many_bins(c->dt);
	c->counts = xrealloc(c->counts, n_slots * sizeof *c->counts);
	for (size_t s = 0; s < n_slots; s++) {
		uint64_t from = s < c->n_slots ? c->n_bins : 0;

		if (s >= c->n_slots)
			c->counts[s] = NULL;
		c->counts[s] = xrealloc(c->counts[s], (n_bins ? n_bins : 1) * sizeof **c->counts);
		for (uint64_t b = from; b < n_bins; b++)
			c->counts[s][b] = 0;
	}
	c->n_slots = n_slots;
	c->n_bins = n_bins;
}

static void
layout(struct curve *c, const struct scan *scan)
{
	const struct gti_list *gti = &scan->gti;
	uint64_t total = 0;

	c->offset = xrealloc(c->offset, (gti->n + 1) * sizeof *c->offset);
	for (size_t g = 0; g < gti->n; g++) {
		double nb = isinf(gti->iv[g].stop) ? 0 :
			bins_covering(scan, gti->iv[g].start, gti->iv[g].stop, c->dt);

		if (!(nb <= (double)MAX_BINS) || total + (uint64_t)nb > MAX_BINS)
			too_many_bins(c->dt);
		c->offset[g] = total;
		total += (uint64_t)nb;
		c->offset[g + 1] = total;
	}
	resize(c, scan->n_slots, total > c->n_bins ? total : c->n_bins);
}

static void
count(struct curve *c, const struct scan *scan, const struct scan_event *ev)
{
	const struct gti *gi = &scan->gti.iv[ev->g];
	double k = floor((ev->t - gi->start) / c->dt);
	uint64_t bin;

	if (isinf(gi->stop)) {	/* the events' GTI, one from bin 0 */
		if (!(k < (double)MAX_BINS))
			too_many_bins(c->dt);
		bin = (uint64_t)k;
		if (bin >= c->n_bins) {
			uint64_t nb = c->n_bins > 1 ? c->n_bins : 1024;

			while (nb <= bin)
				nb *= 2;
			resize(c, c->n_slots, nb);
		}
	} else {
		bin = c->offset[ev->g] + (uint64_t)k;
		if (bin >= c->offset[ev->g + 1])
			bin = c->offset[ev->g + 1] - 1;	/* rounding at the GTI end */
	}
	if (scan->n_slots > c->n_slots)
		resize(c, scan->n_slots, c->n_bins);
	c->counts[0][bin]++;
	if (ev->slot)
		c->counts[ev->slot][bin]++;
}

static void
write_table(const struct curve *c, const struct scan *scan)
{
	static const char *const columns[] = {
		"wbin", "time_start", "time_stop", "counts", "exposure_s", "rate", "rate_err", NULL
	};
	const struct gti_list *gti = &scan->gti;
	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(),
						    scan->meta, columns, scan_notes(scan));

	for (size_t k = 0; k < scan->n_slots; k++) {
		size_t s = scan_row_slot(scan, k);

		for (size_t g = 0; g < gti->n; g++)
			for (uint64_t b = c->offset[g]; b < c->offset[g + 1]; b++) {
				double lo = gti->iv[g].start + (double)(b - c->offset[g]) * c->dt;
				double hi = lo + c->dt;
				uint32_t n = s < c->n_slots ? c->counts[s][b] : 0;

				if (hi > gti->iv[g].stop || b + 1 == c->offset[g + 1])
					hi = gti->iv[g].stop;
				double expo = hi - lo;

				table_put_long(tw, scan_slot_wbin(s));
				table_put_double(tw, lo);
				table_put_double(tw, hi);
				table_put_long(tw, n);
				table_put_double(tw, expo);
				table_put_double(tw, expo > 0 ? n / expo : NAN);
				table_put_double(tw, expo > 0 ? sqrt(n > 0 ? n : 1) / expo : NAN);
				table_end_row(tw);
			}
	}
	table_writer_close(tw);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct scan scan;
	struct scan_event ev;
	struct curve c = { 0 };

	scan_open(&scan, 0, "stdin", !o.no_frames);
	c.dt = scan_width(&scan, o.dt);
	if (frame_grid_on(&scan.frames))
		scan_note(&scan, "dt %g s is %lld frames: %.10g s", o.dt,
			  frame_count(&scan.frames, o.dt), c.dt);
	layout(&c, &scan);
	while (scan_next(&scan, &ev))
		count(&c, &scan, &ev);
	if (scan.gti_from_events)
		layout(&c, &scan);	/* the events' GTI now has its end */
	write_table(&c, &scan);
	for (size_t s = 0; s < c.n_slots; s++)
		free(c.counts[s]);
	free(c.counts);
	free(c.offset);
	scan_close(&scan);
	return EXIT_OK;
}
