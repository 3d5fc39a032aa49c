/* downsample: keep an exact-size uniform random subset of the events
 * (--n, reservoir sampling) or each event with probability F (--fraction,
 * Bernoulli thinning); order kept.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * --n holds the sample (16 bytes per kept event, plus 4 per 16); --fraction
 * streams in constant memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"
#include "rng.h"

static const char usage_text[] =
	"usage: downsample (--n N | --fraction F) [--seed SEED] [-q] [-o FILE]\n"
	"Keep a random subset of the events, in their input order.\n"
	"\n"
	"  --n N            exactly N events, every subset of size N equally likely\n"
	"                   (reservoir sampling; holds 16 bytes per kept event,\n"
	"                   plus 4 per 16).\n"
	"                   A stream of fewer than N events is passed whole, with a\n"
	"                   warning on stderr\n"
	"  --fraction F     keep each event independently with probability F,\n"
	"                   0 < F <= 1 (Bernoulli thinning; streams in constant\n"
	"                   memory)\n"
	"  --seed SEED      random seed (default: drawn from the OS); recorded in\n"
	"                   the metadata \"seeds\", same seed gives the same output\n"
	"  -q, --quiet      no warning when the stream is shorter than --n\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | downsample --fraction 0.1 --seed 7 | evinfo\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_N = CLI_FIRST_PROGRAM_OPTION, OPT_FRACTION };

struct opts {
	bool exact;		/* --n, else --fraction */
	uint64_t n;
	double fraction;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "n", required_argument, NULL, OPT_N },
		{ "fraction", required_argument, NULL, OPT_FRACTION },
		CLI_OPT_SEED, CLI_OPT_QUIET, CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	bool have_n = false, have_fraction = false;
	int c;

	cli_init(argc, argv, "downsample", usage_text);
	while ((c = cli_getopt(argc, argv, "o:q", long_opts)) != -1) {
		switch (c) {
		case OPT_N:
			o.n = cli_u64(optarg, "--n");
			have_n = true;
			break;
		case OPT_FRACTION:
			o.fraction = cli_double(optarg, "--fraction");
			if (!(o.fraction > 0 && o.fraction <= 1))
				cli_usage_error("--fraction: must be in (0, 1]: '%s'", optarg);
			have_fraction = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (have_n == have_fraction)
		cli_usage_error("give exactly one of --n and --fraction");
	o.exact = have_n;
	return o;
}

/* Bernoulli thinning, streamed block by block in place. */
static void
thin(struct ev_reader *in, struct ev_writer *out, double f, struct rng *g)
{
	struct ev_event *blk;
	size_t n;

	if (f >= 1) {
		while ((n = ev_read_block(in, &blk)) > 0)
			ev_write_block(out, blk, n);
	} else if (f > 0.125) {
		/* Dense: one 64-bit draw per event against a threshold, branch
		 * free (P = thr / 2^64, F to 2^-64). */
		uint64_t thr = (uint64_t)ldexp(f, 64);

		while ((n = ev_read_block(in, &blk)) > 0) {
			size_t kept = 0;

			for (size_t i = 0; i < n; i++) {
				blk[kept] = blk[i];
				kept += rng_next(g) < thr;
			}
			ev_write_block(out, blk, kept);
		}
	} else {
		/* Sparse: jump over the geometric gaps between kept events,
		 * one draw per kept event. */
		double lq = log1p(-f);
		double gap = floor(log(rng_uniform_pos(g)) / lq);

		while ((n = ev_read_block(in, &blk)) > 0) {
			size_t kept = 0;

			while (gap < (double)n) {
				size_t i = (size_t)gap;

				blk[kept++] = blk[i];
				gap += 1 + floor(log(rng_uniform_pos(g)) / lq);
			}
			gap -= (double)n;
			ev_write_block(out, blk, kept);
		}
	}
}

/* Positions are below 2^64 but skips are drawn as doubles: saturate. */
static uint64_t
advance(uint64_t pos, double skip)
{
	if (!(skip < 0x1p63) || pos + (uint64_t)skip < pos)
		return UINT64_MAX;
	return pos + (uint64_t)skip;
}

/* Reservoir sampling, Li's Algorithm L (ACM TOMS 20, 1994): after the
 * reservoir fills, the gaps between replacements are drawn directly, so
 * the cost is O(k (1 + log(N/k))) draws for N events.
 *
 * The sample stays in input order without storing positions.  The draws
 * follow a logical array, which fixes the output for a seed: the k kept
 * events in input order (the prefix), then the newcomers since, each
 * appended; a replaced event's slot turns dead, a draw that lands on a dead
 * slot is drawn again (so the event replaced is uniform over the live
 * ones), and after D = max(k/16, 1024) newcomers the dead are swept out.
 * Earlier versions stored that array as it is (1/16 more records as
 * slack); it is now held in k records, 16 bytes each, plus a 4-byte index
 * per newcomer (k/4 bytes): a newcomer takes the record of the event it
 * replaces and is marked a guest there (in its time's bits, see below), so
 * a prefix slot holding a guest is dead; tail[m] is the index of newcomer
 * m's record, or TAIL_DEAD once it is replaced.  The sweep moves the
 * guests behind the prefix in newcomer order: O(k) moves per D
 * replacements, about twice the old sweep's (each event moved moves a
 * guest too). */

#define TAIL_DEAD UINT32_MAX

/* Guests carry a mark in their time's bits.  A valid time is finite and
 * >= 0, i.e. bits <= 0x7FEF... or -0.0 (0x8000...); marked, it is bits +
 * 0x8000...01 (or all ones for -0.0), which is above 0x8000... . */
#define NEG_ZERO_BITS UINT64_C(0x8000000000000000)

static inline uint64_t
time_bits(const struct ev_event *e)
{
	uint64_t u;

	memcpy(&u, &e->time, sizeof u);
	return u;
}

static inline void
set_time_bits(struct ev_event *e, uint64_t u)
{
	memcpy(&e->time, &u, sizeof u);
}

static inline bool
is_guest(const struct ev_event *e)
{
	return time_bits(e) > NEG_ZERO_BITS;
}

static inline void
mark_guest(struct ev_event *e)
{
	uint64_t u = time_bits(e);

	set_time_bits(e, u == NEG_ZERO_BITS ? UINT64_MAX : u + NEG_ZERO_BITS + 1);
}

static inline void
unmark_guest(struct ev_event *e)
{
	uint64_t u = time_bits(e);

	set_time_bits(e, u == UINT64_MAX ? NEG_ZERO_BITS : u - NEG_ZERO_BITS - 1);
}

static inline void
swap_events(struct ev_event *a, struct ev_event *b)
{
	struct ev_event t = *a;

	*a = *b;
	*b = t;
}

#define SWEEP_BUCKETS 256

/* The range of ranks that rank (of n) falls in: monotone in rank. */
static inline size_t
sweep_bucket(int32_t rank, size_t n)
{
	return (size_t)((uint64_t)rank * SWEEP_BUCKETS / n);
}

/* The sweep: the k live events of res (prefix events in place, the live
 * newcomers of tail[0..nt) as guests) into input order, all unmarked.
 * tail[] serves as scratch. */
static void
sweep(struct ev_event *res, size_t k, uint32_t *tail, size_t nt)
{
	size_t ng = 0, w = 0;

	for (size_t m = 0; m < nt; m++)
		if (tail[m] != TAIL_DEAD)
			tail[ng++] = tail[m];
	/* Each guest's rank among the live newcomers goes into its wbin, the
	 * wbin into tail[rank]: the ranks survive the moves below. */
	for (size_t i = 0; i < ng; i++) {
		struct ev_event *e = &res[tail[i]];
		uint32_t wbin;

		memcpy(&wbin, &e->wbin, sizeof wbin);
		e->wbin = (int32_t)i;
		tail[i] = wbin;
	}
	/* Prefix events to the front in order, run by run; the guests seen so
	 * far, res[w..r), trade places with each run in chunks no longer than
	 * them (so a chunk's two ranges are apart), any order of guests being
	 * fine... */
	for (size_t r = 0; r < k;) {
		size_t run = 0;

		while (r < k && is_guest(&res[r]))
			r++;
		while (r + run < k && !is_guest(&res[r + run]))
			run++;
		if (w == r) {
			w += run;
			r += run;
			continue;
		}
		while (run > 0) {
			size_t c = run < r - w ? run : r - w;

			for (size_t i = 0; i < c; i++)
				swap_events(&res[w + i], &res[r + i]);
			w += c;
			r += c;
			run -= c;
		}
	}
	/* ...then the guests by rank: first into SWEEP_BUCKETS ranges of
	 * ranks (American flag sort: each pass's writes go to 256 places in
	 * order, not all over the block), then each to its rank's slot within
	 * its range (one swap places one). */
	if (ng > 1) {
		size_t start[SWEEP_BUCKETS + 1] = { 0 }, next[SWEEP_BUCKETS];

		for (size_t y = w; y < k; y++)
			start[sweep_bucket(res[y].wbin, ng) + 1]++;
		for (size_t b = 0; b < SWEEP_BUCKETS; b++) {
			start[b + 1] += start[b];
			next[b] = start[b];
		}
		for (size_t b = 0; b < SWEEP_BUCKETS; b++)
			while (next[b] < start[b + 1]) {
				size_t y = w + next[b], bb = sweep_bucket(res[y].wbin, ng);

				if (bb == b)
					next[b]++;
				else
					swap_events(&res[y], &res[w + next[bb]++]);
			}
	}
	for (size_t y = w; y < k; y++)
		while ((size_t)res[y].wbin != y - w)
			swap_events(&res[y], &res[w + (size_t)res[y].wbin]);
	for (size_t i = 0; i < ng; i++) {
		int32_t wbin;

		memcpy(&wbin, &tail[i], sizeof wbin);
		res[w + i].wbin = wbin;
		unmark_guest(&res[w + i]);
	}
}

/* Returns the sample in input order, its size in *n_kept. */
static struct ev_event *
reservoir(struct ev_reader *in, uint64_t k, struct rng *g, size_t *n_kept,
	  uint64_t *n_seen)
{
	struct ev_event *res = NULL;
	uint32_t *tail = NULL;
	size_t cap = 0, have = 0, nt = 0;	/* nt: newcomers since the sweep */
	size_t d = (size_t)k / 16 > 1024 ? (size_t)k / 16 : 1024;
	uint64_t pos = 0, next = UINT64_MAX;
	double w = 0;
	struct ev_event *blk;
	size_t n;

	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t i = 0;

		/* Grow with the stream rather than allocating --n up front:
		 * a huge --n on a short stream must not exhaust memory. */
		while (i < n && have < k) {
			if (have == cap) {
				cap = cap ? 2 * cap : 4096;
				if (cap > k)
					cap = (size_t)k;
				res = xrealloc(res, cap * sizeof *res);
			}
			res[have++] = blk[i++];
			if (have == k) {
				w = exp(log(rng_uniform_pos(g)) / (double)k);
				next = advance(pos + i, floor(log(rng_uniform_pos(g)) / log1p(-w)));
			}
		}
		while (next < pos + n) {
			size_t size = (size_t)k + nt, j, slot;

			if (!tail) {
				/* Positions are 32-bit: 2^32 held events would take
				 * 64 GiB of records before this point. */
				if (k >= TAIL_DEAD)
					die(EXIT_RUNTIME, "--n %llu: more than %lu held events are "
					    "not supported", (unsigned long long)k,
					    (unsigned long)TAIL_DEAD - 1);
				tail = xmalloc((d + 1) * sizeof *tail);
			}
			for (;;) {
				j = (size_t)rng_below(g, size);
				if (j < k ? !is_guest(&res[j]) : tail[j - k] != TAIL_DEAD)
					break;
			}
			if (j < k) {
				slot = j;
			} else {
				slot = tail[j - k];
				tail[j - k] = TAIL_DEAD;
			}
			res[slot] = blk[next - pos];
			mark_guest(&res[slot]);
			tail[nt++] = (uint32_t)slot;
			/* D newcomers after the sweep, the logical array is full: the
			 * next replacement sweeps (and its newcomer is the last). */
			if (nt == d + 1) {
				sweep(res, (size_t)k, tail, nt);
				nt = 0;
			}
			w *= exp(log(rng_uniform_pos(g)) / (double)k);
			next = advance(next + 1, floor(log(rng_uniform_pos(g)) / log1p(-w)));
		}
		pos += n;
	}
	if (nt)
		sweep(res, (size_t)k, tail, nt);
	free(tail);
	*n_kept = have;
	*n_seen = pos;
	return res;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	uint64_t seed = cli_seed();
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct ev_writer *out;
	struct rng g;

	rng_seed(&g, seed);
	meta_add_seed(meta, seed);
	if (o.exact) {
		size_t n_kept;
		uint64_t n_seen;
		struct ev_event *res = o.n ? reservoir(in, o.n, &g, &n_kept, &n_seen) : NULL;

		if (!o.n) {
			struct ev_event *blk;

			while (ev_read_block(in, &blk) > 0)
				;
			n_kept = 0;
			n_seen = ev_reader_count(in);
		}
		if (n_seen < o.n && !cli_quiet)
			warn("stream has %llu events, fewer than --n %llu: all kept",
			     (unsigned long long)n_seen, (unsigned long long)o.n);
		json_object_set_new(meta, "downsample", json_pack("{sI}", "n", (json_int_t)o.n));
		out = ev_writer_open_path(cli_output, cli_command_line(), meta);
		ev_write_block(out, res, n_kept);
		free(res);
	} else {
		json_object_set_new(meta, "downsample", json_pack("{sf}", "fraction", o.fraction));
		out = ev_writer_open_path(cli_output, cli_command_line(), meta);
		thin(in, out, o.fraction, &g);
	}
	ev_writer_close(out);
	ev_reader_close(in);
	return EXIT_OK;
}
