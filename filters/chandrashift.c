/* chandrashift: the Chandra HRC time-tag correction.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * An HRC event's time tag belongs to the event before it (a wiring error in
 * the instrument).  Input e0..e(N-1) with times t0..t(N-1) becomes
 * e1..e(N-2), where e_k keeps its wavelength and wbin and takes t(k+1): the
 * first event has no time of its own and the last has no successor to take
 * one from.  One event's wavelength and wbin are carried between blocks, so
 * memory is constant.
 * Only for HRC: other streams are refused unless --force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"

static const char usage_text[] =
	"usage: chandrashift [--force] [-o FILE]\n"
	"Apply the Chandra HRC time-tag correction: every event takes the time\n"
	"of the event after it, and the first and last events are dropped\n"
	"(input e0..e(N-1) with times t0..t(N-1) gives e1..e(N-2), e_k with\n"
	"time t(k+1)).  Fewer than three events give an empty stream.  The\n"
	"metadata records \"chandrashift\": true; a stream already corrected is\n"
	"refused unless --force, and so is one whose \"instrument\" is not HRC.\n"
	"Run it first, before any filter that drops events: an event takes the\n"
	"time of the next event the instrument telemetered.\n"
	"\n"
	"  --force          correct a stream that is not HRC, or again one marked\n"
	"                   as already corrected\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev hrc_evt2.fits | chandrashift | evinfo\n"
	"Exit status: 0 ok, 1 bad input (also: already corrected) or I/O error,\n"
	"2 usage error.\n";

enum { OPT_FORCE = CLI_FIRST_PROGRAM_OPTION };

struct opts {
	bool force;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "chandrashift", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_FORCE:
			o.force = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

/* The correction undoes a wiring error of the HRC; on any other instrument
 * (ACIS, a model) it would silently move every time by one event. */
static void
require_hrc(json_t *meta)
{
	const char *instrument = meta_string(meta, "instrument");

	if (!instrument)
		die(EXIT_RUNTIME, "stdin: the metadata names no instrument, and the HRC "
		    "time-tag correction is for HRC only; use --force to apply it anyway");
	if (strncasecmp(instrument, "HRC", 3) != 0)
		die(EXIT_RUNTIME, "stdin: instrument '%s' is not HRC, and the HRC time-tag "
		    "correction would shift its times; use --force to apply it anyway",
		    instrument);
}

/* An event's wavelength and wbin together, the 8 bytes after its time. */
static uint64_t
wb_of(const struct ev_event *e)
{
	uint64_t v;

	memcpy(&v, &e->wavelength, sizeof v);
	return v;
}

static void
set_wb(struct ev_event *e, uint64_t v)
{
	memcpy(&e->wavelength, &v, sizeof v);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	json_t *done = json_object_get(meta, "chandrashift");
	struct ev_writer *out;
	struct ev_event *blk;
	uint64_t carry = 0;	/* wavelength and wbin of the previous block's last event */
	uint64_t start = 0;	/* stream index of blk[0] */
	size_t n;

	if (done && !json_is_boolean(done))
		die(EXIT_RUNTIME, "metadata: chandrashift: expected true or false");
	if (json_is_true(done) && !o.force)
		die(EXIT_RUNTIME, "stdin: the HRC time-tag correction was already applied "
		    "(metadata \"chandrashift\": true); use --force to apply it again");
	if (!o.force)
		require_hrc(meta);
	json_object_set_new(meta, "chandrashift", json_true());
	/* "sorted" stays as it is: the output times are t2..t(N-1), a
	 * subsequence of the input's, so order holds exactly when it held. */
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	while ((n = ev_read_block(in, &blk)) > 0) {
		/* Seen from the times, the output is t2..t(N-1), each with the
		 * wavelength and wbin of the event before it: move those one
		 * record on in place, and the block goes out whole, in one
		 * write, from stream index 2. */
		uint64_t last = wb_of(&blk[n - 1]), skip = start >= 2 ? 0 : 2 - start;

		for (size_t i = n - 1; i > 0; i--)
			set_wb(&blk[i], wb_of(&blk[i - 1]));
		set_wb(&blk[0], carry);
		carry = last;
		if (n > skip)
			ev_write_block(out, blk + skip, n - (size_t)skip);
		start += n;
	}
	ev_writer_close(out);
	ev_reader_close(in);
	return EXIT_OK;
}
