/* cli: shared option handling; see cli.h. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifndef LL_VERSION
#define LL_VERSION "unknown"
#endif

const char *cli_output;
bool cli_quiet;

static const char *usage_text = "";
static char *command_line;
static bool seed_given;	/* --seed was on the command line */
static bool seed_ready;	/* seed_value holds the seed in use */
static uint64_t seed_value;

static bool
needs_quoting(const char *s)
{
	if (*s == '\0')
		return true;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./:=,+@%", *s))
			return true;
	return false;
}

static void
build_command_line(int argc, char **argv)
{
	size_t cap = 1, len = 0;

	/* Word 0 is the program's name, which can be longer than argv[0]. */
	for (int i = 0; i < argc; i++)
		cap += 4 * strlen(i == 0 ? ll_progname : argv[i]) + 3;
	free(command_line);	/* a second cli_init (the unit tests) replaces it */
	command_line = xmalloc(cap);
	for (int i = 0; i < argc; i++) {
		const char *a = i == 0 ? ll_progname : argv[i];

		if (i > 0)
			command_line[len++] = ' ';
		if (!needs_quoting(a)) {
			memcpy(command_line + len, a, strlen(a));
			len += strlen(a);
			continue;
		}
		command_line[len++] = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(command_line + len, "'\\''", 4);
				len += 4;
			} else {
				command_line[len++] = *a;
			}
		}
		command_line[len++] = '\'';
	}
	command_line[len] = '\0';
}

void
cli_init(int argc, char **argv, const char *name, const char *usage)
{
	ll_progname = name;
	usage_text = usage;
	signal(SIGPIPE, SIG_DFL);
	build_command_line(argc, argv);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s (see '%s --help')\n", ll_progname, msg, ll_progname);
	exit(EXIT_USAGE);
}

int
cli_getopt(int argc, char **argv, const char *shortopts,
	   const struct option *longopts)
{
	char spec[128];
	int c;

	/* A leading ':' makes getopt report a missing value as ':' (not '?'),
	 * and opterr = 0 lets us word both errors ourselves. */
	/* glibc reads a '+' (stop at the first operand) or '-' only as the
	 * very first character, so it goes before the ':'. */
	if (shortopts[0] == '+' || shortopts[0] == '-')
		snprintf(spec, sizeof spec, "%c:%s", shortopts[0], shortopts + 1);
	else
		snprintf(spec, sizeof spec, ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == '?') {
		if (optopt && optopt < CLI_HELP)
			cli_usage_error("unknown option '-%c'", optopt);
		cli_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (c == ':') {
		if (optopt && optopt < CLI_HELP && strchr(shortopts, optopt) &&
		    argv[optind - 1][1] != '-')
			cli_usage_error("option '-%c' needs a value", optopt);
		cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	}
	return c;
}

void
cli_common_option(int c)
{
	switch (c) {
	case CLI_HELP:
		fputs(usage_text, stdout);
		if (fflush(stdout) != 0 || ferror(stdout))
			die(EXIT_RUNTIME, "stdout: write error:");
		exit(EXIT_OK);
	case CLI_VERSION:
		printf("%s (Lightlane Studio) %s\n", ll_progname, LL_VERSION);
		if (fflush(stdout) != 0 || ferror(stdout))
			die(EXIT_RUNTIME, "stdout: write error:");
		exit(EXIT_OK);
	case CLI_SEED:
		seed_value = cli_u64(optarg, "--seed");
		if (seed_value > (uint64_t)INT64_MAX)
			cli_usage_error("--seed: %s: must be below 2^63", optarg);
		seed_given = seed_ready = true;
		return;
	case 'o':
		if (*optarg == '\0')
			cli_usage_error("-o/--output: empty file name");
		cli_output = strcmp(optarg, "-") == 0 ? NULL : optarg;
		return;
	case 'q':
		cli_quiet = true;
		return;
	default:
		cli_usage_error("option not handled (internal error %d)", c);
	}
}

size_t
cli_decimal_length(const char *s)
{
	const char *p = s, *mark;
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits = true;
	if (!digits)
		return 0;
	mark = p;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return (size_t)(mark - s);	/* "2e": the number is "2" */
		while (isdigit((unsigned char)*p))
			p++;
	}
	return (size_t)(p - s);
}

double
cli_double(const char *arg, const char *option)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno == ERANGE || !isfinite(v))
		cli_usage_error("%s: not a finite number: '%s'", option, arg);
	/* strtod also reads hexadecimal ("0x10" is 16) and leading blanks:
	 * nobody typing a wavelength or a time means those. */
	if (cli_decimal_length(arg) != strlen(arg))
		cli_usage_error("%s: not a decimal number: '%s'", option, arg);
	return v;
}

double
cli_positive_double(const char *arg, const char *option)
{
	double v = cli_double(arg, option);

	if (!(v > 0))
		cli_usage_error("%s: must be greater than 0: '%s'", option, arg);
	return v;
}

uint64_t
cli_u64(const char *arg, const char *option)
{
	char *end;
	unsigned long long v;

	errno = 0;
	/* strtoull would skip blanks and negate a '-', so demand a digit first. */
	if (!isdigit((unsigned char)*arg))
		cli_usage_error("%s: not a non-negative integer: '%s'", option, arg);
	v = strtoull(arg, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		cli_usage_error("%s: not a non-negative integer: '%s'", option, arg);
	return (uint64_t)v;
}

long
cli_long(const char *arg, const char *option)
{
	char *end;
	long v;

	errno = 0;
	/* strtol would skip leading blanks: demand a sign or a digit first. */
	if (!isdigit((unsigned char)*arg) && !((*arg == '-' || *arg == '+') &&
					       isdigit((unsigned char)arg[1])))
		cli_usage_error("%s: not an integer: '%s'", option, arg);
	v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE)
		cli_usage_error("%s: not an integer: '%s'", option, arg);
	return v;
}

double *
cli_double_list(const char *arg, const char *option, size_t *n)
{
	size_t cap = 8, count = 0;
	double *v = xmalloc(cap * sizeof *v);
	char *copy = xstrdup(arg), *save = NULL, *item;

	if (*arg == '\0' || arg[strlen(arg) - 1] == ',' || *arg == ',' || strstr(arg, ",,"))
		cli_usage_error("%s: expected a comma-separated list of numbers: '%s'",
				option, arg);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (count == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[count++] = cli_double(item, option);
	}
	free(copy);
	*n = count;
	return v;
}

uint64_t
cli_seed(void)
{
	if (!seed_ready) {
		uint64_t r = 0;

		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)time(NULL);
		seed_value = r & ((UINT64_C(1) << 53) - 1);
		seed_ready = true;
	}
	return seed_value;
}

bool
cli_seed_given(void)
{
	return seed_given;
}

const char *
cli_command_line(void)
{
	return command_line ? command_line : ll_progname;
}

void
cli_parse_seed_output(int argc, char **argv, const char *name, const char *usage)
{
	static const struct option long_opts[] = {
		CLI_OPT_SEED, CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	cli_init(argc, argv, name, usage);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1)
		cli_common_option(c);
	cli_no_operands(argc, argv);
}

void
cli_no_operands(int argc, char **argv)
{
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}
