/* ev2tsv: LLEV stream to text, one event a line: time, wavelength, wbin.
 * stdin: LLEV stream.  stdout: text.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * Numbers are printed in the shortest form that reads back to the same
 * binary value, so ev2tsv | tsv2ev reproduces the records exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"

static const char usage_text[] =
	"usage: ev2tsv [--no-meta] [--no-header] [-o FILE]\n"
	"Print an LLEV stream as text: a \"# meta: {JSON}\" line with the metadata,\n"
	"a header line \"time\\twavelength\\twbin\", then one tab-separated line per\n"
	"event.  Numbers are the shortest text that reads back exactly; a missing\n"
	"wavelength prints as nan.  tsv2ev reads this format back.\n"
	"\n"
	"  --no-meta        leave out the metadata line\n"
	"  --no-header      leave out the column-name line\n"
	"  -o, --output F   write to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | ev2tsv --no-meta | head\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_NO_META = CLI_FIRST_PROGRAM_OPTION, OPT_NO_HEADER };

struct opts {
	bool no_meta, no_header;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "no-meta", no_argument, NULL, OPT_NO_META },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "ev2tsv", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_NO_META:
			o.no_meta = true;
			break;
		case OPT_NO_HEADER:
			o.no_header = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

/* Shortest %.*g text that strtod reads back as v. */
static int
format_double(char *buf, size_t size, double v)
{
	int n = 0;

	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

static int
format_float(char *buf, size_t size, float v)
{
	int n = 0;

	if (isnan(v))
		return snprintf(buf, size, "nan");
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(buf, size, "%.*g", prec, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	struct atomic_file *af = NULL;
	FILE *out = stdout;
	struct ev_event *blk;
	size_t n;
	static char outbuf[1 << 16];

	if (cli_output) {
		af = atomic_open(cli_output);
		out = atomic_stream(af);
	}
	setvbuf(out, outbuf, _IOFBF, sizeof outbuf);
	if (!o.no_meta) {
		json_t *meta = ev_reader_meta(in), *history = json_object_get(meta, "history");
		char *json;

		if (!json_is_array(history))
			json_object_set_new(meta, "history", history = json_array());
		json_array_append_new(history, json_string(cli_command_line()));
		json = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));

		fprintf(out, "# meta: %s\n", json ? json : "{}");
		free(json);
	}
	if (!o.no_header)
		fputs("time\twavelength\twbin\n", out);
	while ((n = ev_read_block(in, &blk)) > 0) {
		for (size_t i = 0; i < n; i++) {
			char t[40], w[40];

			format_double(t, sizeof t, blk[i].time);
			format_float(w, sizeof w, blk[i].wavelength);
			fprintf(out, "%s\t%s\t%d\n", t, w, (int)blk[i].wbin);
		}
	}
	if (af) {
		atomic_commit(af);
	} else if (fflush(out) != 0 || ferror(out) || fclose(out) != 0) {
		die(EXIT_RUNTIME, "stdout: write error:");
	}
	ev_reader_close(in);
	return EXIT_OK;
}
