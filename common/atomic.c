/* atomic: temporary-and-rename output files; see atomic.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "die.h"

struct atomic_file {
	char *path;		/* as the user named it */
	char *temp;		/* the temporary; NULL when writing through */
	char *target;		/* what the temporary is renamed to */
	int fd;
	FILE *stream;
	bool through;		/* a FIFO or device: written in place, never renamed */
	struct atomic_file *next;
};

/* Open temporaries, removed by the exit and signal handlers. */
static struct atomic_file *pending;
static bool handlers_installed;

static void
remove_pending(void)
{
	for (struct atomic_file *af = pending; af; af = af->next)
		if (af->temp)
			unlink(af->temp);
}

static void
on_signal(int sig)
{
	/* unlink(2) is async-signal-safe; the list is only ever prepended to and
	 * unlinked from with the signal's handler not yet able to run half-way. */
	remove_pending();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	if (handlers_installed)
		return;
	handlers_installed = true;
	atexit(remove_pending);
	die_cleanup = remove_pending;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa = { 0 }, old;

		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;	/* keep nohup's choice */
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

static void
forget(struct atomic_file *af)
{
	for (struct atomic_file **p = &pending; *p; p = &(*p)->next)
		if (*p == af) {
			*p = af->next;
			break;
		}
}

/* The file a chain of symbolic links ends at, existing or not (a dangling
 * link names the file to create); `path` itself when it is no link. */
static char *
resolve_links(const char *path)
{
	char *cur = xstrdup(path);

	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		char buf[PATH_MAX], *dcopy, *next;
		ssize_t k;
		size_t n;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		k = readlink(cur, buf, sizeof buf - 1);
		if (k < 0)
			die(EXIT_RUNTIME, "%s: cannot read the symbolic link %s:", path, cur);
		buf[k] = '\0';
		dcopy = xstrdup(cur);
		n = strlen(dcopy) + (size_t)k + 2;
		next = xmalloc(n);
		if (buf[0] == '/')
			snprintf(next, n, "%s", buf);
		else
			snprintf(next, n, "%s/%s", dirname(dcopy), buf);
		free(dcopy);
		free(cur);
		cur = next;
	}
	die(EXIT_RUNTIME, "%s: too many levels of symbolic links", path);
}

/* Names the kernel provides (/dev/stdout, /dev/fd/N, /proc/self/fd/N) can
 * stand for a file the shell opened, maybe for appending: never rename
 * over what they point at. */
static bool
kernel_name(const char *path)
{
	return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

/* A FIFO, a device, or a kernel name: write into what is there. */
static struct atomic_file *
open_through(struct atomic_file *af, bool regular)
{
	/* O_APPEND on a regular file behind /dev/stdout keeps what the shell
	 * (or an earlier command of a group) wrote there. */
	af->fd = open(af->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (regular ? O_APPEND : 0));
	if (af->fd < 0)
		die(EXIT_RUNTIME, "%s: cannot open output:", af->path);
	af->through = true;
	af->next = pending;
	pending = af;
	return af;
}

struct atomic_file *
atomic_open(const char *path)
{
	struct atomic_file *af = xcalloc(1, sizeof *af);
	struct stat st;
	char *dcopy, *bcopy;
	const char *dir, *base;
	size_t n;
	mode_t mode;
	bool exists;

	af->path = xstrdup(path);
	install_handlers();
	exists = stat(path, &st) == 0;	/* through every link */
	if (exists && S_ISDIR(st.st_mode))
		die(EXIT_RUNTIME, "%s: cannot write output: is a directory", path);
	if ((exists && !S_ISREG(st.st_mode)) || (kernel_name(path) && exists))
		return open_through(af, exists && S_ISREG(st.st_mode));

	/* A regular file or a new name: a temporary beside the file itself
	 * (beside a link's target, so the link stays a link), renamed over it. */
	af->target = resolve_links(path);
	dcopy = xstrdup(af->target);
	bcopy = xstrdup(af->target);
	dir = dirname(dcopy);
	base = basename(bcopy);
	n = strlen(dir) + strlen(base) + 32;
	af->temp = xmalloc(n);
	snprintf(af->temp, n, "%s/.%s.tmp.XXXXXX", dir, base);
	free(dcopy);
	free(bcopy);
	af->fd = mkstemp(af->temp);
	if (af->fd < 0)
		die(EXIT_RUNTIME, "%s: cannot create output file:", path);
	/* mkstemp makes 0600; keep the mode of the file replaced, else give
	 * the one a plain open() would. */
	if (exists) {
		mode = st.st_mode & 0777;
	} else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	(void)fchmod(af->fd, mode);
	af->next = pending;
	pending = af;
	return af;
}

int
atomic_fd(struct atomic_file *af)
{
	return af->fd;
}

FILE *
atomic_stream(struct atomic_file *af)
{
	if (!af->stream) {
		af->stream = fdopen(af->fd, "w");
		if (!af->stream)
			die(EXIT_RUNTIME, "%s: cannot open output stream:", af->path);
	}
	return af->stream;
}

const char *
atomic_temp_path(struct atomic_file *af)
{
	if (af->through && !af->temp) {
		/* A scratch file to be copied through the node at commit. */
		const char *dir = getenv("TMPDIR");
		size_t n;
		int fd;

		dir = dir && *dir ? dir : "/tmp";
		n = strlen(dir) + 32;
		af->temp = xmalloc(n);
		snprintf(af->temp, n, "%s/.ll-output.tmp.XXXXXX", dir);
		fd = mkstemp(af->temp);
		if (fd < 0) {
			free(af->temp);
			af->temp = NULL;
			die(EXIT_RUNTIME, "%s: cannot create a temporary file in %s:", af->path, dir);
		}
		close(fd);
	}
	return af->temp;
}

static void
release(struct atomic_file *af)
{
	forget(af);
	free(af->path);
	free(af->temp);
	free(af->target);
	free(af);
}

/* Copy the scratch file through the node.  It is unlinked first, so that a
 * SIGPIPE from a reader gone away cannot leave it behind. */
static void
copy_scratch(struct atomic_file *af)
{
	static char buf[1 << 16];
	int in = open(af->temp, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (in < 0)
		die(EXIT_RUNTIME, "%s: cannot reopen the temporary file:", af->temp);
	unlink(af->temp);
	while ((k = read(in, buf, sizeof buf)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "%s: temporary file: read error:", af->path);
		}
		for (ssize_t done = 0; done < k;) {
			ssize_t w = write(af->fd, buf + done, (size_t)(k - done));

			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EPIPE)
					exit(141);
				die(EXIT_RUNTIME, "%s: write error:", af->path);
			}
			done += w;
		}
	}
	close(in);
}

void
atomic_commit(struct atomic_file *af)
{
	int failed;

	if (af->through && af->temp)
		copy_scratch(af);
	if (af->stream)
		failed = fflush(af->stream) != 0 || ferror(af->stream) ||
			 fclose(af->stream) != 0;
	else
		failed = close(af->fd) != 0;
	if (failed)
		die(EXIT_RUNTIME, "%s: write error:", af->path);
	if (!af->through && rename(af->temp, af->target) != 0)
		die(EXIT_RUNTIME, "%s: cannot rename temporary output into place:", af->path);
	release(af);
}

void
atomic_abort(struct atomic_file *af)
{
	if (af->stream)
		fclose(af->stream);
	else
		close(af->fd);
	if (af->temp)
		unlink(af->temp);
	release(af);
}
