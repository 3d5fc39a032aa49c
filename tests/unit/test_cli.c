/* test_cli: strict option-value parsing, the shared options, and the
 * command line recorded in `history`.  Calls that must exit run in a child
 * process whose status and stderr are checked.
 * Prints TAP lines; exits 1 when any check failed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "cli.h"


/* Run fn(arg) in a child with stderr captured; returns the exit status (or
 * 128 + signal) and the first stderr line in err. */
static int
in_child(void (*fn)(const void *), const void *arg, char *err, size_t err_size)
{
	int p[2], status;
	pid_t pid;
	ssize_t k;

	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	/* Read to the end, so the child never writes into a closed pipe. */
	size_t got = 0;
	char sink[256];
	while ((k = read(p[0], got < err_size - 1 ? err + got : sink,
			 got < err_size - 1 ? err_size - 1 - got : sizeof sink)) > 0)
		if (got < err_size - 1)
			got += (size_t)k;
	err[got] = '\0';
	err[strcspn(err, "\n")] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void call_double(const void *a) { cli_double(a, "--x"); }
static void call_positive(const void *a) { cli_positive_double(a, "--x"); }
static void call_u64(const void *a) { cli_u64(a, "--n"); }
static void call_long(const void *a) { cli_long(a, "--k"); }

static void
call_list(const void *a)
{
	size_t n;

	free(cli_double_list(a, "--edges", &n));
}

/* `fn(text)` must exit 2 with exactly `want` as its stderr line. */
static void
check_usage_error(void (*fn)(const void *), const char *text, const char *want, const char *what)
{
	char err[512];
	int st = in_child(fn, text, err, sizeof err);

	if (st != 2 || strcmp(err, want) != 0)
		printf("# status %d, stderr: %s\n# expected: %s\n", st, err, want);
	check(st == 2 && strcmp(err, want) == 0, what);
}

static void
test_numbers(void)
{
	size_t n = 0;
	double *v;

	check(cli_double("1.5", "--x") == 1.5 && cli_double("-2e3", "--x") == -2000,
	      "cli_double: plain and exponent numbers");
	check_usage_error(call_double, "abc", "test_cli: --x: not a finite number: 'abc' (see 'test_cli --help')",
			  "cli_double: words refused with the option named");
	check_usage_error(call_double, "", "test_cli: --x: not a finite number: '' (see 'test_cli --help')",
			  "cli_double: empty value refused");
	check_usage_error(call_double, "1.5x", "test_cli: --x: not a finite number: '1.5x' (see 'test_cli --help')",
			  "cli_double: trailing junk refused");
	check_usage_error(call_double, "nan", "test_cli: --x: not a finite number: 'nan' (see 'test_cli --help')",
			  "cli_double: nan refused");
	check_usage_error(call_double, "inf", "test_cli: --x: not a finite number: 'inf' (see 'test_cli --help')",
			  "cli_double: inf refused");
	check_usage_error(call_double, "1e999", "test_cli: --x: not a finite number: '1e999' (see 'test_cli --help')",
			  "cli_double: overflow refused");
	{
		/* strtod reads these; an option value must not. */
		static const char *const non_decimal[] = {
			"0x10", "0X1p4", "-0x1", " 1", "\t2", "1 ", "+inf", "-Infinity", "NAN", "nan(1)",
			"1e", "1e+", ".", "-", "1..2",
		};
		char what[96];

		for (size_t i = 0; i < sizeof non_decimal / sizeof *non_decimal; i++) {
			char got[160];
			int st = in_child(call_double, non_decimal[i], got, sizeof got);

			snprintf(what, sizeof what, "cli_double: '%s' refused (status 2)", non_decimal[i]);
			check(st == 2 && strstr(got, "test_cli: --x: not a ") == got, what);
		}
		check_usage_error(call_double, "0x10",
				  "test_cli: --x: not a decimal number: '0x10' (see 'test_cli --help')",
				  "cli_double: hexadecimal named as not decimal");
		check(cli_double("+.5", "--x") == 0.5 && cli_double("7.", "--x") == 7 &&
		      cli_double("-1.25E-2", "--x") == -0.0125 && cli_double("007", "--x") == 7,
		      "cli_double: every decimal spelling still read");
		check(cli_decimal_length("1.5:2") == 3 && cli_decimal_length("2e:") == 1 &&
		      cli_decimal_length("0x10") == 1 && cli_decimal_length("-e5") == 0 &&
		      cli_decimal_length("3e-7,") == 4, "cli_decimal_length: the decimal prefix");
		check_usage_error(call_long, " 5", "test_cli: --k: not an integer: ' 5' (see 'test_cli --help')",
				  "cli_long: leading blank refused");
	}
	check(cli_positive_double("1e-300", "--x") == 1e-300, "cli_positive_double: tiny positive accepted");
	check_usage_error(call_positive, "0", "test_cli: --x: must be greater than 0: '0' (see 'test_cli --help')",
			  "cli_positive_double: 0 refused");
	check_usage_error(call_positive, "-1", "test_cli: --x: must be greater than 0: '-1' (see 'test_cli --help')",
			  "cli_positive_double: negative refused");

	check(cli_u64("0", "--n") == 0 && cli_u64("18446744073709551615", "--n") == UINT64_MAX,
	      "cli_u64: 0 and 2^64-1");
	static const char *bad_u64[] = { "-1", "+1", "", "1.0", "1e3", "18446744073709551616", "12a", " 5", " -1" };
	for (size_t i = 0; i < sizeof bad_u64 / sizeof bad_u64[0]; i++) {
		char want[256], what[128];

		snprintf(want, sizeof want, "test_cli: --n: not a non-negative integer: '%s' (see 'test_cli --help')",
			 bad_u64[i]);
		snprintf(what, sizeof what, "cli_u64: '%s' refused", bad_u64[i]);
		check_usage_error(call_u64, bad_u64[i], want, what);
	}

	check(cli_long("-5", "--k") == -5 && cli_long("7", "--k") == 7, "cli_long: signed integers");
	check_usage_error(call_long, "5x", "test_cli: --k: not an integer: '5x' (see 'test_cli --help')",
			  "cli_long: trailing junk refused");
	check_usage_error(call_long, "99999999999999999999", "test_cli: --k: not an integer: "
			  "'99999999999999999999' (see 'test_cli --help')", "cli_long: overflow refused");

	v = cli_double_list("0.1,0.25,1e0", "--edges", &n);
	check(n == 3 && v[0] == 0.1 && v[1] == 0.25 && v[2] == 1, "cli_double_list: three numbers");
	free(v);
	v = cli_double_list("7", "--edges", &n);
	check(n == 1 && v[0] == 7, "cli_double_list: one number");
	free(v);
	static const char *bad_list[] = { "", ",1", "1,", "1,,2" };
	for (size_t i = 0; i < sizeof bad_list / sizeof bad_list[0]; i++) {
		char want[256], what[128];

		snprintf(want, sizeof want, "test_cli: --edges: expected a comma-separated list of numbers: "
			 "'%s' (see 'test_cli --help')", bad_list[i]);
		snprintf(what, sizeof what, "cli_double_list: '%s' refused", bad_list[i]);
		check_usage_error(call_list, bad_list[i], want, what);
	}
	check_usage_error(call_list, "1,x,3", "test_cli: --edges: not a finite number: 'x' (see 'test_cli --help')",
			  "cli_double_list: a bad item is named");
}

/* Parse argv as a program with -o, -q, --seed would. */
static void
parse(int argc, char **argv)
{
	static const struct option long_opts[] = {
		CLI_OPT_OUTPUT, CLI_OPT_QUIET, CLI_OPT_SEED, CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	optind = 0;	/* glibc: full reinitialisation between parses */
	cli_init(argc, argv, "test_cli", "usage: test_cli [-o FILE] [-q] [--seed N]\n");
	while ((c = cli_getopt(argc, argv, "o:q", long_opts)) != -1)
		cli_common_option(c);
	cli_no_operands(argc, argv);
}

static void
call_parse(const void *a)
{
	char **argv = (char **)a;
	int argc = 0;

	while (argv[argc])
		argc++;
	parse(argc, argv);
}

static void
check_parse_error(char **argv, const char *want, const char *what)
{
	char err[512];
	int st = in_child(call_parse, argv, err, sizeof err);

	if (st != 2 || strcmp(err, want) != 0)
		printf("# status %d, stderr: %s\n# expected: %s\n", st, err, want);
	check(st == 2 && strcmp(err, want) == 0, what);
}

static void
test_options(void)
{
	char *a1[] = { "test_cli", "-o", "out.ev", "-q", "--seed", "42", NULL };

	parse(6, a1);
	check(cli_output && strcmp(cli_output, "out.ev") == 0 && cli_quiet, "-o FILE and -q set cli_output, cli_quiet");
	check(cli_seed_given() && cli_seed() == 42, "--seed 42 gives seed 42");
	check(strcmp(cli_command_line(), "test_cli -o out.ev -q --seed 42") == 0,
	      "command line recorded unquoted when nothing needs quoting");

	char *a2[] = { "./x", "--output=-", "a b", NULL };
	check_parse_error(a2, "test_cli: unexpected argument 'a b' (see 'test_cli --help')",
			  "stray operand refused");
	char *a3[] = { "x", "--bogus", NULL };
	check_parse_error(a3, "test_cli: unknown option '--bogus' (see 'test_cli --help')", "unknown long option");
	char *a4[] = { "x", "-z", NULL };
	check_parse_error(a4, "test_cli: unknown option '-z' (see 'test_cli --help')", "unknown short option");
	char *a5[] = { "x", "-o", NULL };
	check_parse_error(a5, "test_cli: option '-o' needs a value (see 'test_cli --help')", "missing value of -o");
	char *a6[] = { "x", "--seed", NULL };
	check_parse_error(a6, "test_cli: option '--seed' needs a value (see 'test_cli --help')",
			  "missing value of --seed");
	char *a7[] = { "x", "--seed", "-3", NULL };
	check_parse_error(a7, "test_cli: --seed: not a non-negative integer: '-3' (see 'test_cli --help')",
			  "negative seed refused");
	char *a8[] = { "x", "--seed", "9223372036854775808", NULL };
	check_parse_error(a8, "test_cli: --seed: 9223372036854775808: must be below 2^63 (see 'test_cli --help')",
			  "seed of 2^63 refused");
	char *a9[] = { "x", "-o", "", NULL };
	check_parse_error(a9, "test_cli: -o/--output: empty file name (see 'test_cli --help')", "empty -o refused");
}

static void
test_command_line(void)
{
	char *a1[] = { "/usr/local/bin/test_cli", "--output=-", "a b", "it's", "", "x;y", NULL };

	cli_init(6, a1, "test_cli", "");
	check(strcmp(cli_command_line(), "test_cli --output=- 'a b' 'it'\\''s' '' 'x;y'") == 0,
	      "command line: the program's name, shell quoting where needed");
	printf("# %s\n", cli_command_line());

	/* argv[0] shorter than the program's name (exec -a, a short link). */
	char *a2[] = { "x", NULL };
	cli_init(1, a2, "a_rather_long_program_name", "");
	check(strcmp(cli_command_line(), "a_rather_long_program_name") == 0,
	      "command line: a short argv[0] still gives the full program name");
	cli_init(1, a1, "test_cli", "");
}

static void
call_seed(const void *a)
{
	uint64_t s1 = cli_seed(), s2 = cli_seed();

	(void)a;
	_exit(!cli_seed_given() && s1 == s2 && s1 < (UINT64_C(1) << 53) ? 0 : 1);
}

static void
test_seed(void)
{
	char err[64];

	/* Before any --seed: drawn from the OS, stable, below 2^53. */
	check(in_child(call_seed, NULL, err, sizeof err) == 0,
	      "cli_seed without --seed: one fresh seed below 2^53, the same on every call");
}

int
main(void)
{
	char *args[] = { "test_cli", NULL };

	cli_init(1, args, "test_cli", "");
	test_numbers();
	test_seed();
	test_options();
	test_command_line();
	return tap_done();
}
