/* varstat: count statistics against time scale, per wavelength bin.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4 "varstat").
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * One pass, memory O(wbins x time scales): each (wbin, time scale) pair keeps
 * only its open bin (end time and count), the previous non-empty bin, and
 * exact integer sums.  Empty bins are never visited: they add nothing to
 * Σc and Σc², and their share of the Allan sum Σ(c_{k+1} - c_k)² is the
 * square of the non-empty neighbour, added when a gap is crossed.  The bin
 * count n is known from the GTIs alone.  Counting is lazy (see struct
 * state): an event that closes no bin costs one compare and one increment
 * for all events and one for its wbin, whatever the number of time scales. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "scan.h"
#include "table.h"

static const char usage_text[] =
	"usage: varstat --timescales MIN:MAX:COUNT [--no-frames] [-o FILE]\n"
	"Count statistics of a time-sorted stream against time scale, per wavelength\n"
	"bin and for all events (wbin -1): for COUNT log-spaced bin widths from MIN to\n"
	"MAX seconds, the counts in full bins inside the GTIs give n_bins, mean,\n"
	"variance, the Fano factor var/mean with its Poisson error and z-score, the\n"
	"normalised excess variance with its error, and the Allan factor.\n"
	"Columns: wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,\n"
	"fano_err,z,nxs,nxs_err,allan.  Undefined values are empty fields.\n"
	"fano_err = sqrt(2/(n_bins-1)), z = (fano-1)/fano_err.\n"
	"GTIs: the metadata \"gti\" (touching ones merged), else one GTI from the\n"
	"first event to the last (with a \"# note:\" line).  When the metadata has\n"
	"timedel (the frame time), widths are whole frames (timescale_s is the width\n"
	"used), bin edges frame boundaries, and scales below one frame or equal to\n"
	"another after rounding are dropped with a note.\n"
	"\n"
	"  --timescales MIN:MAX:COUNT  bin widths MIN*(MAX/MIN)^(i/(COUNT-1)) s,\n"
	"                   i = 0..COUNT-1 (COUNT 1: MIN alone)\n"
	"  --no-frames      bin at the widths asked, ignoring timedel\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wrange --min 0.1 --max 1 | wbin --n 10 --min 0.1 --max 1 |\n"
	"         varstat --timescales 1:10000:20 -o fano.csv\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_TIMESCALES = CLI_FIRST_PROGRAM_OPTION, OPT_NO_FRAMES };

#define MAX_TIMESCALES 10000

struct opts {
	double *dt;
	size_t n_dt;
	bool no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "timescales", required_argument, NULL, OPT_TIMESCALES },
		SCAN_OPT_NO_FRAMES(OPT_NO_FRAMES), CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	const char *spec = NULL;
	int c;

	cli_init(argc, argv, "varstat", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_TIMESCALES:
			spec = optarg;
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
		cli_usage_error("--timescales MIN:MAX:COUNT is required");
	o.dt = scan_parse_widths(spec, "--timescales", MAX_TIMESCALES, &o.n_dt);
	return o;
}

/* The open bin of one (wbin, time scale): touched for every event. */
/* The rest of the state, touched only when a bin closes. */
struct cold {
	long g;			/* GTI of the open bin; -1 before the first event */
	int64_t k;		/* its index in that GTI; -1: the partial tail */
	long prev_g;		/* last closed non-empty bin, or prev_g -1 */
	int64_t prev_k;
	uint64_t prev_c;
	/* Exact sums.  Σc² <= (Σc)² and the Allan sum <= 2Σc², so 64 bits hold
	 * them for any stream under 3e9 events (checked at the end). */
	uint64_t s1;		/* Σc */
	uint64_t s2;		/* Σc² */
	uint64_t allan;		/* Σ (c_{k+1} - c_k)² over pairs in one GTI */
};

struct scale {
	double dt, inv_dt;
	int64_t *n_full;	/* per GTI: floor((b - a)/dt) full bins */
};

struct state {
	size_t n_dt, n_slots;	/* slot 0: all events; slot 1 + w: wbin w */
	struct scale *sc;
	const struct gti_list *gti;	/* the scan's */
	/* Counting is lazy: a slot counts its events once, in total[], and an
	 * open bin remembers the total when it opened, so an event that closes
	 * no bin costs one comparison and one increment per slot, whatever the
	 * number of scales. */
	double *t_end;		/* per (slot, scale): first time past the open bin */
	uint64_t *opened_at;	/* per (slot, scale): total[slot] when it opened */
	uint64_t *total;	/* per slot: events counted */
	double *first_end;	/* per slot: the earliest t_end of its scales */
	struct cold *cold;
};

static void
init_slots(struct state *st, size_t from, size_t to)
{
	for (size_t i = from * st->n_dt; i < to * st->n_dt; i++) {
		st->t_end[i] = -INFINITY;
		st->opened_at[i] = 0;
		st->cold[i] = (struct cold){ .g = -1, .prev_g = -1 };
	}
}

static void
grow_slots(struct state *st, size_t n_slots)
{
	st->t_end = xrealloc(st->t_end, n_slots * st->n_dt * sizeof *st->t_end);
	st->opened_at = xrealloc(st->opened_at, n_slots * st->n_dt * sizeof *st->opened_at);
	st->cold = xrealloc(st->cold, n_slots * st->n_dt * sizeof *st->cold);
	st->first_end = xrealloc(st->first_end, n_slots * sizeof *st->first_end);
	st->total = xrealloc(st->total, n_slots * sizeof *st->total);
	for (size_t s = st->n_slots; s < n_slots; s++) {
		st->first_end[s] = -INFINITY;
		st->total[s] = 0;
	}
	init_slots(st, st->n_slots, n_slots);
	st->n_slots = n_slots;
}

/* Bin k of a GTI starting at a holds the times t with floor((t - a)/dt) == k
 * (the definition numpy users write, division and all).  The product with
 * 1/dt is the same number to a few ulps, so it decides unless q lies within
 * a relative 1e-12 of an integer; only then is the division done. */
static inline int64_t
bin_index(double t, double a, const struct scale *sc)
{
	double q = (t - a) * sc->inv_dt, margin = 1e-12 * (q + 1);

	if (!(q < SCAN_MAX_INDEX))	/* the events' GTI, still open */
		cli_usage_error("--timescales: %g s makes over 2^53 bins of the events' span", sc->dt);
	int64_t k = (int64_t)q;	/* q >= 0: truncation is floor, and cheaper */
	double frac = q - (double)k;

	if (frac > margin && 1 - frac > margin)
		return k;
	return (int64_t)floor((t - a) / sc->dt);
}

/* A time safely below the end of bin k: every t under it has bin_index k.
 * Times between it and the true end go the slow way (advance), which finds
 * their bin exactly; the margin dwarfs the rounding of a + (k+1) dt. */
static inline double
bin_end_below(double a, const struct scale *sc, int64_t k)
{
	double x = a + (double)(k + 1) * sc->dt;

	return x - 1e-13 * (fabs(a) + fabs(x));
}

static inline uint64_t
sq(uint64_t c)
{
	return c * c;
}

/* Fold the closed non-empty bin (g, k) with c events into the sums. */
static inline void
close_bin(struct cold *cs, const struct scale *sc, long g, int64_t k, uint64_t c)
{
	cs->s1 += c;
	cs->s2 += c * c;
	if (cs->prev_g == g && cs->prev_k == k - 1) {
		uint64_t d = c > cs->prev_c ? c - cs->prev_c : cs->prev_c - c;

		cs->allan += d * d;
	} else {
		/* A gap of empty bins (or a GTI start) lies on each side. */
		if (k > 0)
			cs->allan += sq(c);
		if (cs->prev_g >= 0 && cs->prev_k + 1 < sc->n_full[cs->prev_g])
			cs->allan += sq(cs->prev_c);
	}
	cs->prev_g = g;
	cs->prev_k = k;
	cs->prev_c = c;
}

/* The event at t (in GTI g), not yet counted, is past the open bin of
 * (slot, scale i): close that bin and open the event's. */
static inline void
advance(struct state *st, size_t slot, size_t i, double t, long g)
{
	size_t idx = slot * st->n_dt + i;
	struct cold *cs = &st->cold[idx];
	const struct scale *sc = &st->sc[i];
	double a = st->gti->iv[g].start;
	uint64_t c = st->total[slot] - st->opened_at[idx];
	int64_t k;

	k = bin_index(t, a, sc);
	if (k >= sc->n_full[g])
		k = -1;		/* the partial bin at the GTI end: not counted */
	if (cs->g == g && cs->k == k)
		return;		/* just under the bin end: still the open bin */
	if (cs->g >= 0 && cs->k >= 0 && c > 0)
		close_bin(cs, sc, cs->g, cs->k, c);
	cs->g = g;
	cs->k = k;
	st->opened_at[idx] = st->total[slot];
	st->t_end[idx] = k < 0 ? st->gti->iv[g].stop : bin_end_below(a, sc, k);
}

/* Count the event at t (in GTI g) in every scale of `slot`.  Each slot keeps
 * the earliest end of its open bins, so the common case, the event inside
 * every open bin, is one comparison and one increment; only an event past
 * some bin's end looks at the scales one by one. */
static inline void
count_event(struct state *st, size_t slot, double t, long g)
{
	if (t >= st->first_end[slot]) {
		const double *te = st->t_end + slot * st->n_dt;
		double first_end = INFINITY;

		for (size_t i = 0; i < st->n_dt; i++) {
			if (!(t < te[i]))
				advance(st, slot, i, t, g);
			if (te[i] < first_end)
				first_end = te[i];
		}
		st->first_end[slot] = first_end;
	}
	st->total[slot]++;
}

/* Whole bins per GTI; their total must have exact indices (2^53). */
static void
set_full_bins(struct state *st)
{
	for (size_t i = 0; i < st->n_dt; i++) {
		double total = 0;

		free(st->sc[i].n_full);
		st->sc[i].n_full = xmalloc((st->gti->n ? st->gti->n : 1) * sizeof(int64_t));
		for (size_t g = 0; g < st->gti->n; g++) {
			int64_t k = scan_whole_bins(st->gti->iv[g].start, st->gti->iv[g].stop,
						    st->sc[i].dt);

			st->sc[i].n_full[g] = k;
			if (k != INT64_MAX)
				total += (double)k;
			if (k < 0 || total > SCAN_MAX_INDEX)
				cli_usage_error("--timescales: %g s makes over 2^53 bins of the GTIs",
						st->sc[i].dt);
		}
	}
}

/* The widths used: the requested ones, or with frames whole frames, those
 * below one frame and repeats after rounding dropped (with notes). */
static void
set_scales(struct state *st, struct scan *scan, const struct opts *o)
{
	double *dt = scan_widths_used(scan, o->dt, o->n_dt, "time scales", "scale", &st->n_dt);

	st->sc = xcalloc(st->n_dt ? st->n_dt : 1, sizeof *st->sc);
	for (size_t i = 0; i < st->n_dt; i++)
		st->sc[i] = (struct scale){ .dt = dt[i], .inv_dt = 1 / dt[i] };
	free(dt);
}

static void
put_or_empty(struct table_writer *w, bool defined, double v)
{
	if (defined)
		table_put_double(w, v);
	else
		table_put_empty(w);
}

static void
write_row(struct table_writer *w, const struct state *st, size_t slot, size_t i,
	  long wbin, double wmin, double wmax)
{
	const struct cold *cs = &st->cold[slot * st->n_dt + i];
	const struct scale *sc = &st->sc[i];
	int64_t n = 0, n_pairs = 0;

	for (size_t g = 0; g < st->gti->n; g++) {
		n += sc->n_full[g];
		n_pairs += sc->n_full[g] > 0 ? sc->n_full[g] - 1 : 0;
	}
	long double ln = (long double)n;
	long double mean = n > 0 ? (long double)cs->s1 / ln : 0;
	/* n Σc² - (Σc)² exactly, so the variance has no cancellation error. */
	unsigned __int128 num = (unsigned __int128)n * cs->s2 -
				(unsigned __int128)cs->s1 * cs->s1;
	long double var = n > 1 ? (long double)num / (ln * (ln - 1)) : 0;
	bool has_var = n > 1, has_mean = n > 0, pos = has_mean && cs->s1 > 0;
	long double fano = pos ? var / mean : 0;
	long double fano_err = has_var ? sqrtl(2 / (ln - 1)) : 0;
	long double nxs = pos ? (var - mean) / (mean * mean) : 0;
	long double nxs_err = pos ? sqrtl(2 / (ln * mean * mean) +
					  4 * (nxs > 0 ? nxs : 0) / (ln * mean)) : 0;
	long double allan = pos && n_pairs > 0 ?
		(long double)cs->allan / ((long double)n_pairs * 2 * mean) : 0;

	table_put_long(w, wbin);
	put_or_empty(w, isfinite(wmin), wmin);
	put_or_empty(w, isfinite(wmax), wmax);
	table_put_double(w, sc->dt);
	table_put_long(w, n);
	put_or_empty(w, has_mean, (double)mean);
	put_or_empty(w, has_var, (double)var);
	put_or_empty(w, has_var && pos, (double)fano);
	put_or_empty(w, has_var && pos, (double)fano_err);
	put_or_empty(w, has_var && pos, (double)((fano - 1) / fano_err));
	put_or_empty(w, has_var && pos, (double)nxs);
	put_or_empty(w, has_var && pos, (double)nxs_err);
	put_or_empty(w, pos && n_pairs > 0, (double)allan);
	table_end_row(w);
}

/* Close the open bins, then account the empty bins after the last
 * non-empty one of each (slot, scale). */
static void
close_all(struct state *st)
{
	for (size_t s = 0; s < st->n_slots; s++)
		for (size_t i = 0; i < st->n_dt; i++) {
			uint64_t c = st->total[s] - st->opened_at[s * st->n_dt + i];
			struct cold *cs = &st->cold[s * st->n_dt + i];

			if (cs->g >= 0 && cs->k >= 0 && cs->k < st->sc[i].n_full[cs->g] && c > 0)
				close_bin(cs, &st->sc[i], cs->g, cs->k, c);
			if (cs->prev_g >= 0 && cs->prev_k + 1 < st->sc[i].n_full[cs->prev_g])
				cs->allan += sq(cs->prev_c);
		}
}

static void
write_table(const struct state *st, const struct scan *scan)
{
	static const char *const columns[] = {
		"wbin", "wmin_nm", "wmax_nm", "timescale_s", "n_bins", "mean", "variance",
		"fano", "fano_err", "z", "nxs", "nxs_err", "allan", NULL
	};
	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(),
						    scan->meta, columns, scan_notes(scan));

	for (size_t k = 0; k < scan->n_slots; k++) {
		size_t slot = scan_row_slot(scan, k);

		for (size_t i = 0; i < st->n_dt; i++)
			write_row(tw, st, slot, i, scan_slot_wbin(slot),
				  scan_slot_wmin(scan, slot), scan_slot_wmax(scan, slot));
	}
	table_writer_close(tw);
}

static void
free_state(struct state *st)
{
	for (size_t i = 0; i < st->n_dt; i++)
		free(st->sc[i].n_full);
	free(st->sc);
	free(st->t_end);
	free(st->opened_at);
	free(st->total);
	free(st->first_end);
	free(st->cold);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct scan scan;
	struct scan_event ev;
	struct state st = { 0 };

	scan_open(&scan, 0, "stdin", !o.no_frames);
	set_scales(&st, &scan, &o);
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
	if (scan_count(&scan) > 3000000000ull)
		die(EXIT_RUNTIME, "stdin: over 3e9 events: split the stream (64-bit sums)");
	if (scan.gti_from_events)
		set_full_bins(&st);	/* now the events' GTI has its end */
	close_all(&st);
	write_table(&st, &scan);
	free_state(&st);
	scan_close(&scan);
	free(o.dt);
	return EXIT_OK;
}
