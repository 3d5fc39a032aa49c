/* atomic: output files that appear whole or not at all.
 *
 * atomic_open() creates a temporary file beside the target (".NAME.tmp.XXXXXX"
 * in the same directory, so rename(2) is atomic); atomic_commit() flushes,
 * closes and renames it over the target.  Until then the temporary is removed
 * on every exit path: die(), exit(), SIGINT, SIGTERM, SIGHUP.  So an
 * interrupted run never leaves a half file that looks whole.  A target that
 * exists and is not a regular file or directory (/dev/null, a FIFO) is
 * opened and written in place instead: renaming over it would replace the
 * device with a file. */
#ifndef LL_ATOMIC_H
#define LL_ATOMIC_H

#include <stdio.h>

struct atomic_file;

/* Create the temporary for `path`; dies (status 1) naming `path` on failure. */
struct atomic_file *atomic_open(const char *path);

/* The descriptor / stdio stream of the temporary (the stream is made on first
 * use; use one or the other, not both). */
int atomic_fd(struct atomic_file *af);
FILE *atomic_stream(struct atomic_file *af);

/* Name of the temporary, for libraries that want to open a path themselves
 * (cfitsio); the file exists and is empty. */
const char *atomic_temp_path(struct atomic_file *af);

/* Flush, close, rename over the target; dies (status 1) on any write error,
 * removing the temporary.  `af` is freed. */
void atomic_commit(struct atomic_file *af);

/* Remove the temporary and free `af`. */
void atomic_abort(struct atomic_file *af);

#endif
