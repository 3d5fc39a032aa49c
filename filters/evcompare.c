/* evcompare: distance between two varstat tables (the parameter search's
 * objective).  Operands: two CSV tables.  stdout: CSV "distance,n_terms".
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * distance = mean over the (wbin, timescale_s) rows present and finite in
 * both tables of (fano_A - fano_B)² / (fano_err_A² + fano_err_B²). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "table.h"

static const char usage_text[] =
	"usage: evcompare [-o FILE] A.csv B.csv\n"
	"Distance between two varstat tables: the mean, over the rows matched by\n"
	"(wbin, timescale_s) whose fano and fano_err are defined in both, of\n"
	"(fano_A - fano_B)^2 / (fano_err_A^2 + fano_err_B^2).  Prints a table with\n"
	"the header \"distance,n_terms\" and one row; with no terms in common the\n"
	"distance is empty.\n"
	"\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: evcompare out/A/varstat.csv out/B/varstat.csv\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

struct cols {
	size_t wbin, timescale, fano, fano_err;
};

static struct cols
require(const struct table *t)
{
	struct cols c;

	c.wbin = table_require_numeric(t, "wbin");
	c.timescale = table_require_numeric(t, "timescale_s");
	c.fano = table_require_numeric(t, "fano");
	c.fano_err = table_require_numeric(t, "fano_err");
	return c;
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	static const char *const columns[] = { "distance", "n_terms", NULL };
	struct table *a, *b;
	struct cols ca, cb;
	double sum = 0;
	long terms = 0;
	int c;

	cli_init(argc, argv, "evcompare", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1)
		cli_common_option(c);
	if (argc - optind != 2)
		cli_usage_error("expected two tables, A.csv and B.csv");
	a = table_read_path(argv[optind]);
	b = table_read_path(argv[optind + 1]);
	ca = require(a);
	cb = require(b);
	/* Tables hold wbins x time scales rows (hundreds): a quadratic match
	 * is simpler than sorting and costs nothing. */
	for (size_t i = 0; i < table_n_rows(a); i++) {
		double w = table_value(a, i, ca.wbin), ts = table_value(a, i, ca.timescale);
		double fa = table_value(a, i, ca.fano), ea = table_value(a, i, ca.fano_err);

		if (!isfinite(fa) || !isfinite(ea))
			continue;
		for (size_t j = 0; j < table_n_rows(b); j++) {
			if (table_value(b, j, cb.wbin) != w || table_value(b, j, cb.timescale) != ts)
				continue;
			double fb = table_value(b, j, cb.fano), eb = table_value(b, j, cb.fano_err);
			double var = ea * ea + eb * eb;

			if (isfinite(fb) && isfinite(eb) && var > 0) {
				sum += (fa - fb) * (fa - fb) / var;
				terms++;
			}
			break;
		}
	}

	json_t *meta = json_pack("{s:s, s:s}", "a", argv[optind], "b", argv[optind + 1]);
	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(),
						    meta, columns, NULL);

	table_put_double(tw, terms ? sum / (double)terms : NAN);
	table_put_long(tw, terms);
	table_end_row(tw);
	table_writer_close(tw);
	json_decref(meta);
	table_free(a);
	table_free(b);
	return EXIT_OK;
}
