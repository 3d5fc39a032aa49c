/* wrange: keep events whose wavelength lies in [min, max] nm.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * Both bounds are inclusive; events with no wavelength (NaN) are dropped. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"

static const char usage_text[] =
	"usage: wrange --min NM --max NM [-o FILE]\n"
	"Keep the events whose wavelength lies in [NM, NM] (both ends included).\n"
	"Events without a wavelength (NaN) are dropped, with a warning when none\n"
	"has one (an HRC stream: analyse it as one band, without wrange).  Time\n"
	"order is kept.\n"
	"\n"
	"  --min NM         smallest wavelength kept, nanometres\n"
	"  --max NM         largest wavelength kept, nanometres\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wrange --min 0.1 --max 1 | evinfo\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_MIN = CLI_FIRST_PROGRAM_OPTION, OPT_MAX };

struct opts {
	double min, max;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "min", required_argument, NULL, OPT_MIN },
		{ "max", required_argument, NULL, OPT_MAX },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	bool have_min = false, have_max = false;
	int c;

	cli_init(argc, argv, "wrange", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_MIN:
			o.min = cli_double(optarg, "--min");
			have_min = true;
			break;
		case OPT_MAX:
			o.max = cli_double(optarg, "--max");
			have_max = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (!have_min || !have_max)
		cli_usage_error("both --min and --max are required");
	if (o.min > o.max)
		cli_usage_error("--min %g is greater than --max %g", o.min, o.max);
	return o;
}

/* The bits of |w|: w with its sign cleared, as an unsigned integer. */
static uint32_t
abs_bits(float w)
{
	uint32_t u;

	memcpy(&u, &w, sizeof u);
	return u & 0x7fffffffu;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct ev_writer *out;
	struct ev_event *blk;
	size_t n;
	uint64_t n_in = 0;
	bool any_wave = false;
	/* Compare at the data's precision: "--max 0.6" must keep an event stored
	 * as 0.6f, which as a double is 0.6000000238. */
	float min = (float)o.min, max = (float)o.max;
	/* The reader lets through only wavelengths >= 0, -0 and NaN.  For those,
	 * min <= w <= max is lo <= |w|'s bits <= hi as unsigned integers (the
	 * bits of floats >= 0 are ordered as their values, NaN's lie above
	 * infinity's): one compare, (bits - lo) <= hi - lo, in the loop.  A
	 * negative max keeps nothing; a min <= 0 keeps from 0 up. */
	bool none = max < 0;
	uint32_t lo = min > 0 ? abs_bits(min) : 0, hi = none ? 0 : abs_bits(max);
	uint32_t span = hi - lo;

	json_object_set_new(meta, "wavelength_range_nm", json_pack("[ff]", o.min, o.max));
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t kept = 0;

		/* Every record is copied and the count advanced by the test: no
		 * branch to mispredict when about half the events are kept. */
		if (!none) {
			for (size_t i = 0; i < n; i++) {
				blk[kept] = blk[i];
				kept += (abs_bits(blk[i].wavelength) - lo) <= span;
			}
		}
		/* Whether any event has a wavelength: settled by the first one
		 * that has, so only a stream without any pays a whole pass. */
		for (size_t i = 0; i < n && !any_wave; i++)
			any_wave = !isnan(blk[i].wavelength);
		n_in += n;
		ev_write_block(out, blk, kept);
	}
	ev_writer_close(out);
	/* An HRC stream through wrange loses everything; say why, once. */
	if (n_in > 0 && !any_wave)
		fprintf(stderr, "wrange: warning: none of the %llu events has a wavelength: all dropped "
			"(a dataset without wavelengths, such as HRC's, is one band: leave out wrange and wbin)\n",
			(unsigned long long)n_in);
	ev_reader_close(in);
	return EXIT_OK;
}
