/* scan: the walk every analyzer of time (varstat, lcurve, psd, interarrival,
 * chunkvar) shares, so that an analyzer is its statistics only.
 *
 * scan_open reads a time-sorted stream's metadata and first block and fixes
 * what the bins stand on (DESIGN §4, §4a):
 * - the wbin edges of the metadata, or wbins as events bring them (one cap,
 *   SCAN_MAX_WBINS, for every analyzer);
 * - the analysis GTIs: the metadata's, normalised (touching ones merged);
 *   without any, one GTI [first event, last event] and a note saying so
 *   (TSTART/TSTOP are not used: a level-1 file's can lie kiloseconds from its
 *   events, and empty time would read as variability);
 * - the frame grid when the metadata has `timedel` and frames are not
 *   turned off: GTIs cut to their whole frames, anchored on the first event,
 *   and scan_width() gives whole-frame widths.
 * scan_next then hands out the events inside the GTIs with their GTI and
 * slot (0: all events, 1 + w: wbin w).  Tables list slots in scan_row_slot
 * order: the wbins, then all events (wbin -1).
 *
 * Analyzers write scan_notes() as the table's "# note: ..." comments. */
#ifndef LL_SCAN_H
#define LL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ev.h"
#include "frames.h"
#include "gti.h"

#define SCAN_MAX_WBINS 100000	/* without metadata edges: refuse absurd indices */
#define SCAN_MAX_NOTES 8
#define SCAN_MAX_INDEX 9007199254740992.0	/* 2^53: the last exact bin index */

/* The option every analyzer takes to bin free of the frame grid. */
#define SCAN_OPT_NO_FRAMES(val) { "no-frames", no_argument, NULL, (val) }

struct scan {
	json_t *meta;		/* the stream's metadata (the reader owns it) */
	struct frame_grid frames;	/* tau 0: no frames to follow */
	/* The analysis GTIs.  When gti_from_events, it is the one GTI from
	 * the first event (its frame's start) whose stop is INFINITY until
	 * scan_next returns false, then the last event (its frame's end). */
	struct gti_list gti;
	bool gti_from_events;
	double *edges;		/* metadata wbin edges; NULL when unassigned */
	size_t n_edges;
	size_t n_slots;		/* 1 + wbins known so far; grows during the walk */

	/* The walk's own state. */
	struct ev_reader *in;
	const char *name;
	struct ev_event *blk;
	size_t n_blk, next, g;
	double last;		/* last event's time; NaN: no event */
	char *notes[SCAN_MAX_NOTES + 1];	/* "note: ...", NULL-terminated */
	size_t n_notes;
};

struct scan_event {
	double t;		/* time (s) */
	size_t g;		/* its GTI */
	size_t slot;		/* 1 + wbin, or 0 for an unbinned event */
};

/* Open the stream on fd (name for messages), require time order, read the
 * metadata and the first block, and set wbins, frames and GTIs.  Dies
 * (status 1) on a bad stream or metadata. */
void scan_open(struct scan *s, int fd, const char *name, bool use_frames);

/* The next event inside the GTIs; false at the end of the stream (every
 * event read, the events' GTI closed).  Dies on a wbin outside the
 * metadata's edges or over SCAN_MAX_WBINS. */
bool scan_next(struct scan *s, struct scan_event *ev);

/* A run of consecutive events of one block, all inside GTI g, in time
 * order, each with wbin + 1 < n_slots (so 1 + wbin indexes per-slot arrays
 * sized n_slots at the time of the call). */
struct scan_run {
	const struct ev_event *ev;	/* valid until the next scan_next_run */
	size_t n;			/* >= 1 */
	size_t g;
};

/* The next run of events inside the GTIs; false at the end of the stream,
 * as scan_next.  The same events in the same order as scan_next, with the
 * same errors at the same event: a run ends before an event whose wbin
 * grows the slots (or dies), so that everything before it is counted
 * first.  For analyzers whose per-event work is a few instructions, which a
 * call per event would double.  Do not mix with scan_next on one scan. */
bool scan_next_run(struct scan *s, struct scan_run *run);

/* Events read from the stream (inside the GTIs or not). */
uint64_t scan_count(const struct scan *s);

/* The width used for a requested one: itself, or with frames the nearest
 * whole number of frames, at least one. */
double scan_width(const struct scan *s, double requested);

/* The widths used for requested[0..n-1] (ascending): each scan_width'd,
 * those below one frame and those that round to the same whole number of
 * frames as the one before dropped, with a note for each kind naming them
 * `what` ("time scales", "widths") and `one` ("scale", "width").  Returns a
 * malloc'ed array of *n_used widths (possibly none). */
double *scan_widths_used(struct scan *s, const double *requested, size_t n, const char *what,
			 const char *one, size_t *n_used);

/* Add a "# note: ..." line for the table (printf format). */
void scan_note(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The notes, NULL-terminated, as table_writer_open's comments. */
const char *const *scan_notes(const struct scan *s);

/* Row order: the slot of the k-th group of rows (wbins first, all events
 * last), its wbin number, and its wavelength range (NaN without edges). */
static inline size_t
scan_row_slot(const struct scan *s, size_t k)
{
	return (k + 1) % s->n_slots;
}

static inline long
scan_slot_wbin(size_t slot)
{
	return (long)slot - 1;
}

double scan_slot_wmin(const struct scan *s, size_t slot);
double scan_slot_wmax(const struct scan *s, size_t slot);

/* The number of whole bins of `width` from a to b: floor((b - a)/width);
 * INT64_MAX for the open GTI (b infinite); -1 when it is over 2^53 (bins
 * without an exact index: a usage error for the caller to report). */
int64_t scan_whole_bins(double a, double b, double width);

/* Parse "MIN:MAX:COUNT" (option `option`, e.g. "--timescales") into COUNT
 * log-spaced widths MIN*(MAX/MIN)^(i/(COUNT-1)), the last exactly MAX;
 * COUNT 1 needs MIN = MAX.  Usage errors (status 2) for anything else or a
 * COUNT over max_count.  Returns a malloc'ed array of *n widths. */
double *scan_parse_widths(const char *spec, const char *option, long max_count, size_t *n);

void scan_close(struct scan *s);

#endif
