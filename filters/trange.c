/* trange: keep the events of a time window measured from the dataset's
 * first GTI start (the original tool's time window); GTIs clipped to match.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O (also: no GTI,
 * or a window holding no good time), 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "meta.h"

static const char usage_text[] =
	"usage: trange [--start S] [--stop S] [-o FILE]\n"
	"Keep the events whose time t satisfies T0 + START <= t < T0 + STOP, T0\n"
	"being the start of the stream's first GTI (the original tool's time\n"
	"window, in seconds of the dataset).  The GTIs are clipped to the window\n"
	"and \"exposure\" becomes their total; events outside the GTIs but inside\n"
	"the window are kept (gtifilter drops those).  Order is kept.\n"
	"\n"
	"  --start S        window start, s after the first GTI start (default 0)\n"
	"  --stop S         window end, s after the first GTI start (default: the\n"
	"                   end of the data); must be above --start\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | gtifilter | trange --start 1000 --stop 6000 | evinfo\n"
	"Exit status: 0 ok, 1 bad input (no GTI in the metadata, or a window that\n"
	"holds no good time) or I/O error, 2 usage error.\n";

enum { OPT_START = CLI_FIRST_PROGRAM_OPTION, OPT_STOP };

struct opts {
	double start, stop;	/* relative to the first GTI start, s */
	bool has_stop;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "start", required_argument, NULL, OPT_START },
		{ "stop", required_argument, NULL, OPT_STOP },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0, INFINITY, false };
	int c;

	cli_init(argc, argv, "trange", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_START:
			o.start = cli_double(optarg, "--start");
			if (!(o.start >= 0))
				cli_usage_error("--start: must be >= 0 s, got '%s'", optarg);
			break;
		case OPT_STOP:
			o.stop = cli_positive_double(optarg, "--stop");
			o.has_stop = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (!(o.stop > o.start))
		cli_usage_error("--stop (%g s) must be above --start (%g s)", o.stop, o.start);
	return o;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct gti_list g, window = { 0 }, kept_gti;
	struct gti w;
	struct ev_writer *out;
	struct ev_event *blk;
	double t0, tstart, tstop;
	size_t n;

	if (!meta_gti(meta, &g) || g.n == 0)
		die(EXIT_RUNTIME, "stdin: no GTI in the metadata to measure the window from: "
		    "give the good time intervals with gtifilter --gti START:STOP first");
	t0 = g.iv[0].start;
	w = (struct gti){ t0 + o.start, t0 + o.stop };
	window.n = 1;
	window.iv = &w;
	kept_gti = gti_intersect(&g, &window);
	if (kept_gti.n == 0)
		die(EXIT_RUNTIME, "stdin: the window %g-%g s after the first GTI start holds no "
		    "good time (the GTIs end %g s after it)", o.start, o.stop,
		    g.iv[g.n - 1].stop - t0);
	meta_set_gti(meta, &kept_gti);
	meta_set_number(meta, "exposure", gti_exposure(&kept_gti));
	/* tstart/tstop describe the data's span: narrow them to the window. */
	if (meta_number(meta, "tstart", &tstart) && tstart < w.start)
		meta_set_number(meta, "tstart", w.start);
	if (meta_number(meta, "tstop", &tstop) && o.has_stop && tstop > w.stop)
		meta_set_number(meta, "tstop", w.stop);
	json_object_set_new(meta, "time_window", json_pack("{sfsosf}",
		"start_s", o.start, "stop_s", o.has_stop ? json_real(o.stop) : json_null(),
		"reference", t0));
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t kept = 0;

		for (size_t i = 0; i < n; i++) {
			double t = blk[i].time;

			blk[kept] = blk[i];
			kept += t >= w.start && t < w.stop;
		}
		ev_write_block(out, blk, kept);
	}
	ev_writer_close(out);
	ev_reader_close(in);
	gti_free(&g);
	gti_free(&kept_gti);
	return EXIT_OK;
}
