/* ev2fits: an LLEV stream to a FITS event file (EVENTS + GTI).
 * stdin: LLEV stream.  stdout (or -o FILE): FITS.
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * The file is built under a temporary name: beside FILE with -o (renamed
 * into place when complete), in $TMPDIR without -o (copied to stdout when
 * complete), so a failed run never leaves or sends a partial FITS file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"
#include "fits_events.h"

static const char usage_text[] =
	"usage: ev2fits [-o FILE.fits]\n"
	"Write the LLEV stream on stdin as a FITS event file: a primary HDU, an\n"
	"EVENTS table (TIME D s, WAVELENGTH E nm, WBIN J) with OBS_ID, OBJECT,\n"
	"INSTRUME, MJDREF, TIMESYS, TSTART, TSTOP, EXPOSURE ... from the metadata,\n"
	"a GTI table (START, STOP) from the metadata GTIs, the history as HISTORY\n"
	"cards and the whole metadata JSON in the long-string keyword LLMETA, so\n"
	"fits2ev gives back the same records and metadata.\n"
	"\n"
	"  -o, --output F   write FILE (atomically) instead of stdout; without -o\n"
	"                   the FITS file is built in $TMPDIR, then copied to stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wrange --min 0.1 --max 1 | ev2fits -o band.fits\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

static void
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	cli_init(argc, argv, "ev2fits", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1)
		cli_common_option(c);
	cli_no_operands(argc, argv);
}

/* Copy the finished file to stdout.  The temporary is unlinked first, so a
 * SIGPIPE from a closed reader cannot leave it behind. */
static void
copy_to_stdout(struct atomic_file *af)
{
	static char buf[1 << 16];
	int fd = open(atomic_temp_path(af), O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		die(EXIT_RUNTIME, "%s: cannot reopen the temporary FITS file:", atomic_temp_path(af));
	atomic_abort(af);
	while ((k = read(fd, buf, sizeof buf)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "temporary FITS file: read error:");
		}
		for (ssize_t done = 0; done < k;) {
			ssize_t w = write(STDOUT_FILENO, buf + done, (size_t)(k - done));

			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EPIPE)
					exit(141);
				die(EXIT_RUNTIME, "stdout: write error:");
			}
			done += w;
		}
	}
	close(fd);
	if (close(STDOUT_FILENO) != 0 && errno != EINTR)
		die(EXIT_RUNTIME, "stdout: write error:");
}

int
main(int argc, char **argv)
{
	struct ev_reader *in;
	struct atomic_file *af;
	struct fits_events_writer *w;
	struct ev_event *blk;
	json_t *meta, *history;
	size_t n;

	parse_options(argc, argv);
	in = ev_reader_open(STDIN_FILENO, "stdin");
	meta = ev_reader_meta(in);
	history = json_object_get(meta, "history");
	if (!json_is_array(history))
		json_object_set_new(meta, "history", history = json_array());
	json_array_append_new(history, json_string(cli_command_line()));

	if (cli_output) {
		af = atomic_open(cli_output);
	} else {
		const char *dir = getenv("TMPDIR");
		char path[4096];

		snprintf(path, sizeof path, "%s/ev2fits.fits", dir && *dir ? dir : "/tmp");
		af = atomic_open(path);
	}
	w = fits_events_create(atomic_temp_path(af), cli_output ? cli_output : "stdout", meta);
	while ((n = ev_read_block(in, &blk)) > 0)
		fits_events_write(w, blk, n);
	fits_events_finish(w);
	if (cli_output)
		atomic_commit(af);
	else
		copy_to_stdout(af);
	ev_reader_close(in);
	return EXIT_OK;
}
