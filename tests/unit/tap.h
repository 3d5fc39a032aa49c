/* tap: the few lines every C unit test shares.  Each check prints one TAP
 * line "ok N - what" or "not ok N - what"; tap_done() prints the plan and
 * returns the exit status (1 when anything failed).  One test binary per
 * source file, so the counters can live here. */
#ifndef LL_TAP_H
#define LL_TAP_H

#include <stdio.h>

static int n_test, n_failed;

static inline void
check(int ok, const char *what)
{
	n_test++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", n_test, what);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}

#endif
