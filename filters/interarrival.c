/* interarrival: histogram of the gaps between consecutive events per
 * wavelength bin, against the exponential of a Poisson process.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4).
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Holds every gap (8 bytes per event, twice: per wbin and for all events)
 * because the KS statistic needs them all. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "meta.h"
#include "stats.h"
#include "table.h"

static const char usage_text[] =
	"usage: interarrival [--bins N] [--max S] [-o FILE]\n"
	"Histogram of the gaps between consecutive events of the same wavelength\n"
	"bin inside the same GTI, per wbin and then for all events (wbin -1), with\n"
	"the count expected from the exponential of a Poisson process of the wbin's\n"
	"rate (events in GTIs / GTI exposure): n_gaps*(exp(-r*lo) - exp(-r*hi)).\n"
	"Columns: wbin,dt_lo_s,dt_hi_s,count,expected.  For each wbin a comment line\n"
	"\"# ks: wbin=W n=N rate=R D=D p=P\" gives the Kolmogorov-Smirnov statistic of\n"
	"all the gaps against that exponential and its p-value (Stephens).\n"
	"GTIs: the metadata \"gti\", else [tstart, tstop], else [first, last event].\n"
	"Memory: 16 bytes per event.\n"
	"\n"
	"  --bins N         number of equal histogram bins (default 50)\n"
	"  --max S          upper end of the histogram, seconds (default: 5 mean\n"
	"                   gaps of each wbin, where the exponential is at 0.7%)\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | interarrival --bins 40\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_BINS = CLI_FIRST_PROGRAM_OPTION, OPT_MAX };

#define MAX_WBINS 10000

struct opts {
	long bins;
	double max;		/* 0: per wbin default */
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "bins", required_argument, NULL, OPT_BINS },
		{ "max", required_argument, NULL, OPT_MAX },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
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
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

struct slot {
	double *gap;
	size_t n, cap;
	uint64_t n_events;	/* events inside GTIs */
	double last;		/* time of the previous event; NaN: none in this GTI */
};

static void
push(struct slot *s, double gap)
{
	if (s->n == s->cap)
		s->gap = xrealloc(s->gap, (s->cap = s->cap ? 2 * s->cap : 1024) * sizeof *s->gap);
	s->gap[s->n++] = gap;
}

int
main(int argc, char **argv)
{
	static const char *const columns[] = {
		"wbin", "dt_lo_s", "dt_hi_s", "count", "expected", NULL
	};
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct gti_list gti;
	double *edges = NULL, first = NAN, last = NAN;
	size_t n_edges = 0, n_wbins = 0, g = 0, n_slots;
	bool fixed_wbins, from_events;
	struct slot *slot;
	struct ev_event *blk;
	size_t n;

	ev_reader_require_sorted(in);
	fixed_wbins = meta_wbin_edges(meta, &edges, &n_edges);
	if (fixed_wbins)
		n_wbins = n_edges - 1;
	from_events = !meta_analysis_gti(meta, &gti);
	n_slots = 1 + n_wbins;
	slot = xcalloc(n_slots, sizeof *slot);
	for (size_t s = 0; s < n_slots; s++)
		slot[s].last = NAN;

	while ((n = ev_read_block(in, &blk)) > 0) {
		for (size_t e = 0; e < n; e++) {
			double t = blk[e].time;
			int32_t w = blk[e].wbin;

			if (isnan(first))
				first = t;
			last = t;
			if (!from_events) {
				size_t g0 = g;

				while (g < gti.n && t >= gti.iv[g].stop)
					g++;
				if (g == gti.n || t < gti.iv[g].start)
					continue;
				if (g != g0)	/* a new GTI: no gap across the hole */
					for (size_t s = 0; s < n_slots; s++)
						slot[s].last = NAN;
			}
			if (w >= 0 && (size_t)w >= n_wbins) {
				if (fixed_wbins || w >= MAX_WBINS)
					die(EXIT_RUNTIME, "stdin: event %llu has wbin %d outside the %zu "
					    "wbins of the metadata", (unsigned long long)
					    (ev_reader_count(in) - n + e), w, n_wbins);
				slot = xrealloc(slot, ((size_t)w + 2) * sizeof *slot);
				for (size_t s = n_slots; s < (size_t)w + 2; s++)
					slot[s] = (struct slot){ .last = NAN };
				n_wbins = (size_t)w + 1;
				n_slots = n_wbins + 1;
			}
			for (int k = 0; k < 2; k++) {
				struct slot *s = k ? (w >= 0 ? &slot[w + 1] : NULL) : &slot[0];

				if (!s)
					break;
				if (!isnan(s->last))
					push(s, t - s->last);
				s->last = t;
				s->n_events++;
			}
		}
	}
	double exposure = from_events ? (isnan(first) ? 0 : last - first) : gti_exposure(&gti);

	struct table_writer *tw = table_writer_open(meta, columns, NULL);
	for (size_t k = 0; k < n_slots; k++) {
		size_t si = (k + 1) % n_slots;	/* wbins first, all events last */
		struct slot *s = &slot[si];
		double rate = exposure > 0 ? (double)s->n_events / exposure : NAN;
		double hi = o.max > 0 ? o.max : 5 / rate;
		double width;
		uint64_t *hist = xcalloc((size_t)o.bins, sizeof *hist);

		if (!(hi > 0) || !isfinite(hi))
			hi = 1;	/* no events: any range, every count is 0 */
		width = hi / (double)o.bins;
		for (size_t i = 0; i < s->n; i++) {
			double b = floor(s->gap[i] / width);

			if (b < (double)o.bins)
				hist[(size_t)b]++;
		}
		for (long b = 0; b < o.bins; b++) {
			double lo = (double)b * width, up = b + 1 == o.bins ? hi : lo + width;

			table_put_long(tw, (long long)si - 1);
			table_put_double(tw, lo);
			table_put_double(tw, up);
			table_put_long(tw, (long long)hist[b]);
			table_put_double(tw, (double)s->n * (exp(-rate * lo) - exp(-rate * up)));
			table_end_row(tw);
		}
		free(hist);
		double d = s->n && rate > 0 ? stats_ks_exponential(s->gap, s->n, rate) : NAN;
		char dbuf[40], pbuf[40], rbuf[40];

		table_format_double(dbuf, sizeof dbuf, d);
		table_format_double(pbuf, sizeof pbuf, stats_ks_pvalue(d, s->n));
		table_format_double(rbuf, sizeof rbuf, rate);
		table_writer_comment(tw, "ks: wbin=%ld n=%zu rate=%s D=%s p=%s",
				     (long)si - 1, s->n, rbuf, dbuf, pbuf);
		free(s->gap);
	}
	table_writer_close(tw);
	ev_reader_close(in);
	free(slot);
	free(edges);
	gti_free(&gti);
	return EXIT_OK;
}
