/* die: one-line diagnostics and exit statuses shared by every program.
 *
 * Messages look like "PROGRAM: what went wrong: why".  A format that ends in
 * ':' gets ": strerror(errno)" appended (the sbase eprintf habit), so callers
 * never format errno themselves.
 *
 * Exit statuses are the suite's contract (DESIGN §4): */
#ifndef LL_DIE_H
#define LL_DIE_H

#include <stdnoreturn.h>

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* bad input data, I/O failure */
	EXIT_USAGE = 2		/* bad options or arguments */
};

/* Program name used as the prefix of every message; set by cli_init(). */
extern const char *ll_progname;

/* Called by die() before it exits; NULL when nothing needs cleaning. */
extern void (*die_cleanup)(void);

/* Print the message on stderr and exit with `status` at once: buffered
 * stdout text is discarded, not flushed, and die_cleanup (set by atomic.c to
 * remove unfinished output files) runs first. */
noreturn void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print the message on stderr and go on. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc/realloc/strdup that die (status 1) instead of returning NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
