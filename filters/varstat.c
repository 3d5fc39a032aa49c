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

/* One (slot, time scale): its open bin and its sums, touched only when an
 * event passes the open bin's end. */
struct bins {
	long g;			/* GTI of the open bin; -1 before the first event */
	int64_t k;		/* its index in that GTI; -1: the partial tail */
	uint64_t opened_at;	/* the slot's total when it opened */
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

/* Touched for every event. */
struct slot {
	double head;		/* the earliest end of the slot's open bins */
	uint64_t total;		/* events counted */
};

struct state {
	size_t n_dt, n_slots;	/* slot 0: all events; slot 1 + w: wbin w */
	struct scale *sc;
	const struct gti_list *gti;	/* the scan's */
	/* Counting is lazy: a slot counts its events once, in total, and an
	 * open bin remembers the total when it opened.  Each slot keeps the
	 * ends of its open bins sorted (end[], with the scale of each in
	 * scale_of[]), so an event inside every open bin costs one comparison
	 * (with head) and one increment whatever the number of scales, and an
	 * event past some ends visits those scales only. */
	struct slot *slot;
	double *end;		/* per (slot, rank): open bins' ends, ascending */
	uint32_t *scale_of;	/* per (slot, rank): the scale of that end */
	struct bins *bins;	/* per (slot, scale) */
	/* Grid mode (see use_grid): the open bin of each scale is shared by
	 * every slot, since all slots bin the same times; one sorted list of
	 * ends serves them all and an event costs one comparison for every
	 * slot and scale.  bins[].g and .k are unused until close_all. */
	bool grid;
	double grid_head;	/* the earliest end of the open bins */
	double *grid_end;	/* per rank: the open bins' ends, ascending */
	uint32_t *grid_scale_of;
	long *grid_g;		/* per scale: GTI of the open bin, -1 before */
	int64_t *grid_k;	/* per scale: its index, -1 for the partial tail */
};

static void
grow_slots(struct state *st, size_t n_slots)
{
	size_t n = st->n_dt;

	st->slot = xrealloc(st->slot, n_slots * sizeof *st->slot);
	st->end = xrealloc(st->end, n_slots * n * sizeof *st->end);
	st->scale_of = xrealloc(st->scale_of, n_slots * n * sizeof *st->scale_of);
	st->bins = xrealloc(st->bins, n_slots * n * sizeof *st->bins);
	for (size_t s = st->n_slots; s < n_slots; s++) {
		/* No bin open: the first event passes every end. */
		st->slot[s] = (struct slot){ .head = n ? -INFINITY : INFINITY };
		for (size_t i = 0; i < n; i++) {
			st->end[s * n + i] = -INFINITY;
			st->scale_of[s * n + i] = (uint32_t)i;
			st->bins[s * n + i] = (struct bins){ .g = -1, .prev_g = -1 };
		}
	}
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
close_bin(struct bins *b, const struct scale *sc, long g, int64_t k, uint64_t c)
{
	b->s1 += c;
	b->s2 += c * c;
	if (b->prev_g == g && b->prev_k == k - 1) {
		uint64_t d = c > b->prev_c ? c - b->prev_c : b->prev_c - c;

		b->allan += d * d;
	} else {
		/* A gap of empty bins (or a GTI start) lies on each side. */
		if (k > 0)
			b->allan += sq(c);
		if (b->prev_g >= 0 && b->prev_k + 1 < sc->n_full[b->prev_g])
			b->allan += sq(b->prev_c);
	}
	b->prev_g = g;
	b->prev_k = k;
	b->prev_c = c;
}

/* The event at t (in GTI g), not yet counted in `slot` (whose total is
 * `total`), is at or past `end`, the end of the open bin of scale i: close
 * that bin and open the event's.  Returns the new end (`end` itself when
 * t, just under the true end, is still in the open bin). */
static inline double
advance(struct state *st, struct bins *b, size_t i, uint64_t total, double t, long g,
	double end)
{
	const struct scale *sc = &st->sc[i];
	double a = st->gti->iv[g].start;
	uint64_t c = total - b->opened_at;
	int64_t k;

	k = bin_index(t, a, sc);
	if (k >= sc->n_full[g])
		k = -1;		/* the partial bin at the GTI end: not counted */
	if (b->g == g && b->k == k)
		return end;
	if (b->g >= 0 && b->k >= 0 && c > 0)
		close_bin(b, sc, b->g, b->k, c);
	b->g = g;
	b->k = k;
	b->opened_at = total;
	return k < 0 ? st->gti->iv[g].stop : bin_end_below(a, sc, k);
}

/* end[0..m) changed, end[m..n) is ascending: make all of it ascending,
 * scale_of[] alongside.  New ends lie near t for the short scales, which
 * pass most often, so they seldom travel far. */
static inline void
sort_back(double *end, uint32_t *scale_of, size_t n, size_t m)
{
	for (size_t r = m; r-- > 0;) {
		double x = end[r];
		uint32_t i = scale_of[r];
		size_t j = r;

		for (; j + 1 < n && end[j + 1] < x; j++) {
			end[j] = end[j + 1];
			scale_of[j] = scale_of[j + 1];
		}
		end[j] = x;
		scale_of[j] = i;
	}
}

/* The event at t (in GTI g), not yet counted, is at or past the earliest
 * end of `slot`'s open bins: advance the scales whose ends it passed (the
 * front of the sorted ends), then sort their new ends back in. */
static void __attribute__((noinline))
pass_ends(struct state *st, size_t slot, double t, long g)
{
	size_t n = st->n_dt, m = 0;
	double *end = st->end + slot * n;
	uint32_t *scale_of = st->scale_of + slot * n;
	struct bins *bins = st->bins + slot * n;
	uint64_t total = st->slot[slot].total;

	while (m < n && !(t < end[m]))
		m++;
	for (size_t r = 0; r < m; r++)
		end[r] = advance(st, &bins[scale_of[r]], scale_of[r], total, t, g, end[r]);
	sort_back(end, scale_of, n, m);
	st->slot[slot].head = n ? end[0] : INFINITY;
}

/* Grid mode: the event at t (in GTI g), not yet counted in any slot, is at
 * or past the end of scale i's open bin: close that bin in every slot that
 * has events in it, open the event's.  Returns the new end, as advance. */
static double
grid_advance(struct state *st, size_t i, double t, long g, double end)
{
	const struct scale *sc = &st->sc[i];
	double a = st->gti->iv[g].start;
	int64_t k = bin_index(t, a, sc);
	long open_g = st->grid_g[i];
	int64_t open_k = st->grid_k[i];
	size_t n = st->n_dt;

	if (k >= sc->n_full[g])
		k = -1;
	if (open_g == g && open_k == k)
		return end;
	for (size_t s = 0; s < st->n_slots; s++) {
		struct bins *b = &st->bins[s * n + i];
		uint64_t total = st->slot[s].total, c = total - b->opened_at;

		if (c == 0)
			continue;
		if (open_g >= 0 && open_k >= 0)
			close_bin(b, sc, open_g, open_k, c);
		b->opened_at = total;
	}
	st->grid_g[i] = g;
	st->grid_k[i] = k;
	return k < 0 ? st->gti->iv[g].stop : bin_end_below(a, sc, k);
}

static void __attribute__((noinline))
grid_pass_ends(struct state *st, double t, long g)
{
	size_t n = st->n_dt, m = 0;
	double *end = st->grid_end;
	uint32_t *scale_of = st->grid_scale_of;

	while (m < n && !(t < end[m]))
		m++;
	for (size_t r = 0; r < m; r++)
		end[r] = grid_advance(st, scale_of[r], t, g, end[r]);
	sort_back(end, scale_of, n, m);
	st->grid_head = n ? end[0] : INFINITY;
}

/* Count a run of events of GTI g in slot 0 and in their wbin's slot (all
 * below st->n_slots).  The loop keeps slot 0's total in a register: it is
 * stored only before pass_ends, which reads it. */
static void
count_run(struct state *st, const struct ev_event *ev, size_t n, long g)
{
	struct slot *sl = st->slot;
	uint64_t total0 = sl[0].total;

	for (size_t j = 0; j < n; j++) {
		double t = ev[j].time;
		size_t s = (size_t)ev[j].wbin + 1;	/* wbin -1: slot 0 only */

		if (!(t < sl[0].head)) {
			sl[0].total = total0 + j;
			pass_ends(st, 0, t, g);
		}
		if (s) {
			if (!(t < sl[s].head))
				pass_ends(st, s, t, g);
			sl[s].total++;
		}
	}
	sl[0].total = total0 + n;
}

/* count_run in grid mode: the slots' totals, and one list of ends. */
static void
count_run_grid(struct state *st, const struct ev_event *ev, size_t n, long g)
{
	struct slot *sl = st->slot;
	uint64_t total0 = sl[0].total;

	for (size_t j = 0; j < n; j++) {
		double t = ev[j].time;
		size_t s = (size_t)ev[j].wbin + 1;

		if (!(t < st->grid_head)) {
			sl[0].total = total0 + j;
			grid_pass_ends(st, t, g);
		}
		sl[s].total += s != 0;	/* slot 0 counts every event, below */
	}
	sl[0].total = total0 + n;
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
	const struct bins *cs = &st->bins[slot * st->n_dt + i];
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

/* Grid mode pays each bin change with a visit of every slot (a few
 * instructions for a slot without events in the bin), where the per-slot
 * lists pay it only in the slots that change bin but with the list's
 * upkeep, several times dearer.  So grid mode while there are few slots
 * (leave_grid when wbins without metadata edges bring more), provided no
 * open bin's end reaches into the next GTI (a whole last bin that floor's
 * slack in scan_whole_bins let overhang a GTI gap narrower than 1e-9 of the
 * GTI): there a slot's own list keeps counting the next GTI's first events
 * in its old bin, a shared end would for every slot, so the two differ. */
#define GRID_MAX_SLOTS 32

static bool
use_grid(const struct state *st)
{
	if (st->n_slots > GRID_MAX_SLOTS)
		return false;
	for (size_t i = 0; i < st->n_dt; i++)
		for (size_t g = 0; g + 1 < st->gti->n; g++) {
			int64_t k = st->sc[i].n_full[g];

			if (k > 0 && bin_end_below(st->gti->iv[g].start, &st->sc[i], k - 1) >
				     st->gti->iv[g + 1].start)
				return false;
		}
	return true;
}

/* Hand the shared open bins to every slot's own list.  Each slot's events
 * so far lie in the shared bins, so its list goes on as if it had been
 * kept all along. */
static void
leave_grid(struct state *st)
{
	size_t n = st->n_dt;

	for (size_t s = 0; s < st->n_slots; s++) {
		memcpy(st->end + s * n, st->grid_end, n * sizeof *st->end);
		memcpy(st->scale_of + s * n, st->grid_scale_of, n * sizeof *st->scale_of);
		st->slot[s].head = st->grid_head;
		for (size_t i = 0; i < n; i++) {
			st->bins[s * n + i].g = st->grid_g[i];
			st->bins[s * n + i].k = st->grid_k[i];
		}
	}
	st->grid = false;
}

static void
init_grid(struct state *st)
{
	size_t n = st->n_dt;

	st->grid = true;
	st->grid_head = n ? -INFINITY : INFINITY;
	st->grid_end = xmalloc(n * sizeof *st->grid_end);
	st->grid_scale_of = xmalloc(n * sizeof *st->grid_scale_of);
	st->grid_g = xmalloc(n * sizeof *st->grid_g);
	st->grid_k = xmalloc(n * sizeof *st->grid_k);
	for (size_t i = 0; i < n; i++) {
		st->grid_end[i] = -INFINITY;
		st->grid_scale_of[i] = (uint32_t)i;
		st->grid_g[i] = -1;
		st->grid_k[i] = -1;
	}
}

/* Close the open bins, then account the empty bins after the last
 * non-empty one of each (slot, scale). */
static void
close_all(struct state *st)
{
	if (st->grid)
		leave_grid(st);
	for (size_t s = 0; s < st->n_slots; s++)
		for (size_t i = 0; i < st->n_dt; i++) {
			struct bins *cs = &st->bins[s * st->n_dt + i];
			uint64_t c = st->slot[s].total - cs->opened_at;

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
	free(st->slot);
	free(st->end);
	free(st->scale_of);
	free(st->bins);
	free(st->grid_end);
	free(st->grid_scale_of);
	free(st->grid_g);
	free(st->grid_k);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct scan scan;
	struct scan_run run;
	struct state st = { 0 };

	scan_open(&scan, 0, "stdin", !o.no_frames);
	set_scales(&st, &scan, &o);
	st.gti = &scan.gti;
	set_full_bins(&st);
	grow_slots(&st, scan.n_slots);
	if (use_grid(&st))
		init_grid(&st);
	while (scan_next_run(&scan, &run)) {
		if (scan.n_slots > st.n_slots) {
			grow_slots(&st, scan.n_slots);
			if (st.grid && st.n_slots > GRID_MAX_SLOTS)
				leave_grid(&st);
		}
		if (st.grid)
			count_run_grid(&st, run.ev, run.n, (long)run.g);
		else
			count_run(&st, run.ev, run.n, (long)run.g);
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
