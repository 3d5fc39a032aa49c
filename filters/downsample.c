/* downsample: keep an exact-size uniform random subset of the events
 * (--n, reservoir sampling) or each event with probability F (--fraction,
 * Bernoulli thinning); order kept.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * --n holds the sample (16 bytes per kept event); --fraction streams in
 * constant memory. */
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

/* Reservoir sampling, Li's Algorithm L (ACM TOMS 20, 1994): after the
 * reservoir fills, the gaps between replacements are drawn directly, so
 * the cost is O(k (1 + log(N/k))) draws for N events.
 *
 * The sample is held in its k records and leaves in input order without
 * storing positions.  A newcomer takes the record of the event it replaces
 * (a uniform draw over the k records) and is marked a guest there, in its
 * time's bits; the field of its wbin carries its rank among the newcomers
 * of the batch in the high bits and wbin + 1 in the low ones.  A sweep
 * moves the unmarked events to the front (they are in input order), sorts
 * the guests behind them by that field and gives them back their wbins.
 * A batch ends with the stream, or when its ranks would no longer fit
 * beside the largest wbin seen: streams whose wbins are below 2^12 sweep
 * once per 2^20 newcomers or less often (once at the end for most), at a
 * cost of O(k) moves each.  Wbins too large to leave room for
 * max(k/16, 1024) ranks are set aside instead: 4 bytes per newcomer of a
 * batch of that size, the field holding the rank alone. */

struct reservoir {
	struct ev_event *ev;	/* the records, in input order after a sweep */
	size_t k, have, alloc;
	uint64_t nt;		/* newcomers in the batch, ranks 0..nt-1 */
	uint64_t batch_max;	/* the nt that ends the batch */
	uint32_t wmax;		/* the largest wbin + 1 held (unsigned) */
	unsigned wbits;		/* low bits of a guest's field holding wbin + 1 */
	bool aside;		/* the batch's wbins in set_aside, by rank */
	uint32_t *set_aside;
};

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

/* The wbin field's bits: a guest's rank (and wbin + 1) while it is one. */
static inline uint32_t
wbin_bits(const struct ev_event *e)
{
	return (uint32_t)e->wbin;	/* modulo 2^32: the same bits */
}

/* wbin + 1 as unsigned: 0 for -1 (no bin) up to 2^31. */
static inline uint32_t
wbin_plus_one(const struct ev_event *e)
{
	return wbin_bits(e) + 1;
}

static inline void
set_wbin_bits(struct ev_event *e, uint32_t u)
{
	memcpy(&e->wbin, &u, sizeof u);
}

static inline void
swap_events(struct ev_event *a, struct ev_event *b)
{
	struct ev_event t = *a;

	*a = *b;
	*b = t;
}

/* The unmarked events of ev[0..k) to the front in their order, run by run;
 * returns where the guests begin.  The guests seen so far, ev[w..r), trade
 * places with each run in chunks no longer than them (so a chunk's two
 * ranges are apart): each unmarked event moves once, the guests' order is
 * lost (their fields restore it). */
static size_t
guests_to_back(struct ev_event *ev, size_t k)
{
	size_t w = 0;

	for (size_t r = 0; r < k;) {
		size_t run = 0;

		while (r < k && is_guest(&ev[r]))
			r++;
		while (r + run < k && !is_guest(&ev[r + run]))
			run++;
		if (w == r) {
			w += run;
			r += run;
			continue;
		}
		while (run > 0) {
			size_t c = run < r - w ? run : r - w;

			for (size_t i = 0; i < c; i++)
				swap_events(&ev[w + i], &ev[r + i]);
			w += c;
			r += c;
			run -= c;
		}
	}
	return w;
}

/* Guests by their fields (distinct), in place: American flag sort (each
 * pass's writes go to 256 places in order, not all over the block) on the
 * byte at `shift`, then the next byte within each bucket. */
static void
sort_guests(struct ev_event *g, size_t n, int shift)
{
	size_t start[257] = { 0 }, next[256];

	if (n < 32) {
		for (size_t i = 1; i < n; i++)
			for (size_t y = i; y > 0 && wbin_bits(&g[y - 1]) > wbin_bits(&g[y]); y--)
				swap_events(&g[y - 1], &g[y]);
		return;
	}
	for (size_t i = 0; i < n; i++)
		start[(wbin_bits(&g[i]) >> shift & 0xFF) + 1]++;
	for (size_t b = 0; b < 256; b++) {
		start[b + 1] += start[b];
		next[b] = start[b];
	}
	for (size_t b = 0; b < 256; b++)
		while (next[b] < start[b + 1]) {
			size_t y = next[b], bb = wbin_bits(&g[y]) >> shift & 0xFF;

			if (bb == b)
				next[b]++;
			else
				swap_events(&g[y], &g[next[bb]++]);
		}
	if (shift > 0)
		for (size_t b = 0; b < 256; b++)
			sort_guests(g + start[b], start[b + 1] - start[b], shift - 8);
}

/* The k records into input order, all unmarked. */
static void
sweep(struct reservoir *r)
{
	uint32_t mask = (UINT32_C(1) << r->wbits) - 1;	/* wbits <= 22 */
	uint64_t top;		/* no field is above it */
	int shift = 0;
	size_t w;

	if (r->nt == 0)
		return;
	top = (r->nt - 1) << r->wbits | mask;
	while (shift < 24 && top >> (shift + 8) != 0)
		shift += 8;
	w = guests_to_back(r->ev, r->k);
	sort_guests(r->ev + w, r->k - w, shift);
	for (size_t i = w; i < r->k; i++) {
		uint32_t f = wbin_bits(&r->ev[i]);

		set_wbin_bits(&r->ev[i], (r->aside ? r->set_aside[f] : f & mask) - 1);
		unmark_guest(&r->ev[i]);
	}
}

/* A new batch: as many ranks as the largest wbin leaves room for, or
 * max(k/16, 1024) with the wbins set aside when that is more. */
static void
start_batch(struct reservoir *r)
{
	uint64_t aside_max = r->k / 16 > 1024 ? r->k / 16 : 1024;
	unsigned wbits = 0;

	if (aside_max > UINT64_C(1) << 32)
		aside_max = UINT64_C(1) << 32;
	while (wbits < 32 && r->wmax >> wbits != 0)
		wbits++;
	r->nt = 0;
	r->aside = UINT64_C(1) << (32 - wbits) < aside_max;
	if (r->aside) {
		r->wbits = 0;
		r->batch_max = aside_max;
		if (!r->set_aside)
			r->set_aside = xmalloc((size_t)aside_max * sizeof *r->set_aside);
	} else {
		r->wbits = wbits;
		r->batch_max = UINT64_C(1) << (32 - wbits);
	}
}

/* Event e replaces a uniformly drawn one of the k. */
static void
take_newcomer(struct reservoir *r, const struct ev_event *e, struct rng *g)
{
	uint32_t w1 = wbin_plus_one(e);
	size_t j;

	r->wmax = w1 > r->wmax ? w1 : r->wmax;
	/* Full, or its ranks no longer fit beside this wbin (only a new
	 * largest can fail to: wbits was counted from the largest). */
	if (r->nt == r->batch_max || (!r->aside && w1 >> r->wbits != 0)) {
		sweep(r);
		start_batch(r);
	}
	j = (size_t)rng_below(g, r->k);
	r->ev[j] = *e;
	mark_guest(&r->ev[j]);
	if (r->aside) {
		r->set_aside[r->nt] = w1;
		set_wbin_bits(&r->ev[j], (uint32_t)r->nt);
	} else {
		set_wbin_bits(&r->ev[j], (uint32_t)r->nt << r->wbits | w1);
	}
	r->nt++;
}

/* Returns the sample in input order, its size in *n_kept. */
static struct ev_event *
reservoir(struct ev_reader *in, uint64_t k, struct rng *g, size_t *n_kept,
	  uint64_t *n_seen)
{
	struct reservoir r = { .k = (size_t)k };
	uint64_t pos = 0, next = UINT64_MAX;
	double w = 0;
	struct ev_event *blk;
	size_t n;

	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t i = 0;

		/* Grow with the stream rather than allocating --n up front:
		 * a huge --n on a short stream must not exhaust memory. */
		while (i < n && r.have < r.k) {
			uint32_t w1 = wbin_plus_one(&blk[i]);

			if (r.have == r.alloc) {
				r.alloc = r.alloc ? 2 * r.alloc : 4096;
				if (r.alloc > r.k)
					r.alloc = r.k;
				r.ev = xrealloc(r.ev, r.alloc * sizeof *r.ev);
			}
			r.wmax = w1 > r.wmax ? w1 : r.wmax;
			r.ev[r.have++] = blk[i++];
			if (r.have == r.k) {
				start_batch(&r);
				w = exp(log(rng_uniform_pos(g)) / (double)k);
				next = advance(pos + i, floor(log(rng_uniform_pos(g)) / log1p(-w)));
			}
		}
		while (next < pos + n) {
			take_newcomer(&r, &blk[next - pos], g);
			w *= exp(log(rng_uniform_pos(g)) / (double)k);
			next = advance(next + 1, floor(log(rng_uniform_pos(g)) / log1p(-w)));
		}
		pos += n;
	}
	sweep(&r);
	free(r.set_aside);
	*n_kept = r.have;
	*n_seen = pos;
	return r.ev;
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
