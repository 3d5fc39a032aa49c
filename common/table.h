/* table: the CSV tables analyzers write and plotters read (DESIGN §4).
 *
 * File format, line by line (LF; a CR before the LF is ignored on reading):
 *	# meta: {JSON}        the input stream's metadata, compact, one line; its
 *	                      "history" array ends with the writing program's
 *	                      command line.  Always the first line a writer emits.
 *	# KEY: TEXT           further comments (e.g. "# ks: D=0.01 p=0.3"); free
 *	                      text; may also come after rows (a statistic known
 *	                      only at the end).  Any other "#" line is a comment.
 *	wbin,freq_hz,...      the header: column names, comma-separated
 *	0,0.001,...           rows: exactly one field per column
 * Fields are unquoted (writers never emit commas, quotes or newlines inside a
 * field; readers also accept RFC 4180 "double-quoted" fields).  Numbers are
 * written in the shortest text that reads back to the same double.  An
 * undefined value (NaN: n < 2, zero mean, no exposure) is an EMPTY field,
 * never a made-up number; readers turn an empty field back into NaN.
 *
 * ECSV: when -o names a file ending in ".ecsv", the writer emits astropy's
 * self-describing CSV instead (same delimiter, rows and empty fields): a
 * "# %ECSV 1.0" YAML header listing each column's type (from the first row's
 * fields) and unit (from its name: *_nm nm, *_s and time_* s, *_hz Hz,
 * counts/count/expected ct, rate ct / s), the metadata JSON as its "meta"
 * (JSON is YAML; the notes given at open also under "comments"), then the
 * header row.  Comment lines after it are skipped by astropy.  The reader
 * below takes ECSV as it is: every "#" line is a comment, "# meta:" the
 * metadata.
 *
 * Two layers, like ev: table_parse() works on memory and returns an error
 * text (unit-testable); table_read_path() and the writer die with one line
 * "PROGRAM: FILE:LINE: what" (or "PROGRAM: FILE: what" without a line). */
#ifndef LL_TABLE_H
#define LL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* --- Writing ------------------------------------------------------------- */

struct table_writer;

/* Open a table on the file `path` (written atomically: it appears only at
 * table_writer_close; ECSV when the name ends in ".ecsv"), or on stdout when
 * `path` is NULL.  Writes at once: "# meta: {JSON}" from a copy of `meta`
 * (NULL: an empty object) whose "history" gets `history` appended (the
 * command line that makes the table; NULL appends nothing; the caller's
 * object is not changed); then "# C" for each string C of
 * `comments` (NULL-terminated "KEY: TEXT" list, or NULL for none); then the
 * header row from `columns` (a NULL-terminated list of column names). */
struct table_writer *table_writer_open(const char *path, const char *history, json_t *meta,
				       const char *const *columns, const char *const *comments);

/* Append "# TEXT" (printf format; no newline inside).  Allowed anywhere. */
void table_writer_comment(struct table_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fields of the current row, left to right.  NaN and ±inf doubles become
 * empty fields.  table_end_row() checks the field count (a mismatch is a
 * programming error: abort). */
void table_put_double(struct table_writer *w, double v);
void table_put_long(struct table_writer *w, long long v);
void table_put_text(struct table_writer *w, const char *s);	/* no , " \n */
void table_put_empty(struct table_writer *w);
void table_end_row(struct table_writer *w);

/* Flush and close (commit the -o file); dies on any write error. */
void table_writer_close(struct table_writer *w);

/* Format v as the shortest %g text that strtod reads back exactly; NaN and
 * ±inf give "".  Returns the length.  size >= 32 is always enough. */
int table_format_double(char *buf, size_t size, double v);


/* --- Reading ------------------------------------------------------------- */

struct table;

/* Parse a whole table held in memory.  `name` is used in messages.  On
 * success returns true and *out (free with table_free).  On failure returns
 * false, *line is the 1-based line of the problem (0: the file as a whole)
 * and `why` says what: "not a text file (NUL byte)", "empty table: no header
 * row", "N fields, expected M", "unterminated quoted field",
 * "metadata is not a JSON object", "duplicate column 'x'", "empty column
 * name".  A header with no rows is a valid, empty table. */
bool table_parse(const char *text, size_t len, const char *name,
		 struct table **out, unsigned long *line, char *why, size_t why_size);

/* Read `path` ("-" is stdin); dies "PROGRAM: PATH:LINE: why" (or
 * "PROGRAM: PATH: why" for an unreadable file) on any problem. */
struct table *table_read_path(const char *path);

void table_free(struct table *t);

/* The name given to the reader (the path). */
const char *table_name(const struct table *t);

/* The "# meta:" object (borrowed; an empty object when the file had none). */
json_t *table_meta(const struct table *t);

/* The text after "# KEY: " of the first such comment, or NULL.  "meta" is
 * found too (the raw JSON text). */
const char *table_comment(const struct table *t, const char *key);

/* The i-th (0-based) comment with that KEY, or NULL past the last
 * (interarrival writes one "# ks: ..." line per wbin). */
const char *table_comment_nth(const struct table *t, const char *key, size_t i);

size_t table_n_rows(const struct table *t);
size_t table_n_columns(const struct table *t);
const char *table_column_name(const struct table *t, size_t col);

/* Column index by exact name, or -1. */
long table_column(const struct table *t, const char *name);

/* Column index by name; dies "PROGRAM: PATH: missing column 'NAME'" when
 * absent, and "PROGRAM: PATH:LINE: column 'NAME': not a number: 'TEXT'" when
 * a non-empty cell of it is not a number.  Use this for every numeric column
 * a program relies on. */
size_t table_require_numeric(const struct table *t, const char *name);

/* Cell as a number: NaN for an empty or non-numeric cell (call
 * table_require_numeric first to rule the latter out). */
double table_value(const struct table *t, size_t row, size_t col);

/* Cell text as written (unquoted), never NULL. */
const char *table_text(const struct table *t, size_t row, size_t col);

/* 1-based line number of a row in the file, for messages. */
unsigned long table_row_line(const struct table *t, size_t row);

#endif
