/* cli: the option conventions every program shares.
 *
 * The same flag means the same thing everywhere: --help, --version, --seed N,
 * -o/--output FILE, -q/--quiet.  Programs list their own options plus the
 * CLI_OPT_* entries they support, call cli_getopt() in a loop, handle their
 * own cases and pass everything else to cli_common_option(), which handles
 * the shared ones and turns mistakes into one usage line and exit status 2.
 *
 *	cli_init(argc, argv, "wrange", usage_text);
 *	while ((c = cli_getopt(argc, argv, "o:q", long_opts)) != -1)
 *		switch (c) {
 *		case OPT_MIN: o.min = cli_double(optarg, "--min"); break;
 *		default: cli_common_option(c);
 *		}
 */
#ifndef LL_CLI_H
#define LL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "die.h"

/* getopt_long values of the shared long-only options. */
enum {
	CLI_HELP = 0x1000,
	CLI_VERSION,
	CLI_SEED,
	CLI_FIRST_PROGRAM_OPTION = 0x1100	/* programs number theirs from here */
};

#define CLI_OPT_HELP    { "help", no_argument, NULL, CLI_HELP }, \
                        { "version", no_argument, NULL, CLI_VERSION }
#define CLI_OPT_SEED    { "seed", required_argument, NULL, CLI_SEED }
#define CLI_OPT_OUTPUT  { "output", required_argument, NULL, 'o' }
#define CLI_OPT_QUIET   { "quiet", no_argument, NULL, 'q' }
#define CLI_OPT_END     { NULL, 0, NULL, 0 }

/* Values set by cli_common_option(). */
extern const char *cli_output;	/* -o FILE; NULL means stdout */
extern bool cli_quiet;		/* -q */

/* Remember the program name and usage text, put SIGPIPE back to its default
 * (so `| head` ends us quietly with 141 even under a parent that ignored it).
 * Pipes carrying a stream are sized by the stream layer (ev.h), their one
 * owner. */
void cli_init(int argc, char **argv, const char *name, const char *usage);

/* getopt_long with our error handling: returns the option value, or -1 at the
 * end of the options.  Unknown options and missing values exit 2. */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* Handle --help, --version, --seed, -o, -q; die with status 2 on anything else. */
void cli_common_option(int c);

/* Print "NAME: MESSAGE" and "usage hint" on stderr, exit 2. */
noreturn void cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Strict number parsing of an option value: the whole string must be a
 * finite number in plain decimal notation ([+-]digits[.digits][e[+-]digits]:
 * no hexadecimal, inf, nan or blanks, which strtod would take); anything
 * else exits 2 naming the option. */
double cli_double(const char *arg, const char *option);
double cli_positive_double(const char *arg, const char *option);	/* > 0 */
uint64_t cli_u64(const char *arg, const char *option);
long cli_long(const char *arg, const char *option);

/* Length of the decimal number at the start of s (the syntax above), 0 when
 * s does not start with one: for parsers of lists such as "1:2,3:4". */
size_t cli_decimal_length(const char *s);

/* Parse "a,b,c" into a malloc'ed array of doubles; exits 2 on a bad item. */
double *cli_double_list(const char *arg, const char *option, size_t *n);

/* The seed to use: the --seed value if given, else a fresh one from the OS
 * (so an unseeded run is still reproducible from its recorded seed).  Always
 * below 2^53 when drawn, so JSON readers of every language keep it exact. */
uint64_t cli_seed(void);
bool cli_seed_given(void);

/* The command line as one shell-quoted string (for the `history` key). */
const char *cli_command_line(void);

/* The whole parse for a program whose only options are the shared --seed,
 * -o/--output, --help and --version, and which takes no operands. */
void cli_parse_seed_output(int argc, char **argv, const char *name, const char *usage);

/* Stop on stray operands: programs that take none call this after the loop. */
void cli_no_operands(int argc, char **argv);

#endif
