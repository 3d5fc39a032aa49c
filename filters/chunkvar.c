/* chunkvar: the original tool's per-chunk variability statistics, done right
 * (DESIGN §4 "Chunk variability").
 * stdin: time-sorted LLEV stream.  stdout: CSV table.  Exit: 0 ok, 1 bad
 * input or I/O, 2 usage.
 *
 * Each wbin's light curve (and all events', wbin -1) at width w is cut into
 * chunks of K consecutive bins, and each chunk gives the seven metrics of
 * chunkstats.h.  Bins are the full bins of each GTI, frame-aligned with
 * timedel (scan.h); empty bins count as zeros; a chunk never straddles a GTI
 * gap (chunk j of a GTI holds its bins jK..jK+K-1, a GTI's last bins that
 * make no whole chunk are in none).
 *
 * Memory is O(K) per (wbin, width): each keeps the counts of its open chunk.
 * Closed chunks go to an unlinked temporary file, because fano_global needs
 * the series' mean count, known only at the end, and because rows are
 * listed by wbin and width while chunks close in time order: at the end the
 * spool is sorted into place on disk (one pass, positions known from the
 * per-(wbin, width) chunk counts) and then written out as the table. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunkstats.h"
#include "cli.h"
#include "die.h"
#include "meta.h"
#include "rng.h"
#include "scan.h"
#include "table.h"

static const char usage_text[] =
	"usage: chunkvar --widths MIN:MAX:COUNT [--chunk K] [--chunks N] [--seed SEED]\n"
	"                [--no-frames] [-o FILE]\n"
	"Per-chunk variability of a time-sorted stream: each wbin's light curve (and\n"
	"all events', wbin -1) at COUNT log-spaced bin widths from MIN to MAX seconds\n"
	"is cut into chunks of K bins inside the GTIs, empty bins counted as zeros,\n"
	"and each chunk gives its mean, variance and seven metrics: ev, ev_smooth,\n"
	"fano_local, fano_global, adjacent, adjacent_smooth, odd_even.\n"
	"Columns: wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,\n"
	"ev_smooth,fano_local,fano_global,adjacent,adjacent_smooth,odd_even.\n"
	"Undefined values (a chunk without counts) are empty fields.  With timedel in\n"
	"the metadata, widths are whole frames and bin edges frame boundaries.\n"
	"\n"
	"  --widths MIN:MAX:COUNT  bin widths MIN*(MAX/MIN)^(i/(COUNT-1)) s\n"
	"  --chunk K        bins per chunk, 2 or more (default 12)\n"
	"  --chunks N       N random chunks of each (wbin, width) instead of all\n"
	"                   (seeded: --seed, recorded in the metadata)\n"
	"  --seed SEED      random seed for --chunks (default: drawn from the OS)\n"
	"  --no-frames      bin at the widths asked, ignoring timedel\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wrange --min 0.1 --max 1 | wbin --n 10 --min 0.1 --max 1 |\n"
	"         chunkvar --widths 10:1000:5 -o chunks.csv\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_WIDTHS = CLI_FIRST_PROGRAM_OPTION, OPT_CHUNK, OPT_CHUNKS, OPT_NO_FRAMES };

#define MAX_WIDTHS 1000
#define MAX_CHUNK 100000

struct opts {
	double *widths;
	size_t n_widths;
	size_t k;		/* bins per chunk */
	uint64_t n_random;	/* --chunks; 0: all */
	bool no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "widths", required_argument, NULL, OPT_WIDTHS },
		{ "chunk", required_argument, NULL, OPT_CHUNK },
		{ "chunks", required_argument, NULL, OPT_CHUNKS },
		SCAN_OPT_NO_FRAMES(OPT_NO_FRAMES), CLI_OPT_SEED, CLI_OPT_OUTPUT, CLI_OPT_HELP,
		CLI_OPT_END
	};
	struct opts o = { .k = 12 };
	const char *spec = NULL;
	long k;
	int c;

	cli_init(argc, argv, "chunkvar", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_WIDTHS:
			spec = optarg;
			break;
		case OPT_CHUNK:
			k = cli_long(optarg, "--chunk");
			if (k < 2 || k > MAX_CHUNK)
				cli_usage_error("--chunk: must be 2 to %d bins, got %ld", MAX_CHUNK, k);
			o.k = (size_t)k;
			break;
		case OPT_CHUNKS:
			o.n_random = cli_u64(optarg, "--chunks");
			if (o.n_random == 0)
				cli_usage_error("--chunks: must be 1 or more");
			break;
		case OPT_NO_FRAMES:
			o.no_frames = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (!spec)
		cli_usage_error("--widths MIN:MAX:COUNT is required");
	o.widths = scan_parse_widths(spec, "--widths", MAX_WIDTHS, &o.n_widths);
	return o;
}

/* One closed chunk as spooled: its group is slot * n_widths + width. */
struct record {
	uint64_t group;
	double time_start, mean, variance;
	double m[CHUNK_N_METRICS];
};

/* One (slot, width): its open chunk and its series' totals. */
struct group {
	long g;			/* GTI of the open chunk; -1: none yet */
	int64_t j;		/* its index in that GTI */
	uint32_t *c;		/* its K counts */
	uint64_t n_chunks;	/* chunks closed */
	uint64_t events;	/* events in full bins (for the series' mean) */
	long last_g;		/* the last event's bin and how many it holds, */
	int64_t last_bin;	/* to take back when the events' GTI closes */
	uint64_t last_count;	/* and that bin turns out partial */
};

struct state {
	size_t k, n_widths, n_slots;
	double *w;		/* widths used */
	int64_t **n_full;	/* per width, per GTI: full bins */
	const struct gti_list *gti;
	struct group *gr;	/* n_slots * n_widths */
	FILE *spool;
};

static void
grow_slots(struct state *st, size_t n_slots)
{
	st->gr = xrealloc(st->gr, n_slots * st->n_widths * sizeof *st->gr);
	for (size_t i = st->n_slots * st->n_widths; i < n_slots * st->n_widths; i++)
		st->gr[i] = (struct group){ .g = -1, .last_g = -1,
					    .c = xcalloc(st->k, sizeof(uint32_t)) };
	st->n_slots = n_slots;
}

static void
set_full_bins(struct state *st)
{
	for (size_t i = 0; i < st->n_widths; i++) {
		free(st->n_full[i]);
		st->n_full[i] = xmalloc((st->gti->n + 1) * sizeof(int64_t));
		for (size_t g = 0; g < st->gti->n; g++) {
			st->n_full[i][g] = scan_whole_bins(st->gti->iv[g].start, st->gti->iv[g].stop,
							   st->w[i]);
			if (st->n_full[i][g] < 0)
				cli_usage_error("--widths: %g s makes over 2^53 bins of a GTI", st->w[i]);
		}
	}
}

/* Whole chunks in GTI g at width i. */
static int64_t
chunks_in(const struct state *st, size_t i, long g)
{
	return st->n_full[i][g] / (int64_t)st->k;
}

static void
spool_chunk(struct state *st, size_t idx, size_t i)
{
	struct group *gr = &st->gr[idx];
	struct record r = { .group = idx };
	double a = st->gti->iv[gr->g].start;

	r.time_start = a + (double)gr->j * (double)st->k * st->w[i];
	chunk_metrics(gr->c, st->k, NAN, &r.mean, &r.variance, r.m);
	if (fwrite(&r, sizeof r, 1, st->spool) != 1)
		die(EXIT_RUNTIME, "temporary file: write failed:");
	gr->n_chunks++;
	memset(gr->c, 0, st->k * sizeof *gr->c);
}

/* Close the open chunk of group idx (width i) and every empty chunk after it
 * up to, not including, chunk j of GTI g (g = gti->n: to the end). */
static void
advance_to(struct state *st, size_t idx, size_t i, long g, int64_t j)
{
	struct group *gr = &st->gr[idx];

	if (gr->g < 0) {	/* the first chunk of the series */
		gr->g = 0;
		gr->j = 0;
		while ((size_t)gr->g < st->gti->n && chunks_in(st, i, gr->g) == 0)
			gr->g++;
	}
	while (gr->g < g || (gr->g == g && gr->j < j)) {
		if ((size_t)gr->g >= st->gti->n)
			return;
		/* The events' own GTI ends only at the end of the stream: its
		 * open chunk may turn out to be short of K whole bins. */
		if (gr->j < chunks_in(st, i, gr->g))
			spool_chunk(st, idx, i);
		else
			memset(gr->c, 0, st->k * sizeof *gr->c);
		if (++gr->j >= chunks_in(st, i, gr->g)) {
			gr->j = 0;
			do
				gr->g++;
			while ((size_t)gr->g < st->gti->n && chunks_in(st, i, gr->g) == 0);
		}
	}
}

static void
count_event(struct state *st, size_t slot, double t, long g)
{
	double a = st->gti->iv[g].start;

	for (size_t i = 0; i < st->n_widths; i++) {
		size_t idx = slot * st->n_widths + i;
		int64_t bin = (int64_t)floor((t - a) / st->w[i]);

		if (bin >= st->n_full[i][g])
			continue;	/* the GTI's partial last bin */
		struct group *gr = &st->gr[idx];

		gr->events++;
		if (gr->last_g != g || gr->last_bin != bin) {
			gr->last_g = g;
			gr->last_bin = bin;
			gr->last_count = 0;
		}
		gr->last_count++;
		if (bin / (int64_t)st->k >= chunks_in(st, i, g))
			continue;	/* bins that make no whole chunk */
		advance_to(st, idx, i, g, bin / (int64_t)st->k);
		gr->c[bin % (int64_t)st->k]++;
	}
}

/* The rows of group idx to keep: all, or n random chunk indices (Floyd's
 * algorithm), as a sorted list. */
static uint64_t *
choose(uint64_t n_chunks, uint64_t n, struct rng *g, uint64_t *n_kept)
{
	uint64_t *pick;
	uint64_t m = 0;

	if (n >= n_chunks) {
		*n_kept = n_chunks;
		return NULL;
	}
	pick = xmalloc(n * sizeof *pick);
	for (uint64_t j = n_chunks - n; j < n_chunks; j++) {
		uint64_t t = rng_below(g, j + 1);
		bool seen = false;

		for (uint64_t q = 0; q < m && !seen; q++)
			seen = pick[q] == t;
		pick[m++] = seen ? j : t;
	}
	for (uint64_t q = 1; q < m; q++)	/* insertion sort: n is small */
		for (uint64_t r = q; r > 0 && pick[r - 1] > pick[r]; r--) {
			uint64_t x = pick[r];

			pick[r] = pick[r - 1];
			pick[r - 1] = x;
		}
	*n_kept = n;
	return pick;
}

/* Sort the spool into row order on disk and write the table. */
static void
write_table(struct state *st, const struct scan *scan, const struct opts *o, struct rng *g)
{
	static const char *const columns[] = {
		"wbin", "wmin_nm", "wmax_nm", "width_s", "chunk", "time_start", "mean",
		"variance", "ev", "ev_smooth", "fano_local", "fano_global", "adjacent",
		"adjacent_smooth", "odd_even", NULL
	};
	size_t n_groups = st->n_slots * st->n_widths;
	uint64_t *start = xcalloc(n_groups, sizeof *start), *seen = xcalloc(n_groups, sizeof *seen);
	uint64_t **pick = xcalloc(n_groups, sizeof *pick), *n_pick = xcalloc(n_groups, sizeof *n_pick);
	uint64_t *cursor = xcalloc(n_groups, sizeof *cursor), at = 0;
	FILE *sorted = tmpfile();
	struct record r;

	if (!sorted)
		die(EXIT_RUNTIME, "temporary file:");
	for (size_t k = 0; k < scan->n_slots; k++)
		for (size_t i = 0; i < st->n_widths; i++) {
			size_t idx = scan_row_slot(scan, k) * st->n_widths + i;

			pick[idx] = o->n_random ? choose(st->gr[idx].n_chunks, o->n_random, g,
							 &n_pick[idx]) : NULL;
			if (!o->n_random)
				n_pick[idx] = st->gr[idx].n_chunks;
			start[idx] = at;
			at += n_pick[idx];
		}
	if (fflush(st->spool) != 0 || fseek(st->spool, 0, SEEK_SET) != 0)
		die(EXIT_RUNTIME, "temporary file:");
	while (fread(&r, sizeof r, 1, st->spool) == 1) {
		uint64_t idx = r.group, j = seen[idx]++;

		if (pick[idx]) {
			if (cursor[idx] >= n_pick[idx] || pick[idx][cursor[idx]] != j)
				continue;
			j = cursor[idx]++;
		}
		if (pwrite(fileno(sorted), &r, sizeof r, (off_t)((start[idx] + j) * sizeof r)) !=
		    (ssize_t)sizeof r)
			die(EXIT_RUNTIME, "temporary file: write failed:");
	}
	if (ferror(st->spool))
		die(EXIT_RUNTIME, "temporary file: read failed:");

	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(),
						    scan->meta, columns, scan_notes(scan));
	uint64_t row = 0;

	for (size_t k = 0; k < scan->n_slots; k++) {
		size_t slot = scan_row_slot(scan, k);

		for (size_t i = 0; i < st->n_widths; i++) {
			size_t idx = slot * st->n_widths + i;
			int64_t bins = 0;

			for (size_t q = 0; q < st->gti->n; q++)
				bins += st->n_full[i][q];
			double lambda = bins > 0 ? (double)st->gr[idx].events / (double)bins : NAN;

			for (uint64_t j = 0; j < n_pick[idx]; j++, row++) {
				if (pread(fileno(sorted), &r, sizeof r, (off_t)(row * sizeof r)) !=
				    (ssize_t)sizeof r)
					die(EXIT_RUNTIME, "temporary file: read failed:");
				r.m[CHUNK_FANO_GLOBAL] = chunk_fano_global(r.variance, lambda);
				table_put_long(tw, scan_slot_wbin(slot));
				table_put_double(tw, scan_slot_wmin(scan, slot));
				table_put_double(tw, scan_slot_wmax(scan, slot));
				table_put_double(tw, st->w[i]);
				table_put_long(tw, (long long)(pick[idx] ? pick[idx][j] : j));
				table_put_double(tw, r.time_start);
				table_put_double(tw, r.mean);
				table_put_double(tw, r.variance);
				for (int m = 0; m < CHUNK_N_METRICS; m++)
					table_put_double(tw, r.m[m]);
				table_end_row(tw);
			}
		}
	}
	table_writer_close(tw);
	fclose(sorted);
	for (size_t idx = 0; idx < n_groups; idx++)
		free(pick[idx]);
	free(pick);
	free(n_pick);
	free(start);
	free(seen);
	free(cursor);
}

/* The widths used: whole frames with timedel, as varstat's scales. */
static void
set_widths(struct state *st, struct scan *scan, const struct opts *o)
{
	st->w = scan_widths_used(scan, o->widths, o->n_widths, "widths", "width", &st->n_widths);
	st->n_full = xcalloc(st->n_widths + 1, sizeof *st->n_full);
}

static void
free_state(struct state *st)
{
	for (size_t i = 0; i < st->n_slots * st->n_widths; i++)
		free(st->gr[i].c);
	for (size_t i = 0; i < st->n_widths; i++)
		free(st->n_full[i]);
	free(st->n_full);
	free(st->gr);
	free(st->w);
	fclose(st->spool);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct state st = { .k = o.k };
	struct scan scan;
	struct scan_event ev;
	struct rng g;

	scan_open(&scan, 0, "stdin", !o.no_frames);
	if (o.n_random) {
		uint64_t seed = cli_seed();

		rng_seed(&g, seed);
		meta_add_seed(scan.meta, seed);
	}
	if (!(st.spool = tmpfile()))
		die(EXIT_RUNTIME, "temporary file:");
	set_widths(&st, &scan, &o);
	st.gti = &scan.gti;
	set_full_bins(&st);
	grow_slots(&st, scan.n_slots);
	while (scan_next(&scan, &ev)) {
		if (scan.n_slots > st.n_slots)
			grow_slots(&st, scan.n_slots);
		count_event(&st, 0, ev.t, (long)ev.g);
		if (ev.slot)
			count_event(&st, ev.slot, ev.t, (long)ev.g);
	}
	if (scan.gti_from_events) {
		set_full_bins(&st);	/* now the events' GTI has its end */
		for (size_t idx = 0; idx < st.n_slots * st.n_widths; idx++) {
			struct group *gr = &st.gr[idx];

			if (gr->last_g >= 0 && gr->last_bin >= st.n_full[idx % st.n_widths][gr->last_g])
				gr->events -= gr->last_count;
		}
	}
	for (size_t idx = 0; idx < st.n_slots * st.n_widths; idx++)
		advance_to(&st, idx, idx % st.n_widths, (long)st.gti->n, 0);
	write_table(&st, &scan, &o, &g);
	free_state(&st);
	scan_close(&scan);
	free(o.widths);
	return EXIT_OK;
}
