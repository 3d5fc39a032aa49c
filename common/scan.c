/* scan: the analyzers' shared walk; see scan.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "meta.h"
#include "scan.h"
#include "table.h"


void
scan_note(struct scan *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	if (s->n_notes == SCAN_MAX_NOTES)
		return;
	len = snprintf(buf, sizeof buf, "note: ");
	va_start(ap, fmt);
	vsnprintf(buf + len, sizeof buf - (size_t)len, fmt, ap);
	va_end(ap);
	s->notes[s->n_notes++] = xstrdup(buf);
	s->notes[s->n_notes] = NULL;
}

const char *const *
scan_notes(const struct scan *s)
{
	return (const char *const *)s->notes;
}

/* The whole-frame part of each GTI; GTIs shorter than a frame go. */
static void
cut_to_frames(struct gti_list *gti, const struct frame_grid *fg)
{
	size_t k = 0;

	for (size_t i = 0; i < gti->n; i++) {
		double a = frame_ceil(fg, gti->iv[i].start), b = frame_floor(fg, gti->iv[i].stop);

		if (b > a)
			gti->iv[k++] = (struct gti){ a, b };
	}
	gti->n = k;
}

void
scan_open(struct scan *s, int fd, const char *name, bool use_frames)
{
	char why[200];

	*s = (struct scan){ .last = NAN, .name = name };
	s->in = ev_reader_open(fd, name);
	s->meta = ev_reader_meta(s->in);
	ev_reader_require_sorted(s->in);
	if (!meta_wbin_edges(s->meta, &s->edges, &s->n_edges))
		s->edges = NULL;
	s->n_slots = s->edges ? s->n_edges : 1;
	if (!frame_grid_from_meta(s->meta, use_frames, &s->frames, why, sizeof why))
		die(EXIT_RUNTIME, "%s: metadata: %s", name, why);
	s->n_blk = ev_read_block(s->in, &s->blk);
	if (s->n_blk > 0)
		frame_grid_anchor(&s->frames, s->blk[0].time);
	if (frame_grid_on(&s->frames))
		scan_note(s, "frames: timedel %.10g s: bin widths are whole frames, bin edges "
			  "frame boundaries (--no-frames: free bins)", s->frames.tau);
	if (meta_gti(s->meta, &s->gti)) {
		if (frame_grid_on(&s->frames) && s->frames.anchored)
			cut_to_frames(&s->gti, &s->frames);
		return;
	}
	s->gti_from_events = true;
	scan_note(s, "no GTI in the metadata: one GTI from the first event to the last");
	if (s->n_blk == 0)
		return;
	double a = s->blk[0].time;

	if (frame_grid_on(&s->frames))
		a = s->frames.b0 + (double)frame_index(&s->frames, a) * s->frames.tau;
	s->gti.n = 1;
	s->gti.iv = xmalloc(sizeof *s->gti.iv);
	s->gti.iv[0] = (struct gti){ a, INFINITY };
}

/* The stream is over: close the events' GTI on the last event (with
 * frames, the end of its frame). */
static void
close_events_gti(struct scan *s)
{
	double b = s->last;

	if (!s->gti_from_events || s->gti.n == 0 || isnan(b) || !isinf(s->gti.iv[0].stop))
		return;
	if (frame_grid_on(&s->frames))
		b = s->frames.b0 + (double)(frame_index(&s->frames, b) + 1) * s->frames.tau;
	s->gti.iv[0].stop = b;
}

/* Event i of the current block has wbin w past the slots known so far. */
static void
new_wbin_at(struct scan *s, int32_t w, size_t i)
{
	unsigned long long index = (unsigned long long)(ev_reader_count(s->in) - s->n_blk + i);

	if (s->edges)
		die(EXIT_RUNTIME, "%s: event %llu: wbin %d is outside the %zu bins of the "
		    "metadata edges", s->name, index, w, s->n_edges - 1);
	if (w >= SCAN_MAX_WBINS)
		die(EXIT_RUNTIME, "%s: event %llu: wbin %d is over the limit of %d wbins "
		    "without metadata edges", s->name, index, w, SCAN_MAX_WBINS);
	s->n_slots = (size_t)w + 2;
}

/* Read the next block when the current one is used up; false at the end
 * of the stream (the events' GTI then closed). */
static bool
block_ready(struct scan *s)
{
	if (s->next < s->n_blk)
		return true;
	if (s->n_blk > 0)
		s->last = s->blk[s->n_blk - 1].time;
	s->next = 0;
	s->n_blk = ev_read_block(s->in, &s->blk);
	if (s->n_blk > 0)
		return true;
	close_events_gti(s);
	return false;
}

/* Whether time t (not before the previous event's: sorted) lies in a GTI,
 * s->g moved on to the GTI that ends after it. */
static inline bool
in_gti(struct scan *s, double t)
{
	while (s->g < s->gti.n && t >= s->gti.iv[s->g].stop)
		s->g++;
	return s->g < s->gti.n && t >= s->gti.iv[s->g].start;
}

bool
scan_next(struct scan *s, struct scan_event *ev)
{
	while (block_ready(s)) {
		const struct ev_event *e = &s->blk[s->next++];

		if (!in_gti(s, e->time))
			continue;	/* past the last GTI, or in a gap */
		if (e->wbin >= 0 && (size_t)e->wbin + 1 >= s->n_slots)
			new_wbin_at(s, e->wbin, s->next - 1);
		ev->t = e->time;
		ev->g = s->g;
		ev->slot = e->wbin >= 0 ? (size_t)e->wbin + 1 : 0;
		return true;
	}
	return false;
}

bool
scan_next_run(struct scan *s, struct scan_run *run)
{
	while (block_ready(s)) {
		const struct ev_event *b = s->blk;
		size_t i = s->next;

		if (!in_gti(s, b[i].time)) {
			s->next++;	/* past the last GTI, or in a gap */
			continue;
		}
		/* The run: up to the GTI's stop or an event with a new wbin.  wbin
		 * >= -1 (the reader checks), so 1 + wbin as unsigned is the slot. */
		double stop = s->gti.iv[s->g].stop;
		size_t n_slots = s->n_slots, j = i;

		if ((size_t)b[j].wbin + 1 >= n_slots) {
			new_wbin_at(s, b[j].wbin, j);
			n_slots = s->n_slots;
		}
		for (j++; j < s->n_blk; j++)
			if (!(b[j].time < stop) || (size_t)b[j].wbin + 1 >= n_slots)
				break;
		run->ev = b + i;
		run->n = j - i;
		run->g = s->g;
		s->next = j;
		return true;
	}
	return false;
}

uint64_t
scan_count(const struct scan *s)
{
	return ev_reader_count(s->in);
}

double
scan_width(const struct scan *s, double requested)
{
	if (!frame_grid_on(&s->frames))
		return requested;
	return (double)frame_count(&s->frames, requested) * s->frames.tau;
}

double
scan_slot_wmin(const struct scan *s, size_t slot)
{
	if (!s->edges)
		return NAN;
	return slot == 0 ? s->edges[0] : s->edges[slot - 1];
}

double
scan_slot_wmax(const struct scan *s, size_t slot)
{
	if (!s->edges)
		return NAN;
	return slot == 0 ? s->edges[s->n_edges - 1] : s->edges[slot];
}

int64_t
scan_whole_bins(double a, double b, double width)
{
	double f;

	if (isinf(b))
		return INT64_MAX;
	/* A GTI a whole number of bins long up to rounding keeps its last bin:
	 * GTIs cut to whole frames are, and (b - a)/width lands a hair under
	 * the integer as often as over it. */
	f = (b - a) / width;
	f = floor(f + 1e-9 * (f + 1));
	if (!(f <= SCAN_MAX_INDEX))
		return -1;
	return f > 0 ? (int64_t)f : 0;
}

void
scan_close(struct scan *s)
{
	ev_reader_close(s->in);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->edges);
	gti_free(&s->gti);
}

double *
scan_parse_widths(const char *spec, const char *option, long max_count, size_t *n)
{
	char *copy = xstrdup(spec), *a = copy, *b = strchr(a, ':');
	char *c = b ? strchr(b + 1, ':') : NULL;
	char what[64];
	double min, max, *w;
	long count;

	if (!b || !c)
		cli_usage_error("%s: expected MIN:MAX:COUNT, got '%s'", option, spec);
	*b++ = '\0';
	*c++ = '\0';
	snprintf(what, sizeof what, "%s MIN", option);
	min = cli_positive_double(a, what);
	snprintf(what, sizeof what, "%s MAX", option);
	max = cli_positive_double(b, what);
	snprintf(what, sizeof what, "%s COUNT", option);
	count = cli_long(c, what);
	free(copy);
	if (count < 1 || count > max_count)
		cli_usage_error("%s: COUNT must be 1 to %ld, got %ld", option, max_count, count);
	if (max < min)
		cli_usage_error("%s: MAX %g is smaller than MIN %g", option, max, min);
	if (count == 1 && max != min)
		cli_usage_error("%s: COUNT 1 needs MIN equal to MAX", option);
	*n = (size_t)count;
	w = xmalloc(*n * sizeof *w);
	for (long i = 0; i < count; i++)
		w[i] = count == 1 ? min : min * pow(max / min, (double)i / (double)(count - 1));
	w[count - 1] = max;	/* exactly what the user typed */
	return w;
}

double *
scan_widths_used(struct scan *s, const double *requested, size_t n, const char *what,
		 const char *one, size_t *n_used)
{
	double tau = s->frames.tau, *w = xmalloc((n ? n : 1) * sizeof *w);
	size_t below = 0, repeats = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		double used = scan_width(s, requested[i]);

		if (requested[i] < tau * (1 - 1e-9))
			below++;
		else if (k > 0 && used == w[k - 1])
			repeats++;
		else
			w[k++] = used;
	}
	if (below)
		scan_note(s, "%zu %s below one frame (%.10g s) dropped", below, what, tau);
	if (repeats)
		scan_note(s, "%zu %s dropped: the same whole number of frames as the %s before",
			  repeats, what, one);
	*n_used = k;
	return w;
}
