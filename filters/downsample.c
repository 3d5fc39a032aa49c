/* downsample: keep an exact-size uniform random subset of the events
 * (--n, reservoir sampling) or each event with probability F (--fraction,
 * Bernoulli thinning); order kept.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * --n holds the sample (16 bytes per kept event); --fraction streams in
 * constant memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"
#include "rng.h"

static const char usage_text[] =
	"usage: downsample (--n N | --fraction F) [--seed SEED] [-q] [-o FILE]\n"
	"Keep a random subset of the events, in their input order.\n"
	"\n"
	"  --n N            exactly N events, every subset of size N equally likely\n"
	"                   (reservoir sampling; holds 16 bytes per kept event).\n"
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

/* A wbin no valid stream holds (wbins are >= -1): marks a replaced event. */
#define DEAD INT32_MIN

/* Drop the dead events, keeping the order of the live ones. */
static size_t
compact(struct ev_event *res, size_t size)
{
	size_t live = 0;

	for (size_t i = 0; i < size; i++)
		if (res[i].wbin != DEAD)
			res[live++] = res[i];
	return live;
}

/* Reservoir sampling, Li's Algorithm L (ACM TOMS 20, 1994): after the
 * reservoir fills, the gaps between replacements are drawn directly, so
 * the cost is O(k (1 + log(N/k))) draws for N events.
 *
 * The reservoir stays in input order without storing positions, so it costs
 * the 16 bytes of each kept event (plus 1/16 slack), not 24: a replaced event
 * is marked dead and the newcomer, later than every kept event, is appended;
 * the dead are swept out when the slack is full (amortised O(16) moves per
 * replacement).  The event replaced is uniform over the live ones (a draw
 * that lands on a dead one is drawn again).  Returns the sample in input
 * order, its size in *n_kept. */
static struct ev_event *
reservoir(struct ev_reader *in, uint64_t k, struct rng *g, size_t *n_kept,
	  uint64_t *n_seen)
{
	struct ev_event *res = NULL;
	size_t cap = 0, size = 0, have = 0;
	size_t full = (size_t)k + ((size_t)k / 16 > 1024 ? (size_t)k / 16 : 1024);
	uint64_t pos = 0, next = UINT64_MAX;
	double w = 0;
	struct ev_event *blk;
	size_t n;

	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t i = 0;

		/* Grow with the stream rather than allocating --n up front:
		 * a huge --n on a short stream must not exhaust memory. */
		while (i < n && have < k) {
			if (size == cap) {
				cap = cap ? 2 * cap : 4096;
				if (cap > k)
					cap = (size_t)k;
				res = xrealloc(res, cap * sizeof *res);
			}
			res[size++] = blk[i++];
			have++;
			if (have == k) {
				w = exp(log(rng_uniform_pos(g)) / (double)k);
				next = advance(pos + i, floor(log(rng_uniform_pos(g)) / log1p(-w)));
			}
		}
		while (next < pos + n) {
			size_t j;

			do
				j = (size_t)rng_below(g, size);
			while (res[j].wbin == DEAD);
			res[j].wbin = DEAD;
			if (size == cap) {
				if (cap < full)
					res = xrealloc(res, (cap = full) * sizeof *res);
				else
					size = compact(res, size);
			}
			res[size++] = blk[next - pos];
			w *= exp(log(rng_uniform_pos(g)) / (double)k);
			next = advance(next + 1, floor(log(rng_uniform_pos(g)) / log1p(-w)));
		}
		pos += n;
	}
	*n_kept = compact(res, size);
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
