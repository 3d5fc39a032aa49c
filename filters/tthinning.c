/* tthinning: thin every time bin of a given width, without replacement and
 * in order, to the mean count per bin: slow variability removed, the fast
 * kept (the original tool's "tthinning").
 * stdin/stdout: LLEV stream (time-sorted).  Exit: 0 ok, 1 bad input or I/O
 * (also: no GTI, no whole bin), 2 usage.
 *
 * Two passes: the first counts the events of every bin while copying the
 * stream to an unlinked temporary file in $TMPDIR (16 bytes per event); the
 * second reads it back and keeps, in bin k, a uniformly random subset of
 * min(c_k, T_k) of its c_k events (selection sampling, order kept).  Memory:
 * 16 bytes per bin. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ev.h"
#include "frames.h"
#include "gti.h"
#include "meta.h"
#include "rng.h"

static const char usage_text[] =
	"usage: tthinning --dt S [--seed N] [--no-frames] [-o FILE]\n"
	"Cut the good time into bins of S seconds and thin every bin, by a\n"
	"uniformly random subset kept in order, to the mean count per bin: a bin\n"
	"holding c events keeps min(c, T) of them, T = floor(m) or floor(m) + 1\n"
	"with probability m - floor(m) (drawn per bin), m the mean count over all\n"
	"bins, so that the targets average m.  Slow variability is removed; the\n"
	"fast, within a bin, is kept.  Bins as varstat's: [a + kS, a + (k+1)S)\n"
	"inside each GTI [a, b], whole bins only; with \"timedel\" in the metadata\n"
	"S is the nearest whole number of frames and bins start on frame\n"
	"boundaries (DESIGN 4a).  Events outside every whole bin are dropped and\n"
	"the GTIs become the whole bins' spans.  Input must be time-sorted.\n"
	"\n"
	"  --dt S           bin width, s (> 0)\n"
	"  --seed N         random seed (default: drawn from the OS); recorded\n"
	"  --no-frames      ignore timedel: bins of exactly S s from each GTI start\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"The stream is copied to an unlinked temporary file in $TMPDIR (or /tmp)\n"
	"between the two passes: 16 bytes per event.\n"
	"\n"
	"Example: fits2ev obs.fits | gtifilter | tthinning --dt 100 --seed 1 | varstat --timescales 1:100:5\n"
	"Exit status: 0 ok, 1 bad input (no GTI, no whole bin, unsorted) or I/O\n"
	"error, 2 usage error.\n";

enum { OPT_DT = CLI_FIRST_PROGRAM_OPTION, OPT_NO_FRAMES };

struct opts {
	double dt;
	bool no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "dt", required_argument, NULL, OPT_DT },
		{ "no-frames", no_argument, NULL, OPT_NO_FRAMES },
		CLI_OPT_SEED, CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "tthinning", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_DT:
			o.dt = cli_positive_double(optarg, "--dt");
			break;
		case OPT_NO_FRAMES:
			o.no_frames = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (!(o.dt > 0))
		cli_usage_error("give the bin width with --dt S");
	return o;
}

/* The bins: GTI g holds n[g] whole bins from origin[g], global indices
 * first[g] .. first[g] + n[g] - 1. */
struct bins {
	struct gti_list gti;
	double dt;
	double *origin;
	size_t *first, *n;
	size_t n_bins;
};

static void
bins_layout(struct bins *b, const struct frame_grid *fg)
{
	size_t g;

	b->origin = xmalloc((b->gti.n + 1) * sizeof *b->origin);
	b->first = xmalloc((b->gti.n + 1) * sizeof *b->first);
	b->n = xmalloc((b->gti.n + 1) * sizeof *b->n);
	b->n_bins = 0;
	for (g = 0; g < b->gti.n; g++) {
		double a = b->gti.iv[g].start, e = b->gti.iv[g].stop, k;

		if (fg->anchored) {
			a = frame_ceil(fg, a);
			e = frame_floor(fg, e);
		}
		/* Frame-aligned spans are whole multiples up to rounding. */
		k = e > a ? floor((e - a) / b->dt + (fg->anchored ? 1e-6 : 0)) : 0;
		b->origin[g] = a;
		b->first[g] = b->n_bins;
		b->n[g] = (size_t)k;
		b->n_bins += (size_t)k;
	}
}

/* Global bin of time t, or SIZE_MAX outside every whole bin; *cursor as
 * gti_contains_sorted's. */
static inline size_t
bin_of(const struct bins *b, double t, size_t *cursor)
{
	double k;

	if (!gti_contains_sorted(&b->gti, t, cursor))
		return SIZE_MAX;
	k = floor((t - b->origin[*cursor]) / b->dt);
	if (!(k >= 0) || k >= (double)b->n[*cursor])
		return SIZE_MAX;
	return b->first[*cursor] + (size_t)k;
}

static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die(EXIT_RUNTIME, "temporary file: write error:");
		p += w;
		len -= (size_t)w;
	}
}

/* Up to `max` events from the temporary file; 0 at its end. */
static size_t
read_events(int fd, struct ev_event *buf, size_t max)
{
	size_t got = 0, want = max * sizeof *buf;
	char *p = (char *)buf;

	while (got < want) {
		ssize_t r = read(fd, p + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_RUNTIME, "temporary file: read error:");
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got / sizeof *buf;
}

static int
spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/tthinning.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		die(EXIT_RUNTIME, "%s: cannot create a temporary file:", path);
	unlink(path);
	return fd;
}

/* The bins to thin in: whole (frame-aligned) bins of the stream's GTIs. */
static void
bins_init(struct bins *b, const struct opts *o, json_t *meta, struct frame_grid *fg)
{
	char why[256];

	if (!meta_gti(meta, &b->gti) || b->gti.n == 0)
		die(EXIT_RUNTIME, "stdin: no GTI in the metadata to lay the bins in: give the "
		    "good time intervals with gtifilter --gti START:STOP first");
	if (!frame_grid_from_meta(meta, !o->no_frames, fg, why, sizeof why))
		die(EXIT_RUNTIME, "stdin: %s", why);
	b->dt = frame_grid_on(fg) ? (double)frame_count(fg, o->dt) * fg->tau : o->dt;
}

/* Pass 1: count the events per bin (returned, n_bins + 1 long) and copy the
 * stream aside to `spill`; *total is the count inside bins. */
static uint64_t *
count_and_spill(struct ev_reader *in, struct bins *b, struct frame_grid *fg, int spill,
		uint64_t *total)
{
	uint64_t *count = NULL;
	struct ev_event *blk;
	size_t n, cursor = 0;

	while ((n = ev_read_block(in, &blk)) > 0 || !count) {
		if (!count) {
			/* The frame grid's phase comes from the first event. */
			if (n > 0)
				frame_grid_anchor(fg, blk[0].time);
			bins_layout(b, fg);
			count = xcalloc(b->n_bins + 1, sizeof *count);
		}
		for (size_t i = 0; i < n; i++) {
			size_t k = bin_of(b, blk[i].time, &cursor);

			if (k != SIZE_MAX) {
				count[k]++;
				(*total)++;
			}
		}
		write_all(spill, blk, n * sizeof *blk);
	}
	if (b->n_bins == 0)
		die(EXIT_RUNTIME, "stdin: no whole bin of %g s fits in any GTI", b->dt);
	return count;
}

/* Targets T_k, rounded at random so that they average the mean; no bin
 * can give more than it has. */
static uint64_t *
bin_targets(const struct bins *b, const uint64_t *count, double mean, struct rng *r)
{
	uint64_t *need = xmalloc((b->n_bins + 1) * sizeof *need);
	double fl = floor(mean);

	for (size_t k = 0; k < b->n_bins; k++) {
		uint64_t t = (uint64_t)fl + (rng_uniform(r) < mean - fl);

		need[k] = count[k] < t ? count[k] : t;
	}
	return need;
}

/* The output covers the whole bins only: its GTIs, exposure and what was done. */
static void
describe_output(json_t *meta, const struct bins *b, struct gti_list *full, double mean,
		uint64_t seed)
{
	full->iv = xmalloc((b->gti.n + 1) * sizeof *full->iv);
	for (size_t g = 0; g < b->gti.n; g++)
		if (b->n[g] > 0)
			full->iv[full->n++] = (struct gti){ b->origin[g],
							   b->origin[g] + (double)b->n[g] * b->dt };
	gti_normalize(full);
	meta_set_gti(meta, full);
	meta_set_number(meta, "exposure", gti_exposure(full));
	meta_add_seed(meta, seed);
	json_object_set_new(meta, "thinning", json_pack("{sfsfsI}", "dt_s", b->dt,
		"mean_count", mean, "n_bins", (json_int_t)b->n_bins));
}

/* Pass 2: in bin k keep each event with probability need/left, so that
 * exactly need[k] of its left[k] events stay, every subset equally likely. */
static void
thin_spilled(int spill, const struct bins *b, uint64_t *left, uint64_t *need, struct rng *r,
	     struct ev_writer *out)
{
	struct ev_event *blk = xmalloc(EV_BLOCK_EVENTS * sizeof *blk);
	size_t n, cursor = 0;

	if (lseek(spill, 0, SEEK_SET) != 0)
		die(EXIT_RUNTIME, "temporary file: cannot rewind:");
	while ((n = read_events(spill, blk, EV_BLOCK_EVENTS)) > 0) {
		size_t kept = 0;

		for (size_t i = 0; i < n; i++) {
			size_t k = bin_of(b, blk[i].time, &cursor);

			if (k == SIZE_MAX)
				continue;
			if (need[k] > 0 && rng_below(r, left[k]) < need[k]) {
				blk[kept++] = blk[i];
				need[k]--;
			}
			left[k]--;
		}
		ev_write_block(out, blk, kept);
	}
	free(blk);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct frame_grid fg;
	struct bins b = { 0 };
	struct gti_list full = { 0 };
	uint64_t *count, *need, total = 0, seed = cli_seed();
	struct rng r_target = rng_split(seed, 1), r_keep = rng_split(seed, 2);
	int spill = spill_open();
	struct ev_writer *out;
	double mean;

	ev_reader_require_sorted(in);
	bins_init(&b, &o, meta, &fg);
	count = count_and_spill(in, &b, &fg, spill, &total);
	mean = (double)total / (double)b.n_bins;
	need = bin_targets(&b, count, mean, &r_target);
	describe_output(meta, &b, &full, mean, seed);
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	thin_spilled(spill, &b, count, need, &r_keep, out);
	ev_writer_close(out);
	ev_reader_close(in);
	close(spill);
	free(count);
	free(need);
	free(b.origin);
	free(b.first);
	free(b.n);
	gti_free(&b.gti);
	gti_free(&full);
	return EXIT_OK;
}
