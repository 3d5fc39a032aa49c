/* equalize: bring every wavelength bin up to the largest bin's count by
 * duplicating random events of the bin; output time-sorted.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * Holds the dataset (16 bytes per event, plus 8 per event when the input is
 * not time-sorted).  Duplicates are as balanced as possible: a bin of n
 * events raised to M gives every event floor(M/n) copies in all and M mod n
 * events, a uniform random subset, one more. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"
#include "rng.h"
#include "wbinmap.h"

static const char usage_text[] =
	"usage: equalize [--seed N] [-o FILE]\n"
	"Count the events in every wavelength bin (wbin) and bring each bin up to\n"
	"the count of the largest one by random duplication within the bin.\n"
	"Copies are exact duplicates (same time, wavelength and wbin).  Copies are\n"
	"balanced: raising a bin of n events to M makes each event appear M/n\n"
	"times (rounded down) and a random subset of M mod n events once more,\n"
	"so no event is repeated more often than needed.  Output is time-sorted (ties\n"
	"keep input order).  Empty bins stay empty.  A stream whose events all\n"
	"have wbin -1 is one bin; mixing -1 with assigned bins is an error.\n"
	"Holds the dataset in memory: 16 bytes per event (24 if unsorted).\n"
	"\n"
	"  --seed N         random seed (default: drawn from the OS); recorded in\n"
	"                   the metadata \"seeds\", same seed gives the same output\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 8 --min 0.1 --max 1 | equalize --seed 1 | evinfo\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

static const struct ev_event *sort_events;

/* Order by time, then by input position: a total order, so qsort (which is
 * not stable) gives the stable result. */
static int
cmp_time_index(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double ti = sort_events[i].time, tj = sort_events[j].time;

	if (ti != tj)
		return ti < tj ? -1 : 1;
	return (i > j) - (i < j);
}

/* Buffered output of the copies, a block at a time. */
struct outbuf {
	struct ev_writer *w;
	struct ev_event *buf;
	size_t used;
};

static inline void
put(struct outbuf *o, const struct ev_event *e, size_t copies)
{
	while (copies--) {
		o->buf[o->used++] = *e;
		if (o->used == EV_BLOCK_EVENTS) {
			ev_write_block(o->w, o->buf, o->used);
			o->used = 0;
		}
	}
}

/* Every bin is raised to the largest one's count: `copies` whole copies of
 * each of its events, and one more for `extra` of them. */
static size_t
plan_copies(const struct wbinmap *bins, size_t **copies, size_t **extra)
{
	size_t largest = 0, nb = bins->n_bins ? bins->n_bins : 1;

	for (size_t b = 0; b < bins->n_bins; b++)
		if (bins->count[b] > largest)
			largest = bins->count[b];
	*copies = xmalloc(nb * sizeof **copies);
	*extra = xmalloc(nb * sizeof **extra);
	for (size_t b = 0; b < bins->n_bins; b++) {
		(*copies)[b] = largest / bins->count[b];
		(*extra)[b] = largest % bins->count[b];
	}
	return largest;
}

/* The events' indices in time order, or NULL when they already are. */
static size_t *
time_order(struct ev_event *ev, size_t n, bool sorted)
{
	size_t *order;

	if (sorted)
		return NULL;
	order = xmalloc(n * sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_events = ev;
	qsort(order, n, sizeof *order, cmp_time_index);
	return order;
}

/* Which events get the extra copy: selection sampling (Knuth's Algorithm S)
 * per bin, in output order, so copies come out in place and time order
 * needs no second sort.  Uses up bins->count and extra. */
static void
write_copies(struct outbuf *o, const struct ev_event *ev, size_t n, const size_t *order,
	     struct wbinmap *bins, const size_t *copies, size_t *extra, uint64_t seed)
{
	struct rng g;

	rng_seed(&g, seed);
	for (size_t k = 0; k < n; k++) {
		const struct ev_event *e = &ev[order ? order[k] : k];
		size_t b = wbinmap_index(bins, e->wbin);
		size_t c = copies[b];

		if (extra[b] && rng_below(&g, bins->count[b]) < extra[b]) {
			extra[b]--;
			c++;
		}
		bins->count[b]--;
		put(o, e, c);
	}
	if (o->used)
		ev_write_block(o->w, o->buf, o->used);
}

int
main(int argc, char **argv)
{
	struct ev_reader *in;
	struct outbuf o = { 0 };
	struct ev_event *ev;
	struct wbinmap bins;
	size_t n, largest, *order, *copies, *extra;
	uint64_t seed;
	json_t *meta;

	cli_parse_seed_output(argc, argv, "equalize", usage_text);
	seed = cli_seed();
	in = ev_reader_open(0, "stdin");
	meta = ev_reader_meta(in);
	ev = ev_read_all(in, &n);
	wbinmap_require_within(meta, ev, n, 0, "stdin");
	wbinmap_build(&bins, ev, n);
	wbinmap_require_assigned(&bins, n);
	largest = plan_copies(&bins, &copies, &extra);
	order = time_order(ev, n, ev_reader_sorted(in));
	meta_add_seed(meta, seed);
	meta_set_sorted(meta, true);
	json_object_set_new(meta, "equalize_count", json_integer((json_int_t)largest));
	o.w = ev_writer_open_path(cli_output, cli_command_line(), meta);
	o.buf = xmalloc(EV_BLOCK_EVENTS * sizeof *o.buf);
	write_copies(&o, ev, n, order, &bins, copies, extra, seed);
	ev_writer_close(o.w);
	free(o.buf);
	free(order);
	free(copies);
	free(extra);
	free(ev);
	wbinmap_free(&bins);
	ev_reader_close(in);
	return EXIT_OK;
}
