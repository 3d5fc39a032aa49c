/* fits_events: FITS event files <-> LLEV streams, with cfitsio (DESIGN §3-§4).
 *
 * Linked only into fits2ev and ev2fits (libll_fits.a).  Every function here
 * is of the outer kind: on bad input or a cfitsio failure it dies with one
 * line "PROGRAM: FILE: what: why" (status 1), after clearing cfitsio's error
 * stack so cfitsio never prints its own messages.
 *
 * Reading is done on raw row bytes: fits_read_tblbytes() fetches a chunk of
 * whole rows (up to EV_BLOCK_EVENTS rows) and the few needed columns are
 * decoded from their big-endian bytes at the column's byte offset, honouring
 * TSCALn/TZEROn and, for integer columns, TNULLn (-> NaN).  That is about 3x
 * faster than fits_read_col() per column.  Memory is O(1) in the number of
 * rows, except what cfitsio itself holds: a gzip file or a --filter selection
 * is decompressed/copied into memory by cfitsio.
 *
 * The file ev2fits writes: a primary HDU without data, an EVENTS bintable
 * (TIME 1D s, WAVELENGTH 1E nm, WBIN 1J), a GTI bintable (START, STOP 1D s),
 * header keys from the metadata, the metadata history as HISTORY cards and the
 * whole metadata JSON in the long-string keyword LLMETA (CONTINUE cards, the
 * HEASARC long-string convention), which fits2ev reads back. */
#ifndef LL_FITS_EVENTS_H
#define LL_FITS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ev.h"

/* How the wavelength is found (DESIGN §4, fits2ev). */
enum fits_events_unit {
	FITS_EVENTS_UNIT_NONE = 0,	/* not given */
	FITS_EVENTS_UNIT_ANGSTROM,
	FITS_EVENTS_UNIT_NM,
	FITS_EVENTS_UNIT_EV,
	FITS_EVENTS_UNIT_KEV
};

struct fits_events_opts {
	const char *path;		/* the FITS file (plain or gzip) */
	const char *dataset;		/* metadata "dataset"; NULL: from the path */
	const char *filter;		/* cfitsio row filter, or NULL */
	const char *wave_col;		/* explicit wavelength column, or NULL */
	enum fits_events_unit wave_unit;	/* its unit (required with wave_col) */
	bool no_wavelength;		/* every wavelength NaN */
	long gti_ccd;			/* GTI extension with this CCD_ID; -1: first */
};

/* Parse "angstrom", "nm", "ev", "kev" (any case); FITS_EVENTS_UNIT_NONE when
 * the word is none of them. */
enum fits_events_unit fits_events_parse_unit(const char *word);

/* cfitsio's one-line text for `status` into buf; clears cfitsio's error
 * message stack. */
void fits_events_errtext(int status, char *buf, size_t size);


/* --- Reading ------------------------------------------------------------- */

struct fits_events_reader;

/* Open o->path, find the EVENTS table, its TIME, wavelength and WBIN
 * columns, the GTIs and header facts, and scan TIME once (so the metadata can
 * say "sorted" before the first record is written).  Dies with one line on a
 * missing or unreadable file, not-FITS, corrupt gzip, no EVENTS table, no
 * TIME column, no wavelength column (unless o->no_wavelength), a bad filter,
 * or a NaN/negative/infinite TIME (naming the row, 1-based). */
struct fits_events_reader *fits_events_open(const struct fits_events_opts *o);

/* The metadata built from the file (borrowed; the caller may add to it). */
json_t *fits_events_meta(struct fits_events_reader *r);

/* Rows in the table (after the filter). */
long long fits_events_rows(const struct fits_events_reader *r);

/* Decode up to `max` next rows into `ev`; returns how many, 0 at the end.
 * Dies on an unreadable chunk or a WBIN value below -1. */
size_t fits_events_read(struct fits_events_reader *r, struct ev_event *ev, size_t max);

void fits_events_close(struct fits_events_reader *r);


/* --- Writing ------------------------------------------------------------- */

struct fits_events_writer;

/* Create the FITS file at `path` (an existing file there is replaced; callers
 * pass an atomic temporary), write the primary HDU and the EVENTS header from
 * `meta`.  `name` is used in messages.  `meta` should already carry the
 * caller's own history entry. */
struct fits_events_writer *fits_events_create(const char *path, const char *name,
					      json_t *meta);

/* Append n events as rows of EVENTS. */
void fits_events_write(struct fits_events_writer *w, const struct ev_event *ev, size_t n);

/* Fix TSTART/TSTOP when the metadata had none, write the GTI table and close
 * the file; dies on any cfitsio error.  `w` is freed. */
void fits_events_finish(struct fits_events_writer *w);

#endif
