/* flatten: randomly thin every wavelength bin to the smallest bin's count.
 * stdin/stdout: LLEV stream.  Exit: 0 ok, 1 bad input or I/O, 2 usage.
 * Holds the dataset (16 bytes per event): the smallest count is known only
 * at the end of the stream.  Each bin keeps a uniform random subset of exact
 * size, chosen without replacement; the order of the events is kept. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "meta.h"
#include "rng.h"
#include "wbinmap.h"

static const char usage_text[] =
	"usage: flatten [--seed N] [-o FILE]\n"
	"Count the events in every wavelength bin (wbin) and thin each bin at\n"
	"random, without replacement, to the count of the smallest non-empty bin,\n"
	"so every bin ends up with the same number of events.  Event order is kept.\n"
	"A stream whose events all have wbin -1 is one bin and passes unchanged;\n"
	"one that mixes -1 with assigned bins is an error (run wbin first).\n"
	"Holds the dataset in memory: 16 bytes per event.\n"
	"\n"
	"  --seed N         random seed (default: drawn from the OS); recorded in\n"
	"                   the metadata \"seeds\", same seed gives the same output\n"
	"  -o, --output F   write the stream to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 8 --min 0.1 --max 1 | flatten --seed 1 | evinfo\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

int
main(int argc, char **argv)
{
	struct ev_reader *in;
	struct ev_writer *out;
	struct ev_event *ev;
	struct wbinmap bins;
	struct rng g;
	size_t n, kept = 0, smallest = 0;
	size_t *need;
	uint64_t seed;
	json_t *meta;

	cli_parse_seed_output(argc, argv, "flatten", usage_text);
	seed = cli_seed();
	in = ev_reader_open(0, "stdin");
	meta = ev_reader_meta(in);
	ev = ev_read_all(in, &n);
	wbinmap_require_within(meta, ev, n, 0, "stdin");
	wbinmap_build(&bins, ev, n);
	wbinmap_require_assigned(&bins, n);
	for (size_t b = 0; b < bins.n_bins; b++)
		if (smallest == 0 || bins.count[b] < smallest)
			smallest = bins.count[b];

	/* Selection sampling (Knuth's Algorithm S) for every bin at once, in one
	 * pass: an event is kept with probability (still needed)/(still to see)
	 * of its bin, which gives each subset of the exact size the same chance
	 * and keeps the order without sorting. */
	need = xmalloc((bins.n_bins ? bins.n_bins : 1) * sizeof *need);
	for (size_t b = 0; b < bins.n_bins; b++)
		need[b] = smallest;
	rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		size_t b = wbinmap_index(&bins, ev[i].wbin);

		if (rng_below(&g, bins.count[b]--) < need[b]) {
			need[b]--;
			ev[kept++] = ev[i];
		}
	}

	meta_add_seed(meta, seed);
	json_object_set_new(meta, "flatten_count", json_integer((json_int_t)smallest));
	out = ev_writer_open_path(cli_output, cli_command_line(), meta);
	for (size_t i = 0; i < kept; i += EV_BLOCK_EVENTS)
		ev_write_block(out, ev + i, kept - i < EV_BLOCK_EVENTS ? kept - i : EV_BLOCK_EVENTS);
	ev_writer_close(out);
	free(need);
	free(ev);
	wbinmap_free(&bins);
	ev_reader_close(in);
	return EXIT_OK;
}
