/* die: one-line diagnostics; see die.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

const char *ll_progname = "lightlane";
void (*die_cleanup)(void);

static void
vmessage(const char *fmt, va_list ap)
{
	int saved_errno = errno;
	size_t len = strlen(fmt);
	char line[4096];
	int n;

	n = snprintf(line, sizeof line, "%s: ", ll_progname);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':') {
		size_t used = strlen(line);
		snprintf(line + used, sizeof line - used, " %s", strerror(saved_errno));
	}
	/* One write so that messages of programs sharing a terminal do not interleave. */
	fprintf(stderr, "%s\n", line);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	/* _exit, not exit: text still buffered for stdout is dropped rather than
	 * flushed, so a failed run does not leave a half table that looks whole. */
	if (die_cleanup)
		die_cleanup();
	_exit(status);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_RUNTIME, "out of memory: cannot allocate %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die(EXIT_RUNTIME, "out of memory: cannot allocate %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die(EXIT_RUNTIME, "out of memory: cannot allocate %zu bytes", n);
	return q;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
