/* interarrival: histogram of the gaps between consecutive events per
 * wavelength bin, against the exponential of a Poisson process.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4).
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Holds every gap (8 bytes per event, twice: per wbin and for all events)
 * because the KS statistic needs them all.
 *
 * With frames (DESIGN §4a) every event of a frame carries one time: gaps
 * are whole frames, many of them 0, and the exponential would reject a
 * Poisson source outright.  The model is then the gap distribution of a
 * Poisson process seen on the frame grid (stats_frame_gap_cdf). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "scan.h"
#include "stats.h"
#include "table.h"

static const char usage_text[] =
	"usage: interarrival [--bins N] [--max S] [--no-frames] [-o FILE]\n"
	"Histogram of the gaps between consecutive events of the same wavelength\n"
	"bin inside the same GTI, per wbin and then for all events (wbin -1), with\n"
	"the count expected from the exponential of a Poisson process of the wbin's\n"
	"rate (events in GTIs / GTI exposure): n_gaps*(exp(-r*lo) - exp(-r*hi)).\n"
	"Columns: wbin,dt_lo_s,dt_hi_s,count,expected.  For each wbin a comment line\n"
	"\"# ks: wbin=W n=N rate=R D=D p=P\" gives the Kolmogorov-Smirnov statistic of\n"
	"all the gaps against that exponential and its p-value (Stephens).\n"
	"GTIs: the metadata \"gti\", else one GTI from the first event to the last\n"
	"(with a \"# note:\" line).\n"
	"Frames: when the metadata has timedel (tau, the frame time) events of one\n"
	"frame share a time, so gaps are j whole frames.  The model is then a\n"
	"Poisson process on the frame grid, mu = rate*tau events per frame:\n"
	"P(gap <= j frames) = 1 - (1 - exp(-mu))/mu * exp(-mu*j); histogram bins\n"
	"are whole frames and the KS statistic compares the two step functions\n"
	"(its p-value is then conservative).  GTIs are cut to whole frames.\n"
	"Memory: 16 bytes per event.\n"
	"\n"
	"  --bins N         number of equal histogram bins (default 50)\n"
	"  --max S          upper end of the histogram, seconds (default: 5 mean\n"
	"                   gaps of each wbin, where the exponential is at 0.7%)\n"
	"  --no-frames      compare with the exponential, ignoring timedel\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | interarrival --bins 40\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_BINS = CLI_FIRST_PROGRAM_OPTION, OPT_MAX, OPT_NO_FRAMES };

struct opts {
	long bins;
	double max;		/* 0: per wbin default */
	bool no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "bins", required_argument, NULL, OPT_BINS },
		{ "max", required_argument, NULL, OPT_MAX },
		SCAN_OPT_NO_FRAMES(OPT_NO_FRAMES), CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .bins = 50 };
	int c;

	cli_init(argc, argv, "interarrival", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_BINS:
			o.bins = cli_long(optarg, "--bins");
			if (o.bins < 1 || o.bins > 1000000)
				cli_usage_error("--bins must be 1 to 1000000, got %ld", o.bins);
			break;
		case OPT_MAX:
			o.max = cli_positive_double(optarg, "--max");
			break;
		case OPT_NO_FRAMES:
			o.no_frames = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

struct slot {
	double *gap;		/* seconds; with frames, whole frames */
	size_t n, cap;
	uint64_t n_events;	/* events inside GTIs */
	double last;		/* time of the previous event; NaN: none in this GTI */
	size_t g;		/* the GTI of `last` */
};

struct gaps {
	struct slot *slot;	/* [0]: all events, [1 + w]: wbin w */
	size_t n_slots;
	double tau;		/* frame time; 0: no frames */
};

static void
add_slots(struct gaps *gs, size_t n_slots)
{
	gs->slot = xrealloc(gs->slot, n_slots * sizeof *gs->slot);
	for (size_t s = gs->n_slots; s < n_slots; s++)
		gs->slot[s] = (struct slot){ .last = NAN };
	gs->n_slots = n_slots;
}

static void
push(struct slot *s, double gap)
{
	if (s->n == s->cap)
		s->gap = xrealloc(s->gap, (s->cap = s->cap ? 2 * s->cap : 1024) * sizeof *s->gap);
	s->gap[s->n++] = gap;
}

/* The gap to the slot's previous event in the same GTI (no gap across a
 * hole), in frames when there are frames. */
static void
add_event(struct gaps *gs, struct slot *s, const struct scan_event *ev)
{
	if (!isnan(s->last) && s->g == ev->g)
		push(s, gs->tau > 0 ? nearbyint((ev->t - s->last) / gs->tau) : ev->t - s->last);
	s->last = ev->t;
	s->g = ev->g;
	s->n_events++;
}

/* Histogram rows and the KS line of one slot.  Without frames bin b is
 * [b*w, (b+1)*w) of the exponential; with frames it holds the gaps of K*b to
 * K*b + K - 1 frames (K whole frames per bin). */
static void
write_slot(struct table_writer *tw, struct slot *s, long wbin, double exposure,
	   const struct opts *o, double tau)
{
	double rate = exposure > 0 ? (double)s->n_events / exposure : NAN;
	double hi = o->max > 0 ? o->max : 5 / rate, width, mu = rate * tau;
	uint64_t *hist = xcalloc((size_t)o->bins, sizeof *hist);

	if (!(hi > 0) || !isfinite(hi))
		hi = 1;	/* no events: any range, every count is 0 */
	width = hi / (double)o->bins;
	if (tau > 0) {
		width = fmax(1, nearbyint(width / tau)) * tau;
		hi = width * (double)o->bins;
	}
	for (size_t i = 0; i < s->n; i++) {
		double b = tau > 0 ? floor(s->gap[i] * tau / width + 1e-9) : floor(s->gap[i] / width);

		if (b < (double)o->bins)
			hist[(size_t)b]++;
	}
	for (long b = 0; b < o->bins; b++) {
		double lo = (double)b * width, up = b + 1 == o->bins ? hi : lo + width;
		double expected = tau > 0 ?
			stats_frame_gap_cdf(nearbyint(up / tau) - 1, mu) -
			stats_frame_gap_cdf(nearbyint(lo / tau) - 1, mu) :
			exp(-rate * lo) - exp(-rate * up);

		table_put_long(tw, wbin);
		table_put_double(tw, lo);
		table_put_double(tw, up);
		table_put_long(tw, (long long)hist[b]);
		table_put_double(tw, (double)s->n * expected);
		table_end_row(tw);
	}
	free(hist);
	double d = !s->n || !(rate > 0) ? NAN : tau > 0 ?
		stats_ks_frame_gaps(s->gap, s->n, mu) : stats_ks_exponential(s->gap, s->n, rate);
	char dbuf[40], pbuf[40], rbuf[40];

	table_format_double(dbuf, sizeof dbuf, d);
	table_format_double(pbuf, sizeof pbuf, stats_ks_pvalue(d, s->n));
	table_format_double(rbuf, sizeof rbuf, rate);
	table_writer_comment(tw, "ks: wbin=%ld n=%zu rate=%s D=%s p=%s", wbin, s->n, rbuf, dbuf, pbuf);
}

int
main(int argc, char **argv)
{
	static const char *const columns[] = {
		"wbin", "dt_lo_s", "dt_hi_s", "count", "expected", NULL
	};
	struct opts o = parse_options(argc, argv);
	struct scan scan;
	struct scan_event ev;
	struct gaps gs = { 0 };

	scan_open(&scan, 0, "stdin", !o.no_frames);
	gs.tau = scan.frames.tau;
	add_slots(&gs, scan.n_slots);
	while (scan_next(&scan, &ev)) {
		if (scan.n_slots > gs.n_slots)
			add_slots(&gs, scan.n_slots);
		add_event(&gs, &gs.slot[0], &ev);
		if (ev.slot)
			add_event(&gs, &gs.slot[ev.slot], &ev);
	}
	double exposure = gti_exposure(&scan.gti);
	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(),
						    scan.meta, columns, scan_notes(&scan));

	for (size_t k = 0; k < gs.n_slots; k++) {
		size_t s = scan_row_slot(&scan, k);

		write_slot(tw, &gs.slot[s], scan_slot_wbin(s), exposure, &o, gs.tau);
		free(gs.slot[s].gap);
	}
	table_writer_close(tw);
	free(gs.slot);
	scan_close(&scan);
	return EXIT_OK;
}
