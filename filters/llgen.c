/* llgen: synthetic event lists with lightlane variability (DESIGN §5).
 * stdin: optional LLEV source stream (timing, GTIs and, with spectrum kind
 * "source", the wavelengths).  stdout: LLEV stream, time-sorted.
 * Exit: 0 ok, 1 bad --params file or input, 2 usage.
 *
 * Events come from thinning a homogeneous Poisson process of rate
 * R·max(modulation) inside the GTIs: each candidate draws a wavelength from
 * the spectrum and is kept with probability modulation/max.  O(1) memory,
 * except --n (16 B/event, sorted at the end) and a source spectrum (4 B per
 * source event). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ev.h"
#include "frames.h"
#include "genparams.h"
#include "gti.h"
#include "lanesheet.h"
#include "meta.h"
#include "rng.h"
#include "wbinmap.h"

static const char usage_text[] =
	"usage: llgen [--params FILE] [OPTIONS] [--seed N] [--n N] [--explain] [-o FILE]\n"
	"Draw a synthetic event list whose rate is modulated by lightlanes: lanes of\n"
	"pitch p = PITCH*lambda crossed by an aperture moving at SPEED (man llgen).\n"
	"Options override the --params file, which overrides the defaults.\n"
	"\n"
	"  --params FILE      GenerationParameters JSON (meta/generation/NAME.json)\n"
	"  --tstart S         start time, s (default 0)\n"
	"  --duration S       length, s (default 1000)\n"
	"  --rate CPS         mean total rate R, counts/s (default 100, or the\n"
	"                     source's count / exposure)\n"
	"  --spectrum KIND    flat, powerlaw or source (default flat)\n"
	"  --min NM, --max NM wavelength range, nm (default 0.1, 1)\n"
	"  --index A          powerlaw: dN/dlambda ~ lambda^A (default 0)\n"
	"  --background B     isotropic background fraction, [0,1] (default 0.5)\n"
	"  --pitch M          lane pitch per nm of wavelength, m/nm (default 6e6)\n"
	"  --width F          lane width / pitch, (0,1] (default 0.5)\n"
	"  --offset-cell NM   wavelengths within one cell share lane offsets (0.01)\n"
	"  --family DEG[:W]   a lane family across angle DEG, weight W (default 1);\n"
	"                     repeat for more; replaces the file's families\n"
	"  --speed KM_S       telescope speed, km/s (default 30)\n"
	"  --heading DEG      telescope heading, degrees (default 0)\n"
	"  --aperture M       aperture diameter, m (default 1.2)\n"
	"  --geometry G       strips (default) or hex: the original tool's lattice\n"
	"  --pitch-law L      hex spacing law: linear (g = PITCH*lambda, default) or\n"
	"                     exp (g = ALPHA*exp(LUCRETIUS*lambda))\n"
	"  --alpha M          exp law: alpha, m (default 3)\n"
	"  --lucretius K      exp law: exponent, per nm (default -1)\n"
	"  --perp U, --phase U  hex: start across / along the heading, in units of\n"
	"                     the spacing (default 0, 0)\n"
	"  --heading-rate D   hex: heading change, deg/s (default 0)\n"
	"  --n N              exactly N events (holds them: 16 B/event)\n"
	"  --source FILE      take timing/GTIs (and a source spectrum) from FILE\n"
	"                     ('-' is stdin); by default stdin is used when it is\n"
	"                     a pipe or a non-empty file\n"
	"                     (with \"timedel\", times go on its frame grid)\n"
	"  --no-source        ignore stdin\n"
	"  --explain          print the crossing periods and modulation depth the\n"
	"                     parameters give, and exit without generating\n"
	"  --seed N           random seed (default: params seed, else fresh)\n"
	"  -o, --output F     write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: llgen --params meta/generation/default.json --seed 1 | evinfo\n"
	"         llgen --speed 30 --pitch 6e6 --explain\n"
	"Exit status: 0 ok, 1 bad --params file or input stream, 2 usage error.\n";

enum {
	OPT_PARAMS = CLI_FIRST_PROGRAM_OPTION, OPT_SPECTRUM, OPT_FAMILY, OPT_N,
	OPT_SOURCE, OPT_NO_SOURCE, OPT_EXPLAIN, OPT_GEOMETRY, OPT_PITCH_LAW,
	/* numeric keys, in the order of num_keys[] */
	OPT_NUM0
};

static const struct {
	const char *opt, *key;
} num_keys[] = {
	{ "tstart", "tstart" },
	{ "duration", "duration_s" },
	{ "rate", "rate_cps" },
	{ "min", "spectrum.min_nm" },
	{ "max", "spectrum.max_nm" },
	{ "index", "spectrum.index" },
	{ "background", "background_fraction" },
	{ "pitch", "lanes.pitch_m_per_nm" },
	{ "width", "lanes.width_fraction" },
	{ "offset-cell", "lanes.offset_cell_nm" },
	{ "speed", "telescope.speed_km_s" },
	{ "heading", "telescope.heading_deg" },
	{ "aperture", "telescope.aperture_m" },
	{ "alpha", "lanes.alpha_m" },
	{ "lucretius", "lanes.lucretius_per_nm" },
	{ "perp", "telescope.perp" },
	{ "phase", "telescope.phase" },
	{ "heading-rate", "telescope.heading_rate_deg_s" },
};
#define N_NUM (sizeof num_keys / sizeof num_keys[0])

struct opts {
	const char *params;
	bool num_set[N_NUM];
	double num[N_NUM];
	bool kind_set;
	enum genparams_kind kind;
	size_t n_families;
	struct lanesheet_family family[LANESHEET_MAX_FAMILIES];
	bool exact_n;
	uint64_t n;
	const char *source;	/* path, "-", or NULL */
	bool no_source, explain;
	int geometry, pitch_law;	/* -1 unset, else 0/1 as in genparams */
};

static int
choice(const char *arg, const char *opt, const char *a, const char *b)
{
	if (strcmp(arg, a) == 0)
		return 0;
	if (strcmp(arg, b) != 0)
		cli_usage_error("%s: expected %s or %s, got '%s'", opt, a, b, arg);
	return 1;
}

static struct opts
parse_options(int argc, char **argv)
{
	static struct option long_opts[N_NUM + 14] = {
		{ "params", required_argument, NULL, OPT_PARAMS },
		{ "spectrum", required_argument, NULL, OPT_SPECTRUM },
		{ "family", required_argument, NULL, OPT_FAMILY },
		{ "n", required_argument, NULL, OPT_N },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "no-source", no_argument, NULL, OPT_NO_SOURCE },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "geometry", required_argument, NULL, OPT_GEOMETRY },
		{ "pitch-law", required_argument, NULL, OPT_PITCH_LAW },
		CLI_OPT_SEED, CLI_OPT_OUTPUT, CLI_OPT_HELP,
	};
	struct opts o = { .geometry = -1, .pitch_law = -1 };
	size_t base = 13;
	int c;

	for (size_t i = 0; i < N_NUM; i++)
		long_opts[base + i] = (struct option){ num_keys[i].opt, required_argument,
						       NULL, OPT_NUM0 + (int)i };
	long_opts[base + N_NUM] = (struct option)CLI_OPT_END;

	cli_init(argc, argv, "llgen", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		if (c >= OPT_NUM0 && c < OPT_NUM0 + (int)N_NUM) {
			size_t i = (size_t)(c - OPT_NUM0);
			char opt[32];
			const char *rule;

			snprintf(opt, sizeof opt, "--%s", num_keys[i].opt);
			o.num[i] = cli_double(optarg, opt);
			if ((rule = genparams_value_rule(num_keys[i].key, o.num[i])))
				cli_usage_error("%s: %s, got '%s'", opt, rule, optarg);
			o.num_set[i] = true;
			continue;
		}
		switch (c) {
		case OPT_PARAMS:
			o.params = optarg;
			break;
		case OPT_SPECTRUM:
			if (!genparams_kind_parse(optarg, &o.kind))
				cli_usage_error("--spectrum: expected flat, powerlaw or source, got '%s'",
						optarg);
			o.kind_set = true;
			break;
		case OPT_FAMILY: {
			char *copy = xstrdup(optarg), *colon = strchr(copy, ':');
			struct lanesheet_family f = { 0, 1 };

			if (o.n_families == LANESHEET_MAX_FAMILIES)
				cli_usage_error("--family: at most %d families", LANESHEET_MAX_FAMILIES);
			if (colon)
				*colon = '\0';
			f.angle_deg = cli_double(copy, "--family");
			if (colon)
				f.weight = cli_double(colon + 1, "--family");
			if (!(f.weight > 0))
				cli_usage_error("--family: weight must be greater than 0, got '%s'",
						optarg);
			o.family[o.n_families++] = f;
			free(copy);
			break;
		}
		case OPT_N:
			o.n = cli_u64(optarg, "--n");
			o.exact_n = true;
			break;
		case OPT_SOURCE:
			o.source = optarg;
			break;
		case OPT_NO_SOURCE:
			o.no_source = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_GEOMETRY:
			o.geometry = choice(optarg, "--geometry", "strips", "hex");
			break;
		case OPT_PITCH_LAW:
			o.pitch_law = choice(optarg, "--pitch-law", "linear", "exp");
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (o.source && o.no_source)
		cli_usage_error("--source and --no-source exclude each other");
	return o;
}

/* Defaults, then the --params file (status 1 on a bad one), then options. */
static struct genparams
resolve_params(const struct opts *o)
{
	struct genparams gp;
	char why[1024];
	double *dst[N_NUM];

	genparams_defaults(&gp);
	if (o->params && !genparams_load(&gp, o->params, why, sizeof why))
		die(EXIT_RUNTIME, "%s", why);
	dst[0] = &gp.tstart; dst[1] = &gp.duration_s; dst[2] = &gp.rate_cps;
	dst[3] = &gp.min_nm; dst[4] = &gp.max_nm; dst[5] = &gp.index;
	dst[6] = &gp.background_fraction; dst[7] = &gp.pitch_m_per_nm;
	dst[8] = &gp.width_fraction; dst[9] = &gp.offset_cell_nm;
	dst[10] = &gp.speed_km_s; dst[11] = &gp.heading_deg; dst[12] = &gp.aperture_m;
	dst[13] = &gp.alpha_m; dst[14] = &gp.lucretius_per_nm; dst[15] = &gp.perp;
	dst[16] = &gp.phase; dst[17] = &gp.heading_rate_deg_s;
	if (o->geometry >= 0)
		gp.hex = o->geometry == 1;
	if (o->pitch_law >= 0)
		gp.pitch_law = o->pitch_law == 1 ? LATTICE_EXP : LATTICE_LINEAR;
	for (size_t i = 0; i < N_NUM; i++)
		if (o->num_set[i])
			*dst[i] = o->num[i];
	if (o->num_set[2])
		gp.has_rate = true;
	if (o->kind_set)
		gp.kind = o->kind;
	if (o->n_families) {
		gp.n_families = o->n_families;
		memcpy(gp.family, o->family, o->n_families * sizeof o->family[0]);
	}
	if (cli_seed_given() || !gp.has_seed) {
		gp.seed = cli_seed();
		gp.has_seed = true;
	}
	if (!genparams_check(&gp, why, sizeof why))
		cli_usage_error("%s", why);
	return gp;
}


/* --- The source stream --------------------------------------------------- */

struct source {
	const char *name;
	json_t *meta;		/* deep copy of the source metadata */
	struct gti_list gti;
	double tstart;
	uint64_t n_events, n_in_band;	/* n_in_band: inside the GTIs too */
	uint64_t n_no_wave;		/* inside the GTIs, no wavelength (HRC) */
	float *pool;		/* wavelengths in [min_nm, max_nm] (kind source) */
	size_t n_pool;
	struct frame_grid frames;	/* the source's, anchored on its first event */
};

/* Whether stdin carries a stream to read: a pipe, or a non-empty file. */
static bool
stdin_has_stream(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) != 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	       (S_ISREG(st.st_mode) && st.st_size > 0);
}

static bool
read_source(const struct opts *o, const struct genparams *gp, struct source *src)
{
	struct ev_reader *in;
	struct ev_event *blk;
	size_t n, cap = 0;
	double first = NAN, last = NAN, tstop;
	float lo = (float)gp->min_nm, hi = (float)gp->max_nm;
	bool keep = gp->kind == GENPARAMS_SOURCE, have_gti;
	size_t cursor = 0;
	char why[256];

	memset(src, 0, sizeof *src);
	if (o->source && strcmp(o->source, "-") != 0) {
		src->name = o->source;
		in = ev_reader_open_path(o->source);
	} else if (o->source || (!o->no_source && stdin_has_stream())) {
		src->name = "stdin";
		in = ev_reader_open(STDIN_FILENO, "stdin");
	} else {
		return false;
	}
	src->meta = json_deep_copy(ev_reader_meta(in));
	if (!frame_grid_from_meta(src->meta, true, &src->frames, why, sizeof why))
		die(EXIT_RUNTIME, "%s: metadata: %s", src->name, why);
	/* Only events inside the GTIs count towards the rate: a level-1 file
	 * holds many outside them, which the pipeline's A drops. */
	have_gti = meta_gti(src->meta, &src->gti);
	while ((n = ev_read_block(in, &blk)) > 0) {
		if (src->n_events == 0) {
			first = blk[0].time;
			frame_grid_anchor(&src->frames, first);	/* a stamp of the data */
		}
		wbinmap_require_within(src->meta, blk, n, src->n_events, src->name);
		src->n_events += n;
		for (size_t i = 0; i < n; i++) {
			float w = blk[i].wavelength;

			last = blk[i].time > last || isnan(last) ? blk[i].time : last;
			first = blk[i].time < first ? blk[i].time : first;
			if (have_gti && !gti_contains_sorted(&src->gti, blk[i].time, &cursor))
				continue;
			if (isnan(w))
				src->n_no_wave++;
			if (!(w >= lo && w <= hi) || !(w > 0))
				continue;
			src->n_in_band++;
			if (!keep)
				continue;
			if (src->n_pool == cap)
				src->pool = xrealloc(src->pool, (cap = cap ? 2 * cap : 65536)
						     * sizeof *src->pool);
			src->pool[src->n_pool++] = w;
		}
	}
	ev_reader_close(in);

	if (!have_gti) {
		double a, b;

		if (meta_number(src->meta, "tstart", &a) && meta_number(src->meta, "tstop", &b)) {
			src->gti.iv = xmalloc(sizeof *src->gti.iv);
			src->gti.iv[0] = (struct gti){ a, b };
			src->gti.n = 1;
		} else if (src->n_events > 0) {
			src->gti.iv = xmalloc(sizeof *src->gti.iv);
			src->gti.iv[0] = (struct gti){ first, last };
			src->gti.n = 1;
		}
		gti_normalize(&src->gti);
	}
	if (src->gti.n == 0 || !(gti_exposure(&src->gti) > 0))
		die(EXIT_RUNTIME, "%s: source has no GTIs, tstart/tstop or events to take "
		    "the timing from", src->name);
	tstop = src->gti.iv[src->gti.n - 1].stop;
	if (!meta_number(src->meta, "tstart", &src->tstart) || !(src->tstart <= src->gti.iv[0].start))
		src->tstart = src->gti.iv[0].start;
	(void)tstop;
	if (keep && src->n_pool == 0)
		die(EXIT_RUNTIME, "%s: no source wavelengths in [%g, %g] nm to resample",
		    src->name, gp->min_nm, gp->max_nm);
	return true;
}


/* --- The generator ------------------------------------------------------- */

#define PHASE_CACHE 1024	/* wavelength cells whose phases are kept */

struct gen {
	struct lanesheet ls;
	double b, mod_max;
	double wn[LANESHEET_MAX_FAMILIES];	/* (1-b) w_j / (W f) */
	/* The lane phases of recent wavelength cells (direct-mapped on the
	 * cell's low bits; tag UINT64_MAX: empty): with offset_cell_nm 0.01
	 * a spectrum spans a few hundred cells, so the hash of each family's
	 * phase is computed once per cell, not once per candidate. */
	uint64_t *phase_tag;
	double *phase;		/* PHASE_CACHE x n_families */
	double radius_m;
	enum genparams_kind kind;
	double lo, span, a1, lo_a1, span_a1, log_ratio;
	const float *pool;
	size_t n_pool;
	struct rng r_time, r_wave, r_accept;
	bool hex;		/* §5b lattice instead of the strips */
	struct lattice lt;
	double cand_max;	/* candidate rate / R: mod_max, or env_mean (hex) */
	double env_mean;	/* hex: mean of env(λ) over the spectrum */
	double last_env, last_g;	/* hex: env and spacing of the last draw */
	double *cell_env, *alias_prob;	/* hex, flat/powerlaw: HEX_CELLS cells */
	uint32_t *alias;
	double *cell_lam0, *cell_g0;	/* exp law: each cell's first λ and g there */
	bool cell_taylor;	/* g from cell_g0 by a Taylor series (see below) */
	char refusal[320];	/* why these parameters cannot be drawn; "" if they can */
	struct cand_batch *cb;	/* generate_stream's candidates */
};

/* Candidates are drawn and thinned CAND_BATCH at a time, each step a loop
 * of its own over the batch: the random streams run back to back, and the
 * strips' lane arithmetic runs without a branch or a call, two candidates
 * at a time. */
#define CAND_BATCH 256

typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2i64 __attribute__((vector_size(16)));

struct cand_batch {
	double s[CAND_BATCH];		/* from the GTI start */
	double dt[CAND_BATCH];		/* from t0 */
	double inv_p[CAND_BATCH], rho[CAND_BATCH];
	double ua[CAND_BATCH];		/* the acceptance draws */
	double m[CAND_BATCH];		/* strips: the modulation, away from edges */
	int64_t edge[CAND_BATCH];	/* strips: != 0 at a lane edge (or a huge phase) */
	double env[CAND_BATCH], sp[CAND_BATCH];	/* hex: envelope and spacing */
	double u1[CAND_BATCH], u2[CAND_BATCH];	/* hex: the alias table's draws */
	uint16_t count[CAND_BATCH];	/* hex: the candidates that need a count */
	float w[CAND_BATCH];
	unsigned char keep[CAND_BATCH];
	double ph[LANESHEET_MAX_FAMILIES][CAND_BATCH];	/* lane phase offsets */
};

/* Quantile cells of a flat or powerlaw spectrum, each with its own
 * envelope (hex). */
#define HEX_CELLS 4096

/* Candidates per kept event beyond which the hex envelope is refused. */
#define HEX_MAX_ENVELOPE 1e4

static float wavelength_at(const struct gen *g, double u);

/* The rate envelope at spacing sp: b + (1 − b)·(bound of M). */
static inline double
hex_env(const struct gen *g, double sp)
{
	return g->b + (1 - g->b) * lattice_bound_at(&g->lt, sp);
}

/* The mean envelope over a source pool (exact): candidates come at R times
 * this, with wavelengths drawn in proportion to S(λ)·env(λ). */
static double
hex_env_mean(const struct gen *g)
{
	double sum = 0;

	for (size_t i = 0; i < g->n_pool; i++)
		sum += hex_env(g, lattice_spacing(&g->lt, g->pool[i]));
	return sum / (double)g->n_pool;
}

/* Flat or powerlaw spectrum: HEX_CELLS equal-probability cells in quantile
 * space, each with the largest envelope over its spacings (padded by 1e-6
 * for the f32 rounding of λ), and Walker's alias table (Vose's build) to
 * pick a cell in proportion to it: O(1) per candidate, no rejection loop,
 * and the candidate rate R·mean(cell_env) is barely above R·mean(env). */
static double
hex_build_cells(struct gen *g)
{
	enum { K = HEX_CELLS };
	uint32_t *small = xmalloc(K * sizeof *small), *large = xmalloc(K * sizeof *large);
	size_t ns = 0, nl = 0;
	double sum = 0;

	g->cell_env = xmalloc(K * sizeof *g->cell_env);
	g->alias_prob = xmalloc(K * sizeof *g->alias_prob);
	g->alias = xmalloc(K * sizeof *g->alias);
	double max_step = 0;

	g->cell_lam0 = xmalloc(K * sizeof *g->cell_lam0);
	g->cell_g0 = xmalloc(K * sizeof *g->cell_g0);
	for (uint32_t c = 0; c < K; c++) {
		double ga = lattice_spacing(&g->lt, wavelength_at(g, (double)c / K));
		double gb = lattice_spacing(&g->lt, wavelength_at(g, (c + 1.0) / K));
		double lo = fmin(ga, gb) * (1 - 1e-6), hi = fmax(ga, gb) * (1 + 1e-6);

		g->cell_env[c] = g->b + (1 - g->b) * lattice_coverage_bound(&g->lt, lo, hi);
		sum += g->cell_env[c];
		/* The cell's λ range, widened for the f32 rounding of λ. */
		g->cell_lam0[c] = wavelength_at(g, (double)c / K);
		g->cell_g0[c] = lattice_spacing(&g->lt, g->cell_lam0[c]);
		max_step = fmax(max_step, fabs((double)wavelength_at(g, (c + 1.0) / K) -
					       g->cell_lam0[c]) + 1e-6 * g->cell_lam0[c]);
	}
	/* exp(L·λ) = exp(L·λ0)·exp(L·(λ − λ0)): with |L·(λ − λ0)| <= 1e-2 the
	 * series to x^6/720 is exact to rounding (next term < 2e-18) and saves
	 * a libm call per candidate. */
	g->cell_taylor = g->lt.law == LATTICE_EXP &&
			 fabs(g->lt.lucretius_per_nm) * max_step <= 1e-2;
	for (uint32_t c = 0; c < K; c++) {
		g->alias_prob[c] = g->cell_env[c] * K / sum;
		g->alias[c] = c;
		if (g->alias_prob[c] < 1)
			small[ns++] = c;
		else
			large[nl++] = c;
	}
	while (ns > 0 && nl > 0) {
		uint32_t s = small[--ns], l = large[nl - 1];

		g->alias[s] = l;
		g->alias_prob[l] -= 1 - g->alias_prob[s];
		if (g->alias_prob[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	/* What is left is 1 up to rounding. */
	while (nl > 0)
		g->alias_prob[large[--nl]] = 1;
	while (ns > 0)
		g->alias_prob[small[--ns]] = 1;
	free(small);
	free(large);
	return sum / K;
}

/* The lattice's envelope: the largest M over the spectrum's spacings. */
static void
gen_init_hex(struct gen *g, const struct genparams *gp, double t0)
{
	char why[256];
	double ga, gb, bound;

	if (!genparams_lattice(gp, t0, &g->lt, why, sizeof why))
		die(EXIT_USAGE, "%s", why);	/* unreachable: values were checked */
	g->hex = true;
	ga = lattice_spacing(&g->lt, gp->min_nm);
	gb = lattice_spacing(&g->lt, gp->max_nm);
	bound = lattice_coverage_bound(&g->lt, fmin(ga, gb), fmax(ga, gb));
	g->mod_max = g->b + (1 - g->b) * bound;
	if (g->mod_max > HEX_MAX_ENVELOPE)
		snprintf(g->refusal, sizeof g->refusal, "lanes: hex lattice of spacing up to %.4g m "
			 "against an aperture of %g m: one point in it is %.3g times the mean rate, "
			 "too sparse to draw by thinning (limit %g); use a smaller spacing or a "
			 "larger aperture", fmax(ga, gb), gp->aperture_m, bound, HEX_MAX_ENVELOPE);
	g->env_mean = g->kind == GENPARAMS_SOURCE ? hex_env_mean(g) : hex_build_cells(g);
	g->cand_max = g->env_mean;
}

static void
gen_init(struct gen *g, const struct genparams *gp, double t0, const struct source *src)
{
	char why[256];
	double f = gp->width_fraction;

	memset(g, 0, sizeof *g);
	if (!genparams_lanesheet(gp, t0, &g->ls, why, sizeof why))
		die(EXIT_USAGE, "%s", why);	/* unreachable: values were checked */
	g->b = gp->background_fraction;
	g->mod_max = g->b + (1 - g->b) / f;
	for (size_t j = 0; j < gp->n_families; j++)
		g->wn[j] = (1 - g->b) * gp->family[j].weight / (g->ls.weight_sum * f);
	g->radius_m = 0.5 * gp->aperture_m;
	g->kind = gp->kind;
	g->lo = gp->min_nm;
	g->span = gp->max_nm - gp->min_nm;
	g->a1 = gp->index + 1;
	g->log_ratio = log(gp->max_nm / gp->min_nm);
	if (fabs(g->a1) > 1e-12) {
		g->lo_a1 = pow(gp->min_nm, g->a1);
		g->span_a1 = pow(gp->max_nm, g->a1) - g->lo_a1;
	}
	if (src) {
		g->pool = src->pool;
		g->n_pool = src->n_pool;
	}
	/* Independent streams: changing the lanes keeps the candidate times and
	 * wavelengths (common random numbers for the parameter search). */
	g->r_time = rng_split(gp->seed, 1);
	g->r_wave = rng_split(gp->seed, 2);
	g->r_accept = rng_split(gp->seed, 3);
	g->cand_max = g->mod_max;
	g->phase_tag = xmalloc(PHASE_CACHE * sizeof *g->phase_tag);
	g->phase = xmalloc(PHASE_CACHE * (g->ls.n_families ? g->ls.n_families : 1) * sizeof *g->phase);
	for (size_t i = 0; i < PHASE_CACHE; i++)
		g->phase_tag[i] = UINT64_MAX;
	/* calloc: the batch's tail past the candidates drawn is read (and
	 * ignored); it must hold finite numbers from the start. */
	g->cb = xcalloc(1, sizeof *g->cb);
	for (size_t i = 0; i < CAND_BATCH; i++)
		g->cb->w[i] = 1;
	if (gp->hex)
		gen_init_hex(g, gp, t0);
}

static void
gen_free(struct gen *g)
{
	free(g->phase_tag);
	free(g->phase);
	free(g->cell_env);
	free(g->alias_prob);
	free(g->alias);
	free(g->cell_lam0);
	free(g->cell_g0);
	free(g->cb);
}

/* The flat or powerlaw spectrum's quantile at u in [0, 1). */
static inline float
wavelength_at(const struct gen *g, double u)
{
	if (g->kind == GENPARAMS_POWERLAW) {
		if (g->span_a1 != 0)
			return (float)pow(g->lo_a1 + u * g->span_a1, 1 / g->a1);
		return (float)(g->lo * exp(u * g->log_ratio));
	}
	return (float)(g->lo + g->span * u);
}

static inline float
draw_spectrum(struct gen *g)
{
	if (g->kind == GENPARAMS_SOURCE)
		return g->pool[rng_below(&g->r_wave, g->n_pool)];
	return wavelength_at(g, rng_uniform(&g->r_wave));
}

/* Hex: a wavelength with density ∝ S(λ)·env(λ) (cell envelopes through
 * the alias table, or by rejection against the largest envelope for a
 * source pool); its spacing and envelope are kept for accept(). */
static float
draw_wavelength_hex(struct gen *g)
{
	if (g->cell_env) {
		double x = rng_uniform(&g->r_wave) * HEX_CELLS;
		uint32_t c = (uint32_t)x;
		float w;

		if (x - c >= g->alias_prob[c])
			c = g->alias[c];
		w = wavelength_at(g, (c + rng_uniform(&g->r_wave)) * (1.0 / HEX_CELLS));
		g->last_env = g->cell_env[c];
		if (g->cell_taylor) {
			double e = g->lt.lucretius_per_nm * ((double)w - g->cell_lam0[c]);

			g->last_g = g->cell_g0[c] * (1 + e * (1 + e * (1.0 / 2 + e * (1.0 / 6 +
				    e * (1.0 / 24 + e * (1.0 / 120 + e * (1.0 / 720)))))));
		} else {
			g->last_g = lattice_spacing(&g->lt, w);
		}
		return w;
	}
	for (;;) {
		float w = draw_spectrum(g);
		double sp = lattice_spacing(&g->lt, w), e = hex_env(g, sp);

		if (rng_uniform(&g->r_wave) * g->mod_max < e) {
			g->last_env = e;
			g->last_g = sp;
			return w;
		}
	}
}

static inline float
draw_wavelength(struct gen *g)
{
	if (g->hex)
		return draw_wavelength_hex(g);
	return draw_spectrum(g);
}

/* The strips' modulation m = b + Σ_j wn_j M_j at dt = t - t0 and
 * wavelength w, one candidate at a time: the reference for the batches. */
static double
strip_modulation(struct gen *g, double dt, float w)
{
	const struct lanesheet *ls = &g->ls;
	double inv_p, rho, m = g->b;
	double *phase;
	uint64_t cell;
	size_t slot;

	inv_p = 1.0 / (ls->pitch_m_per_nm * (double)w);
	rho = g->radius_m * inv_p;
	cell = lanesheet_cell(ls, w);
	slot = (size_t)(cell % PHASE_CACHE);
	phase = g->phase + slot * ls->n_families;
	if (g->phase_tag[slot] != cell) {
		for (size_t j = 0; j < ls->n_families; j++)
			phase[j] = lanesheet_cell_phase(ls, j, cell);
		g->phase_tag[slot] = cell;
	}
	for (size_t j = 0; j < ls->n_families; j++) {
		double u = lanesheet_frac(ls->v_across[j] * dt * inv_p + phase[j]);

		m += g->wn[j] * lanesheet_coverage_unit(u, ls->width_fraction, rho);
	}
	return m;
}

/* Whether a candidate at time t (dt = t - t0) with wavelength w is kept. */
static inline bool
accept(struct gen *g, double dt, float w)
{
	if (g->mod_max == 1.0)
		return true;
	if (g->hex) {
		double u = rng_uniform(&g->r_accept) * g->last_env;

		/* Below the rate's lower bound at this spacing no count is needed:
		 * most candidates of a dense lattice are decided here. */
		if (u < g->b + (1 - g->b) * lattice_lower_bound_at(&g->lt, g->last_g))
			return true;
		return u < g->b + (1 - g->b) * lattice_coverage_at(&g->lt, g->ls.t0 + dt, g->last_g);
	}
	return rng_uniform(&g->r_accept) * g->mod_max < strip_modulation(g, dt, w);
}

/* Sets c->keep[i] for the n candidates (s, w) of a batch in a GTI that
 * starts dt0 after t0, drawing c->ua from r_accept: the same decisions, bit
 * for bit, as accept() one candidate at a time.  Away from a lane edge each
 * family's coverage is 1 (u < f) or 0, so m = b + Σ_j wn_j·[u_j < f] is
 * summed in strip_modulation()'s order (adding 0 changes nothing); the
 * phase's fraction comes from rounding by 1.5·2^52, the same number as
 * lanesheet_frac's for |x| < 2^51.  Edges and huge phases take
 * strip_modulation(). */
static void
thin_strips(struct gen *g, struct cand_batch *c, size_t n, double dt0)
{
	const struct lanesheet *ls = &g->ls;
	const size_t nf = ls->n_families;
	const double f = ls->width_fraction, pitch = ls->pitch_m_per_nm;
	const double radius = g->radius_m, b = g->b, mod_max = g->mod_max;
	struct rng r = g->r_accept;

	for (size_t i = 0; i < n; i++)
		c->ua[i] = rng_uniform(&r);
	g->r_accept = r;
	/* The lane phases of each candidate's cell, family by family. */
	for (size_t i = 0; i < n; i++) {
		uint64_t cell = lanesheet_cell(ls, c->w[i]);
		size_t slot = (size_t)(cell % PHASE_CACHE);
		double *phase = g->phase + slot * nf;

		if (__builtin_expect(g->phase_tag[slot] != cell, 0)) {
			for (size_t j = 0; j < nf; j++)
				phase[j] = lanesheet_cell_phase(ls, j, cell);
			g->phase_tag[slot] = cell;
		}
		for (size_t j = 0; j < nf; j++)
			c->ph[j][i] = phase[j];
	}
	/* Fixed trip counts from here: the tail past n holds the previous
	 * batch's (finite) values and is ignored. */
	for (size_t i = 0; i < CAND_BATCH; i++) {
		double ip = 1.0 / (pitch * (double)c->w[i]);

		c->inv_p[i] = ip;
		c->rho[i] = radius * ip;
		c->dt[i] = dt0 + c->s[i];
		c->m[i] = b;
		c->edge[i] = 0;
	}
	for (size_t j = 0; j < nf; j++) {
		const double v = ls->v_across[j];
		const v2d magic = { 0x1.8p52, 0x1.8p52 }, huge = { 0x1p51, 0x1p51 };
		const v2i64 one = (v2i64)(v2d){ 1, 1 };
		const v2i64 wn = (v2i64)(v2d){ g->wn[j], g->wn[j] };
		const v2i64 abs_mask = { INT64_MAX, INT64_MAX };

		/* Two at a time with explicit SSE2 vectors: the compiler does not
		 * turn these selects into branch-free code on its own, and a
		 * branch on the lane's parity is a coin toss. */
		for (size_t i = 0; i < CAND_BATCH; i += 2) {
			v2d x, k, u, dt, ip, ph, rho, m;
			v2i64 e;

			memcpy(&dt, c->dt + i, sizeof dt);
			memcpy(&ip, c->inv_p + i, sizeof ip);
			memcpy(&ph, c->ph[j] + i, sizeof ph);
			memcpy(&rho, c->rho + i, sizeof rho);
			memcpy(&m, c->m + i, sizeof m);
			memcpy(&e, c->edge + i, sizeof e);
			x = v * dt * ip + ph;
			k = (x + magic) - magic;		/* x rounded */
			k -= (v2d)((k > x) & one);		/* floor(x) */
			u = x - k;
			e |= (u < rho) | ((v2d)((v2i64)(u - f) & abs_mask) < rho) | (u > 1.0 - rho) |
			     ~((v2d)((v2i64)x & abs_mask) < huge);
			m += (v2d)((u < f) & wn);
			memcpy(c->m + i, &m, sizeof m);
			memcpy(c->edge + i, &e, sizeof e);
		}
	}
	for (size_t i = 0; i < n; i++) {
		double m = __builtin_expect(c->edge[i] != 0, 0)
			   ? strip_modulation(g, c->dt[i], c->w[i]) : c->m[i];

		c->keep[i] = c->ua[i] * mod_max < m;
	}
}

/* The wavelengths of n candidates, in the order draw_spectrum() gives them. */
static void
draw_wavelengths(struct gen *g, float *w, size_t n)
{
	if (g->kind == GENPARAMS_FLAT) {
		/* r_wave in a register: the same numbers as wavelength_at(). */
		struct rng r = g->r_wave;
		const double lo = g->lo, span = g->span;

		for (size_t i = 0; i < n; i++)
			w[i] = (float)(lo + span * rng_uniform(&r));
		g->r_wave = r;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w[i] = draw_spectrum(g);
}

/* draw_batch() for the lattice: draw_wavelength_hex() and accept() for
 * each candidate, the same numbers, in steps over the batch: the alias
 * table's choice without a branch, and the candidates below the rate's
 * lower bound decided before any that needs a point count. */
static void
draw_batch_hex(struct gen *g, struct cand_batch *c, size_t n, double dt0)
{
	const double b = g->b;
	size_t nc = 0;

	if (g->cell_env) {
		struct rng r = g->r_wave;

		for (size_t i = 0; i < n; i++) {
			c->u1[i] = rng_uniform(&r);
			c->u2[i] = rng_uniform(&r);
		}
		g->r_wave = r;
		for (size_t i = 0; i < n; i++) {
			double x = c->u1[i] * HEX_CELLS;
			uint32_t k = (uint32_t)x, alt = g->alias[k];
			float w;

			k = x - k >= g->alias_prob[k] ? alt : k;
			w = wavelength_at(g, (k + c->u2[i]) * (1.0 / HEX_CELLS));
			c->w[i] = w;
			c->env[i] = g->cell_env[k];
			if (g->cell_taylor) {
				double e = g->lt.lucretius_per_nm * ((double)w - g->cell_lam0[k]);

				c->sp[i] = g->cell_g0[k] * (1 + e * (1 + e * (1.0 / 2 + e * (1.0 / 6 +
					   e * (1.0 / 24 + e * (1.0 / 120 + e * (1.0 / 720)))))));
			} else {
				c->sp[i] = lattice_spacing(&g->lt, w);
			}
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			c->w[i] = draw_wavelength_hex(g);
			c->env[i] = g->last_env;
			c->sp[i] = g->last_g;
		}
	}
	if (g->mod_max == 1.0) {
		memset(c->keep, 1, n);
		return;
	}
	{
		struct rng r = g->r_accept;

		for (size_t i = 0; i < n; i++)
			c->ua[i] = rng_uniform(&r) * c->env[i];
		g->r_accept = r;
	}
	for (size_t i = 0; i < n; i++) {
		bool quick = c->ua[i] < b + (1 - b) * lattice_lower_bound_at(&g->lt, c->sp[i]);

		c->keep[i] = quick;
		c->count[nc] = (uint16_t)i;
		nc += !quick;
	}
	for (size_t q = 0; q < nc; q++) {
		size_t i = c->count[q];

		c->keep[i] = c->ua[i] < b + (1 - b) * lattice_coverage_at(&g->lt,
			g->ls.t0 + (dt0 + c->s[i]), c->sp[i]);
	}
}

/* Wavelengths and keep flags for the n candidates of a batch (c->s set)
 * in a GTI that starts dt0 after t0. */
static void
draw_batch(struct gen *g, struct cand_batch *c, size_t n, double dt0)
{
	if (g->hex) {
		draw_batch_hex(g, c, n, dt0);
		return;
	}
	draw_wavelengths(g, c->w, n);
	if (g->mod_max == 1.0)
		memset(c->keep, 1, n);
	else
		thin_strips(g, c, n, dt0);
}

/* With a frame grid (fg not NULL, gti made by frame_gtis) every kept time
 * becomes its frame's stamp; the modulation is that of the arrival time. */
static void
generate_stream(struct gen *g, const struct gti_list *gti, const struct frame_grid *fg,
		double rate, struct ev_writer *out)
{
	struct ev_event *blk = xmalloc(EV_BLOCK_EVENTS * sizeof *blk);
	struct cand_batch *c = g->cb;
	double inv_rate = 1.0 / (rate * g->cand_max);
	double gap[256];	/* the next waiting times, drawn ahead */
	size_t nb = 0, next_gap = 256;

	for (size_t k = 0; k < gti->n; k++) {
		double start = gti->iv[k].start, stop = gti->iv[k].stop;
		double len = stop - start, dt0 = start - g->ls.t0, s = 0;
		bool more = true;

		/* s counts from the GTI start, so gaps far smaller than the ulp
		 * of an absolute Chandra time still add up correctly. */
		while (more) {
			size_t n = 0;

			while (n < CAND_BATCH) {
				/* The waiting times in batches: the log calls run back
				 * to back (r_time serves nothing else, so the numbers
				 * are the same). */
				if (next_gap == 256) {
					struct rng r = g->r_time;

					for (size_t i = 0; i < 256; i++)
						gap[i] = log(rng_uniform_pos(&r)) * inv_rate;
					g->r_time = r;
					next_gap = 0;
				}
				s -= gap[next_gap++];
				if (s >= len || start + s >= stop) {
					more = false;
					break;
				}
				c->s[n++] = s;
			}
			draw_batch(g, c, n, dt0);
			for (size_t i = 0; i < n; i++) {
				double t = start + c->s[i];

				/* Store first, then count it if kept: no unpredictable
				 * branch. */
				blk[nb] = (struct ev_event){ fg ? frame_stamp_in(fg, t, &gti->iv[k]) : t,
							     c->w[i], -1 };
				nb += c->keep[i];
				if (nb == EV_BLOCK_EVENTS) {
					ev_write_block(out, blk, nb);
					nb = 0;
				}
			}
		}
	}
	ev_write_block(out, blk, nb);
	free(blk);
}

/* Exactly n events: n independent draws from the model's density inside
 * the GTIs (the process conditioned on its count), then sorted by time. */
static void
generate_exact(struct gen *g, const struct gti_list *gti, const struct frame_grid *fg,
	       uint64_t count, struct ev_writer *out)
{
	size_t n = (size_t)count, nb = n ? n : 1;
	double *cum = xmalloc((gti->n + 1) * sizeof *cum), total;
	struct ev_event *ev = xmalloc((n ? n : 1) * sizeof *ev), *sorted;
	size_t *start = xcalloc(nb + 1, sizeof *start), cursor = 0;

	cum[0] = 0;
	for (size_t k = 0; k < gti->n; k++)
		cum[k + 1] = cum[k] + (gti->iv[k].stop - gti->iv[k].start);
	total = cum[gti->n];
	/* Draw positions along the concatenated GTIs; time comes at the end. */
	for (size_t i = 0; i < n;) {
		double pos = rng_uniform(&g->r_time) * total, t;
		size_t lo = 0, hi = gti->n;
		float w;

		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (cum[mid] <= pos)
				lo = mid;
			else
				hi = mid;
		}
		t = gti->iv[lo].start + (pos - cum[lo]);
		w = draw_wavelength(g);
		if (t >= gti->iv[lo].stop || !accept(g, t - g->ls.t0, w))
			continue;
		ev[i++] = (struct ev_event){ pos, w, -1 };
	}
	/* Bucket sort on position: O(n) for these nearly uniform keys. */
	for (size_t i = 0; i < n; i++) {
		size_t b = (size_t)(ev[i].time / total * nb);

		start[(b < nb ? b : nb - 1) + 1]++;
	}
	for (size_t b = 0; b < nb; b++)
		start[b + 1] += start[b];
	sorted = xmalloc((n ? n : 1) * sizeof *sorted);
	for (size_t i = 0; i < n; i++) {
		size_t b = (size_t)(ev[i].time / total * nb);

		sorted[start[b < nb ? b : nb - 1]++] = ev[i];
	}
	for (size_t i = 1; i < n; i++) {
		struct ev_event e = sorted[i];
		size_t k = i;

		for (; k > 0 && sorted[k - 1].time > e.time; k--)
			sorted[k] = sorted[k - 1];
		sorted[k] = e;
	}
	for (size_t i = 0; i < n; i++) {
		double pos = sorted[i].time;

		while (cursor + 1 < gti->n && cum[cursor + 1] <= pos)
			cursor++;
		sorted[i].time = gti->iv[cursor].start + (pos - cum[cursor]);
		if (fg)
			sorted[i].time = frame_stamp_in(fg, sorted[i].time, &gti->iv[cursor]);
	}
	for (size_t i = 0; i < n; i += EV_BLOCK_EVENTS)
		ev_write_block(out, sorted + i, n - i < EV_BLOCK_EVENTS ? n - i : EV_BLOCK_EVENTS);
	free(sorted);
	free(ev);
	free(start);
	free(cum);
}


/* --- --explain ----------------------------------------------------------- */

/* Min, max and standard deviation of the coverage over one pitch. */
static void
coverage_stats(double f, double rho, double *mn, double *mx, double *sd)
{
	enum { K = 4000 };
	double s = 0, s2 = 0;

	*mn = 1;
	*mx = 0;
	for (int i = 0; i < K; i++) {
		double m = lanesheet_coverage_unit_exact((i + 0.5) / K, f, rho);

		*mn = m < *mn ? m : *mn;
		*mx = m > *mx ? m : *mx;
		s += m;
		s2 += m * m;
	}
	*sd = sqrt(fmax(0, s2 / K - (s / K) * (s / K)));
}

static void
explain(const struct genparams *gp, const struct gen *g, double exposure, double rate)
{
	const struct lanesheet *ls = &g->ls;
	double lam[5];
	double mid = 0.5 * (gp->min_nm + gp->max_nm);

	for (int i = 0; i < 5; i++)
		lam[i] = gp->min_nm + (gp->max_nm - gp->min_nm) * i / 4.0;
	printf("lightlane model: %zu lane famil%s, background_fraction %g, width_fraction %g\n",
	       gp->n_families, gp->n_families == 1 ? "y" : "ies",
	       gp->background_fraction, gp->width_fraction);
	printf("telescope: speed %g km/s, heading %g deg, aperture %g m; pitch %g m/nm\n",
	       gp->speed_km_s, gp->heading_deg, gp->aperture_m, gp->pitch_m_per_nm);
	printf("exposure %g s at %g counts/s: about %.0f events in %g-%g nm (%s spectrum)\n",
	       exposure, rate, exposure * rate, gp->min_nm, gp->max_nm,
	       genparams_kind_name(gp->kind));
	printf("\ncrossing period P_j = p / (v |cos(heading - angle_j)|), seconds:\n");
	printf("%-7s %9s %7s %12s", "family", "angle_deg", "weight", "v_across_m_s");
	for (int i = 0; i < 5; i++)
		printf(" %9.4g nm", lam[i]);
	printf("\n");
	for (size_t j = 0; j < gp->n_families; j++) {
		printf("%-7zu %9g %7g %12.6g", j, gp->family[j].angle_deg,
		       gp->family[j].weight, ls->v_across[j]);
		for (int i = 0; i < 5; i++)
			printf(" %12.6g", lanesheet_period(ls, j, lam[i]));
		printf("\n");
	}
	printf("\nmodulation of the rate (rate / mean rate) over lane positions:\n");
	printf("%10s %12s %12s %10s %9s %9s %9s %12s\n", "lambda_nm", "pitch_m", "lane_m",
	       "D/pitch", "min", "max", "rms", "coherent_nm");
	for (int i = 0; i < 5; i++) {
		double p = lanesheet_pitch(ls, lam[i]), rho = g->radius_m / p;
		double lo = g->b, hi = g->b, var = 0, pmin = INFINITY;

		for (size_t j = 0; j < gp->n_families; j++) {
			double mn, mx, sd;

			coverage_stats(gp->width_fraction, rho, &mn, &mx, &sd);
			lo += g->wn[j] * mn;
			hi += g->wn[j] * mx;
			var += g->wn[j] * g->wn[j] * sd * sd;
			pmin = fmin(pmin, lanesheet_period(ls, j, lam[i]));
		}
		/* Over the exposure T the phase at λ and λ+δ drifts apart by
		 * (T/P)·δ/λ cycles: half a cycle or less keeps a bin coherent. */
		printf("%10.4g %12.6g %12.6g %10.4g %9.4f %9.4f %9.4f %12.4g\n", lam[i], p,
		       p * gp->width_fraction, 2 * rho, lo, hi, sqrt(var),
		       isfinite(pmin) ? 0.5 * lam[i] * pmin / exposure : INFINITY);
	}
	printf("\nA narrow wavelength bin at %g nm shows power at 1/P and a Fano factor\n"
	       "rising above 1 for time scales beyond ~P/2.  Bins wider than coherent_nm\n"
	       "mix phases; lane offsets change every offset_cell_nm = %g nm%s.\n",
	       mid, gp->offset_cell_nm, gp->offset_cell_nm > 0 ? "" : " (each f32 value)");
}

/* --explain for the lattice (§5b): spacing, expected count, periods. */
static void
explain_hex(const struct genparams *gp, const struct gen *g, double exposure, double rate)
{
	const struct lattice *lt = &g->lt;

	printf("lightlane model: hex lattice, %s spacing law (%s), background_fraction %g\n",
	       gp->pitch_law == LATTICE_EXP ? "exp" : "linear",
	       gp->pitch_law == LATTICE_EXP ? "g = alpha_m exp(lucretius_per_nm lambda)"
					    : "g = pitch_m_per_nm lambda",
	       gp->background_fraction);
	printf("telescope: speed %g km/s, heading %g deg (+%g deg/s), aperture %g m, "
	       "start perp %g g, phase %g g\n", gp->speed_km_s, gp->heading_deg,
	       gp->heading_rate_deg_s, gp->aperture_m, gp->perp, gp->phase);
	printf("exposure %g s at %g counts/s: about %.0f events in %g-%g nm (%s spectrum)\n",
	       exposure, rate, exposure * rate, gp->min_nm, gp->max_nm,
	       genparams_kind_name(gp->kind));
	printf("rate envelope up to %.6g times the mean; %.4g candidates per mean event\n",
	       g->mod_max, g->env_mean);
	printf("\ncrossing period of the rows along 0, 60, 120 deg = (sqrt(3)/2 g) / "
	       "(v |sin(heading - row)|), s;\nexpected lattice points in the aperture "
	       "E = pi r^2 / (sqrt(3)/2 g^2) (isotropic, M = 1, when E > %g):\n",
	       LATTICE_ISOTROPIC_COUNT);
	printf("%10s %12s %12s %12s %12s %12s %10s\n", "lambda_nm", "spacing_m",
	       "row_step_m", "P_rows0_s", "P_rows60_s", "P_rows120_s", "expected");
	for (int i = 0; i < 5; i++) {
		double lam = gp->min_nm + (gp->max_nm - gp->min_nm) * i / 4.0;
		double sp = lattice_spacing(lt, lam), e = lattice_expected(lt, lam);

		printf("%10.4g %12.6g %12.6g %12.6g %12.6g %12.6g %10.4g%s\n", lam, sp,
		       sp * sqrt(3.0) / 2, lattice_period(lt, 0, lam), lattice_period(lt, 1, lam),
		       lattice_period(lt, 2, lam), e,
		       e > LATTICE_ISOTROPIC_COUNT ? " isotropic" : "");
	}
	printf("\nA narrow wavelength bin shows power at 1/P of the row families the\n"
	       "heading crosses; moving along a row (heading 0) the two others give P = g/v.\n");
}


/* When B's events may fall: the source's GTIs (and, with its frame grid,
 * the frames whose stamps are inside them), or [tstart, tstart + duration]. */
struct timeline {
	struct gti_list gti, on_frames;
	const struct gti_list *draw;	/* what the times are drawn in */
	const struct frame_grid *frames;	/* NULL: continuous times */
	double t0;
};

static void
lay_out_time(struct genparams *gp, const struct source *src, struct timeline *tl)
{
	*tl = (struct timeline){ .draw = &tl->gti };
	if (!src) {
		tl->gti.n = 1;
		tl->gti.iv = xmalloc(sizeof *tl->gti.iv);
		tl->gti.iv[0] = (struct gti){ gp->tstart, gp->tstart + gp->duration_s };
		tl->t0 = gp->tstart;
		return;
	}
	tl->gti = src->gti;
	tl->t0 = src->tstart;
	gp->tstart = tl->t0;
	gp->duration_s = tl->gti.iv[tl->gti.n - 1].stop - tl->t0;
	if (frame_grid_on(&src->frames)) {
		/* §4a: B gets A's time quantisation (man llgen, Frame time). */
		tl->frames = &src->frames;
		frame_gtis(tl->frames, &tl->gti, &tl->on_frames);
		if (tl->on_frames.n == 0)
			die(EXIT_RUNTIME, "%s: no frame of the timedel %g s grid has its "
			    "time stamp inside the GTIs", src->name, tl->frames->tau);
		tl->draw = &tl->on_frames;
	}
}

/* No rate_cps with a source: B's count is A's in-band count over the time
 * B is drawn in (with frames, the frames whose stamps lie in the GTIs). */
static void
match_source_rate(struct genparams *gp, const struct source *src, const struct timeline *tl)
{
	/* A source without wavelengths (HRC) is one band: all its events. */
	uint64_t n_match = src->n_in_band > 0 ? src->n_in_band : src->n_no_wave;

	if (n_match == 0)
		die(EXIT_RUNTIME, "%s: no source events in [%g, %g] nm to match the rate "
		    "to; give rate_cps", src->name, gp->min_nm, gp->max_nm);
	gp->rate_cps = (double)n_match / gti_exposure(tl->draw);
}

/* --explain: what would be generated, and why it would be refused. */
static void
print_explanation(const struct genparams *gp, struct gen *g, double exposure)
{
	if (gp->hex) {
		explain_hex(gp, g, exposure, gp->rate_cps);
		if (g->refusal[0])
			printf("\nllgen would refuse to generate: %s\n", g->refusal);
	} else {
		explain(gp, g, exposure, gp->rate_cps);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "stdout: write error:");
}

/* The source's metadata keeps its time system, but never lets a model pass
 * for the observation: its identity keys say what it is. */
static json_t *
model_identity(const struct genparams *gp, struct source *src)
{
	json_t *meta = src->meta;
	/* Both strings are read before either key is replaced (and freed). */
	const char *ds = meta_string(meta, "dataset"), *obj = meta_string(meta, "object");
	json_t *dataset = json_sprintf("model of %s", ds ? ds : src->name);
	json_t *object = json_sprintf("lightlane model of %s", obj ? obj : ds ? ds : src->name);

	json_object_del(meta, "wbins");
	if (gp->kind != GENPARAMS_SOURCE)
		json_object_del(meta, "wavelength_range_nm");
	json_object_set_new(meta, "generated_from", json_string(src->name));
	json_object_set_new(meta, "dataset", dataset);
	json_object_set_new(meta, "object", object);
	json_object_set_new(meta, "instrument", json_string("llgen"));
	json_object_del(meta, "detnam");
	return meta;
}

static json_t *
plain_identity(const struct opts *o)
{
	json_t *meta = json_object();

	json_object_set_new(meta, "dataset", json_string("llgen"));
	json_object_set_new(meta, "source", json_string(o->params ? o->params : "llgen"));
	json_object_set_new(meta, "object", json_string("lightlane model"));
	json_object_set_new(meta, "instrument", json_string("llgen"));
	json_object_set_new(meta, "timesys", json_string("TT"));
	return meta;
}

/* The stream's span, GTIs, seed and generation parameters, and the lanes'
 * periods at the middle wavelength (what a reader of B checks against). */
static void
describe_model(json_t *meta, const struct opts *o, const struct genparams *gp,
	       const struct gen *g, const struct timeline *tl)
{
	double mid = 0.5 * (gp->min_nm + gp->max_nm);
	json_t *periods = json_array();

	meta_set_number(meta, "tstart", tl->t0);
	meta_set_number(meta, "tstop", tl->gti.iv[tl->gti.n - 1].stop);
	meta_set_gti(meta, &tl->gti);
	meta_set_number(meta, "exposure", gti_exposure(&tl->gti));
	json_object_set_new(meta, "wavelength_from",
			    json_sprintf("llgen %s spectrum, nm", genparams_kind_name(gp->kind)));
	meta_set_sorted(meta, true);
	meta_add_seed(meta, gp->seed);
	json_object_set_new(meta, "generation", genparams_to_json(gp));
	for (size_t j = 0; j < (gp->hex ? 3 : gp->n_families); j++) {
		double p = gp->hex ? lattice_period(&g->lt, (int)j, mid)
				   : lanesheet_period(&g->ls, j, mid);

		json_array_append_new(periods, isfinite(p) ? json_real(p) : json_null());
	}
	json_object_set_new(meta, "lightlane", json_pack("{sfsfsosfsb}",
		"t0", tl->t0, "middle_nm", mid, "periods_s", periods,
		"modulation_max", g->mod_max, "exact_count", o->exact_n));
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct genparams gp = resolve_params(&o);
	struct source src;
	bool have_src = read_source(&o, &gp, &src);
	struct timeline tl;
	struct gen g;
	json_t *meta;
	struct ev_writer *out;

	if (gp.kind == GENPARAMS_SOURCE && !have_src)
		cli_usage_error("spectrum kind 'source' needs a source stream on stdin "
				"or --source FILE");
	lay_out_time(&gp, have_src ? &src : NULL, &tl);
	if (have_src && !gp.has_rate)
		match_source_rate(&gp, &src, &tl);
	gen_init(&g, &gp, tl.t0, have_src ? &src : NULL);
	if (o.explain) {
		print_explanation(&gp, &g, gti_exposure(&tl.gti));
	} else {
		if (g.refusal[0])
			die(EXIT_RUNTIME, "%s", g.refusal);
		meta = have_src ? model_identity(&gp, &src) : plain_identity(&o);
		describe_model(meta, &o, &gp, &g, &tl);
		out = ev_writer_open_path(cli_output, cli_command_line(), meta);
		if (o.exact_n)
			generate_exact(&g, tl.draw, tl.frames, o.n, out);
		else
			generate_stream(&g, tl.draw, tl.frames, gp.rate_cps, out);
		ev_writer_close(out);
		json_decref(meta);
	}
	gen_free(&g);
	gti_free(&tl.gti);		/* the source's, when there is one */
	gti_free(&tl.on_frames);
	if (have_src)
		free(src.pool);
	return EXIT_OK;
}
