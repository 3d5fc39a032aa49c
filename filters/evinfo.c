/* evinfo: summary of an event stream, for people or (--json) for scripts.
 * stdin: LLEV stream.  stdout: text or one JSON object.
 * Exit: 0 ok, 1 bad input or I/O, 2 usage.
 *
 * One pass, constant memory: counts per wbin live in an array bounded by the
 * metadata's edges when bins are assigned, else grown on demand up to
 * EVINFO_MAX_WBINS (a custom filter may set wbins without edges). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "ev.h"
#include "gti.h"
#include "meta.h"

#define EVINFO_MAX_WBINS 1000000

static const char usage_text[] =
	"usage: evinfo [--json] [-o FILE]\n"
	"Summarise an LLEV stream: event count, counts per wbin (with the edges\n"
	"when bins are assigned), earliest and latest time and span, GTI count,\n"
	"exposure (from the metadata GTIs, else the events' span, not tstart/tstop,\n"
	"which can lie far from the events; the output says which), mean rate, whether the events were in\n"
	"time order, wavelength range and NaN count, and the metadata keys\n"
	"dataset, obs_id, object, instrument, detnam, mjdref, timesys, history.\n"
	"An empty stream is summarised with zero counts.\n"
	"\n"
	"  --json           one JSON object (keys in evinfo(1)) instead of text\n"
	"  -o, --output F   write to F (atomically) instead of stdout\n"
	"  --help, --version\n"
	"\n"
	"Example: fits2ev obs.fits | wbin --n 4 --min 0.1 --max 1 | evinfo --json\n"
	"Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n";

enum { OPT_JSON = CLI_FIRST_PROGRAM_OPTION };

struct opts {
	bool json;
};

static struct opts
parse_options(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	struct opts o = { 0 };
	int c;

	cli_init(argc, argv, "evinfo", usage_text);
	while ((c = cli_getopt(argc, argv, "o:", long_opts)) != -1) {
		switch (c) {
		case OPT_JSON:
			o.json = true;
			break;
		default:
			cli_common_option(c);
		}
	}
	cli_no_operands(argc, argv);
	return o;
}

struct summary {
	uint64_t n_events;
	uint64_t n_unbinned;	/* wbin -1 */
	uint64_t *wbin_count;	/* index = wbin */
	size_t n_wbins;		/* slots in use: highest wbin seen + 1, or K */
	size_t cap;		/* slots allocated */
	bool fixed;		/* bounded by the metadata edges */
	double *edges;		/* NULL when unassigned */
	size_t n_edges;
	double t_min, t_max;
	float w_min, w_max;
	uint64_t n_nan;
	bool sorted;
	size_t n_gti;
	double exposure;
	const char *exposure_from;	/* "gti" or "events" */
};

/* Make room for wbin `b`, which is above every slot in use. */
static void
grow_wbins(struct summary *s, int32_t b, uint64_t event)
{
	size_t need = (size_t)b + 1;

	if (s->fixed)
		die(EXIT_RUNTIME, "stdin: event %llu: wbin %ld is outside the %zu bins "
		    "of the metadata edges", (unsigned long long)event, (long)b, s->n_wbins);
	if (need > EVINFO_MAX_WBINS)
		die(EXIT_RUNTIME, "stdin: event %llu: wbin %ld is above the limit of %d bins",
		    (unsigned long long)event, (long)b, EVINFO_MAX_WBINS);
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap : 64;

		while (cap < need)
			cap *= 2;
		if (cap > EVINFO_MAX_WBINS)
			cap = EVINFO_MAX_WBINS;
		s->wbin_count = xrealloc(s->wbin_count, cap * sizeof *s->wbin_count);
		memset(s->wbin_count + s->cap, 0, (cap - s->cap) * sizeof *s->wbin_count);
		s->cap = cap;
	}
	s->n_wbins = need;
}

/* Smallest and largest wavelength (NaN skipped) and NaN count of a block,
 * folded into *lo, *hi, *n_nan as the loop "lo = w < lo ? w : lo" over the
 * events in order would: of equal values the first seen is kept. */
static void
w_stats_exact(const struct ev_event *blk, size_t n, float *lo, float *hi, uint64_t *n_nan)
{
	for (size_t i = 0; i < n; i++) {
		float w = blk[i].wavelength;

		/* NaN fails both compares: only counted. */
		*lo = w < *lo ? w : *lo;
		*hi = w > *hi ? w : *hi;
		*n_nan += w != w;
	}
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The same on four lanes at once: a record loaded as four floats has its
 * wavelength in lane 2 (the others are ignored).  minps/maxps keep their
 * second operand when the first is NaN, as the compares above do.  Two
 * accumulators may meet -0 and +0 in another order than the events did,
 * and only a zero can tell: a block whose extreme is 0 is done again the
 * exact way. */
static void
w_stats(const struct ev_event *blk, size_t n, float *lo, float *hi, uint64_t *n_nan)
{
	const float *f = (const float *)(const void *)blk;
	__m128 mn0 = _mm_set1_ps(INFINITY), mn1 = mn0, mx0 = _mm_set1_ps(-INFINITY), mx1 = mx0;
	__m128i nan0 = _mm_setzero_si128(), nan1 = nan0;
	float bmin, bmax;
	uint64_t bnan;
	size_t i = 0;

	for (; i + 2 <= n; i += 2, f += 8) {
		__m128 x0 = _mm_loadu_ps(f), x1 = _mm_loadu_ps(f + 4);

		mn0 = _mm_min_ps(x0, mn0);
		mn1 = _mm_min_ps(x1, mn1);
		mx0 = _mm_max_ps(x0, mx0);
		mx1 = _mm_max_ps(x1, mx1);
		/* A NaN compares unordered: -1 in its lane, counted down. */
		nan0 = _mm_sub_epi32(nan0, _mm_castps_si128(_mm_cmpunord_ps(x0, x0)));
		nan1 = _mm_sub_epi32(nan1, _mm_castps_si128(_mm_cmpunord_ps(x1, x1)));
	}
	mn0 = _mm_min_ps(mn0, mn1);
	mx0 = _mm_max_ps(mx0, mx1);
	nan0 = _mm_add_epi32(nan0, nan1);
	bmin = _mm_cvtss_f32(_mm_shuffle_ps(mn0, mn0, 2));
	bmax = _mm_cvtss_f32(_mm_shuffle_ps(mx0, mx0, 2));
	bnan = (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi32(nan0, 2));
	if (i < n) {
		float w = blk[i].wavelength;

		bmin = w < bmin ? w : bmin;
		bmax = w > bmax ? w : bmax;
		bnan += w != w;
	}
	if (bmin == 0 || bmax == 0) {
		w_stats_exact(blk, n, lo, hi, n_nan);
		return;
	}
	*lo = bmin < *lo ? bmin : *lo;
	*hi = bmax > *hi ? bmax : *hi;
	*n_nan += bnan;
}
#else
#define w_stats w_stats_exact
#endif

/* Count the events of a block per wbin; returns how many are unbinned (-1).
 * An event's count is a load, an add and a store to one of a few slots, and
 * events of the same wbin close together would each wait for the one
 * before: with few bins the counts are kept in four interleaved tables,
 * one per event of a group of four, and added up at the end. */
static uint64_t
count_wbins(struct summary *s, const struct ev_event *e, size_t n)
{
	enum { LANES = 4, SMALL = 256 };
	uint64_t n_unbinned = 0;
	size_t nw = s->n_wbins, i = 0;

	if (nw < SMALL) {
		/* Slot b + 1 for wbin b, so -1 counts in slot 0. */
		uint32_t c[LANES][SMALL + 1];
		uint32_t top = (uint32_t)nw;

		for (int l = 0; l < LANES; l++)
			memset(c[l], 0, (nw + 1) * sizeof c[l][0]);
		for (; i + LANES <= n; i += LANES) {
			uint32_t x0 = (uint32_t)e[i].wbin + 1, x1 = (uint32_t)e[i + 1].wbin + 1;
			uint32_t x2 = (uint32_t)e[i + 2].wbin + 1, x3 = (uint32_t)e[i + 3].wbin + 1;

			if (x0 > top || x1 > top || x2 > top || x3 > top)
				break;	/* a wbin above the table: the loop below grows it */
			c[0][x0]++;
			c[1][x1]++;
			c[2][x2]++;
			c[3][x3]++;
		}
		for (int l = 0; l < LANES; l++) {
			n_unbinned += c[l][0];
			for (size_t b = 0; b < nw; b++)
				s->wbin_count[b] += c[l][b + 1];
		}
	}
	for (; i < n; i++) {
		int32_t b = e[i].wbin;

		if ((uint32_t)b < s->n_wbins)
			s->wbin_count[b]++;
		else if (b < 0)
			n_unbinned++;	/* the reader guarantees b >= -1 */
		else {
			grow_wbins(s, b, s->n_events + i);
			s->wbin_count[b]++;
		}
	}
	return n_unbinned;
}

static void
scan(struct ev_reader *in, struct summary *s)
{
	struct ev_event *blk;
	size_t n;
	double t_min = INFINITY, t_max = -INFINITY;
	float w_min = INFINITY, w_max = -INFINITY;
	uint64_t n_nan = 0, n_unbinned = 0;

	while ((n = ev_read_block(in, &blk)) > 0) {
		/* A block sorted so far (the reader has checked it) spans its
		 * first to its last time.  The maximum kept is the first of
		 * equal values, which only -0 and +0 tell apart: a block ending
		 * at 0 takes the loop. */
		if (ev_reader_sorted(in) && blk[n - 1].time != 0) {
			t_min = blk[0].time < t_min ? blk[0].time : t_min;
			t_max = blk[n - 1].time > t_max ? blk[n - 1].time : t_max;
		} else {
			for (size_t i = 0; i < n; i++) {
				double t = blk[i].time;

				t_min = t < t_min ? t : t_min;
				t_max = t > t_max ? t : t_max;
			}
		}
		w_stats(blk, n, &w_min, &w_max, &n_nan);
		n_unbinned += count_wbins(s, blk, n);
		s->n_events += n;
	}
	s->t_min = t_min;
	s->t_max = t_max;
	s->w_min = w_min;
	s->w_max = w_max;
	s->n_nan = n_nan;
	s->n_unbinned = n_unbinned;
	s->sorted = ev_reader_sorted(in);
}

static void
exposure_of(json_t *meta, struct summary *s)
{
	struct gti_list g;

	/* Not tstart/tstop: a level-1 file's can lie kiloseconds from its
	 * events, and a rate over them would be wrong (DESIGN §4). */
	if (meta_gti(meta, &g)) {
		s->n_gti = g.n;
		s->exposure = gti_exposure(&g);
		s->exposure_from = "gti";
	} else {
		s->exposure = s->n_events > 0 ? s->t_max - s->t_min : 0;
		s->exposure_from = "events";
	}
	gti_free(&g);
}

/* JSON number, or null when undefined (JSON has no NaN). */
static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The shortest decimal that reads back as the float w, as a double: a
 * wavelength stored as 0.1f is reported as 0.1, not 0.10000000149. */
static double
float_decimal(float w)
{
	char buf[32];

	for (int p = 6; p < 9; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, (double)w);
		if (strtof(buf, NULL) == w)
			return strtod(buf, NULL);
	}
	snprintf(buf, sizeof buf, "%.9g", (double)w);
	return strtod(buf, NULL);
}

static const char *const meta_keys[] = {
	"dataset", "obs_id", "object", "instrument", "detnam", "mjdref", "timesys"
};

static json_t *
to_json(json_t *meta, const struct summary *s)
{
	bool any = s->n_events > 0, any_w = s->n_events > s->n_nan;
	json_t *j = json_object(), *bins = json_array(), *h;

	for (size_t i = 0; i < s->n_wbins; i++)
		json_array_append_new(bins, json_pack("{sIsIsoso}",
			"wbin", (json_int_t)i, "count", (json_int_t)s->wbin_count[i],
			"wmin_nm", s->edges ? json_real(s->edges[i]) : json_null(),
			"wmax_nm", s->edges ? json_real(s->edges[i + 1]) : json_null()));
	json_object_set_new(j, "events", json_integer((json_int_t)s->n_events));
	json_object_set_new(j, "wbins_assigned", json_boolean(s->edges != NULL));
	json_object_set_new(j, "wbins", bins);
	json_object_set_new(j, "unbinned", json_integer((json_int_t)s->n_unbinned));
	json_object_set_new(j, "first_time", any ? json_real(s->t_min) : json_null());
	json_object_set_new(j, "last_time", any ? json_real(s->t_max) : json_null());
	json_object_set_new(j, "span_s", any ? json_real(s->t_max - s->t_min) : json_null());
	json_object_set_new(j, "gti_count", json_integer((json_int_t)s->n_gti));
	json_object_set_new(j, "exposure_s", json_real(s->exposure));
	json_object_set_new(j, "exposure_from", json_string(s->exposure_from));
	json_object_set_new(j, "rate_cps", s->exposure > 0 ?
			    num((double)s->n_events / s->exposure) : json_null());
	json_object_set_new(j, "sorted", json_boolean(s->sorted));
	json_object_set_new(j, "wavelength_min_nm",
			    any_w ? json_real(float_decimal(s->w_min)) : json_null());
	json_object_set_new(j, "wavelength_max_nm",
			    any_w ? json_real(float_decimal(s->w_max)) : json_null());
	json_object_set_new(j, "wavelength_nan", json_integer((json_int_t)s->n_nan));
	for (size_t i = 0; i < sizeof meta_keys / sizeof *meta_keys; i++) {
		json_t *v = json_object_get(meta, meta_keys[i]);

		json_object_set(j, meta_keys[i], v ? v : json_null());
	}
	h = json_object_get(meta, "history");
	json_object_set(j, "history", h ? h : json_null());
	return j;
}

/* A metadata value as text: strings bare, anything else as compact JSON. */
static void
print_meta_value(FILE *out, const char *label, json_t *v)
{
	char *text;

	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		fprintf(out, "%-14s %s\n", label, json_string_value(v));
		return;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	fprintf(out, "%-14s %s\n", label, text ? text : "?");
	free(text);
}

static void
print_text(FILE *out, json_t *meta, const struct summary *s)
{
	json_t *h = json_object_get(meta, "history"), *v;
	size_t i;

	fprintf(out, "%-14s %llu\n", "events", (unsigned long long)s->n_events);
	if (s->n_events > 0) {
		fprintf(out, "%-14s %.6f s\n", "first time", s->t_min);
		fprintf(out, "%-14s %.6f s\n", "last time", s->t_max);
		fprintf(out, "%-14s %.6f s\n", "span", s->t_max - s->t_min);
	} else {
		fprintf(out, "%-14s -\n", "first time");
		fprintf(out, "%-14s -\n", "last time");
		fprintf(out, "%-14s -\n", "span");
	}
	fprintf(out, "%-14s %zu\n", "gtis", s->n_gti);
	fprintf(out, "%-14s %.3f s (from %s)\n", "exposure", s->exposure,
		strcmp(s->exposure_from, "gti") == 0 ? "metadata GTIs" :
		"the events' span: no GTI in the metadata");
	if (s->exposure > 0)
		fprintf(out, "%-14s %.6g counts/s\n", "mean rate",
			(double)s->n_events / s->exposure);
	else
		fprintf(out, "%-14s - (no exposure)\n", "mean rate");
	fprintf(out, "%-14s %s\n", "sorted", s->sorted ? "yes" : "no");
	if (s->n_events > s->n_nan)
		fprintf(out, "%-14s %.9g .. %.9g nm\n", "wavelength",
			float_decimal(s->w_min), float_decimal(s->w_max));
	else
		fprintf(out, "%-14s -\n", "wavelength");
	fprintf(out, "%-14s %llu\n", "no wavelength", (unsigned long long)s->n_nan);
	if (s->edges)
		fprintf(out, "%-14s %zu bins\n", "wbins", s->n_edges - 1);
	else
		fprintf(out, "%-14s not assigned\n", "wbins");
	if (s->n_wbins > 0) {
		fprintf(out, "  %6s  %-12s  %-12s  %12s\n", "wbin", "wmin_nm", "wmax_nm", "events");
		for (i = 0; i < s->n_wbins; i++) {
			if (s->edges)
				fprintf(out, "  %6zu  %-12.9g  %-12.9g  %12llu\n", i, s->edges[i],
					s->edges[i + 1], (unsigned long long)s->wbin_count[i]);
			else
				fprintf(out, "  %6zu  %-12s  %-12s  %12llu\n", i, "-", "-",
					(unsigned long long)s->wbin_count[i]);
		}
		if (s->n_unbinned > 0)
			fprintf(out, "  %6s  %-12s  %-12s  %12llu\n", "-1", "(unbinned)", "",
				(unsigned long long)s->n_unbinned);
	}
	for (i = 0; i < sizeof meta_keys / sizeof *meta_keys; i++)
		print_meta_value(out, meta_keys[i], json_object_get(meta, meta_keys[i]));
	if (json_is_array(h)) {
		json_array_foreach(h, i, v)
			fprintf(out, "%-14s %s\n", i == 0 ? "history" : "",
				json_is_string(v) ? json_string_value(v) : "?");
	} else {
		print_meta_value(out, "history", h);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = parse_options(argc, argv);
	struct ev_reader *in = ev_reader_open(0, "stdin");
	json_t *meta = ev_reader_meta(in);
	struct summary s = { 0 };
	struct atomic_file *af = NULL;
	FILE *out = stdout;

	/* Open the output first, so an unwritable path fails before the scan. */
	if (cli_output) {
		af = atomic_open(cli_output);
		out = atomic_stream(af);
	}
	if (meta_wbin_edges(meta, &s.edges, &s.n_edges)) {
		s.fixed = true;
		s.n_wbins = s.cap = s.n_edges - 1;
		s.wbin_count = xcalloc(s.cap, sizeof *s.wbin_count);
	}
	scan(in, &s);
	exposure_of(meta, &s);
	if (o.json) {
		json_t *j = to_json(meta, &s);

		if (json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0)
			die(EXIT_RUNTIME, "%s: write error:", cli_output ? cli_output : "stdout");
		fputc('\n', out);
		json_decref(j);
	} else {
		print_text(out, meta, &s);
	}
	if (af) {
		atomic_commit(af);
	} else if (fflush(out) != 0 || ferror(out) || fclose(out) != 0) {
		die(EXIT_RUNTIME, "stdout: write error:");
	}
	ev_reader_close(in);
	free(s.wbin_count);
	free(s.edges);
	return EXIT_OK;
}
