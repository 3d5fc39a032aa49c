/* fits_events: FITS event files <-> LLEV streams, with cfitsio (DESIGN §3-§4).
 *
 * Linked only into fits2ev and ev2fits (libll_fits.a).  Every function here
 * is of the outer kind: on bad input or a cfitsio failure it dies with one
 * line "PROGRAM: FILE: what: why" (status 1), after clearing cfitsio's error
 * stack so cfitsio never prints its own messages.
 *
 * Reading is done on raw row bytes: a chunk of whole rows (64 KiB) comes
 * from a 1 MiB mmap window of a plain file, else from fits_read_tblbytes(),
 * and the few needed columns are decoded from their big-endian bytes at the
 * column's byte offset, honouring TSCALn/TZEROn and, for integer columns,
 * TNULLn (-> NaN).  That is about 3x faster than fits_read_col() per
 * column.  Memory is O(1) in the number of rows, except what cfitsio itself
 * holds: a gzip file or a --filter selection is decompressed/copied into
 * memory by cfitsio.
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
enum fits_events_unit_base {
	FITS_EVENTS_UNIT_NONE = 0,	/* not given */
	FITS_EVENTS_UNIT_ANGSTROM,
	FITS_EVENTS_UNIT_NM,
	FITS_EVENTS_UNIT_EV,
	FITS_EVENTS_UNIT_KEV
};

/* A column value v means v * scale units of `base`: scale 1 for a plain
 * unit, 14.6 for "14.6eV" (a channel 14.6 eV wide, HRC PI as the original
 * tool read it). */
struct fits_events_unit {
	enum fits_events_unit_base base;
	double scale;
};

struct fits_events_opts {
	const char *path;		/* the FITS file (plain or gzip); the name in messages */
	const char *dataset;		/* metadata "dataset"; NULL: from the path */
	const char *filter;		/* cfitsio row filter, or NULL */
	const char *wave_col;		/* explicit wavelength column, or NULL */
	struct fits_events_unit wave_unit;	/* its unit (required with wave_col) */
	bool no_wavelength;		/* every wavelength NaN */
	bool dither;			/* spread integer values over their step */
	unsigned long long seed;	/* of the dither */
	long gti_ccd;			/* GTI extension with this CCD_ID; -1: automatic */
};

/* Parse "[SCALE][ ]UNIT", UNIT one of angstrom (also A), nm, ev, kev in any
 * case, SCALE a decimal number > 0 ("14.6eV", "10 eV", "keV").  Returns
 * false (and leaves *u alone) on anything else. */
bool fits_events_parse_unit(const char *word, struct fits_events_unit *u);

/* The unit as text, "ev" or "14.6ev": what the metadata records. */
void fits_events_unit_text(const struct fits_events_unit *u, char *buf, size_t size);



/* --- Reading ------------------------------------------------------------- */

struct fits_events_reader;

/* Open o->path, find the events table (DESIGN §4: named EVENTS, else
 * HDUCLAS1 EVENT(S), else the first binary table with a TIME column), its
 * TIME, wavelength, WBIN and ccd_id columns, the GTI extensions and the
 * header facts; with several per-CCD GTI extensions, read the ccd_id column
 * once to know which CCDs' GTIs apply before the first record is written.
 * The metadata has no "sorted": order is not known before the rows are read
 * (once, by fits_events_try_read or the cursors).  Dies with one
 * line "PATH: what: why" on a missing or unreadable file, not-FITS, a
 * truncated or corrupt file or gzip stream, a table larger than the file, no
 * events table, no TIME column, no wavelength column (unless
 * o->no_wavelength), a bad filter, a GTI row with START > STOP (naming
 * extension and row), or GTIs without any good time. */
struct fits_events_reader *fits_events_open(const struct fits_events_opts *o);

/* The same from a FITS file held in memory (cfitsio's memory driver; plain,
 * not gzip), for the fuzz harness and tests: the inner layer, which never
 * exits.  Returns NULL with the reason in `why` (without the "PATH: "
 * prefix).  The reader reads its own copy of the `size` bytes at `data`;
 * o->path only names it in messages and o->filter must be NULL. */
struct fits_events_reader *fits_events_open_memory(const void *data, size_t size,
						   const struct fits_events_opts *o,
						   char *why, size_t why_size);

/* The metadata built from the file (borrowed; the caller may add to it). */
json_t *fits_events_meta(struct fits_events_reader *r);

/* Rows in the table (after the filter). */
long long fits_events_rows(const struct fits_events_reader *r);

/* Decode up to `max` next rows into `ev`; returns how many, 0 at the end,
 * or -1 with the reason in `why` on an unreadable chunk, a
 * NaN/negative/infinite TIME (naming the row, 1-based) or a WBIN value
 * below -1 or not an integer. */
long fits_events_try_read(struct fits_events_reader *r, struct ev_event *ev, size_t max,
			  char *why, size_t why_size);

/* Decoding from several threads at once: each takes its own cursor and
 * asks for rows by number.  Cursors read independently (a mapped plain
 * file), or one at a time through cfitsio (gzip, --filter).  Not with
 * --dither, whose random draws come in row order: then
 * fits_events_parallel is false. */
struct fits_events_cursor;

bool fits_events_parallel(const struct fits_events_reader *r);

/* A cursor of r's rows (freed with fits_events_cursor_free, before r is
 * closed). */
struct fits_events_cursor *fits_events_cursor_new(struct fits_events_reader *r);

/* Decode up to `max` rows from row `first` (1-based) into ev: the count, 0
 * past the last row, -1 with the reason in `why` as fits_events_try_read
 * (rows named as there).  Does not move fits_events_try_read's position. */
long fits_events_try_read_at(struct fits_events_cursor *c, long long first,
			     struct ev_event *ev, size_t max, char *why, size_t why_size);

void fits_events_cursor_free(struct fits_events_cursor *c);

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
