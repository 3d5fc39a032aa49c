/* atomic: temporary-and-rename output files; see atomic.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "die.h"

struct atomic_file {
	char *path;
	char *temp;
	int fd;
	FILE *stream;
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

struct atomic_file *
atomic_open(const char *path)
{
	struct atomic_file *af = xcalloc(1, sizeof *af);
	char *dcopy, *bcopy;
	const char *dir, *base;
	size_t n;
	mode_t mask;
	struct stat st;

	af->path = xstrdup(path);
	/* A device or FIFO (-o /dev/null, a named pipe) is written in place:
	 * renaming a temporary over it would replace the device with a file. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		af->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (af->fd < 0)
			die(EXIT_RUNTIME, "%s: cannot open output file:", path);
		return af;
	}
	dcopy = xstrdup(path);
	bcopy = xstrdup(path);
	dir = dirname(dcopy);
	base = basename(bcopy);
	n = strlen(dir) + strlen(base) + 32;
	af->temp = xmalloc(n);
	snprintf(af->temp, n, "%s/.%s.tmp.XXXXXX", dir, base);
	free(dcopy);
	free(bcopy);
	install_handlers();
	af->fd = mkstemp(af->temp);
	if (af->fd < 0)
		die(EXIT_RUNTIME, "%s: cannot create output file:", path);
	/* mkstemp makes 0600; give the file the mode a plain open() would. */
	mask = umask(0);
	umask(mask);
	(void)fchmod(af->fd, 0666 & ~mask);
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
	return af->temp ? af->temp : af->path;
}

static void
release(struct atomic_file *af)
{
	forget(af);
	free(af->path);
	free(af->temp);
	free(af);
}

void
atomic_commit(struct atomic_file *af)
{
	int failed;

	if (af->stream)
		failed = fflush(af->stream) != 0 || ferror(af->stream) ||
			 fclose(af->stream) != 0;
	else
		failed = close(af->fd) != 0;
	if (failed)
		die(EXIT_RUNTIME, "%s: write error:", af->path);
	if (af->temp && rename(af->temp, af->path) != 0)
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
