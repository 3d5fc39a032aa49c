/* atomic: output files that appear whole or not at all, and -o FILE keeps
 * what FILE is.
 *
 * For a regular file or a new name, atomic_open() creates a temporary file
 * beside the target (".NAME.tmp.XXXXXX" in the same directory, so rename(2)
 * is atomic); atomic_commit() flushes, closes and renames it over the
 * target.  Until then the temporary is removed on every exit path: die(),
 * exit(), SIGINT, SIGTERM, SIGHUP.  So an interrupted run never leaves a half
 * file that looks whole.  A symbolic link is followed to its final target
 * (created when the link dangles), so the link stays a link; a replaced
 * file keeps its permission bits.
 *
 * A FIFO, a device, a link to one, or a kernel name (/dev/..., /proc/...)
 * is never renamed over (`wrange -o /dev/null` as root must not replace
 * the device): it is opened and written in place, a regular file behind
 * /dev/stdout in append mode.  A directory is an error. */
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
 * (cfitsio); the file exists and is empty.  When writing through a FIFO or
 * device it is a scratch file in $TMPDIR (else /tmp) that atomic_commit()
 * copies through the node and removes. */
const char *atomic_temp_path(struct atomic_file *af);

/* Flush, close, rename over the target; dies (status 1) on any write error,
 * removing the temporary.  `af` is freed. */
void atomic_commit(struct atomic_file *af);

/* Remove the temporary and free `af`. */
void atomic_abort(struct atomic_file *af);

#endif
