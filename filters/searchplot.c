/* searchplot: the distance of every evaluation of a parameter search against
 * each searched parameter, one panel per parameter.
 * Input: temp/parameter_search.csv (DESIGN §4).  Output: PNG, PDF or SVG.
 * Exit: 0 ok, 1 bad table, search file or I/O error, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "plot_figure.h"
#include "plot_output.h"
#include "searchspec.h"
#include "table.h"
#include "workspace.h"

static const char usage_text[] =
	"usage: searchplot [--search NAME|FILE] [-w DIR] [--size WxH] -o FILE CSV\n"
	"Plot the distance of every row of a parameter search's CSV\n"
	"(temp/parameter_search.csv: run,code,seed,PARAMETER...,distance,\n"
	"n_terms,elapsed_s) against each parameter, one panel per parameter:\n"
	"search points as circles, refine points (run rN) as triangles, the best\n"
	"row as a black diamond with a dotted line at its value.  The distance\n"
	"axis is logarithmic; a parameter axis is logarithmic when the search\n"
	"file says \"scale\": \"log\".  Rows with an undefined distance are left out.\n"
	"\n"
	"  --search S       meta/search/NAME.json or NAME, for the scales\n"
	"                   (default: the search named in the CSV's metadata,\n"
	"                   when its file exists)\n"
	"  -w DIR           the workspace root (default $LL_WORKSPACE, else .)\n"
	"  --size WxH       the canvas of one panel in pixels (default 1000x700)\n"
	"  -o, --output F   the plot: .png, .pdf or .svg (required)\n"
	"  --help, --version\n"
	"\n"
	"Example: searchplot --search m82 -o search.png temp/parameter_search.csv\n"
	"Exit status: 0 ok, 1 bad table, search file or I/O error, 2 usage error.\n";

enum { OPT_SEARCH = CLI_FIRST_PROGRAM_OPTION, OPT_SIZE };

struct opts {
	const char *search, *root, *csv;
	int width, height;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "search", required_argument, NULL, OPT_SEARCH },
		{ "size", required_argument, NULL, OPT_SIZE },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { .width = 1000, .height = 700 };
	int c;

	cli_init(argc, argv, "searchplot", usage_text);
	while ((c = cli_getopt(argc, argv, "o:w:", long_opts)) != -1) {
		switch (c) {
		case OPT_SEARCH:
			o.search = optarg;
			break;
		case 'w':
			o.root = optarg;
			break;
		case OPT_SIZE:
			if (sscanf(optarg, "%dx%d", &o.width, &o.height) != 2 || o.width < 200 ||
			    o.height < 150 || o.width > 10000 || o.height > 10000)
				cli_usage_error("--size: expected WxH in pixels, 200x150 to 10000x10000, got '%s'", optarg);
			break;
		default:
			cli_common_option(c);
		}
	}
	if (optind + 1 != argc)
		cli_usage_error("expected one CSV file");
	o.csv = argv[optind];
	if (!cli_output)
		cli_usage_error("-o FILE is required");
	return o;
}

/* The scales of the search, when its file can be found. */
static bool
load_spec(const struct opts *o, const char *from_csv, struct searchspec *s)
{
	const char *arg = o->search ? o->search : from_csv;
	char why[512], *path;
	json_t *obj;

	if (!arg)
		return false;
	if (strchr(arg, '/') || strstr(arg, ".json"))
		path = ws_join(ws_root(o->root), arg);
	else if (ws_name_ok(arg))
		path = ws_meta_path(ws_root(o->root), WS_SEARCH, arg);
	else
		cli_usage_error("invalid search name '%s': expected %s", arg, WS_NAME_RULE);
	if (access(path, F_OK) != 0) {
		if (o->search)
			die(EXIT_RUNTIME, "%s: no such search file", path);
		free(path);
		return false;
	}
	if (!(obj = ws_load(path, why, sizeof why)))
		die(EXIT_RUNTIME, "%s: %s", path, why);
	if (!searchspec_from_json(obj, s, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", path, why);
	json_decref(obj);
	free(path);
	return true;
}

/* The row of the smallest defined distance; dies when there is none. */
static size_t
best_row(const struct table *t, size_t dcol, const char *csv)
{
	size_t best = SIZE_MAX;

	for (size_t r = 0; r < table_n_rows(t); r++) {
		double d = table_value(t, r, dcol);

		if (d == d && (best == SIZE_MAX || d < table_value(t, best, dcol)))
			best = r;
	}
	if (best == SIZE_MAX)
		die(EXIT_RUNTIME, "%s: no row with a defined distance", csv);
	return best;
}

/* The panel of parameter column `col`: search and refine rows, the best
 * row and a line at its value. */
static struct plot_figure *
build_panel(const struct table *t, size_t col, size_t dcol, size_t best, bool log_x, bool first)
{
	const char *key = table_column_name(t, col);
	size_t nr = table_n_rows(t), n = 0, m = 0;
	double *x = xmalloc((nr + 1) * sizeof *x), *y = xmalloc((nr + 1) * sizeof *y);
	double *xr = xmalloc((nr + 1) * sizeof *xr), *yr = xmalloc((nr + 1) * sizeof *yr);
	struct plot_figure *f = plot_figure_new();
	struct plot_style search_style = { plot_palette(0), PLOT_SOLID, 0, PLOT_MARK_CIRCLE, false, 0.8 };
	struct plot_style refine_style = { plot_palette(1), PLOT_SOLID, 0, PLOT_MARK_TRIANGLE, false, 0.9 };
	struct plot_style best_style = { plot_black, PLOT_SOLID, 0, PLOT_MARK_DIAMOND, false, 1 };
	struct plot_style line_style = { plot_grey, PLOT_DOTTED, 2, PLOT_MARK_NONE, false, 1 };
	double bx = table_value(t, best, col), by = table_value(t, best, dcol);
	char title[160], label[64];

	for (size_t r = 0; r < nr; r++) {
		if (table_text(t, r, 0)[0] == 'r') {
			xr[m] = table_value(t, r, col);
			yr[m++] = table_value(t, r, dcol);
		} else {
			x[n] = table_value(t, r, col);
			y[n++] = table_value(t, r, dcol);
		}
	}
	snprintf(title, sizeof title, "distance vs %s", key);
	plot_figure_title(f, title, first ? "each point: one generated B scored by evcompare against A" : NULL);
	plot_figure_x(f, log_x ? PLOT_LOG : PLOT_LINEAR, key);
	plot_figure_y(f, PLOT_LOG, "distance (evcompare)");
	if (n)
		plot_figure_add(f, PLOT_POINTS, n, x, y, NULL, NULL, NULL, NULL, &search_style, "search");
	if (m)
		plot_figure_add(f, PLOT_POINTS, m, xr, yr, NULL, NULL, NULL, NULL, &refine_style, "refine");
	snprintf(label, sizeof label, "best %.4g", bx);
	plot_figure_add(f, PLOT_POINTS, 1, &bx, &by, NULL, NULL, NULL, NULL, &best_style, "best");
	plot_figure_vline(f, bx, &line_style, label, false);
	free(x), free(y), free(xr), free(yr);
	return f;
}

/* Whether the search file makes parameter `key` a log axis. */
static bool
log_scale(const struct searchspec *spec, bool have_spec, const char *key)
{
	bool log_x = false;

	for (size_t i = 0; have_spec && i < spec->n_params; i++)
		if (strcmp(spec->param[i].key, key) == 0)
			log_x = spec->param[i].log;
	return log_x;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct table *t = table_read_path(o.csv);
	size_t nc = table_n_columns(t), np, cols, rows, dcol, best, drawn;
	json_t *name = json_object_get(table_meta(t), "search");
	struct searchspec spec;
	bool have_spec;
	struct plot_figure **panels;
	struct plot_output *out;

	if (nc < 7 || strcmp(table_column_name(t, 0), "run") || strcmp(table_column_name(t, nc - 3), "distance"))
		die(EXIT_RUNTIME, "%s: expected the columns run,code,seed,PARAMETER...,distance,n_terms,elapsed_s",
		    o.csv);
	np = nc - 6;
	dcol = table_require_numeric(t, "distance");
	have_spec = load_spec(&o, json_is_string(name) ? json_string_value(name) : NULL, &spec);
	for (size_t c = 3; c < 3 + np; c++)
		table_require_numeric(t, table_column_name(t, c));
	best = best_row(t, dcol, o.csv);
	cols = np < 2 ? 1 : 2;
	rows = (np + cols - 1) / cols;
	out = plot_output_open(cli_output, (int)(o.width * cols), (int)(o.height * rows));
	panels = xmalloc(np * sizeof *panels);
	for (size_t p = 0; p < np; p++)
		panels[p] = build_panel(t, 3 + p, dcol, best,
					log_scale(&spec, have_spec, table_column_name(t, 3 + p)), p == 0);
	drawn = plot_render_tiles(panels, np, cols, plot_output_cairo(out), o.width, o.height);
	plot_output_text(out, "Title", "parameter search: distance against each parameter");
	plot_output_text(out, "Software", "searchplot (Lightlane Studio " LL_VERSION ")");
	plot_output_text(out, "Source", o.csv);
	plot_output_text(out, "History", cli_command_line());
	if (drawn == 0)
		die(EXIT_RUNTIME, "%s: nothing to plot", o.csv);
	plot_output_commit(out);
	for (size_t p = 0; p < np; p++)
		plot_figure_free(panels[p]);
	free(panels);
	table_free(t);
	return EXIT_OK;
}
