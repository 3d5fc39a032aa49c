/* wbin: assign each event the index of its wavelength bin; cut the rest.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Bin i is [edge_i, edge_i+1); the last bin is closed, [edge_K-1, edge_K].
 * Events outside every bin, and events without a wavelength (NaN), are cut.
 * Edges are converted to float once and every comparison is made at float
 * precision, the precision of the stored wavelengths: an edge "0.6" then
 * means exactly the wavelength a writer stored for 0.6.  The metadata keeps
 * the edges as given ("wbins": {"edges": [...]}). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"

#define WBIN_MAX_BINS 1000000	/* evinfo and the analyzers count per bin */

static const char usage_text[] =
	"usage: wbin --edges E0,E1,...,EK [-o FILE]\n"
	"       wbin --n K [--log] --min NM --max NM [-o FILE]\n"
	"Set each event's wbin to the index of its wavelength bin: bin i is\n"
	"[edge_i, edge_i+1), the last bin [edge_K-1, edge_K] is closed.  Events\n"
	"outside every bin and events without a wavelength (NaN) are cut.  Edges\n"
	"are compared at the stream's float precision.  The edges are recorded\n"
	"in the metadata as \"wbins\": {\"edges\": [...]}.  Time order is kept.\n"
	"\n"
	"  --edges LIST     bin edges in nm, strictly increasing, at least 2\n"
	"  --n K            K bins (1 to 1000000) between --min and --max\n"
	"  --log            with --n: logarithmically spaced edges (else linear)\n"
	"  --min NM         with --n: first edge, nanometres (> 0 with --log)\n"
	"  --max NM         with --n: last edge, nanometres\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --log --min 0.1 --max 1 | evinfo\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_EDGES = CLI_FIRST_PROGRAM_OPTION, OPT_N, OPT_LOG, OPT_MIN, OPT_MAX };

struct opts {
	double *edges;		/* n_edges values, strictly increasing */
	size_t n_edges;
	bool linear;		/* evenly spaced: a direct index computation works */
};

/* Edges of K bins from lo to hi; the end points are exact. */
static double *
spaced_edges(long k, double lo, double hi, bool log_spaced)
{
	double *e = xmalloc((size_t)(k + 1) * sizeof *e);

	for (long i = 0; i <= k; i++) {
		double f = (double)i / (double)k;

		e[i] = log_spaced ? lo * pow(hi / lo, f) : lo + (hi - lo) * f;
	}
	e[0] = lo;
	e[k] = hi;
	return e;
}

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "edges", required_argument, NULL, OPT_EDGES },
		{ "n", required_argument, NULL, OPT_N },
		{ "log", no_argument, NULL, OPT_LOG },
		{ "min", required_argument, NULL, OPT_MIN },
		{ "max", required_argument, NULL, OPT_MAX },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	bool have_min = false, have_max = false, log_spaced = false;
	double min = 0, max = 0;
	long k = 0;
	int c;

	cli_init(argc, argv, "wbin", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_EDGES:
			free(o.edges);
			o.edges = cli_double_list(optarg, "--edges", &o.n_edges);
			break;
		case OPT_N:
			k = cli_long(optarg, "--n");
			if (k < 1 || k > WBIN_MAX_BINS)
				cli_usage_error("--n: must be between 1 and %d: '%s'",
						WBIN_MAX_BINS, optarg);
			break;
		case OPT_LOG:
			log_spaced = true;
			break;
		case OPT_MIN:
			min = cli_double(optarg, "--min");
			have_min = true;
			break;
		case OPT_MAX:
			max = cli_double(optarg, "--max");
			have_max = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (o.edges && k)
		cli_usage_error("--edges and --n are mutually exclusive");
	if (o.edges) {
		if (have_min || have_max || log_spaced)
			cli_usage_error("--min, --max and --log go with --n, not --edges");
		if (o.n_edges < 2)
			cli_usage_error("--edges: at least 2 edges are needed");
		if (o.n_edges - 1 > WBIN_MAX_BINS)
			cli_usage_error("--edges: more than %d bins", WBIN_MAX_BINS);
	} else {
		if (!k)
			cli_usage_error("give the bins with --edges or --n");
		if (!have_min || !have_max)
			cli_usage_error("--n needs both --min and --max");
		if (!(min < max))
			cli_usage_error("--min %g is not less than --max %g", min, max);
		if (log_spaced && !(min > 0))
			cli_usage_error("--log needs --min greater than 0: %g", min);
		o.edges = spaced_edges(k, min, max, log_spaced);
		o.n_edges = (size_t)k + 1;
		/* A branch-free binary search beats the direct computation
		 * (and its correction loops) for a few dozen bins. */
		o.linear = !log_spaced && k > 32;
	}
	for (size_t i = 1; i < o.n_edges; i++) {
		if (!(o.edges[i] > o.edges[i - 1]))
			cli_usage_error("--edges: not strictly increasing: %g after %g",
					o.edges[i], o.edges[i - 1]);
		/* An edge pair that collapses at float precision is an empty bin
		 * whose index no event could get: almost surely a mistake. */
		if (!((float)o.edges[i] > (float)o.edges[i - 1]))
			cli_usage_error("edges %.9g and %.9g are equal at float precision",
					o.edges[i - 1], o.edges[i]);
	}
	return o;
}

/* A table from a wavelength's float bits to its bin, for edges > 0: the
 * bit patterns of positive floats are ordered as their values, so the
 * range [fe[0], fe[k]] cut into cells of 2^shift patterns maps a cell to
 * the bin of its first value, and with at most one inner edge per cell one
 * compare with that edge (kept in the cell, as bits) finishes the job: no
 * search, no branch, one load.  The same bins as the search: both give the
 * largest b < k with fe[b] <= w. */
#define LUT_MAX_CELLS 65536

struct cell {
	uint32_t edge;		/* bits of the bin's upper edge; UINT32_MAX for the last bin */
	int32_t bin;		/* bin of the cell's first value */
};

struct lut {
	uint32_t base;		/* bits of fe[0] */
	uint32_t span;		/* bits of fe[k] - base */
	unsigned shift;
	struct cell *cell;
};

static uint32_t
float_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

/* Fills *t and returns true when the edges allow a table. */
static bool
lut_build(struct lut *t, const float *fe, size_t k)
{
	uint32_t base, span;
	unsigned shift;
	size_t cells, b = 0;

	if (!(fe[0] > 0) || k > LUT_MAX_CELLS)
		return false;
	base = float_bits(fe[0]);
	span = float_bits(fe[k]) - base;
	/* The coarsest cells (smallest table) that still hold one inner edge
	 * at most; finer ones only if the edges need them. */
	for (shift = 32; shift-- > 0;) {
		bool apart = true;

		if ((span >> shift) + 1 > LUT_MAX_CELLS)
			return false;
		for (size_t j = 1; j + 1 < k && apart; j++)
			apart = (float_bits(fe[j + 1]) - base) >> shift != (float_bits(fe[j]) - base) >> shift;
		if (apart)
			break;
		if (shift == 0)
			return false;
	}
	cells = (span >> shift) + 1;
	t->base = base;
	t->span = span;
	t->shift = shift;
	t->cell = xmalloc(cells * sizeof *t->cell);
	for (size_t c = 0; c < cells; c++) {
		uint32_t lo = base + (uint32_t)(c << shift);

		while (b + 1 < k && float_bits(fe[b + 1]) <= lo)
			b++;
		t->cell[c].bin = (int32_t)b;
		/* The last bin is closed: w == fe[k] stays in it. */
		t->cell[c].edge = b + 1 < k ? float_bits(fe[b + 1]) : UINT32_MAX;
	}
	return true;
}

/* Bin and cut a block through the table; returns the events kept. */
static size_t
bin_block_lut(const struct lut *t, struct ev_event *blk, size_t n)
{
	/* Locals: the stores to blk could otherwise alias *t, reloaded each event. */
	const struct cell *cell = t->cell;
	uint32_t base = t->base, span = t->span;
	unsigned shift = t->shift;
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		/* The reader lets through only w >= 0, -0 and NaN: |w|'s bits
		 * are in range exactly when fe[0] <= w <= fe[k] (NaN's lie
		 * above infinity's, -0's below fe[0]'s). */
		uint32_t u = float_bits(blk[i].wavelength) & 0x7fffffffu, d = u - base;
		bool in = d <= span;
		struct cell c = cell[in ? d >> shift : 0];

		blk[kept] = blk[i];
		blk[kept].wbin = c.bin + (u >= c.edge);
		kept += in;
	}
	return kept;
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct ev_writer *out;
	struct ev_event *blk;
	size_t n, k = o.n_edges - 1;
	float *fe = xmalloc(o.n_edges * sizeof *fe);
	double scale;
	struct lut t;
	bool use_lut;

	for (size_t i = 0; i < o.n_edges; i++)
		fe[i] = (float)o.edges[i];
	/* The guess from `scale` is corrected against fe[], so it needs only be
	 * close; fe[] alone decides. */
	scale = (double)k / ((double)fe[k] - (double)fe[0]);
	use_lut = lut_build(&t, fe, k);
	meta_set_wbin_edges(meta, o.edges, o.n_edges);
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	while ((n = ev_read_block(in, &blk)) > 0) {
		size_t kept = 0;

		if (use_lut) {
			ev_write_block(out, blk, bin_block_lut(&t, blk, n));
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			float w = blk[i].wavelength;
			size_t b;

			/* NaN fails both comparisons and is cut with the outsiders. */
			if (!(w >= fe[0] && w <= fe[k]))
				continue;
			if (o.linear) {
				double g = ((double)w - (double)fe[0]) * scale;

				b = g < (double)k ? (size_t)g : k - 1;
				while (b > 0 && w < fe[b])
					b--;
				while (b < k - 1 && w >= fe[b + 1])
					b++;
			} else {
				/* Largest b in [0, k-1] with fe[b] <= w. */
				size_t len = k;

				b = 0;
				while (len > 1) {
					size_t half = len / 2;

					b = fe[b + half] <= w ? b + half : b;
					len -= half;
				}
			}
			blk[kept] = blk[i];
			blk[kept++].wbin = (int32_t)b;
		}
		ev_write_block(out, blk, kept);
	}
	ev_writer_close(out);
	ev_reader_close(in);
	if (use_lut)
		free(t.cell);
	free(fe);
	free(o.edges);
	return EXIT_OK;
}
