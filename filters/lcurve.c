/* lcurve: light curve per wavelength bin and for all events.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4 "lcurve").
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Bins of width dt start at each GTI's start; a GTI's last bin is cut at its
 * end and kept with that shorter exposure.  Holds one counter per bin and
 * wbin (4 bytes each): the table itself has that many rows. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "meta.h"
#include "table.h"

static const char usage_text[] =
	"usage: lcurve --dt S [-o FILE]\n"
	"Light curve of a time-sorted stream: counts in bins of S seconds inside\n"
	"the GTIs, per wavelength bin and then for all events (wbin -1).\n"
	"Columns: wbin,time_start,time_stop,counts,exposure_s,rate,rate_err.\n"
	"Bins start at each GTI's start; the last bin of a GTI ends with the GTI\n"
	"and has a shorter exposure_s.  rate = counts/exposure_s and\n"
	"rate_err = sqrt(max(counts, 1))/exposure_s (an empty bin still has an\n"
	"error of one count).  GTIs: the metadata \"gti\", else [tstart, tstop],\n"
	"else [first, last event].\n"
	"\n"
	"  --dt S           bin width, seconds\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | lcurve --dt 100\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_DT = CLI_FIRST_PROGRAM_OPTION };

#define MAX_BINS (1ull << 28)	/* 1 GiB of counters per wbin: surely a typo */
#define MAX_WBINS 100000

static double
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "dt", required_argument, NULL, OPT_DT },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	double dt = 0;
	int c;

	cli_init(argc, argv, "lcurve", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_DT:
			dt = cli_positive_double(optarg, "--dt");
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (dt == 0)
		cli_usage_error("--dt S is required");
	return dt;
}

int
main(int argc, char **argv)
{
	static const char *const columns[] = {
		"wbin", "time_start", "time_stop", "counts", "exposure_s", "rate", "rate_err", NULL
	};
	double dt = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct gti_list gti;
	double *edges = NULL, first = NAN, last = NAN;
	size_t n_edges = 0, n_wbins = 0, n_slots, g = 0;
	uint64_t *offset, total_bins = 0;
	uint32_t **counts;	/* [slot][bin]; slot 0 is all events */
	bool fixed_wbins, from_events;
	struct ev_event *blk;
	size_t n;

	ev_reader_require_sorted(in);
	fixed_wbins = meta_wbin_edges(meta, &edges, &n_edges);
	if (fixed_wbins)
		n_wbins = n_edges - 1;
	from_events = !meta_analysis_gti(meta, &gti);
	if (from_events) {
		/* The bins are known only at the end: hold the times of a
		 * [first, last] light curve as counts per bin from the first
		 * event, grown as events arrive. */
		gti.n = 0;
		gti.iv = NULL;
	}

	/* Bin layout: GTI g has ceil((b - a)/dt) bins from offset[g]. */
	offset = xcalloc(gti.n + 1, sizeof *offset);
	for (size_t i = 0; i < gti.n; i++) {
		double nb = ceil((gti.iv[i].stop - gti.iv[i].start) / dt);

		if (!(nb <= (double)MAX_BINS) || total_bins + (uint64_t)nb > MAX_BINS)
			die(EXIT_RUNTIME, "--dt %g makes over %llu bins", dt,
			    (unsigned long long)MAX_BINS);
		offset[i] = total_bins;
		total_bins += (uint64_t)nb;
		offset[i + 1] = total_bins;
	}
	n_slots = 1 + n_wbins;
	counts = xcalloc(n_slots, sizeof *counts);
	for (size_t s = 0; s < n_slots; s++)
		counts[s] = xcalloc(total_bins ? total_bins : 1, sizeof **counts);

	while ((n = ev_read_block(in, &blk)) > 0) {
		for (size_t e = 0; e < n; e++) {
			double t = blk[e].time;
			int32_t w = blk[e].wbin;
			uint64_t bin;

			if (from_events) {
				if (isnan(first))
					first = t;
				last = t;
				double k = floor((t - first) / dt);

				if (k >= (double)MAX_BINS)
					die(EXIT_RUNTIME, "--dt %g makes over %llu bins", dt,
					    (unsigned long long)MAX_BINS);
				bin = (uint64_t)k;
				if (bin >= total_bins) {
					uint64_t nb = total_bins ? total_bins : 1024;

					while (nb <= bin)
						nb *= 2;
					for (size_t s = 0; s < n_slots; s++) {
						counts[s] = xrealloc(counts[s], nb * sizeof **counts);
						for (uint64_t i = total_bins; i < nb; i++)
							counts[s][i] = 0;
					}
					total_bins = nb;
				}
			} else {
				while (g < gti.n && t >= gti.iv[g].stop)
					g++;
				if (g == gti.n || t < gti.iv[g].start)
					continue;
				bin = offset[g] + (uint64_t)floor((t - gti.iv[g].start) / dt);
				if (bin >= offset[g + 1])
					bin = offset[g + 1] - 1;	/* rounding at the GTI end */
			}
			if (w >= 0 && (size_t)w >= n_wbins) {
				if (fixed_wbins || w >= MAX_WBINS)
					die(EXIT_RUNTIME, "stdin: event %llu has wbin %d outside the %zu "
					    "wbins of the metadata", (unsigned long long)
					    (ev_reader_count(in) - n + e), w, n_wbins);
				counts = xrealloc(counts, ((size_t)w + 2) * sizeof *counts);
				for (size_t s = n_slots; s < (size_t)w + 2; s++)
					counts[s] = xcalloc(total_bins ? total_bins : 1, sizeof **counts);
				n_wbins = (size_t)w + 1;
				n_slots = n_wbins + 1;
			}
			counts[0][bin]++;
			if (w >= 0)
				counts[w + 1][bin]++;
		}
	}
	if (from_events && !isnan(first)) {
		/* One GTI [first, last]; the last event sits in its last bin. */
		double nb = floor((last - first) / dt) + 1;

		gti.n = 1;
		gti.iv = xmalloc(sizeof *gti.iv);
		gti.iv[0] = (struct gti){ first, last };
		offset = xrealloc(offset, 2 * sizeof *offset);
		offset[0] = 0;
		offset[1] = (uint64_t)nb;
	}

	struct table_writer *tw = table_writer_open(meta, columns, NULL);
	for (size_t k = 0; k < n_slots; k++) {
		size_t s = (k + 1) % n_slots;	/* wbins first, all events last */

		for (size_t gi = 0; gi < gti.n; gi++)
			for (uint64_t b = offset[gi]; b < offset[gi + 1]; b++) {
				double a = gti.iv[gi].start + (double)(b - offset[gi]) * dt;
				double z = a + dt;
				uint32_t c = counts[s][b];

				if (z > gti.iv[gi].stop || b + 1 == offset[gi + 1])
					z = gti.iv[gi].stop;
				double expo = z - a;

				table_put_long(tw, (long long)s - 1);
				table_put_double(tw, a);
				table_put_double(tw, z);
				table_put_long(tw, c);
				table_put_double(tw, expo);
				table_put_double(tw, expo > 0 ? c / expo : NAN);
				table_put_double(tw, expo > 0 ? sqrt(c > 0 ? c : 1) / expo : NAN);
				table_end_row(tw);
			}
	}
	table_writer_close(tw);
	ev_reader_close(in);
	for (size_t s = 0; s < n_slots; s++)
		free(counts[s]);
	free(counts);
	free(offset);
	free(edges);
	gti_free(&gti);
	return EXIT_OK;
}
