/* llrefine: refine a parameter search with a derivative-free optimiser
 * (nlopt BOBYQA or Sbplx) in the search's unit cube, each evaluation an
 * external command run without a shell that prints the distance.
 * stdout: a summary (key=value lines).  Exit: 0 ok, 1 bad search file or a
 * failed evaluation, 2 usage. */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlopt.h>

#include "cli.h"
#include "searchspec.h"
#include "workspace.h"

extern char **environ;

static const char usage_text[] =
	"usage: llrefine [-w DIR] [--start V,V,...] [--first K] [--max-evals N]\n"
	"                [--xtol X] [--algorithm bobyqa|sbplx] SEARCH -- COMMAND [ARG...]\n"
	"Minimise the distance COMMAND prints over the parameters of SEARCH\n"
	"(meta/search/NAME.json or NAME) inside their ranges, with nlopt's\n"
	"BOBYQA (LN_BOBYQA) or Sbplx (LN_SBPLX) in unit-cube coordinates (a log\n"
	"scale is optimised in log space).  Each evaluation runs\n"
	"  COMMAND ARG... --run rK VALUE...\n"
	"(no shell; K counts from --first) and reads a number from the last\n"
	"line of its stdout: the distance (empty or nan: undefined, scored\n"
	"worse than any defined one).  The command must be deterministic (a\n"
	"fixed seed: common random numbers).  It stops at the step tolerance\n"
	"or after the evaluation budget, then prints best_run=, best_distance=,\n"
	"evaluations=, stop= (nlopt's result), reason= (why it stopped, in words:\n"
	"budget, tolerance or no improvement) and values= lines.\n"
	"\n"
	"  --start V,V,...   the starting point, one value per parameter\n"
	"                    (default: the middle of every range)\n"
	"  --first K         number of the first evaluation, r1 by default\n"
	"  --max-evals N     evaluation budget (default: the search's\n"
	"                    refine.max_evals, else 40)\n"
	"  --xtol X          stop when a step changes every unit coordinate by\n"
	"                    less than X (default refine.xtol, else 1e-3)\n"
	"  --algorithm A     bobyqa or sbplx (default refine.algorithm, else\n"
	"                    bobyqa; one parameter always uses sbplx)\n"
	"  -w DIR            the workspace root (default $LL_WORKSPACE, else .)\n"
	"  -q, --quiet       no progress line per evaluation on stderr\n"
	"  --help, --version\n"
	"\n"
	"Example: llrefine --start 3e6,0.2 m82 -- parameter_search.sh --eval --search m82\n"
	"Exit status: 0 ok, 1 bad search file or a failed evaluation,\n"
	"2 usage error.\n";

enum { OPT_START = CLI_FIRST_PROGRAM_OPTION, OPT_FIRST, OPT_MAX_EVALS, OPT_XTOL, OPT_ALGORITHM };

struct opts {
	const char *root;
	const char *start;
	uint64_t first;
	uint64_t max_evals;
	double xtol;
	int algorithm;		/* -1: the search's */
	const char *search;
	char **command;		/* NULL-terminated */
	int n_command;
};

static struct opts o = { .first = 1, .algorithm = -1 };
static struct searchspec spec;
static char spec_path_buf[4096];

/* What the objective has seen. */
static struct {
	uint64_t k;		/* evaluations made */
	double best;
	char best_run[32];
	char best_values[SEARCHSPEC_MAX_PARAMS][40];
	double worst;		/* largest defined distance, for the penalty */
	bool failed;
} st = { .best = INFINITY };

static void
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "start", required_argument, NULL, OPT_START },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "max-evals", required_argument, NULL, OPT_MAX_EVALS },
		{ "xtol", required_argument, NULL, OPT_XTOL },
		{ "algorithm", required_argument, NULL, OPT_ALGORITHM },
		CLI_OPT_QUIET, CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	cli_init(argc, argv, "llrefine", usage_text);
	/* "+": stop at SEARCH, so COMMAND's own options stay COMMAND's. */
	while ((c = cli_getopt(argc, argv, "+w:q", long_opts)) != -1) {
		switch (c) {
		case 'w':
			o.root = optarg;
			break;
		case OPT_START:
			o.start = optarg;
			break;
		case OPT_FIRST:
			o.first = cli_u64(optarg, "--first");
			if (o.first < 1)
				cli_usage_error("--first: must be at least 1");
			break;
		case OPT_MAX_EVALS:
			o.max_evals = cli_u64(optarg, "--max-evals");
			if (o.max_evals < 1)
				cli_usage_error("--max-evals: must be at least 1");
			break;
		case OPT_XTOL:
			o.xtol = cli_positive_double(optarg, "--xtol");
			if (o.xtol >= 1)
				cli_usage_error("--xtol: must be below 1 (unit-cube coordinates)");
			break;
		case OPT_ALGORITHM:
			if (strcmp(optarg, "bobyqa") == 0)
				o.algorithm = SEARCHSPEC_BOBYQA;
			else if (strcmp(optarg, "sbplx") == 0)
				o.algorithm = SEARCHSPEC_SBPLX;
			else
				cli_usage_error("--algorithm: expected bobyqa or sbplx, got '%s'", optarg);
			break;
		default:
			cli_common_option(c);
		}
	}
	if (optind >= argc)
		cli_usage_error("missing SEARCH");
	o.search = argv[optind++];
	if (optind >= argc || strcmp(argv[optind], "--") != 0)
		cli_usage_error("missing '--' and the evaluation COMMAND after SEARCH");
	optind++;
	if (optind >= argc)
		cli_usage_error("missing the evaluation COMMAND after '--'");
	o.command = argv + optind;
	o.n_command = argc - optind;
}

static void
load_spec(void)
{
	char why[512], *path;
	json_t *obj;

	if (strchr(o.search, '/') || strstr(o.search, ".json"))
		path = ws_join(ws_root(o.root), o.search);
	else {
		if (!ws_name_ok(o.search))
			cli_usage_error("invalid search name '%s': expected %s", o.search, WS_NAME_RULE);
		path = ws_meta_path(ws_root(o.root), WS_SEARCH, o.search);
	}
	snprintf(spec_path_buf, sizeof spec_path_buf, "%s", path);
	free(path);
	if (access(spec_path_buf, F_OK) != 0)
		die(EXIT_RUNTIME, "%s: no such search file", spec_path_buf);
	if (!(obj = ws_load(spec_path_buf, why, sizeof why)))
		die(EXIT_RUNTIME, "%s: %s", spec_path_buf, why);
	if (!searchspec_from_json(obj, &spec, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", spec_path_buf, why);
	json_decref(obj);
}

/* Run the command for one point; returns its distance (NaN: undefined).
 * A command that fails stops the whole refinement: its own message has
 * said why. */
static double
evaluate(const char *run, char values[][40])
{
	size_t argc = (size_t)o.n_command + 2 + spec.n_params;
	char **argv = xcalloc(argc + 1, sizeof *argv);
	posix_spawn_file_actions_t fa;
	int fd[2], status, err;
	pid_t pid;
	char out[4096], *line, *end;
	size_t len = 0;
	ssize_t got;
	double d;

	for (int i = 0; i < o.n_command; i++)
		argv[i] = o.command[i];
	argv[o.n_command] = "--run";
	argv[o.n_command + 1] = (char *)run;
	for (size_t i = 0; i < spec.n_params; i++)
		argv[o.n_command + 2 + i] = values[i];
	if (pipe(fd) != 0)
		die(EXIT_RUNTIME, "cannot make a pipe:");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	if ((err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0) {
		errno = err;
		die(EXIT_RUNTIME, "%s: cannot run:", argv[0]);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	/* Keep the tail: the distance is on the last line. */
	while ((got = read(fd[0], out + len, sizeof out - 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "%s: cannot read its output:", argv[0]);
		}
		len += (size_t)got;
		if (len == sizeof out - 1) {
			memmove(out, out + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(EXIT_RUNTIME, "%s: cannot wait:", argv[0]);
	free(argv);
	if (WIFSIGNALED(status))
		die(EXIT_RUNTIME, "%s: evaluation %s killed by signal %d", o.command[0], run, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		die(EXIT_RUNTIME, "%s: evaluation %s failed (exit status %d)", o.command[0], run,
		    WEXITSTATUS(status));
	out[len] = '\0';
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' ' || out[len - 1] == '\r'))
		out[--len] = '\0';
	line = strrchr(out, '\n');
	line = line ? line + 1 : out;
	if (*line == '\0' || strcmp(line, "nan") == 0)
		return NAN;
	d = strtod(line, &end);
	if (end == line || *end || d < 0)
		die(EXIT_RUNTIME, "%s: evaluation %s: expected a distance on the last line of its output, got '%s'",
		    o.command[0], run, line);
	return d;
}

static double
objective(unsigned n, const double *u, double *grad, void *data)
{
	char values[SEARCHSPEC_MAX_PARAMS][40], run[32];
	double d;

	(void)grad;
	(void)data;
	for (unsigned i = 0; i < n; i++)
		ws_format_number(searchspec_from_unit(&spec.param[i], u[i]), values[i], sizeof values[i]);
	snprintf(run, sizeof run, "r%llu", (unsigned long long)(o.first + st.k));
	st.k++;
	d = evaluate(run, values);
	if (!cli_quiet && isatty(2))
		fprintf(stderr, "llrefine: %s: distance %g (best %g)\n", run, d, fmin(d, st.best));
	if (d != d)
		/* Undefined: worse than anything defined, but finite, so the
		 * optimiser's models stay usable. */
		return st.worst > 0 ? 10 * st.worst : 1e6;
	if (d > st.worst)
		st.worst = d;
	if (d < st.best) {
		st.best = d;
		snprintf(st.best_run, sizeof st.best_run, "%s", run);
		memcpy(st.best_values, values, sizeof values);
	}
	return d;
}

/* Why the refinement stopped, in words: the budget, the step tolerance, or
 * no improvement (nlopt's other stops: the distance stopped changing). */
static void
print_reason(nlopt_result res)
{
	char first[32];

	if (res == NLOPT_MAXEVAL_REACHED)
		printf("budget: all %llu evaluations allowed were made", (unsigned long long)st.k);
	else if (res == NLOPT_XTOL_REACHED)
		printf("tolerance: the last step moved every parameter by less than xtol %g of its range",
		       o.xtol > 0 ? o.xtol : spec.xtol);
	else
		printf("no improvement: the distance stopped decreasing (nlopt: %s)",
		       nlopt_result_to_string(res));
	snprintf(first, sizeof first, "r%llu", (unsigned long long)o.first);
	if (st.k > 1 && strcmp(st.best_run, first) == 0)
		printf("; no point was better than the start");
}

/* The starting point in the unit cube: --start's values, else its centre. */
static void
starting_point(double *u)
{
	if (!o.start) {
		for (size_t i = 0; i < spec.n_params; i++)
			u[i] = 0.5;
		return;
	}
	size_t n;
	double *x = cli_double_list(o.start, "--start", &n);

	if (n != spec.n_params)
		cli_usage_error("--start: %zu values for %zu parameters", n, spec.n_params);
	for (size_t i = 0; i < n; i++) {
		const char *rule = searchspec_value_rule(&spec.param[i], x[i]);

		if (rule)
			cli_usage_error("--start: %s %g %s", spec.param[i].key, x[i], rule);
		u[i] = searchspec_to_unit(&spec.param[i], x[i]);
	}
	free(x);
}

/* The local optimiser over the unit cube, with the search's stopping rules. */
static nlopt_opt
make_optimiser(void)
{
	double lo[SEARCHSPEC_MAX_PARAMS], hi[SEARCHSPEC_MAX_PARAMS];
	int algorithm = o.algorithm >= 0 ? o.algorithm : (int)spec.algorithm;
	nlopt_opt opt;

	for (size_t i = 0; i < spec.n_params; i++) {
		lo[i] = 0;
		hi[i] = 1;
	}
	/* BOBYQA needs a quadratic model in at least two dimensions. */
	if (spec.n_params < 2)
		algorithm = SEARCHSPEC_SBPLX;
	opt = nlopt_create(algorithm == SEARCHSPEC_BOBYQA ? NLOPT_LN_BOBYQA : NLOPT_LN_SBPLX,
			   (unsigned)spec.n_params);
	if (!opt)
		die(EXIT_RUNTIME, "nlopt: cannot create the optimiser");
	nlopt_set_lower_bounds(opt, lo);
	nlopt_set_upper_bounds(opt, hi);
	nlopt_set_min_objective(opt, objective, NULL);
	nlopt_set_xtol_abs1(opt, o.xtol > 0 ? o.xtol : spec.xtol);
	nlopt_set_maxeval(opt, (int)(o.max_evals ? o.max_evals : spec.max_evals));
	nlopt_set_initial_step1(opt, 0.05);
	return opt;
}

/* The answer, KEY=VALUE lines for the workflow script. */
static void
print_result(nlopt_result res)
{
	printf("best_run=%s\nbest_distance=", st.best_run);
	if (isfinite(st.best))
		printf("%.17g", st.best);
	printf("\nevaluations=%llu\nstop=%s\nreason=", (unsigned long long)st.k,
	       nlopt_result_to_string(res));
	print_reason(res);
	printf("\nvalues=");
	for (size_t i = 0; st.best_run[0] && i < spec.n_params; i++)
		printf("%s%s", i ? " " : "", st.best_values[i]);
	putchar('\n');
	if (fflush(stdout) != 0)
		die(EXIT_RUNTIME, "stdout: cannot write:");
}

int
main(int argc, char **argv)
{
	double u[SEARCHSPEC_MAX_PARAMS], f = 0;
	nlopt_opt opt;
	nlopt_result res;

	parse_options(argc, argv);
	load_spec();
	starting_point(u);
	opt = make_optimiser();
	res = nlopt_optimize(opt, u, &f);
	nlopt_destroy(opt);
	if (res < 0 && st.k == 0)
		die(EXIT_RUNTIME, "nlopt: %s", nlopt_result_to_string(res));
	print_result(res);
	return EXIT_OK;
}
