/* psd: averaged Leahy-normalised power spectrum per wavelength bin.
 * stdin: time-sorted LLEV stream.  stdout: CSV table (DESIGN §4 "psd").
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * Events are binned at dt within segments of length seg lying wholly inside
 * one GTI; each segment with photons is Fourier transformed (kissfft real
 * FFT) and its Leahy power 2|a_j|²/N_photons averaged over the M segments,
 * so that Poisson noise has mean 2.  Each segment's P_j ~ χ²_2, so the mean
 * of M has M·P ~ χ²_2M (van der Klis 1989); DESIGN §4's "2M·P" would count
 * the 2 twice, and its false-alarm probabilities would be far too small.   Memory: one segment
 * of counts and one spectrum per wbin, O(seg/dt). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fftr.h>

#include "cli.h"
#include "ev.h"
#include "scan.h"
#include "stats.h"
#include "table.h"

static const char usage_text[] =
	"usage: psd --dt S --seg S [--peaks] [--no-frames] [-o FILE]\n"
	"Averaged Leahy-normalised power spectrum of a time-sorted stream, per\n"
	"wavelength bin and then for all events (wbin -1).  Counts in bins of --dt\n"
	"seconds over segments of --seg seconds wholly inside a GTI are Fourier\n"
	"transformed; P_j = 2|a_j|^2/N_photons, averaged over the n_avg segments\n"
	"that hold photons of that wbin.  Poisson noise gives 2 and n_avg*P follows\n"
	"chi-square with 2*n_avg degrees of freedom (each P_j is chi-square_2).  Frequencies j/seg for\n"
	"j = 1 .. seg/dt/2 - 1 (no zero frequency, no Nyquist bin).\n"
	"Columns: wbin,freq_hz,power,power_err,n_avg (power_err = power/sqrt(n_avg)).\n"
	"With --peaks: the strongest frequency per wbin instead,\n"
	"wbin,freq_hz,power,false_alarm_prob, the chi-square tail probability\n"
	"corrected for the number of frequencies tried: 1 - (1 - p)^N.\n"
	"GTIs: the metadata \"gti\", else one GTI from the first event to the last\n"
	"(with a \"# note:\" line).  When the metadata has timedel (the frame time),\n"
	"--dt is rounded to whole frames (at least one), --seg to the nearest even\n"
	"number of those bins, the GTIs to their whole frames; a note gives both.\n"
	"\n"
	"  --dt S           time resolution, seconds\n"
	"  --seg S          segment length, seconds: an even multiple of --dt, at\n"
	"                   least 4 bins (a power of two is fastest)\n"
	"  --peaks          print the strongest peak per wbin instead\n"
	"  --no-frames      bin at --dt exactly, ignoring timedel\n"
	"  -o, --output F   write the table to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | psd --dt 1 --seg 4096\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_DT = CLI_FIRST_PROGRAM_OPTION, OPT_SEG, OPT_PEAKS, OPT_NO_FRAMES };

#define MAX_FFT (1L << 26)

struct opts {
	double dt, seg;
	long nb;		/* bins per segment */
	bool peaks, no_frames;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "dt", required_argument, NULL, OPT_DT },
		{ "seg", required_argument, NULL, OPT_SEG },
		{ "peaks", no_argument, NULL, OPT_PEAKS },
		SCAN_OPT_NO_FRAMES(OPT_NO_FRAMES), CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	double r;
	int c;

	cli_init(argc, argv, "psd", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_DT:
			o.dt = cli_positive_double(optarg, "--dt");
			break;
		case OPT_SEG:
			o.seg = cli_positive_double(optarg, "--seg");
			break;
		case OPT_PEAKS:
			o.peaks = true;
			break;
		case OPT_NO_FRAMES:
			o.no_frames = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	if (o.dt == 0 || o.seg == 0)
		cli_usage_error("--dt S and --seg S are required");
	r = o.seg / o.dt;
	if (!(r <= (double)MAX_FFT))
		cli_usage_error("--seg/--dt is over %ld bins", MAX_FFT);
	o.nb = lround(r);
	if (fabs(r - (double)o.nb) > 1e-6 * r || o.nb % 2 || o.nb < 4)
		cli_usage_error("--seg must be an even multiple of --dt, at least 4 bins "
				"(got %g bins)", r);
	return o;
}

struct slot {
	float *bins;		/* counts of the open segment (slot 0: unbinned events only) */
	uint64_t n_ph;		/* photons in it (slot 0: all events) */
	double *power;		/* Σ over segments of the Leahy power */
	long m;			/* segments summed */
};

struct psd {
	long nb, n_freq;
	double dt, seg;		/* seg = nb·dt exactly */
	kiss_fftr_cfg cfg;
	kiss_fft_cpx *spec;	/* one slot's transform */
	kiss_fft_cpx *sum;	/* slot 0's: the sum of the others' */
	uint64_t n_unbinned;	/* photons of the open segment without a wbin */
	struct slot *slot;	/* [0]: all events, [1 + w]: wbin w */
	size_t n_slots;
	/* The open segment [seg_start, seg_end) of GTI seg_g (-1: none). */
	double seg_start, seg_end;
	long seg_g;
};

static void
add_slots(struct psd *p, size_t n_slots)
{
	p->slot = xrealloc(p->slot, n_slots * sizeof *p->slot);
	for (size_t s = p->n_slots; s < n_slots; s++) {
		p->slot[s].bins = xcalloc((size_t)p->nb, sizeof(float));
		p->slot[s].power = xcalloc((size_t)p->n_freq, sizeof(double));
		p->slot[s].n_ph = 0;
		p->slot[s].m = 0;
	}
	p->n_slots = n_slots;
}

/* Transform bins (n_ph photons, the mean taken out first: that changes only
 * j = 0 and keeps the float FFT's rounding relative to the fluctuations)
 * into p->spec, clearing bins for the next segment. */
static void
transform(struct psd *p, float *bins, uint64_t n_ph)
{
	float mean = (float)((double)n_ph / (double)p->nb);

	for (long i = 0; i < p->nb; i++)
		bins[i] -= mean;
	kiss_fftr(p->cfg, bins, p->spec);
	memset(bins, 0, (size_t)p->nb * sizeof *bins);
}

static void
add_power(struct psd *p, struct slot *sl, const kiss_fft_cpx *spec)
{
	double scale = 2 / (double)sl->n_ph;

	for (long j = 1; j <= p->n_freq; j++) {
		double re = spec[j].r, im = spec[j].i;

		sl->power[j - 1] += scale * (re * re + im * im);
	}
	sl->m++;
}

/* Close the open segment: transform every wbin slot with photons.  The
 * transform is linear, so slot 0's (all events) is the sum of the wbins'
 * and of the unbinned events' transforms: one FFT fewer per segment. */
static void
flush_segment(struct psd *p, bool keep)
{
	struct slot *all = &p->slot[0];
	bool any = false;

	for (size_t s = 1; s < p->n_slots; s++) {
		struct slot *sl = &p->slot[s];

		if (sl->n_ph == 0)
			continue;
		if (keep) {
			transform(p, sl->bins, sl->n_ph);
			add_power(p, sl, p->spec);
			if (!any)
				memcpy(p->sum, p->spec, ((size_t)p->nb / 2 + 1) * sizeof *p->sum);
			else
				for (long j = 0; j <= p->nb / 2; j++) {
					p->sum[j].r += p->spec[j].r;
					p->sum[j].i += p->spec[j].i;
				}
			any = true;
		} else {
			memset(sl->bins, 0, (size_t)p->nb * sizeof *sl->bins);
		}
		sl->n_ph = 0;
	}
	if (keep && p->n_unbinned) {
		transform(p, all->bins, p->n_unbinned);
		if (any)
			for (long j = 0; j <= p->nb / 2; j++) {
				p->sum[j].r += p->spec[j].r;
				p->sum[j].i += p->spec[j].i;
			}
		else
			memcpy(p->sum, p->spec, ((size_t)p->nb / 2 + 1) * sizeof *p->sum);
		any = true;
	} else if (p->n_unbinned) {
		memset(all->bins, 0, (size_t)p->nb * sizeof *all->bins);
	}
	if (keep && any)
		add_power(p, all, p->sum);
	all->n_ph = 0;
	p->n_unbinned = 0;
}

/* The widths used: with frames, dt whole frames and the segment the nearest
 * even number of those bins (at least 4). */
static void
set_widths(struct psd *p, struct scan *scan, const struct opts *o)
{
	p->dt = scan_width(scan, o->dt);
	p->nb = o->nb;
	if (frame_grid_on(&scan->frames)) {
		double r = nearbyint(o->seg / p->dt / 2) * 2;

		if (!(r <= (double)MAX_FFT))
			die(EXIT_RUNTIME, "--seg/--dt is over %ld bins of whole frames", MAX_FFT);
		p->nb = r < 4 ? 4 : (long)r;
		scan_note(scan, "dt %g s is %lld frames: %.10g s; seg %g s is %ld such bins: %.10g s",
			  o->dt, frame_count(&scan->frames, o->dt), p->dt, o->seg, p->nb,
			  (double)p->nb * p->dt);
	}
	p->n_freq = p->nb / 2 - 1;
	p->seg = (double)p->nb * p->dt;
	p->cfg = kiss_fftr_alloc((int)p->nb, 0, NULL, NULL);
	if (!p->cfg)
		die(EXIT_RUNTIME, "out of memory for a %ld-point FFT", p->nb);
	p->spec = xmalloc(((size_t)p->nb / 2 + 1) * sizeof *p->spec);
	p->sum = xmalloc(((size_t)p->nb / 2 + 1) * sizeof *p->sum);
	p->seg_g = -1;
	p->seg_end = -INFINITY;
}

/* Segments lie wholly inside one GTI, from its start; an event past the
 * open segment closes it and opens its own (or none: the GTI's partial last
 * segment). */
static void
add_event(struct psd *p, const struct scan *scan, const struct scan_event *ev)
{
	double t = ev->t;

	if (t >= p->seg_end) {
		const struct gti *gi = &scan->gti.iv[ev->g];
		double j = floor((t - gi->start) / p->seg);

		if ((j + 1) * p->seg > gi->stop - gi->start)
			return;	/* the GTI's partial last segment */
		flush_segment(p, true);
		p->seg_g = (long)ev->g;
		p->seg_start = gi->start + j * p->seg;
		p->seg_end = p->seg_start + p->seg;
		if (t >= p->seg_end)
			return;	/* rounding right at the end */
	}
	if (t < p->seg_start)
		return;		/* in no segment (between GTIs) */
	if (scan->n_slots > p->n_slots)
		add_slots(p, scan->n_slots);
	long i = (long)((t - p->seg_start) / p->dt);

	if (i >= p->nb)
		i = p->nb - 1;
	/* Slot 0's bins hold only the unbinned events (see flush_segment). */
	p->slot[ev->slot].bins[i] += 1;
	p->slot[ev->slot].n_ph++;
	if (ev->slot)
		p->slot[0].n_ph++;
	else
		p->n_unbinned++;
}

static void
write_table(const struct psd *p, const struct scan *scan, bool peaks)
{
	static const char *const spec_columns[] = {
		"wbin", "freq_hz", "power", "power_err", "n_avg", NULL
	};
	static const char *const peak_columns[] = {
		"wbin", "freq_hz", "power", "false_alarm_prob", NULL
	};
	struct table_writer *tw = table_writer_open(cli_output, cli_command_line(), scan->meta,
						    peaks ? peak_columns : spec_columns,
						    scan_notes(scan));

	for (size_t k = 0; k < p->n_slots; k++) {
		size_t s = scan_row_slot(scan, k);
		const struct slot *sl = &p->slot[s];

		if (peaks) {
			long best = 0;

			for (long j = 1; j < p->n_freq; j++)
				if (sl->power[j] > sl->power[best])
					best = j;
			table_put_long(tw, scan_slot_wbin(s));
			if (sl->m == 0) {
				table_put_empty(tw);
				table_put_empty(tw);
				table_put_empty(tw);
			} else {
				double pw = sl->power[best] / (double)sl->m;
				double log_p = stats_chi2_even_logsf((double)sl->m * pw, sl->m);

				table_put_double(tw, (double)(best + 1) / p->seg);
				table_put_double(tw, pw);
				table_put_double(tw, stats_trials_fap_log(log_p, (double)p->n_freq));
			}
			table_end_row(tw);
			continue;
		}
		for (long j = 0; j < p->n_freq; j++) {
			double pw = sl->m ? sl->power[j] / (double)sl->m : NAN;

			table_put_long(tw, scan_slot_wbin(s));
			table_put_double(tw, (double)(j + 1) / p->seg);
			table_put_double(tw, pw);
			table_put_double(tw, pw / sqrt((double)sl->m));
			table_put_long(tw, sl->m);
			table_end_row(tw);
		}
	}
	table_writer_close(tw);
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct scan scan;
	struct scan_event ev;
	struct psd p = { 0 };

	scan_open(&scan, 0, "stdin", !o.no_frames);
	set_widths(&p, &scan, &o);
	add_slots(&p, scan.n_slots);
	while (scan_next(&scan, &ev))
		add_event(&p, &scan, &ev);
	/* The events' GTI was open during the walk: its open segment counts
	 * only if it ends by the GTI's end.  Other segments lie wholly inside
	 * their GTI by construction. */
	flush_segment(&p, p.seg_g >= 0 &&
		      (!scan.gti_from_events || p.seg_end <= scan.gti.iv[0].stop));
	write_table(&p, &scan, o.peaks);
	for (size_t s = 0; s < p.n_slots; s++) {
		free(p.slot[s].bins);
		free(p.slot[s].power);
	}
	free(p.slot);
	free(p.spec);
	free(p.sum);
	kiss_fftr_free(p.cfg);
	scan_close(&scan);
	return EXIT_OK;
}
