/* tsv2ev: text to LLEV stream, for custom filters written in awk or Python.
 * stdin: text, one event a line: TIME [WAVELENGTH [WBIN]], separated by tabs,
 * spaces or commas.  stdout: LLEV stream.  Exit: 0 ok, 1 bad input, 2 usage.
 *
 * "# meta: {json}" lines (as ev2tsv writes them) become the metadata; other
 * '#' lines and one header line of column names are skipped.  The stream
 * header is written before the first record, so order cannot be discovered
 * afterwards: input must be time-sorted unless --unsorted says it is not. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"

static const char usage_text[] =
	"usage: tsv2ev [--meta FILE] [--unsorted] [-o FILE] [TEXTFILE]\n"
	"Turn text lines \"TIME [WAVELENGTH_NM [WBIN]]\" (tab, space or comma\n"
	"separated) into an LLEV stream.  A missing wavelength is NaN, a missing\n"
	"wbin is -1; 'nan' is accepted for the wavelength.\n"
	"\n"
	"Lines starting with '#' are comments, except \"# meta: {JSON}\" (what\n"
	"ev2tsv writes), which sets the stream metadata.  One header line of\n"
	"column names (e.g. \"time wavelength wbin\") is skipped.\n"
	"\n"
	"  --meta FILE      take the metadata from the JSON object in FILE\n"
	"  --unsorted       accept times out of order (the stream is marked\n"
	"                   \"sorted\": false); by default they are an error\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: ev2tsv < a.ev | awk 'NR % 2' | tsv2ev > half.ev\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_META = CLI_FIRST_PROGRAM_OPTION, OPT_UNSORTED };

struct opts {
	const char *meta_file;
	const char *input;
	bool unsorted;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "meta", required_argument, NULL, OPT_META },
		{ "unsorted", no_argument, NULL, OPT_UNSORTED },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "tsv2ev", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_META:
			o.meta_file = optarg;
			break;
		case OPT_UNSORTED:
			o.unsorted = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	if (optind < argc)
		o.input = argv[optind++];
	cli_no_operands(argc, argv);
	return o;
}

static json_t *
load_meta_file(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &err);

	if (!j)
		die(EXIT_RUNTIME, "%s: not valid JSON: line %d: %s", path, err.line, err.text);
	if (!json_is_object(j))
		die(EXIT_RUNTIME, "%s: metadata must be a JSON object", path);
	return j;
}

/* Split a line into at most 4 fields at tabs, spaces and commas. */
static int
split_fields(char *line, char *field[4])
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			return n;
		if (n == 4)
			return 5;
		field[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != ',' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static bool
parse_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return end != s && *end == '\0' && errno != ERANGE;
}

/* Where the text comes from: the file named by --input, else stdin. */
struct source {
	FILE *f;
	const char *name;
	unsigned long lineno;
	bool seen_data;		/* a data line (or the one header line) was read */
};

/* "# meta: {JSON}" before the first event replaces the metadata. */
static void
read_meta_line(struct source *src, const char *line, size_t len, json_t **meta, bool started)
{
	char why[256];

	if (started)
		die(EXIT_RUNTIME, "%s: line %lu: metadata after the first event", src->name,
		    src->lineno);
	json_decref(*meta);
	if (ev_parse_meta(line + 8, len - 8, meta, why, sizeof why) != EV_OK)
		die(EXIT_RUNTIME, "%s: line %lu: %s", src->name, src->lineno, why);
}

/* One data line to an event; false for a blank line or the header line. */
static bool
parse_event(struct source *src, char *line, bool have_meta, struct ev_event *ev)
{
	char *field[4];
	int nf = split_fields(line, field);
	double t, w = NAN, b = -1;

	if (nf == 0)
		return false;
	if (nf > 3)
		die(EXIT_RUNTIME, "%s: line %lu: expected at most 3 fields (time, wavelength, wbin)",
		    src->name, src->lineno);
	if (!parse_number(field[0], &t)) {
		if (!src->seen_data && src->lineno <= 2UL + have_meta) {
			src->seen_data = true;	/* the one header line */
			return false;
		}
		die(EXIT_RUNTIME, "%s: line %lu: time is not a number: '%s'",
		    src->name, src->lineno, field[0]);
	}
	src->seen_data = true;
	if (nf > 1 && !parse_number(field[1], &w))
		die(EXIT_RUNTIME, "%s: line %lu: wavelength is not a number: '%s'",
		    src->name, src->lineno, field[1]);
	if (nf > 2 && (!parse_number(field[2], &b) || b != floor(b) || b > INT32_MAX))
		die(EXIT_RUNTIME, "%s: line %lu: wbin is not an integer: '%s'",
		    src->name, src->lineno, field[2]);
	*ev = (struct ev_event){ t, (float)w, (int32_t)b };
	return true;
}

/* The stream starts with the first event (or at the end of an empty input),
 * so that metadata lines before it still count. */
static struct ev_writer *
open_output(json_t **meta, bool sorted)
{
	if (!*meta)
		*meta = json_object();
	meta_set_sorted(*meta, sorted);
	return ev_writer_open_path(cli_output, cli_command_line(), *meta);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct source src = { stdin, "stdin", 0, false };
	json_t *meta = o.meta_file ? load_meta_file(o.meta_file) : NULL;
	struct ev_writer *out = NULL;
	struct ev_event *blk = xmalloc(EV_BLOCK_EVENTS * sizeof *blk);
	size_t n = 0, cap = 0;
	char *line = NULL;
	ssize_t len;
	double last = -INFINITY;
	const char *why;

	if (o.input && strcmp(o.input, "-") != 0) {
		src.f = fopen(o.input, "r");
		if (!src.f)
			die(EXIT_RUNTIME, "%s: cannot open:", o.input);
		src.name = o.input;
	}
	while ((len = getline(&line, &cap, src.f)) != -1) {
		src.lineno++;
		if (line[0] == '#') {
			if (strncmp(line, "# meta: ", 8) == 0 && !o.meta_file)
				read_meta_line(&src, line, (size_t)len, &meta, out != NULL);
			continue;
		}
		if (!parse_event(&src, line, meta != NULL, &blk[n]))
			continue;
		if (ev_check_events(&blk[n], 1, o.unsorted ? NULL : &last, &why) == 0)
			die(EXIT_RUNTIME, "%s: line %lu: %s%s", src.name, src.lineno, why,
			    o.unsorted ? "" : strstr(why, "sorted") ? " (or pass --unsorted)" : "");
		if (!out)
			out = open_output(&meta, !o.unsorted);
		if (++n == EV_BLOCK_EVENTS) {
			ev_write_block(out, blk, n);
			n = 0;
		}
	}
	if (ferror(src.f))
		die(EXIT_RUNTIME, "%s: read error:", src.name);
	if (!out)
		out = open_output(&meta, true);
	ev_write_block(out, blk, n);
	ev_writer_close(out);
	json_decref(meta);
	free(line);
	free(blk);
	return EXIT_OK;
}
