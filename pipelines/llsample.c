/* llsample: the parameter search's points and its CSV protocol
 * (temp/parameter_search.csv, DESIGN §4 and §7), for parameter_search.sh.
 * Reads meta/search/NAME.json; writes text on stdout; appends rows.
 * Exit: 0 ok, 1 invalid search file or CSV, I/O error, 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"
#include "searchspec.h"
#include "table.h"
#include "workspace.h"

static const char usage_text[] =
	"usage: llsample [-w DIR] COMMAND SEARCH [ARGS...]\n"
	"       llsample append CSV LINE\n"
	"       llsample record SEARCH CSV LINE [--dataset RAW --processing P\n"
	"                       --generation G --source A]\n"
	"The points and the CSV rows of a parameter search (parameter_search.sh).\n"
	"SEARCH is meta/search/NAME.json or NAME; points are a Halton sequence\n"
	"rotated by a shift drawn from the search's seed (man llsample).\n"
	"\n"
	"  check SEARCH           validate; print pipeline=, samples=, seed=, keep=,\n"
	"                         params=, algorithm=, max_evals=, xtol= lines\n"
	"  header SEARCH          print the CSV's first two lines (# meta, header)\n"
	"  points SEARCH [--from K] [--to K] [--skip CSV]\n"
	"                         print \"RUN VALUE...\" for runs K..K (default 1 to\n"
	"                         samples), leaving out runs already in CSV\n"
	"  args SEARCH [--code RUN] [--] VALUE...\n"
	"                         print the llgen options setting the parameters\n"
	"                         (after RUN's code with --code)\n"
	"  code SEARCH RUN        print the 8-letter dataset code of RUN\n"
	"  scan SEARCH CSV        check every row; print done=, refined=, best_run=,\n"
	"                         best_distance= lines\n"
	"  best SEARCH CSV [-n K] [--codes]\n"
	"                         print the K best rows (or their codes), best first\n"
	"  drop SEARCH CSV -n K   print the codes of rows outside the best K whose\n"
	"                         data/ev/CODE.ev or meta/fits/CODE.json exists\n"
	"  [--since T] append CSV LINE\n"
	"                         append LINE (and \",SECONDS\" since the epoch\n"
	"                         time T) to CSV with one write(2) under an\n"
	"                         exclusive lock (safe from parallel jobs)\n"
	"  [--since[-file] T] record SEARCH CSV LINE [--dataset RAW ...]\n"
	"                         append like append; then, still under the lock,\n"
	"                         keep the best 'keep' datasets: RAW becomes\n"
	"                         data/ev/CODE.ev with meta/fits/CODE.json when\n"
	"                         LINE is among them (else it is removed), and\n"
	"                         the datasets outside them are removed\n"
	"\n"
	"  --from K, --to K  the first and last run (1-based)\n"
	"  --skip CSV        leave out runs present in CSV\n"
	"  -n K              how many rows\n"
	"  --codes           print only the code column\n"
	"  --since-file F    like --since, from the modification time of F\n"
	"  --dataset RAW     record: the run's stream (its metadata gives\n"
	"                    generated.params); --processing, --generation,\n"
	"                    --source: the processing, generation and A\n"
	"                    dataset named in meta/fits/CODE.json\n"
	"  -w DIR            the workspace root (default $LL_WORKSPACE, else .)\n"
	"  --help, --version\n"
	"\n"
	"Example: llsample points meta/search/m82.json --from 1 --to 4\n"
	"Exit status: 0 ok, 1 invalid search file or CSV, I/O error, 2 usage error.\n";

enum {
	OPT_FROM = CLI_FIRST_PROGRAM_OPTION, OPT_TO, OPT_SKIP, OPT_CODES, OPT_CODE, OPT_SINCE,
	OPT_SINCE_FILE, OPT_DATASET, OPT_PROCESSING, OPT_GENERATION, OPT_SOURCE
};

struct opts {
	const char *root;
	uint64_t from, to;
	bool have_from, have_to;
	const char *skip;
	uint64_t n;
	bool have_n;
	bool codes;
	const char *code_run;	/* args --code RUN */
	double since;		/* append --since T0 */
	bool have_since;
	const char *since_file;	/* --since-file F: T0 is F's mtime */
	const char *dataset, *processing, *generation, *source;	/* record */
};

static struct opts o;
static struct searchspec spec;
static char *spec_path, *spec_name;

/* Parse the options before and after the COMMAND SEARCH operands; values
 * (spectrum.index may be negative) are operands after "--" or past the
 * options, so the caller stops at the first operand ("+"). */
static int
parse_options(int argc, char **argv, int start)
{
	static const struct option long_opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "skip", required_argument, NULL, OPT_SKIP },
		{ "codes", no_argument, NULL, OPT_CODES },
		{ "code", required_argument, NULL, OPT_CODE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "since-file", required_argument, NULL, OPT_SINCE_FILE },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "processing", required_argument, NULL, OPT_PROCESSING },
		{ "generation", required_argument, NULL, OPT_GENERATION },
		{ "source", required_argument, NULL, OPT_SOURCE },
		CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	/* A fresh getopt (optind 0) over argv[start..], seen as a command line
	 * whose argv[0] is argv[start - 1]. */
	optind = 0;
	while ((c = cli_getopt(argc - start + 1, argv + start - 1, "+w:n:", long_opts)) != -1) {
		switch (c) {
		case 'w':
			o.root = optarg;
			break;
		case 'n':
			o.n = cli_u64(optarg, "-n");
			o.have_n = true;
			break;
		case OPT_FROM:
			o.from = cli_u64(optarg, "--from");
			o.have_from = true;
			break;
		case OPT_TO:
			o.to = cli_u64(optarg, "--to");
			o.have_to = true;
			break;
		case OPT_SKIP:
			o.skip = optarg;
			break;
		case OPT_CODES:
			o.codes = true;
			break;
		case OPT_CODE:
			o.code_run = optarg;
			break;
		case OPT_SINCE:
			o.since = cli_double(optarg, "--since");
			o.have_since = true;
			break;
		case OPT_SINCE_FILE:
			o.since_file = optarg;
			break;
		case OPT_DATASET:
			o.dataset = optarg;
			break;
		case OPT_PROCESSING:
			o.processing = optarg;
			break;
		case OPT_GENERATION:
			o.generation = optarg;
			break;
		case OPT_SOURCE:
			o.source = optarg;
			break;
		default:
			cli_common_option(c);
		}
	}
	return start - 1 + optind;
}

/* Load and validate SEARCH (a path, or a name under meta/search/). */
static void
load_spec(const char *arg)
{
	char why[512];
	json_t *obj;
	enum ws_kind k;
	const char *base;
	size_t len;

	if (strchr(arg, '/') || (strlen(arg) > 5 && strcmp(arg + strlen(arg) - 5, ".json") == 0)) {
		spec_path = ws_join(ws_root(o.root), arg);
	} else {
		if (!ws_name_ok(arg))
			cli_usage_error("invalid search name '%s': expected %s", arg, WS_NAME_RULE);
		spec_path = ws_meta_path(ws_root(o.root), WS_SEARCH, arg);
	}
	if (!ws_kind_of_path(spec_path, &k, &spec_name)) {
		base = strrchr(spec_path, '/');
		base = base ? base + 1 : spec_path;
		len = strlen(base);
		if (len > 5 && strcmp(base + len - 5, ".json") == 0)
			len -= 5;
		spec_name = xstrdup(base);
		spec_name[len] = '\0';
	}
	if (access(spec_path, F_OK) != 0)
		die(EXIT_RUNTIME, "%s: no such search file", spec_path);
	if (!(obj = ws_load(spec_path, why, sizeof why)))
		die(EXIT_RUNTIME, "%s: %s", spec_path, why);
	if (!searchspec_from_json(obj, &spec, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", spec_path, why);
	json_decref(obj);
}

static void
need(int have, int want_min, int want_max, const char *cmd)
{
	if (have < want_min || (want_max >= 0 && have > want_max))
		cli_usage_error("%s: wrong number of arguments", cmd);
}

/* The "# meta:" object of the CSV: what fixes the meaning of its rows. */
static json_t *
csv_meta(void)
{
	json_t *params = json_array();

	for (size_t i = 0; i < spec.n_params; i++)
		json_array_append_new(params, json_pack("{s:s,s:f,s:f,s:s}", "name", spec.param[i].key,
							"min", spec.param[i].min, "max", spec.param[i].max,
							"scale", spec.param[i].log ? "log" : "lin"));
	return json_pack("{s:s,s:s,s:I,s:o}", "search", spec_name, "pipeline", spec.pipeline,
			 "seed", (json_int_t)spec.seed, "parameters", params);
}

static void
print_header(void)
{
	json_t *m = csv_meta();
	char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);

	printf("# meta: %s\nrun,code,seed", text);
	for (size_t i = 0; i < spec.n_params; i++)
		printf(",%s", spec.param[i].key);
	printf(",distance,n_terms,elapsed_s\n");
	free(text);
	json_decref(m);
}

/* --- reading the CSV -------------------------------------------------- */

struct row {
	const char *run;
	bool refine;		/* "rK" */
	uint64_t k;
	double distance;	/* NaN: undefined */
	size_t index;		/* row of the table */
};

static struct table *csv;
static struct row *rows;
static size_t n_rows;

static bool
parse_run(const char *s, bool *refine, uint64_t *k)
{
	char *end;
	unsigned long long v;

	*refine = s[0] == 'r';
	if (*refine)
		s++;
	if (s[0] < '1' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*k = v;
	return true;
}

static bool
is_number(const char *s, bool empty_ok)
{
	char *end;

	if (!*s)
		return empty_ok;
	strtod(s, &end);
	return *end == '\0';
}

static int
cmp_run(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->refine != y->refine)
		return x->refine ? 1 : -1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Read and check the whole CSV; every problem is one line naming the file
 * and the line, and nothing is changed, so a user can repair it by hand. */
static void
load_csv(const char *arg)
{
	char *path = ws_join(ws_root(o.root), arg);
	FILE *f = fopen(path, "rb");
	char *text = NULL, why[512];
	size_t len = 0, cap = 0, got;
	unsigned long line;
	json_t *want, *have;
	size_t n_cols = 3 + spec.n_params + 3;
	struct row *sorted;

	if (!f)
		die(EXIT_RUNTIME, "%s: cannot open:", path);
	do {
		if (len + 65536 > cap)
			text = xrealloc(text, cap = 2 * cap + 65536);
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	if (ferror(f))
		die(EXIT_RUNTIME, "%s: cannot read:", path);
	fclose(f);
	text[len] = '\0';
	if (len > 0 && text[len - 1] != '\n') {
		unsigned long last = 1;

		for (size_t i = 0; i < len; i++)
			last += text[i] == '\n';
		die(EXIT_RUNTIME, "%s:%lu: incomplete last row (an interrupted write?): remove that line to resume",
		    path, last);
	}
	if (!table_parse(text, len, path, &csv, &line, why, sizeof why)) {
		if (line)
			die(EXIT_RUNTIME, "%s:%lu: %s", path, line, why);
		die(EXIT_RUNTIME, "%s: %s", path, why);
	}
	free(text);
	want = csv_meta();
	have = json_object_get(table_meta(csv), "search");
	if (!json_is_string(have) || strcmp(json_string_value(have), spec_name) != 0)
		die(EXIT_RUNTIME, "%s: holds the rows of %s%s%s, not of the search '%s': move it away to start this one",
		    path, json_is_string(have) ? "the search '" : "another file",
		    json_is_string(have) ? json_string_value(have) : "", json_is_string(have) ? "'" : "",
		    spec_name);
	if (!json_equal(want, table_meta(csv)))
		die(EXIT_RUNTIME, "%s: the search '%s' changed (pipeline, seed or parameters) since its rows were made: "
		    "move the file away to start again", path, spec_name);
	json_decref(want);
	if (table_n_columns(csv) != n_cols)
		die(EXIT_RUNTIME, "%s: %zu columns, expected %zu", path, table_n_columns(csv), n_cols);
	rows = xcalloc(table_n_rows(csv) + 1, sizeof *rows);
	for (size_t r = 0; r < table_n_rows(csv); r++) {
		struct row *w = &rows[n_rows];
		unsigned long l = table_row_line(csv, r);
		const char *code = table_text(csv, r, 1);

		w->run = table_text(csv, r, 0);
		w->index = r;
		if (!parse_run(w->run, &w->refine, &w->k))
			die(EXIT_RUNTIME, "%s:%lu: run: expected a run number or rN, got '%s'", path, l, w->run);
		if (!ws_code_ok(code))
			die(EXIT_RUNTIME, "%s:%lu: code: expected 8 upper-case letters, got '%s'", path, l, code);
		for (size_t c = 2; c < n_cols; c++) {
			const char *t = table_text(csv, r, c);
			bool empty_ok = c == n_cols - 3;	/* an undefined distance */

			if (!is_number(t, empty_ok))
				die(EXIT_RUNTIME, "%s:%lu: %s: expected a number, got '%s'",
				    path, l, table_column_name(csv, c), t);
		}
		w->distance = table_value(csv, r, n_cols - 3);
		n_rows++;
	}
	sorted = xmalloc((n_rows + 1) * sizeof *sorted);
	memcpy(sorted, rows, n_rows * sizeof *rows);
	qsort(sorted, n_rows, sizeof *sorted, cmp_run);
	for (size_t i = 1; i < n_rows; i++)
		if (cmp_run(&sorted[i - 1], &sorted[i]) == 0)
			die(EXIT_RUNTIME, "%s:%lu: run %s appears twice", path,
			    table_row_line(csv, sorted[i].index), sorted[i].run);
	free(sorted);
	free(path);
}

static bool
run_done(uint64_t k)
{
	for (size_t i = 0; i < n_rows; i++)
		if (!rows[i].refine && rows[i].k == k)
			return true;
	return false;
}

/* Best first: smaller distance, an undefined one last, ties in file order. */
static int
cmp_distance(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	bool xn = x->distance != x->distance, yn = y->distance != y->distance;

	if (xn != yn)
		return xn ? 1 : -1;
	if (!xn && x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
print_row(size_t r)
{
	if (o.codes) {
		printf("%s\n", table_text(csv, r, 1));
		return;
	}
	for (size_t c = 0; c < table_n_columns(csv); c++)
		printf("%s%s", c ? "," : "", table_text(csv, r, c));
	putchar('\n');
}

/* --- commands ----------------------------------------------------------- */

static void
cmd_check(void)
{
	printf("pipeline=%s\nsamples=%llu\nseed=%llu\nkeep=%llu\nparams='", spec.pipeline,
	       (unsigned long long)spec.samples, (unsigned long long)spec.seed,
	       (unsigned long long)spec.keep);
	for (size_t i = 0; i < spec.n_params; i++)
		printf("%s%s", i ? " " : "", spec.param[i].key);
	printf("'\nalgorithm=%s\nmax_evals=%llu\nxtol=%g\n",
	       spec.algorithm == SEARCHSPEC_BOBYQA ? "bobyqa" : "sbplx",
	       (unsigned long long)spec.max_evals, spec.xtol);
}

static void
cmd_points(void)
{
	uint64_t from = o.have_from ? o.from : 1, to = o.have_to ? o.to : spec.samples;
	double u[SEARCHSPEC_MAX_PARAMS];
	char buf[64];

	if (from < 1)
		cli_usage_error("--from: runs start at 1");
	for (uint64_t k = from; k <= to; k++) {
		if (o.skip && run_done(k))
			continue;
		searchspec_point(&spec, k, u);
		printf("%llu", (unsigned long long)k);
		for (size_t d = 0; d < spec.n_params; d++) {
			ws_format_number(searchspec_from_unit(&spec.param[d], u[d]), buf, sizeof buf);
			printf(" %s", buf);
		}
		putchar('\n');
	}
}

static void
cmd_args(int n, char **v)
{
	if ((size_t)n != spec.n_params)
		cli_usage_error("args: %d values for %zu parameters", n, spec.n_params);
	if (o.code_run) {
		char code[9];

		searchspec_code(spec_name, spec.seed, o.code_run, code);
		printf("%s ", code);
	}
	for (int i = 0; i < n; i++) {
		char *end;
		double x = strtod(v[i], &end);
		const char *rule;

		if (end == v[i] || *end)
			die(EXIT_RUNTIME, "%s: %s: expected a number, got '%s'", spec_path, spec.param[i].key, v[i]);
		if ((rule = searchspec_value_rule(&spec.param[i], x)))
			die(EXIT_RUNTIME, "%s: %s: %s %s", spec_path, spec.param[i].key, v[i], rule);
		printf("%s%s %s", i ? " " : "", spec.param[i].flag, v[i]);
	}
	putchar('\n');
}

static void
cmd_scan(void)
{
	uint64_t done = 0, refined = 0;
	size_t best = n_rows;

	for (size_t i = 0; i < n_rows; i++) {
		if (rows[i].refine)
			refined = rows[i].k > refined ? rows[i].k : refined;
		else
			done++;
		if (rows[i].distance == rows[i].distance &&
		    (best == n_rows || cmp_distance(&rows[i], &rows[best]) < 0))
			best = i;
	}
	printf("done=%llu\nrefined=%llu\n", (unsigned long long)done, (unsigned long long)refined);
	if (best < n_rows)
		printf("best_run=%s\nbest_distance=%s\n", rows[best].run,
		       table_text(csv, rows[best].index, table_n_columns(csv) - 3));
	else
		printf("best_run=\nbest_distance=\n");
}

static void
cmd_best(bool drop)
{
	size_t k = o.have_n ? o.n : (drop ? spec.keep : 1);
	char path[PATH_MAX];
	const char *root = ws_root(o.root);

	qsort(rows, n_rows, sizeof *rows, cmp_distance);
	if (!drop) {
		for (size_t i = 0; i < n_rows && i < k; i++)
			print_row(rows[i].index);
		return;
	}
	for (size_t i = k; i < n_rows; i++) {
		const char *code = table_text(csv, rows[i].index, 1);
		bool seen = false;

		/* A code kept by a better row (a rerun of the same point) stays. */
		for (size_t j = 0; j < k && j < n_rows; j++)
			seen = seen || strcmp(code, table_text(csv, rows[j].index, 1)) == 0;
		if (seen)
			continue;
		snprintf(path, sizeof path, "%s/data/ev/%s.ev", root, code);
		if (access(path, F_OK) != 0) {
			snprintf(path, sizeof path, "%s/meta/fits/%s.json", root, code);
			if (access(path, F_OK) != 0)
				continue;
		}
		printf("%s\n", code);
	}
}

/* One write(2) of the whole line with O_APPEND under flock: rows from
 * parallel jobs never interleave, and a kill leaves whole rows only.
 * Returns the descriptor, still locked, so that record can keep the lock
 * while it sorts out the datasets; closing it releases the lock. */
static int
append_locked(const char *path, const char *line)
{
	size_t len = strlen(line);
	char *buf, *with_since = NULL;
	int fd;
	struct stat st;
	char last;
	ssize_t w;

	if (len == 0 || strchr(line, '\n') || strchr(line, '\r'))
		cli_usage_error("append: LINE must be one non-empty line");
	if (o.have_since || o.since_file) {
		struct timespec ts;
		char *l2 = xmalloc(len + 40);
		double elapsed;

		if (o.since_file) {
			struct stat sst;

			if (stat(o.since_file, &sst) != 0)
				die(EXIT_RUNTIME, "%s: cannot stat:", o.since_file);
			/* File times come from the coarse clock: read the same
			 * clock so that a short run never shows a negative time. */
#ifdef CLOCK_REALTIME_COARSE
			clock_gettime(CLOCK_REALTIME_COARSE, &ts);
#else
			clock_gettime(CLOCK_REALTIME, &ts);
#endif
			elapsed = (double)(ts.tv_sec - sst.st_mtim.tv_sec) +
				  (ts.tv_nsec - sst.st_mtim.tv_nsec) * 1e-9;
			if (elapsed < 0)
				elapsed = 0;
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			elapsed = (double)ts.tv_sec + ts.tv_nsec * 1e-9 - o.since;
		}
		len = (size_t)sprintf(l2, "%s,%.3f", line, elapsed);
		line = with_since = l2;
	}
	if (len + 1 >= PIPE_BUF)
		die(EXIT_RUNTIME, "%s: a row of %zu bytes is too long (limit %d)", path, len + 1, PIPE_BUF - 1);
	buf = xmalloc(len + 2);
	memcpy(buf, line, len);
	buf[len] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND)) < 0)
		die(EXIT_RUNTIME, "%s: cannot open:", path);
	if (flock(fd, LOCK_EX) != 0)
		die(EXIT_RUNTIME, "%s: cannot lock:", path);
	if (fstat(fd, &st) != 0)
		die(EXIT_RUNTIME, "%s: cannot stat:", path);
	if (st.st_size == 0)
		die(EXIT_RUNTIME, "%s: empty file: expected the header first", path);
	{
		int rfd = open(path, O_RDONLY);

		if (rfd < 0 || pread(rfd, &last, 1, st.st_size - 1) != 1)
			die(EXIT_RUNTIME, "%s: cannot read:", path);
		close(rfd);
	}
	if (last != '\n')
		die(EXIT_RUNTIME, "%s: ends in an incomplete row (an interrupted write?): remove it first", path);
	w = write(fd, buf, len + 1);
	if (w != (ssize_t)(len + 1)) {
		/* A short write (disk full) must not leave half a row behind. */
		if (w > 0 && ftruncate(fd, st.st_size) != 0)
			die(EXIT_RUNTIME, "%s: short write, and cannot truncate:", path);
		die(EXIT_RUNTIME, "%s: cannot write:", path);
	}
	free(buf);
	free(with_since);
	return fd;
}

static void
cmd_append(const char *path, const char *line)
{
	if (close(append_locked(path, line)) != 0)
		die(EXIT_RUNTIME, "%s: cannot write:", path);
}

/* The generation recorded in RAW's metadata (what llgen really used), or
 * else meta/generation/G.json. */
static json_t *
dataset_params(const char *raw_path, const char *root)
{
	unsigned char prefix[EV_PREFIX_SIZE];
	uint32_t h;
	char *text, why[512];
	json_t *meta = NULL, *p = NULL;
	FILE *f = fopen(raw_path, "rb");

	if (!f)
		die(EXIT_RUNTIME, "%s: cannot open:", raw_path);
	if (fread(prefix, 1, sizeof prefix, f) == sizeof prefix &&
	    ev_parse_prefix(prefix, &h, NULL, 0) == EV_OK) {
		text = xmalloc((size_t)h + 1);
		if (fread(text, 1, h, f) == h && ev_parse_meta(text, h, &meta, NULL, 0) == EV_OK &&
		    (p = json_object_get(meta, "generation")))
			json_incref(p);
		free(text);
		json_decref(meta);
	}
	fclose(f);
	if (!p) {
		char *gpath = ws_meta_path(root, WS_GENERATION, o.generation);

		if (!(p = ws_load(gpath, why, sizeof why)))
			die(EXIT_RUNTIME, "%s: %s", gpath, why);
		free(gpath);
	}
	return p;
}

/* meta/fits/CODE.json of a kept run (validated), as parameter_search.sh
 * described it with llws set. */
static json_t *
make_fits_json(const char *path, const char *run, const char *code, const char *root)
{
	char ev_rel[64], why[512], *desc;
	json_t *j, *gen;

	snprintf(ev_rel, sizeof ev_rel, "data/ev/%s.ev", code);
	gen = json_pack("{s:s,s:s,s:I,s:s,s:o}", "pipeline", spec.pipeline, "generation", o.generation,
			"seed", (json_int_t)spec.seed, "source", o.source,
			"params", dataset_params(o.dataset, root));
	desc = xmalloc(strlen(run) + strlen(spec_name) + 64);
	sprintf(desc, "run %s of the parameter search %s", run, spec_name);
	j = json_pack("{s:s,s:s,s:o,s:s}", "path", ev_rel, "processing", o.processing,
		      "generated", gen, "description", desc);
	if (!j)
		die(EXIT_RUNTIME, "%s: cannot make the metadata (not valid UTF-8?)", path);
	if (!ws_validate(WS_FITS, j, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", path, why);
	free(desc);
	return j;
}

/* append, then under the same lock keep the best 'keep' datasets: one
 * process instead of a lock, best, grep, drop and the metadata writing in
 * the shell (each process costs as much as a tenth of an evaluation). */
static void
cmd_record(const char *csv_path, const char *line)
{
	int fd = append_locked(csv_path, line);
	const char *root = ws_root(o.root);
	char run[64], code[16], ev_path[PATH_MAX], json_path[PATH_MAX];
	const char *comma = strchr(line, ',');
	size_t k = spec.keep;
	bool kept = false;

	if (o.dataset && k > 0) {
		if (!comma || (size_t)(comma - line) >= sizeof run || strlen(comma + 1) < 9 || comma[9] != ',')
			die(EXIT_RUNTIME, "%s: record: expected RUN,CODE,... in LINE", csv_path);
		memcpy(run, line, (size_t)(comma - line));
		run[comma - line] = '\0';
		memcpy(code, comma + 1, 8);
		code[8] = '\0';
		load_csv(csv_path);
		qsort(rows, n_rows, sizeof *rows, cmp_distance);
		for (size_t i = 0; i < n_rows && i < k; i++)
			kept = kept || strcmp(code, table_text(csv, rows[i].index, 1)) == 0;
		if (kept) {
			json_t *j;

			snprintf(ev_path, sizeof ev_path, "%s/data/ev", root);
			mkdir(ev_path, 0777);
			snprintf(json_path, sizeof json_path, "%s/meta/fits", root);
			mkdir(json_path, 0777);
			snprintf(ev_path, sizeof ev_path, "%s/data/ev/%s.ev", root, code);
			snprintf(json_path, sizeof json_path, "%s/meta/fits/%s.json", root, code);
			j = make_fits_json(json_path, run, code, root);
			if (rename(o.dataset, ev_path) != 0)
				die(EXIT_RUNTIME, "%s: cannot move to %s:", o.dataset, ev_path);
			ws_write_json(json_path, j);
			json_decref(j);
		} else if (unlink(o.dataset) != 0 && errno != ENOENT) {
			die(EXIT_RUNTIME, "%s: cannot remove:", o.dataset);
		}
		/* The datasets that dropped out (as drop lists them). */
		for (size_t i = k; i < n_rows; i++) {
			const char *c = table_text(csv, rows[i].index, 1);
			bool seen = false;

			for (size_t j = 0; j < k && j < n_rows; j++)
				seen = seen || strcmp(c, table_text(csv, rows[j].index, 1)) == 0;
			if (seen)
				continue;
			snprintf(ev_path, sizeof ev_path, "%s/data/ev/%s.ev", root, c);
			snprintf(json_path, sizeof json_path, "%s/meta/fits/%s.json", root, c);
			if ((unlink(ev_path) != 0 && errno != ENOENT) || (unlink(json_path) != 0 && errno != ENOENT))
				die(EXIT_RUNTIME, "%s: cannot remove:", errno == ENOENT ? json_path : ev_path);
		}
	}
	if (close(fd) != 0)
		die(EXIT_RUNTIME, "%s: cannot write:", csv_path);
}

/* record CSV LINE [options]: one finished run's row. */
static void
run_record(int argc, char **argv, int i)
{
	const char *csv_arg = argv[i], *line = argv[i + 1];

	i = parse_options(argc, argv, i + 2);
	if (i != argc)
		cli_usage_error("record: unexpected argument '%s'", argv[i]);
	if (o.dataset && (!o.processing || !o.generation || !o.source))
		cli_usage_error("record: --dataset needs --processing, --generation and --source");
	if (o.dataset && !ws_name_ok(o.generation))
		cli_usage_error("record: --generation: invalid name '%s'", o.generation);
	cmd_record(csv_arg, line);
}

/* scan, best, drop CSV [options]: questions about the search's results. */
static void
run_on_results(const char *cmd, int argc, char **argv, int i)
{
	const char *csv_arg = argv[i];

	i = parse_options(argc, argv, i + 1);
	if (i != argc)
		cli_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
	load_csv(csv_arg);
	if (strcmp(cmd, "scan") == 0)
		cmd_scan();
	else
		cmd_best(strcmp(cmd, "drop") == 0);
}

/* The commands that take SEARCH, with argv[i] its first argument after it. */
static void
run_on_search(const char *cmd, int argc, char **argv, int i)
{
	int n = argc - i;

	if (strcmp(cmd, "check") == 0) {
		need(n, 0, 0, cmd);
		cmd_check();
	} else if (strcmp(cmd, "header") == 0) {
		need(n, 0, 0, cmd);
		print_header();
	} else if (strcmp(cmd, "points") == 0) {
		need(n, 0, 0, cmd);
		if (o.skip)
			load_csv(o.skip);
		cmd_points();
	} else if (strcmp(cmd, "args") == 0) {
		cmd_args(n, argv + i);
	} else if (strcmp(cmd, "code") == 0) {
		char code[9];

		need(n, 1, 1, cmd);
		searchspec_code(spec_name, spec.seed, argv[i], code);
		printf("%s\n", code);
	} else if (strcmp(cmd, "record") == 0) {
		need(n, 2, -1, cmd);
		run_record(argc, argv, i);
	} else {
		need(n, 1, -1, cmd);
		run_on_results(cmd, argc, argv, i);
	}
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int i;

	cli_init(argc, argv, "llsample", usage_text);
	i = parse_options(argc, argv, 1);
	if (i >= argc)
		cli_usage_error("missing COMMAND");
	cmd = argv[i++];
	if (strcmp(cmd, "append") == 0) {
		need(argc - i, 2, 2, cmd);
		cmd_append(argv[i], argv[i + 1]);
		return EXIT_OK;
	}
	if (strcmp(cmd, "check") && strcmp(cmd, "header") && strcmp(cmd, "points") &&
	    strcmp(cmd, "args") && strcmp(cmd, "code") && strcmp(cmd, "scan") &&
	    strcmp(cmd, "best") && strcmp(cmd, "drop") && strcmp(cmd, "record"))
		cli_usage_error("unknown command '%s'", cmd);
	if (i >= argc)
		cli_usage_error("%s: missing SEARCH", cmd);
	load_spec(argv[i++]);
	/* Options may also follow SEARCH; values of args that could look like
	 * options (negative numbers) come after "--". */
	i = parse_options(argc, argv, i);
	run_on_search(cmd, argc, argv, i);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "stdout: cannot write:");
	return EXIT_OK;
}
