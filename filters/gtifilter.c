/* gtifilter: keep the events that lie inside the good time intervals.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * The GTIs are the metadata's, narrowed by --gti (intersection); with no
 * metadata GTI, --gti alone defines them.  Intervals are [start, stop). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "meta.h"

static const char usage_text[] =
	"usage: gtifilter [--gti START:STOP[,START:STOP...]] [-o FILE]\n"
	"Keep the events whose time lies in a good time interval [start, stop)\n"
	"of the metadata (level-1 files hold many events outside them).  --gti\n"
	"narrows the metadata GTIs to their intersection with the given ones;\n"
	"without metadata GTIs it defines them.  The GTIs used are written to\n"
	"the metadata (\"gti\") and \"exposure\" becomes their total length.\n"
	"Time order is kept (unsorted input is filtered too).\n"
	"\n"
	"  --gti LIST       START:STOP[,START:STOP...] in the stream's time\n"
	"                   system (s); intersected with the metadata GTIs\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev evt1.fits | gtifilter --gti 6.1e8:6.2e8 | evinfo\n"
	"Exit status: 0 ok, 1 bad input (also: no GTI anywhere) or I/O error,\n"
	"2 usage error.\n";

enum { OPT_GTI = CLI_FIRST_PROGRAM_OPTION };

struct opts {
	bool have_gti;
	struct gti_list gti;	/* --gti, normalised */
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "gti", required_argument, NULL, OPT_GTI },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "gtifilter", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_GTI:
			gti_free(&o.gti);
			if (!gti_parse(optarg, &o.gti))
				cli_usage_error("--gti: expected START:STOP[,START:STOP...] "
						"with START < STOP: '%s'", optarg);
			o.have_gti = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

/* The GTIs to filter by: metadata ∩ --gti, or whichever exists. */
static struct gti_list
gtis_to_use(json_t *meta, struct opts *o)
{
	struct gti_list from_meta, used;

	if (!meta_gti(meta, &from_meta)) {
		gti_free(&from_meta);
		if (!o->have_gti)
			die(EXIT_RUNTIME, "stdin: no GTI in the metadata: "
			    "give the good time intervals with --gti START:STOP");
		used = o->gti;
		o->gti = (struct gti_list){ 0 };
		return used;
	}
	if (!o->have_gti)
		return from_meta;
	used = gti_intersect(&from_meta, &o->gti);
	gti_free(&from_meta);
	gti_free(&o->gti);
	return used;
}

/* The cursor's region: for cursor c (as gti_contains_sorted leaves it),
 * every t in [lo, hi) gets the same answer, "t >= start".  Keeping that
 * answer in three doubles avoids a call per event in the hot loop. */
struct region {
	double lo, hi, start;
};

static struct region
region_of(const struct gti_list *g, size_t c)
{
	struct region r;

	r.lo = c > 0 ? g->iv[c - 1].stop : -INFINITY;
	r.hi = c < g->n ? g->iv[c].stop : INFINITY;
	r.start = c < g->n ? g->iv[c].start : INFINITY;
	return r;
}

/* Keep the events of a time-sorted block that lie in an interval: the same
 * events as the loop over records keeps, each interval's a contiguous run.
 * Returns how many, compacted to the front of blk in order. */
static size_t
keep_sorted(const struct gti_list *g, struct ev_event *blk, size_t n)
{
	size_t kept = 0, from = 0, c, lo = 0, hi = g->n;

	/* The first interval that does not end before the block starts. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->iv[mid].stop <= blk[0].time)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (c = lo; c < g->n && from < n && g->iv[c].start <= blk[n - 1].time; c++) {
		size_t a = from + ev_lower_bound(blk + from, n - from, g->iv[c].start);
		size_t b = a + ev_lower_bound(blk + a, n - a, g->iv[c].stop);

		if (kept != a)
			memmove(blk + kept, blk + a, (b - a) * sizeof *blk);
		kept += b - a;
		from = b;
	}
	return kept;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct gti_list g = gtis_to_use(meta, &o);
	struct ev_writer *out;
	struct ev_event *blk;
	size_t n, cursor = 0;
	struct region r = region_of(&g, 0);

	meta_set_gti(meta, &g);
	meta_set_number(meta, "exposure", gti_exposure(&g));
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t kept = 0;

		/* Sorted so far (the reader checked this block too): the events
		 * kept are runs, found by binary search, and moved only when
		 * something before them was dropped. */
		if (ev_reader_sorted(in)) {
			ev_write_block(out, blk, keep_sorted(&g, blk, n));
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			double t = blk[i].time;

			if (!(t >= r.lo && t < r.hi)) {
				/* Moved on to another interval, or back in time:
				 * gti_contains_sorted handles both. */
				(void)gti_contains_sorted(&g, t, &cursor);
				r = region_of(&g, cursor);
			}
			blk[kept] = blk[i];
			kept += t >= r.start;
		}
		ev_write_block(out, blk, kept);
	}
	ev_writer_close(out);
	ev_reader_close(in);
	gti_free(&g);
	return EXIT_OK;
}
