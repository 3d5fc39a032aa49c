/* fits_events: FITS event files <-> LLEV streams; see fits_events.h. */
#define _GNU_SOURCE	/* MAP_POPULATE */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fitsio.h>

#include "die.h"
#include "ev.h"
#include "fits_events.h"
#include "gti.h"
#include "meta.h"
#include "rng.h"

/* hc in eV nm: wavelength_nm = HC_EV_NM / energy_eV. */
#define HC_EV_NM 1239.84198
/* Bytes of raw rows fetched at once (fewer for wide rows, see chunk_rows):
 * with the decoded columns and the records they become, a chunk stays in
 * the L2 cache (8 MiB chunks lost locality: each column was decoded from
 * memory). */
#define CHUNK_BYTES ((size_t)64 << 10)
/* Bytes of a plain file mapped at once (see map_rows): large enough that
 * mapping costs little per row, small enough for the RSS bound (mapped
 * pages count in it). */
#define MAP_WINDOW ((size_t)1 << 20)
/* The column decoders once more for AVX2, chosen at load time where the
 * CPU has it (an ifunc): the same operations in wider registers, about a
 * quarter less CPU time for fits2ev.  No FMA: results stay bit for bit. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define DECODE_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef DECODE_CLONES
#define DECODE_CLONES
#endif
/* cfitsio's "no TNULLn" marker (NULL_UNDEFINED in its private fitsio2.h). */
#define TNULL_UNDEFINED 1234554321

/* Unit words, longest first among those sharing a suffix ("kev" before "ev"). */
static const struct {
	const char *word;
	enum fits_events_unit_base base;
} unit_words[] = {
	{ "angstrom", FITS_EVENTS_UNIT_ANGSTROM }, { "kev", FITS_EVENTS_UNIT_KEV },
	{ "ev", FITS_EVENTS_UNIT_EV }, { "nm", FITS_EVENTS_UNIT_NM },
	{ "a", FITS_EVENTS_UNIT_ANGSTROM },
};

bool
fits_events_parse_unit(const char *word, struct fits_events_unit *u)
{
	size_t n = strlen(word);

	for (size_t k = 0; k < sizeof unit_words / sizeof unit_words[0]; k++) {
		size_t m = strlen(unit_words[k].word), len;
		char num[64], *end;
		double scale = 1;

		if (n < m || strcasecmp(word + n - m, unit_words[k].word) != 0)
			continue;
		len = n - m;
		while (len > 0 && word[len - 1] == ' ')
			len--;
		if (len > 0) {
			/* Decimal only: no hex, inf or nan through strtod. */
			if (len >= sizeof num || strspn(word, "0123456789.eE+-") < len)
				return false;
			memcpy(num, word, len);
			num[len] = '\0';
			errno = 0;
			scale = strtod(num, &end);
			if (*end != '\0' || errno != 0 || !(scale > 0) || !isfinite(scale))
				return false;
		}
		u->base = unit_words[k].base;
		u->scale = scale;
		return true;
	}
	return false;
}

void
fits_events_unit_text(const struct fits_events_unit *u, char *buf, size_t size)
{
	static const char *const names[] = { "", "angstrom", "nm", "ev", "kev" };
	char num[32];

	if (u->scale == 1) {
		snprintf(buf, size, "%s", names[u->base]);
		return;
	}
	/* The shortest decimal that reads back as the same double. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(num, sizeof num, "%.*g", prec, u->scale);
		/* "10", not "1e+01", for scales a person writes. */
		if (strtod(num, NULL) == u->scale &&
		    (!strchr(num, 'e') || u->scale < 1e-4 || u->scale >= 1e15))
			break;
	}
	snprintf(buf, size, "%s%s", num, names[u->base]);
}

/* cfitsio's one-line text for `status` into buf; clears cfitsio's error
 * message stack. */
static void
fits_events_errtext(int status, char *buf, size_t size)
{
	char text[FLEN_STATUS];

	fits_get_errstatus(status, text);
	fits_clear_errmsg();
	snprintf(buf, size, "%s", text);
}

/* Die naming the file and what failed, with cfitsio's reason. */
static noreturn void
fits_die(const char *path, const char *what, int status)
{
	char why[FLEN_STATUS + 8];

	fits_events_errtext(status, why, sizeof why);
	die(EXIT_RUNTIME, "%s: %s: %s", path, what, why);
}


/* --- Column decoding ----------------------------------------------------- */

struct col {
	int num;		/* 1-based; 0 when absent */
	char name[FLEN_VALUE];	/* as spelled in the file */
	int type;		/* cfitsio code of the stored type */
	size_t offset;		/* byte offset inside a row */
	double scale, zero;
	bool scaled;
	bool has_null;
	long long tnull;
};

static inline uint64_t
be64(const unsigned char *p)
{
	uint64_t u;

	memcpy(&u, p, 8);
	return __builtin_bswap64(u);
}

static inline uint32_t
be32(const unsigned char *p)
{
	uint32_t u;

	memcpy(&u, p, 4);
	return __builtin_bswap32(u);
}

static inline uint16_t
be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline double
be_f64(const unsigned char *p)
{
	uint64_t u = be64(p);
	double d;

	memcpy(&d, &u, 8);
	return d;
}

static inline float
be_f32(const unsigned char *p)
{
	uint32_t u = be32(p);
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* How far ahead of the row being decoded its successors are fetched into
 * the cache.  A mapped file's pages lie anywhere in memory, and the
 * hardware prefetcher stops at each 4 KiB page: without this, the first
 * pass over the rows waited on memory page after page (measured: 15% less
 * CPU with it; 512 bytes gained half that, 4-16 KiB the same). */
#define PREFETCH_AHEAD 4096

/* Integer column values, with TNULL turned into NaN. */
#define DECODE_INT(expr) \
	for (size_t i = 0; i < n; i++, p += rowlen) { \
		long long v = (expr); \
		__builtin_prefetch(p + PREFETCH_AHEAD); \
		out[i] = c->has_null && v == c->tnull ? NAN : (double)v; \
	}

/* Decode column c of n raw rows into out[], applying TSCAL/TZERO.  The type
 * switch sits outside the row loops so each loop is a plain strided load. */
DECODE_CLONES static void
decode_col(const struct col *c, const unsigned char *rows, size_t rowlen, size_t n,
	   double *out)
{
	const unsigned char *p = rows + c->offset;

	switch (c->type) {
	case TDOUBLE:
		for (size_t i = 0; i < n; i++, p += rowlen) {
			__builtin_prefetch(p + PREFETCH_AHEAD);
			out[i] = be_f64(p);
		}
		break;
	case TFLOAT:
		for (size_t i = 0; i < n; i++, p += rowlen) {
			__builtin_prefetch(p + PREFETCH_AHEAD);
			out[i] = be_f32(p);
		}
		break;
	case TBYTE:
		DECODE_INT(*p)
		break;
	case TSHORT:
		DECODE_INT((int16_t)be16(p))
		break;
	case TLONG:
		DECODE_INT((int32_t)be32(p))
		break;
	case TLONGLONG:
		DECODE_INT((int64_t)be64(p))
		break;
	}
	if (c->scaled)
		for (size_t i = 0; i < n; i++)
			out[i] = out[i] * c->scale + c->zero;
}

/* Bytes a cfitsio column type takes in a row; 0 for those we do not read. */
static int
type_width(int type)
{
	switch (type) {
	case TDOUBLE: case TLONGLONG: return 8;
	case TFLOAT: case TLONG: return 4;
	case TSHORT: return 2;
	case TBYTE: return 1;
	default: return 0;
	}
}

static bool
is_integer_type(int type)
{
	return type == TBYTE || type == TSHORT || type == TLONG || type == TLONGLONG;
}


/* --- Reading ------------------------------------------------------------- */

/* One GTI extension of the file. */
struct gti_ext {
	int hdu;		/* 1-based HDU number (extension number + 1) */
	bool has_ccd;		/* its header has CCD_ID */
	long long ccd;
	bool read;		/* rows read into g */
	long long rows;		/* NAXIS2 */
	bool present;		/* its CCD has events */
	struct gti_list g;
};

/* What decoding rows needs of its own: the raw rows of one chunk and
 * their decoded columns.  The reader holds one; fits_events_cursor_new
 * makes more, one for each thread. */
struct fits_events_cursor {
	struct fits_events_reader *r;
	unsigned char *raw;
	const unsigned char *rows;	/* the chunk's raw rows: raw, or inside map */
	unsigned char *map;		/* the mapped window, map_len bytes from */
	size_t map_len;			/* file offset map_off; NULL: none */
	long long map_off;
	double *t, *w, *b;		/* decoded columns of one chunk */
	char why[1024];			/* why a read failed */
};

struct fits_events_reader {
	fitsfile *f;
	const char *path;		/* the name in messages */
	void *mem_block;		/* fits_events_open_memory: our copy of the */
	void *mem;			/* bytes, where they start and their size, */
	size_t mem_size;		/* which cfitsio keeps pointers to */
	char why[1024];			/* the inner layer's reason for failing */
	char table[FLEN_VALUE + 16];	/* the events table's name in messages */
	long long n_rows, next_row;	/* next_row is 1-based */
	size_t rowlen, chunk;		/* bytes per row, rows per read */
	struct fits_events_cursor cur;	/* of fits_events_try_read and the scan */
	pthread_mutex_t io;		/* cursors' cfitsio reads, one at a time */
	int map_fd;			/* a plain file read by mapping it; else -1 */
	long long map_data;		/* the file offset of the events table's row 1 */
	struct col time, wave, wbin, ccd;
	struct fits_events_unit unit;
	bool dither;
	double dither_step;		/* one step of the wavelength column */
	struct rng rng;
	bool gzip;
	uint32_t gzip_isize;		/* the gzip trailer's size mod 2^32 */
	double timezero;
	int events_hdu;
	struct gti_ext *gx;
	size_t n_gx;
	json_t *meta;
};

static bool fail(struct fits_events_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keep the reason in r->why; always false, so callers `return fail(...)`. */
static bool
fail(struct fits_events_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	return false;
}

/* fail() with cfitsio's reason for `status`. */
static bool
fail_status(struct fits_events_reader *r, const char *what, int status)
{
	char why[FLEN_STATUS + 8];

	fits_events_errtext(status, why, sizeof why);
	return fail(r, "%s: %s", what, why);
}

/* Look up column `name` (case-insensitively) in the current table of r->f,
 * named `table` in messages.  1: found; 0: absent; -1: it exists but cannot
 * be decoded as one number per row lying inside the row (r->why says why). */
static int
find_col(struct fits_events_reader *r, const char *table, const char *name, struct col *c)
{
	int status = 0, num = 0, width;
	char tmpl[FLEN_VALUE];
	tcolumn *tc;
	LONGLONG rowlen = r->f->Fptr->rowlength;

	memset(c, 0, sizeof *c);
	snprintf(tmpl, sizeof tmpl, "%s", name);
	/* Two columns of one name in different case: the first one. */
	if (fits_get_colnum(r->f, CASEINSEN, tmpl, &num, &status) != 0 && status != COL_NOT_UNIQUE) {
		fits_clear_errmsg();
		return 0;
	}
	fits_clear_errmsg();
	if (num < 1 || num > r->f->Fptr->tfield)
		return 0;
	/* cfitsio's parsed column table carries the byte offset (TBCOL) that no
	 * public call returns for binary tables. */
	tc = &r->f->Fptr->tableptr[num - 1];
	c->num = num;
	snprintf(c->name, sizeof c->name, "%s", tc->ttype);
	c->type = tc->tdatatype;
	c->scale = tc->tscale;
	c->zero = tc->tzero;
	c->scaled = c->scale != 1.0 || c->zero != 0.0;
	c->tnull = tc->tnull;
	c->has_null = tc->tnull != TNULL_UNDEFINED;
	width = type_width(c->type);
	if (width == 0) {
		fail(r, "%s: column %s has format %s, which is not a number", table, c->name, tc->tform);
		return -1;
	}
	if (tc->trepeat != 1) {
		fail(r, "%s: column %s holds %lld values per row, expected 1", table, c->name,
		     (long long)tc->trepeat);
		return -1;
	}
	/* The decoders read the row bytes at this offset: it must lie inside
	 * the row whatever the header claims. */
	if (tc->tbcol < 0 || rowlen < width || tc->tbcol > rowlen - width) {
		fail(r, "%s: column %s lies outside the %lld-byte row (corrupt header)", table,
		     c->name, (long long)rowlen);
		return -1;
	}
	c->offset = (size_t)tc->tbcol;
	return 1;
}

/* Open r->path without extended-name parsing (so any file name works);
 * cfitsio still inflates gzip files into memory. */
static bool
open_path(struct fits_events_reader *r)
{
	unsigned char magic[6] = { 0 }, trailer[4];
	int status = 0;
	struct stat st;
	FILE *fp;
	size_t got;

	if (stat(r->path, &st) != 0)
		return fail(r, "cannot open: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(r, "cannot open: is a directory");
	if (!(fp = fopen(r->path, "rb")))
		return fail(r, "cannot open: %s", strerror(errno));
	got = fread(magic, 1, sizeof magic, fp);
	r->gzip = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	/* A gzip stream ends with its inflated size mod 2^32: the one way to
	 * tell a cut stream from a whole one, since cfitsio inflates what it
	 * can without complaint. */
	if (r->gzip && fseeko(fp, -4, SEEK_END) == 0 && fread(trailer, 1, 4, fp) == 4)
		r->gzip_isize = (uint32_t)trailer[0] | (uint32_t)trailer[1] << 8 |
				(uint32_t)trailer[2] << 16 | (uint32_t)trailer[3] << 24;
	fclose(fp);
	if (got == 0)
		return fail(r, "not a FITS file: the file is empty");
	if (fits_open_diskfile(&r->f, r->path, READONLY, &status) != 0) {
		char why[FLEN_STATUS + 8];

		r->f = NULL;
		fits_events_errtext(status, why, sizeof why);
		/* cfitsio's own words for these are about images and reads. */
		if (r->gzip)
			return fail(r, "truncated or corrupt gzip data (cfitsio: %s)", why);
		if (got < sizeof magic || memcmp(magic, "SIMPLE", 6) != 0)
			return fail(r, "not a FITS file: it does not start with SIMPLE");
		return fail(r, "truncated or corrupt file: %s", why);
	}
	return true;
}

/* String keyword (any value type, as written) into out; false when absent. */
static bool
key_string(fitsfile *f, const char *key, char *out)
{
	char value[FLEN_VALUE], comment[FLEN_COMMENT];
	int status = 0;

	out[0] = '\0';
	if (fits_read_keyword(f, key, value, comment, &status) != 0) {
		fits_clear_errmsg();
		return false;
	}
	status = 0;
	/* Strip the quotes of a string value; numbers come through as typed. */
	if (value[0] == '\'') {
		if (fits_read_key(f, TSTRING, key, out, comment, &status) != 0) {
			fits_clear_errmsg();
			out[0] = '\0';
			return false;
		}
	} else {
		snprintf(out, FLEN_VALUE, "%s", value);
	}
	return out[0] != '\0';
}

/* A finite numeric keyword; false when absent or not such a number. */
static bool
key_double(fitsfile *f, const char *key, double *out)
{
	int status = 0;
	double v;

	if (fits_read_key(f, TDOUBLE, key, &v, NULL, &status) != 0) {
		fits_clear_errmsg();
		return false;
	}
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

/* What one look over every extension header finds. */
struct walk {
	int by_name, by_class, by_time;	/* candidate events HDUs, 0: none */
	int last_ok;			/* the last HDU that could be read */
	int bad_hdu, bad_status;	/* the HDU that could not, other than at EOF */
	long bad_card;			/* bad_hdu's first card that is not ASCII text */
};

/* cfitsio's private byte I/O (exported, declared in fitsio2.h only). */
int ffgbyt(fitsfile *fptr, LONGLONG nbytes, void *buffer, int *status);

/* The 1-based number of the first card of the next HDU's header (the one
 * after the current HDU's data) holding a byte that is not printable ASCII,
 * or 0 (all text, or no next header: cfitsio reports that).  FITS headers
 * are ASCII text (FITS 4.0 §4.1.1); cfitsio copies TTYPEn/TFORMn values into
 * fixed buffers with strcpy, and a value of other bytes running on past its
 * card overflows them (found by fuzzing), so a header is looked at before
 * cfitsio parses it. */
static long
next_header_bad_card(fitsfile *f)
{
	LONGLONG head, data, end;
	unsigned char block[2880];
	int status = 0;

	if (fits_get_hduaddrll(f, &head, &data, &end, &status) != 0)
		return 0;
	for (long b = 0;; b++) {
		if (ffmbyt(f, end + (LONGLONG)b * 2880, 0 /* REPORT_EOF */, &status) != 0 ||
		    ffgbyt(f, 2880, block, &status) != 0) {
			fits_clear_errmsg();
			return 0;
		}
		if (b == 0 && block[0] == 0 && memcmp(block, block + 1, sizeof block - 1) == 0)
			return 0;	/* zero blocks after the last HDU: padding */
		for (int c = 0; c < 36; c++) {
			const unsigned char *card = block + 80 * c;

			for (int i = 0; i < 80; i++)
				if (card[i] < 32 || card[i] > 126)
					return b * 36 + c + 1;
			if (memcmp(card, "END     ", 8) == 0)
				return 0;
		}
	}
}

static bool
is_gti_ext(const char *extname, const char *class1)
{
	return strcasecmp(extname, "GTI") == 0 || strcasecmp(extname, "STDGTI") == 0 ||
	       strcasecmp(class1, "GTI") == 0;
}

/* Every extension header once: the events table candidates (DESIGN §4) and
 * the GTI extensions (into r->gx). */
static void
walk_hdus(struct fits_events_reader *r, struct walk *w)
{
	size_t cap = 0;

	memset(w, 0, sizeof *w);
	w->last_ok = 1;
	for (int h = 2;; h++) {
		char extname[FLEN_VALUE], class1[FLEN_VALUE], tmpl[] = "TIME";
		int type, status = 0, num;
		double ccd;

		if ((w->bad_card = next_header_bad_card(r->f)) != 0) {
			w->bad_hdu = h;
			return;
		}
		if (fits_movabs_hdu(r->f, h, &type, &status) != 0) {
			if (status != END_OF_FILE) {
				w->bad_hdu = h;
				w->bad_status = status;
			}
			fits_clear_errmsg();
			return;
		}
		w->last_ok = h;
		if (type != BINARY_TBL)
			continue;
		key_string(r->f, "EXTNAME", extname);
		key_string(r->f, "HDUCLAS1", class1);
		if (!w->by_name && strcasecmp(extname, "EVENTS") == 0)
			w->by_name = h;
		if (!w->by_class && (strcasecmp(class1, "EVENTS") == 0 || strcasecmp(class1, "EVENT") == 0))
			w->by_class = h;
		if (!w->by_time && (fits_get_colnum(r->f, CASEINSEN, tmpl, &num, &status) == 0 ||
				    status == COL_NOT_UNIQUE))
			w->by_time = h;
		fits_clear_errmsg();
		if (!is_gti_ext(extname, class1))
			continue;
		if (r->n_gx == cap) {
			cap = cap ? 2 * cap : 8;
			r->gx = xrealloc(r->gx, cap * sizeof *r->gx);
		}
		r->gx[r->n_gx] = (struct gti_ext){ .hdu = h };
		if (key_double(r->f, "CCD_ID", &ccd) && ccd == floor(ccd) && fabs(ccd) < 1e15) {
			r->gx[r->n_gx].has_ccd = true;
			r->gx[r->n_gx].ccd = (long long)ccd;
		}
		r->n_gx++;
	}
}

/* The rows of the current table must lie inside the file: a header that
 * claims more (a cut file or gzip stream, a corrupt NAXIS2) shows here
 * rather than as a failed read half-way through the output. */
static bool
check_extent(struct fits_events_reader *r, const char *table)
{
	LONGLONG head, data, end, rows, rowlen = r->f->Fptr->rowlength, need;
	LONGLONG size = r->f->Fptr->logfilesize;
	int status = 0;

	fits_get_hduaddrll(r->f, &head, &data, &end, &status);
	fits_get_num_rowsll(r->f, &rows, &status);
	if (status)
		return fail_status(r, table, status);
	if (rows < 0 || rowlen < 0 || __builtin_mul_overflow(rows, rowlen, &need) ||
	    __builtin_add_overflow(need, data, &need))
		return fail(r, "%s: corrupt header: NAXIS2 = %lld rows of NAXIS1 = %lld bytes "
			    "is more than any file holds", table, (long long)rows, (long long)rowlen);
	if (need > size)
		return fail(r, "truncated or corrupt file: the %s rows end at byte %lld, the %s has "
			    "%lld bytes", table, (long long)need,
			    r->gzip ? "decompressed data" : "file", (long long)size);
	/* cfitsio reads whole 2880-byte blocks: the last row's must be there. */
	if (need % 2880 != 0 && need - need % 2880 + 2880 > size)
		return fail(r, "truncated or corrupt file: the block holding the last %s row ends at "
			    "byte %lld, the %s has %lld bytes", table, (long long)(need - need % 2880 + 2880),
			    r->gzip ? "decompressed data" : "file", (long long)size);
	return true;
}

/* Choose the events table among the candidates and check the file is
 * whole; the diagnoses of a damaged file come before "no events table". */
static bool
locate_events(struct fits_events_reader *r, const struct walk *w)
{
	int h = w->by_name ? w->by_name : w->by_class ? w->by_class : w->by_time;
	LONGLONG size = r->f->Fptr->logfilesize, head, data, end;
	int status = 0;

	r->events_hdu = h;
	if (h) {
		char extname[FLEN_VALUE];

		if (fits_movabs_hdu(r->f, h, NULL, &status) != 0)
			return fail_status(r, "cannot read the events table", status);
		if (key_string(r->f, "EXTNAME", extname))
			snprintf(r->table, sizeof r->table, "%s", extname);
		else
			snprintf(r->table, sizeof r->table, "extension %d", h - 1);
		if (!check_extent(r, r->table))
			return false;
	}
	if (r->gzip && (uint32_t)size != r->gzip_isize)
		return fail(r, "truncated or corrupt gzip data: it inflates to %lld bytes, its "
			    "trailer says %lu (mod 2^32)", (long long)size, (unsigned long)r->gzip_isize);
	if (w->bad_card)
		return fail(r, "corrupt file: extension %d: header card %ld is not ASCII text",
			    w->bad_hdu - 1, w->bad_card);
	if (w->bad_hdu) {
		char why[FLEN_STATUS + 8];

		fits_events_errtext(w->bad_status, why, sizeof why);
		return fail(r, "truncated or corrupt file: cannot read extension %d: %s",
			    w->bad_hdu - 1, why);
	}
	/* A part of a block after the last HDU that reads is the start of one
	 * that was cut off (whole blocks there are padding, which cfitsio read
	 * as the end of the file: some archives append zero blocks). */
	if (fits_movabs_hdu(r->f, w->last_ok, NULL, &status) == 0 &&
	    fits_get_hduaddrll(r->f, &head, &data, &end, &status) == 0 && end < size &&
	    (size - end) % 2880 != 0)
		return fail(r, "truncated or corrupt file: %lld bytes after the last complete HDU "
			    "(extension %d)", (long long)(size - end), w->last_ok - 1);
	if (status)
		return fail_status(r, "cannot read the file", status);
	if (!h)
		return fail(r, "no events table: no extension named EVENTS, none with HDUCLAS1 = "
			    "EVENTS and no binary table with a TIME column");
	if (fits_movabs_hdu(r->f, h, NULL, &status) != 0)
		return fail_status(r, "cannot read the events table", status);
	return true;
}

/* The metadata ev2fits stored in LLMETA, or a new object, into r->meta. */
static bool
stored_meta(struct fits_events_reader *r)
{
	char *text = NULL;
	int status = 0;
	json_error_t err;
	json_t *j;

	if (fits_read_key_longstr(r->f, "LLMETA", &text, NULL, &status) != 0) {
		fits_clear_errmsg();
		r->meta = json_object();
		return true;
	}
	j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	fits_free_memory(text, &status);
	if (!json_is_object(j)) {
		fail(r, "%s: keyword LLMETA is not a JSON object: %s", r->table,
		     j ? "another JSON value" : err.text);
		json_decref(j);
		return false;
	}
	r->meta = j;
	return true;
}

/* Copy header facts into r->meta: the events header first, the primary
 * header for keys the events header lacks; TIMEZERO, TIMEDEL and TIMEPIXR
 * from the events header only. */
static bool
read_header_facts(struct fits_events_reader *r)
{
	static const struct { const char *key, *meta; } strings[] = {
		{ "OBS_ID", "obs_id" }, { "OBJECT", "object" },
		{ "TELESCOP", "telescope" }, { "INSTRUME", "instrument" },
		{ "DETNAM", "detnam" }, { "GRATING", "grating" },
		{ "TIMESYS", "timesys" },
	};
	static const struct { const char *key, *meta; } numbers[] = {
		{ "TSTART", "tstart" }, { "TSTOP", "tstop" }, { "EXPOSURE", "exposure" },
	};
	static const char *const derived[] = { "mjdref", "timedel", "timepixr", "gti", "gti_from" };
	int hdus[2] = { r->events_hdu, 1 }, status = 0;
	json_t *meta = r->meta;
	char s[FLEN_VALUE];
	double v, frac;
	bool have_mjdref = false;

	for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
		json_object_del(meta, strings[k].meta);
	for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
		json_object_del(meta, numbers[k].meta);
	for (size_t k = 0; k < sizeof derived / sizeof derived[0]; k++)
		json_object_del(meta, derived[k]);
	r->timezero = 0;
	for (int h = 0; h < 2; h++) {
		if (fits_movabs_hdu(r->f, hdus[h], NULL, &status) != 0)
			return fail_status(r, "cannot read header", status);
		for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
			if (!json_object_get(meta, strings[k].meta) && key_string(r->f, strings[k].key, s))
				json_object_set_new(meta, strings[k].meta, json_string(s));
		for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
			if (!json_object_get(meta, numbers[k].meta) && key_double(r->f, numbers[k].key, &v))
				meta_set_number(meta, numbers[k].meta, v);
		if (!have_mjdref) {
			if (key_double(r->f, "MJDREF", &v)) {
				have_mjdref = true;
			} else if (key_double(r->f, "MJDREFI", &v)) {
				if (key_double(r->f, "MJDREFF", &frac))
					v += frac;
				have_mjdref = true;
			}
			if (have_mjdref)
				meta_set_number(meta, "mjdref", v);
		}
		if (h > 0)
			continue;
		key_double(r->f, "TIMEZERO", &r->timezero);
		/* The frame grid of DESIGN §4a: only values frames.h can use. */
		if (key_double(r->f, "TIMEDEL", &v) && v > 0)
			meta_set_number(meta, "timedel", v);
		if (key_double(r->f, "TIMEPIXR", &v) && v >= 0 && v <= 1)
			meta_set_number(meta, "timepixr", v);
	}
	/* TSTART and TSTOP are in the TIME column's system: TIMEZERO applies
	 * to them as to TIME (OGIP 93-003). */
	if (r->timezero != 0)
		for (size_t k = 0; k < 2; k++)
			if (meta_number(meta, numbers[k].meta, &v))
				meta_set_number(meta, numbers[k].meta, v + r->timezero);
	return true;
}

/* Read the rows of GTI extension x, checked: finite, START <= STOP. */
static bool
read_gti_ext(struct fits_events_reader *r, struct gti_ext *x)
{
	char table[64];
	struct col cs, ce;
	LONGLONG rows;
	double tz = r->timezero, *a, *b;
	int status = 0, anynul, found;

	snprintf(table, sizeof table, "GTI extension %d", x->hdu - 1);
	if (fits_movabs_hdu(r->f, x->hdu, NULL, &status) != 0)
		return fail_status(r, table, status);
	if ((found = find_col(r, table, "START", &cs)) < 0 ||
	    (found && (found = find_col(r, table, "STOP", &ce)) < 0))
		return false;
	if (!found)
		return fail(r, "%s: no START and STOP columns", table);
	if (!check_extent(r, table))
		return false;
	fits_get_num_rowsll(r->f, &rows, &status);
	/* The extension's own TIMEZERO, else the events table's. */
	key_double(r->f, "TIMEZERO", &tz);
	x->rows = rows;
	x->g.iv = xmalloc((size_t)(rows ? rows : 1) * sizeof *x->g.iv);
	a = xmalloc((size_t)(rows ? rows : 1) * sizeof *a);
	b = xmalloc((size_t)(rows ? rows : 1) * sizeof *b);
	x->read = true;
	if (rows > 0) {
		fits_read_col(r->f, TDOUBLE, cs.num, 1, 1, rows, NULL, a, &anynul, &status);
		fits_read_col(r->f, TDOUBLE, ce.num, 1, 1, rows, NULL, b, &anynul, &status);
	}
	for (LONGLONG i = 0; i < rows && status == 0; i++) {
		double start = a[i] + tz, stop = b[i] + tz;

		if (!isfinite(start) || !isfinite(stop)) {
			fail(r, "%s row %lld: START or STOP is not a finite number", table, (long long)i + 1);
			status = -1;
		} else if (start > stop) {
			fail(r, "%s row %lld: START %.17g is after STOP %.17g", table, (long long)i + 1,
			     start, stop);
			status = -1;
		} else {
			x->g.iv[x->g.n++] = (struct gti){ start, stop };
		}
	}
	free(a);
	free(b);
	if (status > 0)
		return fail_status(r, table, status);
	if (status < 0)
		return false;
	gti_normalize(&x->g);
	if (rows > 0 && x->g.n == 0)
		return fail(r, "%s: no good time: every row has START = STOP", table);
	return true;
}

/* "dir/obs.fits.gz" -> "obs". */
static char *
dataset_name(const char *path)
{
	static const char *const exts[] = { ".gz", ".fits", ".fit", ".fts", ".evt" };
	const char *slash = strrchr(path, '/');
	char *name = xstrdup(slash ? slash + 1 : path);

	for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
		size_t n = strlen(name), e = strlen(exts[k]);

		if (n > e && strcasecmp(name + n - e, exts[k]) == 0)
			name[n - e] = '\0';
	}
	return name;
}

static size_t
chunk_rows(size_t rowlen)
{
	size_t n = CHUNK_BYTES / (rowlen ? rowlen : 1);

	if (n > EV_BLOCK_EVENTS)
		n = EV_BLOCK_EVENTS;
	return n ? n : 1;
}

/* Point r->rows at rows [first, first + n) of a mapped plain file: a
 * window of MAP_WINDOW bytes (or the chunk, if larger) from the page holding
 * the first row, mapped with its pages filled at once (MAP_POPULATE: one
 * call instead of a page fault every 4 KiB) and replaced when the rows
 * leave it.  No copy from the page cache, as read(2) makes. */
static bool
map_rows(struct fits_events_cursor *c, long long first, size_t n)
{
	const struct fits_events_reader *r = c->r;
	long long start = r->map_data + (first - 1) * (long long)r->rowlen;
	long long end = start + (long long)(n * r->rowlen), off;
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	void *m;

	if (!c->map || start < c->map_off || end > c->map_off + (long long)c->map_len) {
		if (c->map)
			munmap(c->map, c->map_len);
		c->map = NULL;
		off = start - start % (page > 0 ? page : 4096);
		len = (size_t)(end - off) > MAP_WINDOW ? (size_t)(end - off) : MAP_WINDOW;
		m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->map_fd, (off_t)off);
		if (m == MAP_FAILED) {
			snprintf(c->why, sizeof c->why, "cannot read %s rows: %s", r->table,
				 strerror(errno));
			return false;
		}
		c->map = m;
		c->map_len = len;
		c->map_off = off;
	}
	c->rows = c->map + (start - c->map_off);
	return true;
}

/* Rows [first, first + n) (1-based) into c->rows; false with the reason in
 * c->why. */
static bool
read_raw(struct fits_events_cursor *c, long long first, size_t n)
{
	struct fits_events_reader *r = c->r;
	int status = 0;
	char why[FLEN_STATUS + 8];

	if (r->map_fd >= 0)
		return map_rows(c, first, n);
	c->rows = c->raw;
	/* cfitsio's file state is one for all the cursors. */
	pthread_mutex_lock(&r->io);
	if (fits_read_tblbytes(r->f, first, 1, (LONGLONG)(n * r->rowlen), c->raw, &status) != 0) {
		fits_events_errtext(status, why, sizeof why);
		pthread_mutex_unlock(&r->io);
		snprintf(c->why, sizeof c->why, "cannot read %s rows: %s", r->table, why);
		return false;
	}
	pthread_mutex_unlock(&r->io);
	return true;
}

/* The GTI extension for CCD c among those with rows, starting the search
 * at *hit (rows come in runs of one CCD); NULL when there is none. */
static struct gti_ext *
gti_of_ccd(struct fits_events_reader *r, double c, size_t *hit)
{
	for (size_t k = 0; k < r->n_gx; k++) {
		struct gti_ext *x = &r->gx[(*hit + k) % r->n_gx];

		if (x->rows > 0 && x->has_ccd && (double)x->ccd == c) {
			*hit = (size_t)(x - r->gx);
			return x;
		}
	}
	return NULL;
}

/* Which CCDs have events, whose GTIs then apply: read before anything is
 * written, and only when several per-CCD GTI extensions leave the choice to
 * the ccd_id column (a pass that decodes that column alone; TIME is read
 * once, in fits_events_try_read). */
static bool
scan_ccds(struct fits_events_reader *r)
{
	size_t hit = 0;
	uint64_t known = 0, present = 0;	/* CCDs 0-63 with a GTI extension, with events */

	for (size_t k = 0; k < r->n_gx; k++)
		if (r->gx[k].rows > 0 && r->gx[k].has_ccd && r->gx[k].ccd >= 0 && r->gx[k].ccd < 64)
			known |= (uint64_t)1 << r->gx[k].ccd;
	for (long long row = 1; row <= r->n_rows;) {
		size_t n = (size_t)(r->n_rows - row + 1 < (long long)r->chunk ?
				    r->n_rows - row + 1 : (long long)r->chunk);

		if (!read_raw(&r->cur, row, n))
			return fail(r, "%s", r->cur.why);
		decode_col(&r->ccd, r->cur.rows, r->rowlen, n, r->cur.b);
		for (size_t i = 0; i < n; i++) {
			double c = r->cur.b[i];
			struct gti_ext *x;

			/* CCD numbers are small: a bit each, one test a row. */
			if (c >= 0 && c < 64 && c == (double)(int)c && (known >> (int)c & 1)) {
				present |= (uint64_t)1 << (int)c;
				continue;
			}
			if (!(x = gti_of_ccd(r, c, &hit)))
				return fail(r, "%s row %lld: %s %g has no GTI extension of its own; "
					    "choose the GTIs with --gti-ccd N", r->table,
					    row + (long long)i, r->ccd.name, c);
			x->present = true;
		}
		row += (long long)n;
	}
	for (size_t k = 0; k < r->n_gx; k++)
		if (r->gx[k].rows > 0 && r->gx[k].has_ccd && r->gx[k].ccd >= 0 && r->gx[k].ccd < 64 &&
		    (present >> r->gx[k].ccd & 1))
			r->gx[k].present = true;
	return true;
}

/* The unit a column's TUNIT names, into *u; true and *u untouched when it
 * has none. */
static bool
column_unit(struct fits_events_reader *r, const struct col *c, struct fits_events_unit *u)
{
	char key[FLEN_KEYWORD], value[FLEN_VALUE];

	snprintf(key, sizeof key, "TUNIT%d", c->num);
	if (!key_string(r->f, key, value))
		return true;
	if (!fits_events_parse_unit(value, u))
		return fail(r, "%s: column %s has %s = '%s', not a unit of wavelength or energy "
			    "(angstrom, nm, eV, keV); give --wave-col %s --wave-unit UNIT",
			    r->table, c->name, key, value, c->name);
	return true;
}

static bool
choose_wavelength(struct fits_events_reader *r, const struct fits_events_opts *o)
{
	static const struct { const char *name; enum fits_events_unit_base base; } auto_cols[] = {
		{ "TG_LAM", FITS_EVENTS_UNIT_ANGSTROM },
		{ "WAVELENGTH", FITS_EVENTS_UNIT_NM },
		{ "ENERGY", FITS_EVENTS_UNIT_EV },
	};
	char unit[64];
	json_t *from;
	int found = 0;

	r->unit = (struct fits_events_unit){ FITS_EVENTS_UNIT_NONE, 1 };
	if (o->no_wavelength) {
		json_object_set_new(r->meta, "wavelength_from", json_null());
		return true;
	}
	if (o->wave_col) {
		if ((found = find_col(r, r->table, o->wave_col, &r->wave)) < 0)
			return false;
		if (!found)
			return fail(r, "%s: no column %s (--wave-col)", r->table, o->wave_col);
		r->unit = o->wave_unit;
	} else {
		for (size_t k = 0; k < sizeof auto_cols / sizeof auto_cols[0] && !found; k++) {
			if ((found = find_col(r, r->table, auto_cols[k].name, &r->wave)) < 0)
				return false;
			r->unit = (struct fits_events_unit){ auto_cols[k].base, 1 };
		}
		if (!found)
			return fail(r, "%s: no wavelength column (looked for TG_LAM, WAVELENGTH, ENERGY); "
				    "use --no-wavelength or --wave-col COL --wave-unit UNIT", r->table);
		if (!column_unit(r, &r->wave, &r->unit))
			return false;
	}
	if (o->dither) {
		if (!is_integer_type(r->wave.type))
			return fail(r, "%s: --dither: column %s holds floating-point values, not channels",
				    r->table, r->wave.name);
		r->dither = true;
		r->dither_step = r->wave.scale;
		rng_seed(&r->rng, o->seed);
	}
	fits_events_unit_text(&r->unit, unit, sizeof unit);
	from = json_pack("{ssss}", "column", r->wave.name, "unit", unit);
	if (r->dither)
		json_object_set_new(from, "dither", json_true());
	json_object_set_new(r->meta, "wavelength_from", from);
	return true;
}

/* c's buffers, for r's chunks. */
static void
cursor_init(struct fits_events_reader *r, struct fits_events_cursor *c)
{
	c->r = r;
	/* check_extent bounds n_rows * rowlen, so this, by the file's size
	 * (a header with NAXIS1 = 10^15 and no rows asks for nothing). */
	c->raw = xmalloc(r->n_rows > 0 ? r->chunk * r->rowlen : 1);
	c->t = xmalloc(r->chunk * sizeof *c->t);
	c->w = xmalloc(r->chunk * sizeof *c->w);
	c->b = xmalloc(r->chunk * sizeof *c->b);
}

static void
cursor_free(struct fits_events_cursor *c)
{
	if (c->map)
		munmap(c->map, c->map_len);
	free(c->raw);
	free(c->t);
	free(c->w);
	free(c->b);
}

/* The columns of the events table (the current HDU) and the chunk buffers. */
static bool
events_columns(struct fits_events_reader *r, const struct fits_events_opts *o)
{
	int status = 0, found;

	if ((found = find_col(r, r->table, "TIME", &r->time)) <= 0)
		return found < 0 ? false : fail(r, "%s: no TIME column", r->table);
	if (!choose_wavelength(r, o))
		return false;
	if (find_col(r, r->table, "WBIN", &r->wbin) < 0 || find_col(r, r->table, "CCD_ID", &r->ccd) < 0)
		return false;
	fits_get_num_rowsll(r->f, &r->n_rows, &status);
	if (status)
		return fail_status(r, r->table, status);
	r->rowlen = (size_t)r->f->Fptr->rowlength;
	r->chunk = chunk_rows(r->rowlen);
	if ((long long)r->chunk > r->n_rows)
		r->chunk = r->n_rows > 0 ? (size_t)r->n_rows : 1;
	cursor_init(r, &r->cur);
	return true;
}

/* GTI extensions taken automatically: several with a CCD_ID each, and a
 * ccd_id column to tell which CCDs have events. */
static bool
gti_by_ccd(const struct fits_events_reader *r, const struct fits_events_opts *o)
{
	size_t with_rows = 0;

	if (o->gti_ccd >= 0 || !r->ccd.num)
		return false;
	for (size_t k = 0; k < r->n_gx; k++) {
		if (r->gx[k].rows == 0)
			continue;
		if (!r->gx[k].has_ccd)
			return false;
		with_rows++;
	}
	return with_rows > 1;
}

/* The GTIs into the metadata (DESIGN §4): the only GTI extension
 * (gti_from.rule "single"); or the one --gti-ccd names ("gti_ccd"); or, with
 * several, the intersection of those of the CCDs that have events
 * ("ccds_with_events"), or of all when that cannot be told
 * ("intersection").  Extensions without rows say nothing (ev2fits writes
 * one for a stream without GTIs).  gti_from also lists the extensions used
 * and their CCD_IDs. */
static bool
choose_gti(struct fits_events_reader *r, const struct fits_events_opts *o)
{
	bool by_ccd = gti_by_ccd(r, o), any_present = false, first = true;
	struct gti_list g = { 0, NULL };
	json_t *exts = json_array(), *ccds = json_array();
	const char *rule;
	size_t n_used = 0, with_rows = 0;
	double exposure;

	for (size_t k = 0; k < r->n_gx; k++) {
		with_rows += r->gx[k].rows > 0;
		any_present |= r->gx[k].present;
	}
	for (size_t k = 0; k < r->n_gx; k++) {
		struct gti_ext *x = &r->gx[k];
		bool use;

		if (o->gti_ccd >= 0)
			use = x->has_ccd && x->ccd == o->gti_ccd;
		else
			use = x->rows > 0 && (!by_ccd || !any_present || x->present);
		if (!use)
			continue;
		if (first) {
			g.n = x->g.n;
			g.iv = xmalloc((g.n ? g.n : 1) * sizeof *g.iv);
			if (g.n)
				memcpy(g.iv, x->g.iv, g.n * sizeof *g.iv);
			first = false;
		} else {
			struct gti_list both = gti_intersect(&g, &x->g);

			gti_free(&g);
			g = both;
		}
		n_used++;
		json_array_append_new(exts, json_integer(x->hdu - 1));
		if (x->has_ccd)
			json_array_append_new(ccds, json_integer(x->ccd));
	}
	if (o->gti_ccd >= 0 && n_used == 0) {
		json_decref(exts);
		json_decref(ccds);
		return fail(r, "no GTI extension with CCD_ID = %ld (%zu GTI extensions)", o->gti_ccd,
			    r->n_gx);
	}
	rule = o->gti_ccd >= 0 ? "gti_ccd" : by_ccd && any_present ? "ccds_with_events" :
	       n_used > 1 ? "intersection" : "single";
	if (n_used > 0 && g.n == 0) {
		gti_free(&g);
		json_decref(exts);
		json_decref(ccds);
		if (n_used > 1)
			return fail(r, "the %zu GTI extensions%s have no good time in common; choose "
				    "one with --gti-ccd N", n_used, by_ccd ? " of the CCDs with events" : "");
		return fail(r, "GTI: no good time in the chosen extension");
	}
	if (n_used > 0) {
		json_t *from = json_pack("{ssso}", "rule", rule, "extensions", exts);

		if (json_array_size(ccds) > 0)
			json_object_set(from, "ccd_id", ccds);
		json_object_set_new(r->meta, "gti_from", from);
		meta_set_gti(r->meta, &g);
		if (!meta_number(r->meta, "exposure", &exposure))
			meta_set_number(r->meta, "exposure", gti_exposure(&g));
	} else {
		json_decref(exts);
	}
	json_decref(ccds);
	gti_free(&g);
	return true;
}

/* Everything after r->f is open: the inner layer of both opens. */
static bool
setup(struct fits_events_reader *r, const struct fits_events_opts *o)
{
	struct walk w;
	char *name;
	int status = 0;

	walk_hdus(r, &w);
	if (!locate_events(r, &w) || !stored_meta(r) || !read_header_facts(r))
		return false;
	for (size_t k = 0; k < r->n_gx; k++) {
		struct gti_ext *x = &r->gx[k];

		if ((o->gti_ccd < 0 || (x->has_ccd && x->ccd == o->gti_ccd)) && !read_gti_ext(r, x))
			return false;
	}
	if (o->filter) {
		/* The row filter needs cfitsio's extended file name; it copies the
		 * selected rows into memory. */
		size_t n = strlen(r->path) + strlen(o->filter) + 32;
		char *spec = xmalloc(n);

		if (r->mem) {
			free(spec);
			return fail(r, "--filter needs a file, not memory");
		}
		fits_close_file(r->f, &status);
		r->f = NULL;
		status = 0;
		snprintf(spec, n, "%s[%d][%s]", r->path, r->events_hdu - 1, o->filter);
		if (fits_open_file(&r->f, spec, READONLY, &status) != 0) {
			r->f = NULL;
			free(spec);
			return fail_status(r, "--filter", status);
		}
		free(spec);
		if (!check_extent(r, r->table))
			return false;
		json_object_set_new(r->meta, "fits_filter", json_string(o->filter));
	} else {
		json_object_del(r->meta, "fits_filter");
		if (fits_movabs_hdu(r->f, r->events_hdu, NULL, &status) != 0)
			return fail_status(r, "cannot read the events table", status);
	}
	if (!events_columns(r, o))
		return false;

	name = o->dataset ? xstrdup(o->dataset) : dataset_name(r->path);
	json_object_set_new(r->meta, "dataset", json_string(name));
	free(name);
	json_object_set_new(r->meta, "source", json_string(r->path));
	if (r->timezero != 0)
		meta_set_number(r->meta, "timezero_applied", r->timezero);
	else
		json_object_del(r->meta, "timezero_applied");
	if (gti_by_ccd(r, o) && !scan_ccds(r))
		return false;
	/* One pass over the rows: time order is not known when the header
	 * goes out, so it claims nothing (a "sorted" stored by ev2fits is of
	 * the stream the file was made from); programs that need order check
	 * it event by event. */
	json_object_del(r->meta, "sorted");
	if (!choose_gti(r, o))
		return false;
	r->next_row = 1;
	return true;
}

/* The message and cleanup of a mapped file that shrank under us. */
static char sigbus_text[1200];
static size_t sigbus_len;

static void
on_sigbus(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls: write, unlink (die_cleanup), _exit. */
	if (write(STDERR_FILENO, sigbus_text, sigbus_len) < 0)
		sigbus_len = 0;
	if (die_cleanup)
		die_cleanup();
	_exit(EXIT_RUNTIME);
}

/* Read the rows of a plain (not gzip) file by mapping it (map_rows), when
 * the file is what cfitsio reads: a regular file of the size it saw,
 * starting with SIMPLE.  Otherwise, and on any failure here, cfitsio goes
 * on reading.  A mapped page past the end of a file that shrank while being
 * read raises SIGBUS where read(2) would have come short: that ends the
 * program with the one line read_raw would give. */
static void
use_map(struct fits_events_reader *r)
{
	LONGLONG head, data, end;
	unsigned char magic[6];
	struct stat st;
	int status = 0, fd;
	struct sigaction sa = { 0 };

	if (r->gzip || r->mem || r->n_rows <= 0 ||
	    fits_get_hduaddrll(r->f, &head, &data, &end, &status) != 0) {
		fits_clear_errmsg();
		return;
	}
	if ((fd = open(r->path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != r->f->Fptr->logfilesize ||
	    pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic ||
	    memcmp(magic, "SIMPLE", 6) != 0) {
		close(fd);
		return;
	}
	snprintf(sigbus_text, sizeof sigbus_text, "%s: %s: cannot read %s rows: the file "
		 "shrank while being read\n", ll_progname, r->path, r->table);
	sigbus_len = strlen(sigbus_text);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) != 0) {
		close(fd);
		return;
	}
	(void)posix_fadvise(fd, (off_t)data, 0, POSIX_FADV_SEQUENTIAL);
	r->map_fd = fd;
	r->map_data = data;
}

struct fits_events_reader *
fits_events_open(const struct fits_events_opts *o)
{
	struct fits_events_reader *r = xcalloc(1, sizeof *r);

	r->path = o->path;
	r->map_fd = -1;
	pthread_mutex_init(&r->io, NULL);
	snprintf(r->table, sizeof r->table, "EVENTS");
	if (!open_path(r) || !setup(r, o))
		die(EXIT_RUNTIME, "%s: %s", o->path, r->why);
	if (!o->filter)
		use_map(r);
	return r;
}

/* The memory file's bytes sit behind a header holding their size. */
#define MEM_HEAD 16

/* The "realloc" given to cfitsio's memory driver.  On reading the last HDU
 * cfitsio "truncates" a memory file to where that HDU should end, which for
 * a cut file is beyond the buffer: without a realloc it would just believe
 * the new size and read past the end.  Shrinking keeps the bytes in place;
 * growing fails, which cfitsio reports as an error. */
static void *
mem_no_grow(void *p, size_t n)
{
	size_t have;

	memcpy(&have, (unsigned char *)p - MEM_HEAD, sizeof have);
	return n <= have ? p : NULL;
}

struct fits_events_reader *
fits_events_open_memory(const void *data, size_t size, const struct fits_events_opts *o,
			char *why, size_t why_size)
{
	struct fits_events_reader *r = xcalloc(1, sizeof *r);
	unsigned char *copy = xmalloc(MEM_HEAD + size);
	int status = 0;
	bool ok;

	r->path = o->path;
	r->map_fd = -1;
	pthread_mutex_init(&r->io, NULL);
	snprintf(r->table, sizeof r->table, "EVENTS");
	memcpy(copy, &size, sizeof size);
	if (size)
		memcpy(copy + MEM_HEAD, data, size);
	r->mem_block = copy;
	r->mem = copy + MEM_HEAD;
	r->mem_size = size;
	if (fits_open_memfile(&r->f, o->path, READONLY, &r->mem, &r->mem_size, 0, mem_no_grow,
			      &status) != 0) {
		r->f = NULL;
		ok = fail_status(r, "not a readable FITS file", status);
	} else {
		ok = setup(r, o);
	}
	if (!ok) {
		snprintf(why, why_size, "%s", r->why);
		fits_events_close(r);
		return NULL;
	}
	return r;
}

json_t *
fits_events_meta(struct fits_events_reader *r)
{
	return r->meta;
}

long long
fits_events_rows(const struct fits_events_reader *r)
{
	return r->n_rows;
}

/* Column values (after TSCAL/TZERO) into wavelengths.  Computed in double
 * and rounded once to float, as numpy's float32(1239.84198 / float64(E))
 * does.  Values that are no wavelength (E <= 0, negative, infinite) become
 * NaN.  With dither, a value v is spread uniformly over [v - step/2,
 * v + step/2) (one uniform draw per row, so the stream of draws does not
 * depend on the values); whether it is valid is judged on v itself. */
static void
to_wavelengths(struct fits_events_reader *r, const double *col, struct ev_event *ev, size_t n)
{
	double scale = r->unit.scale, step = r->dither ? r->dither_step : 0;
	bool energy = r->unit.base == FITS_EVENTS_UNIT_EV || r->unit.base == FITS_EVENTS_UNIT_KEV;
	double k = r->unit.base == FITS_EVENTS_UNIT_EV ? HC_EV_NM :
		   r->unit.base == FITS_EVENTS_UNIT_KEV ? HC_EV_NM / 1000 :
		   r->unit.base == FITS_EVENTS_UNIT_ANGSTROM ? 10 : 1;

	/* Loops without per-row branches for the common cases. */
	if (!r->dither && energy) {
		for (size_t i = 0; i < n; i++) {
			double e = col[i] * scale;
			float w = (float)(k / e);

			ev[i].wavelength = e > 0 && w <= FLT_MAX ? w : NAN;
		}
		return;
	}
	if (!r->dither) {
		for (size_t i = 0; i < n; i++) {
			float w = (float)(col[i] * scale / k);

			ev[i].wavelength = w >= 0 && w <= FLT_MAX ? w : NAN;
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double v = col[i], x = (v + (rng_uniform(&r->rng) - 0.5) * step) * scale;
		float w;

		if (energy) {
			w = (float)(k / x);
			ev[i].wavelength = v > 0 && x > 0 && w <= FLT_MAX ? w : NAN;
		} else {
			w = (float)(x / k);
			ev[i].wavelength = v >= 0 && w >= 0 && w <= FLT_MAX ? w : NAN;
		}
	}
}

/* The first bad time among t[0..n), as try_read's reason; rows counted
 * from `row`. */
static void
bad_time(const struct fits_events_reader *r, const double *t, size_t n, long long row,
	 char *why, size_t why_size)
{
	for (size_t i = 0; i < n; i++)
		if (!(t[i] >= 0 && t[i] <= DBL_MAX)) {
			snprintf(why, why_size, "%s row %lld: %s is %s", r->table, row + (long long)i,
				 r->time.name, isnan(t[i]) ? "NaN" : t[i] < 0 ? "negative" : "infinite");
			return;
		}
}

/* (float)q <= FLT_MAX exactly when q (not NaN) lies below the midpoint
 * between FLT_MAX and 2^128 (round to nearest: the tie, FLT_MAX being odd,
 * goes up, to infinity). */
#define FLT_OVERFLOW_EDGE 0x1.ffffffp+127

/* read_chunk_fused's loop for one unit kind (0 none, 1 energy: k / x,
 * 2 length: x / k), inlined with `unit` a constant so each kind gets a loop
 * without per-row branches.  Two rows a turn: one packed divide (the
 * divisions bound the loop) and one packed time test, a running AND, the
 * bad row looked for only when one is bad.  The wavelength rules are those
 * of to_wavelengths.  Returns false when a time is bad. */
static inline __attribute__((always_inline)) bool
fused_rows(const struct fits_events_cursor *c, struct ev_event *ev, size_t n, const int unit,
	   const bool direct, double k)
{
	const struct fits_events_reader *r = c->r;
	typedef double v2d __attribute__((vector_size(16)));
	typedef long long v2i __attribute__((vector_size(16)));
	const unsigned char *p = c->rows + r->time.offset;
	const double *x = c->w;
	size_t rowlen = r->rowlen, i = 0;
	/* The wavelength column from the time's row pointer. */
	ptrdiff_t woff = (ptrdiff_t)r->wave.offset - (ptrdiff_t)r->time.offset;
	double tz = r->timezero, scale = r->unit.scale;
	const v2d nan2 = { NAN, NAN };
	v2i ok = { -1, -1 };
	int good;

	for (; i + 2 <= n; i += 2, p += 2 * rowlen) {
		v2d t = { be_f64(p), be_f64(p + rowlen) }, xv, q;
		float w0 = NAN, w1 = NAN;

		/* Without a wavelength column this is the first pass over the
		 * rows (see decode_col). */
		if (unit == 0 || direct)
			__builtin_prefetch(p + PREFETCH_AHEAD);
		t += tz;
		ok &= (t >= 0) & (t <= DBL_MAX);
		if (unit != 0) {
			if (direct)
				xv = (v2d){ be_f32(p + woff), be_f32(p + rowlen + woff) } * scale;
			else
				xv = (v2d){ x[i], x[i + 1] } * scale;
			q = unit == 1 ? k / xv : xv / k;
		}
		if (unit == 1) {
			v2i m = (xv > 0) & (q < FLT_OVERFLOW_EDGE);

			q = (v2d)(((v2i)q & m) | ((v2i)nan2 & ~m));
			w0 = (float)q[0];
			w1 = (float)q[1];
		} else if (unit == 2) {
			w0 = (float)q[0];
			w1 = (float)q[1];
			w0 = w0 >= 0 && w0 <= FLT_MAX ? w0 : NAN;
			w1 = w1 >= 0 && w1 <= FLT_MAX ? w1 : NAN;
		}
		ev[i] = (struct ev_event){ t[0], w0, -1 };
		ev[i + 1] = (struct ev_event){ t[1], w1, -1 };
	}
	good = (int)(ok[0] & ok[1] & 1);
	for (; i < n; i++, p += rowlen) {
		double t = be_f64(p) + tz;
		double xs = !unit ? 0 : direct ? be_f32(p + woff) * scale : x[i] * scale;
		float w = NAN;

		good &= (t >= 0) & (t <= DBL_MAX);
		if (unit == 1) {
			w = (float)(k / xs);
			w = xs > 0 && w <= FLT_MAX ? w : NAN;
		} else if (unit == 2) {
			w = (float)(xs / k);
			w = w >= 0 && w <= FLT_MAX ? w : NAN;
		}
		ev[i] = (struct ev_event){ t, w, -1 };
	}
	return good;
}

/* The common case in one pass over a chunk (an unscaled double TIME, no
 * dither, no WBIN): time decoded, checked and stored with its wavelength,
 * without an intermediate time array.  False when a time is bad (read_chunk
 * then finds the row). */
DECODE_CLONES static bool
read_chunk_fused(struct fits_events_cursor *c, struct ev_event *ev, size_t n)
{
	const struct fits_events_reader *r = c->r;
	double k = r->unit.base == FITS_EVENTS_UNIT_EV ? HC_EV_NM :
		   r->unit.base == FITS_EVENTS_UNIT_KEV ? HC_EV_NM / 1000 :
		   r->unit.base == FITS_EVENTS_UNIT_ANGSTROM ? 10 : 1;

	switch (r->unit.base) {
	case FITS_EVENTS_UNIT_NONE:
		return fused_rows(c, ev, n, 0, false, k);
	case FITS_EVENTS_UNIT_EV:
	case FITS_EVENTS_UNIT_KEV:
		/* An unscaled float column (ENERGY in most event files) is read
		 * in the same pass as TIME. */
		if (r->wave.type == TFLOAT && !r->wave.scaled)
			return fused_rows(c, ev, n, 1, true, k);
		decode_col(&r->wave, c->rows, r->rowlen, n, c->w);
		return fused_rows(c, ev, n, 1, false, k);
	default:
		decode_col(&r->wave, c->rows, r->rowlen, n, c->w);
		return fused_rows(c, ev, n, 2, false, k);
	}
}

/* Decode rows [first, first + n) (1-based, n <= r->chunk) into ev; false
 * with the reason in `why` on a read error, a bad time or a bad WBIN. */
static bool
read_chunk(struct fits_events_cursor *c, long long first, struct ev_event *ev, size_t n,
	   char *why, size_t why_size)
{
	struct fits_events_reader *r = c->r;
	double tz = r->timezero;
	int good = 1;

	if (!read_raw(c, first, n)) {
		snprintf(why, why_size, "%s", c->why);
		return false;
	}
	if (r->time.type == TDOUBLE && !r->time.scaled && !r->dither && !r->wbin.num) {
		if (read_chunk_fused(c, ev, n))
			return true;
		good = 0;	/* the slow path below finds the row */
	}
	decode_col(&r->time, c->rows, r->rowlen, n, c->t);
	/* Every time is checked, in a loop without branches (it vectorises);
	 * the row is looked for only when one is bad. */
	for (size_t i = 0; i < n; i++) {
		double t = c->t[i] + tz;

		c->t[i] = t;
		good &= (t >= 0) & (t <= DBL_MAX);
	}
	if (!good) {
		bad_time(r, c->t, n, first, why, why_size);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		ev[i].time = c->t[i];
		ev[i].wbin = -1;
	}
	if (r->unit.base == FITS_EVENTS_UNIT_NONE) {
		for (size_t i = 0; i < n; i++)
			ev[i].wavelength = NAN;
	} else {
		decode_col(&r->wave, c->rows, r->rowlen, n, c->w);
		to_wavelengths(r, c->w, ev, n);
	}
	if (r->wbin.num) {
		decode_col(&r->wbin, c->rows, r->rowlen, n, c->b);
		for (size_t i = 0; i < n; i++) {
			double b = c->b[i];

			if (!(b >= -1 && b <= INT32_MAX && b == floor(b))) {
				snprintf(why, why_size, "%s row %lld: %s is not an integer >= -1",
					 r->table, first + (long long)i, r->wbin.name);
				return false;
			}
			ev[i].wbin = (int32_t)b;
		}
	}
	return true;
}

/* Rows [first, first + n) through cursor c, chunk by chunk. */
static bool
read_rows(struct fits_events_cursor *c, long long first, struct ev_event *ev, size_t n,
	  char *why, size_t why_size)
{
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < c->r->chunk ? n - done : c->r->chunk;

		if (!read_chunk(c, first + (long long)done, ev + done, k, why, why_size))
			return false;
		done += k;
	}
	return true;
}

long
fits_events_try_read(struct fits_events_reader *r, struct ev_event *ev, size_t max,
		     char *why, size_t why_size)
{
	long long left = r->n_rows - r->next_row + 1;

	if (left <= 0)
		return 0;
	if ((long long)max > left)
		max = (size_t)left;
	if (!read_rows(&r->cur, r->next_row, ev, max, why, why_size))
		return -1;
	r->next_row += (long long)max;
	return (long)max;
}

bool
fits_events_parallel(const struct fits_events_reader *r)
{
	return !r->dither;
}

struct fits_events_cursor *
fits_events_cursor_new(struct fits_events_reader *r)
{
	struct fits_events_cursor *c = xcalloc(1, sizeof *c);

	cursor_init(r, c);
	return c;
}

long
fits_events_try_read_at(struct fits_events_cursor *c, long long first, struct ev_event *ev,
			size_t max, char *why, size_t why_size)
{
	long long left = c->r->n_rows - first + 1;

	if (first < 1 || left <= 0)
		return 0;
	if ((long long)max > left)
		max = (size_t)left;
	if (!read_rows(c, first, ev, max, why, why_size))
		return -1;
	return (long)max;
}

void
fits_events_cursor_free(struct fits_events_cursor *c)
{
	if (!c)
		return;
	cursor_free(c);
	free(c);
}

void
fits_events_close(struct fits_events_reader *r)
{
	int status = 0;

	if (!r)
		return;
	if (r->f)
		fits_close_file(r->f, &status);
	fits_clear_errmsg();
	free(r->mem_block);
	json_decref(r->meta);
	for (size_t k = 0; k < r->n_gx; k++)
		gti_free(&r->gx[k].g);
	free(r->gx);
	cursor_free(&r->cur);
	if (r->map_fd >= 0) {
		/* No mapping left: a later SIGBUS is none of ours. */
		signal(SIGBUS, SIG_DFL);
		close(r->map_fd);
	}
	pthread_mutex_destroy(&r->io);
	free(r);
}


/* --- Writing ------------------------------------------------------------- */

struct fits_events_writer {
	fitsfile *f;
	char *name;
	json_t *meta;
	unsigned char *buf;
	long long rows;
	double tmin, tmax;
	bool fix_tstart, fix_tstop;
};

#define ROW_BYTES 16	/* TIME 1D + WAVELENGTH 1E + WBIN 1J */

static void
w_check(struct fits_events_writer *w, int status)
{
	if (status)
		fits_die(w->name, "cannot write FITS", status);
}

/* FITS cards hold printable ASCII only. */
static char *
printable(const char *s)
{
	char *p = xstrdup(s);

	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 32 || (unsigned char)*q > 126)
			*q = '?';
	return p;
}

static void
put_string(fitsfile *f, json_t *meta, const char *key, const char *card,
	   const char *comment, int *status)
{
	const char *s = meta_string(meta, key);
	char *p;

	if (!s)
		return;
	p = printable(s);
	/* Values longer than a card would need CONTINUE; these keys are short. */
	if (strlen(p) > 68)
		p[68] = '\0';
	fits_update_key(f, TSTRING, card, p, comment, status);
	free(p);
}

static void
put_number(fitsfile *f, json_t *meta, const char *key, const char *card,
	   const char *comment, int *status)
{
	double v;

	if (meta_number(meta, key, &v))
		fits_update_key_dbl(f, card, v, -17, comment, status);
}

/* The keys CIAO, ds9 and astropy look for, in both HDUs. */
static void
put_identity(fitsfile *f, json_t *meta, int *status)
{
	put_string(f, meta, "telescope", "TELESCOP", "mission", status);
	put_string(f, meta, "instrument", "INSTRUME", "instrument", status);
	put_string(f, meta, "detnam", "DETNAM", "detector", status);
	put_string(f, meta, "grating", "GRATING", "grating", status);
	put_string(f, meta, "obs_id", "OBS_ID", "observation id", status);
	put_string(f, meta, "object", "OBJECT", "source name", status);
}

struct fits_events_writer *
fits_events_create(const char *path, const char *name, json_t *meta)
{
	static char *ttype[] = { "TIME", "WAVELENGTH", "WBIN" };
	static char *tform[] = { "1D", "1E", "1J" };
	static char *tunit[] = { "s", "nm", "" };
	struct fits_events_writer *w = xcalloc(1, sizeof *w);
	int status = 0;
	json_t *history;
	size_t i;
	json_t *h;
	char *json;
	double v;

	w->name = xstrdup(name);
	w->meta = meta;
	w->buf = xmalloc((size_t)EV_BLOCK_EVENTS * ROW_BYTES);
	w->tmin = INFINITY;
	w->tmax = -INFINITY;
	/* cfitsio will not create over an existing file (our empty temporary). */
	unlink(path);
	if (fits_create_diskfile(&w->f, path, &status) != 0)
		fits_die(name, "cannot create FITS file", status);
	fits_create_img(w->f, BYTE_IMG, 0, NULL, &status);
	put_identity(w->f, meta, &status);
	fits_write_key_str(w->f, "CREATOR", "ev2fits (Lightlane Studio " LL_VERSION ")",
			   "program that wrote this file", &status);
	fits_write_date(w->f, &status);
	w_check(w, status);

	fits_create_tbl(w->f, BINARY_TBL, 0, 3, ttype, tform, tunit, "EVENTS", &status);
	fits_write_key_str(w->f, "HDUCLASS", "OGIP", "format conforms to OGIP standard", &status);
	fits_write_key_str(w->f, "HDUCLAS1", "EVENTS", "event list", &status);
	put_identity(w->f, meta, &status);
	put_number(w->f, meta, "mjdref", "MJDREF", "[d] MJD of time zero", &status);
	if (!meta_string(meta, "timesys"))
		fits_write_key_str(w->f, "TIMESYS", "TT", "time system (assumed)", &status);
	put_string(w->f, meta, "timesys", "TIMESYS", "time system", &status);
	fits_write_key_str(w->f, "TIMEUNIT", "s", "unit of TIME, TSTART, TSTOP", &status);
	/* TSTART/TSTOP are written now (placeholders when the metadata has
	 * none) so fixing them at the end rewrites a card in place instead
	 * of growing the header in front of the data. */
	w->fix_tstart = !meta_number(meta, "tstart", &v);
	fits_write_key_dbl(w->f, "TSTART", w->fix_tstart ? 0 : v, -17, "[s] start time", &status);
	w->fix_tstop = !meta_number(meta, "tstop", &v);
	fits_write_key_dbl(w->f, "TSTOP", w->fix_tstop ? 0 : v, -17, "[s] stop time", &status);
	put_number(w->f, meta, "exposure", "EXPOSURE", "[s] exposure", &status);
	put_number(w->f, meta, "timedel", "TIMEDEL", "[s] time resolution (frame time)", &status);
	put_number(w->f, meta, "timepixr", "TIMEPIXR", "where in its frame a time stamp lies",
		   &status);
	fits_write_key_str(w->f, "CREATOR", "ev2fits (Lightlane Studio " LL_VERSION ")",
			   "program that wrote this file", &status);

	history = json_object_get(meta, "history");
	if (json_is_array(history))
		json_array_foreach(history, i, h) {
			char *p;

			if (!json_is_string(h))
				continue;
			p = printable(json_string_value(h));
			fits_write_history(w->f, p, &status);
			free(p);
		}
	json = json_dumps(meta, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17));
	if (!json)
		die(EXIT_RUNTIME, "%s: metadata: cannot serialise to JSON", name);
	fits_write_comment(w->f, "LLMETA holds the Lightlane Studio stream metadata as JSON "
			   "(long-string keyword, CONTINUE cards); fits2ev reads it back.", &status);
	fits_write_key_longwarn(w->f, &status);
	fits_write_key_longstr(w->f, "LLMETA", json, "Lightlane Studio metadata (JSON)", &status);
	free(json);
	w_check(w, status);
	return w;
}

void
fits_events_write(struct fits_events_writer *w, const struct ev_event *ev, size_t n)
{
	while (n > 0) {
		size_t k = n < EV_BLOCK_EVENTS ? n : EV_BLOCK_EVENTS;
		unsigned char *p = w->buf;
		int status = 0;

		for (size_t i = 0; i < k; i++, p += ROW_BYTES) {
			uint64_t t;
			uint32_t wl, b;

			memcpy(&t, &ev[i].time, 8);
			memcpy(&wl, &ev[i].wavelength, 4);
			memcpy(&b, &ev[i].wbin, 4);
			t = __builtin_bswap64(t);
			wl = __builtin_bswap32(wl);
			b = __builtin_bswap32(b);
			memcpy(p, &t, 8);
			memcpy(p + 8, &wl, 4);
			memcpy(p + 12, &b, 4);
			if (ev[i].time < w->tmin)
				w->tmin = ev[i].time;
			if (ev[i].time > w->tmax)
				w->tmax = ev[i].time;
		}
		fits_write_tblbytes(w->f, w->rows + 1, 1, (LONGLONG)(k * ROW_BYTES), w->buf, &status);
		w_check(w, status);
		w->rows += (long long)k;
		ev += k;
		n -= k;
	}
}

void
fits_events_finish(struct fits_events_writer *w)
{
	static char *ttype[] = { "START", "STOP" };
	static char *tform[] = { "1D", "1D" };
	static char *tunit[] = { "s", "s" };
	struct gti_list g;
	int status = 0;

	if (w->fix_tstart) {
		if (w->rows)
			fits_update_key_dbl(w->f, "TSTART", w->tmin, -17, "[s] first event", &status);
		else
			fits_delete_key(w->f, "TSTART", &status);
	}
	if (w->fix_tstop) {
		if (w->rows)
			fits_update_key_dbl(w->f, "TSTOP", w->tmax, -17, "[s] last event", &status);
		else
			fits_delete_key(w->f, "TSTOP", &status);
	}
	w_check(w, status);

	fits_create_tbl(w->f, BINARY_TBL, 0, 2, ttype, tform, tunit, "GTI", &status);
	fits_write_key_str(w->f, "HDUCLASS", "OGIP", "format conforms to OGIP standard", &status);
	fits_write_key_str(w->f, "HDUCLAS1", "GTI", "good time intervals", &status);
	fits_write_key_str(w->f, "HDUCLAS2", "STANDARD", "", &status);
	put_number(w->f, w->meta, "mjdref", "MJDREF", "[d] MJD of time zero", &status);
	put_string(w->f, w->meta, "timesys", "TIMESYS", "time system", &status);
	fits_write_key_str(w->f, "TIMEUNIT", "s", "unit of START, STOP", &status);
	if (meta_gti(w->meta, &g)) {
		for (size_t i = 0; i < g.n && status == 0; i++) {
			fits_write_col(w->f, TDOUBLE, 1, (LONGLONG)i + 1, 1, 1, &g.iv[i].start, &status);
			fits_write_col(w->f, TDOUBLE, 2, (LONGLONG)i + 1, 1, 1, &g.iv[i].stop, &status);
		}
	}
	gti_free(&g);
	w_check(w, status);
	if (fits_close_file(w->f, &status) != 0)
		fits_die(w->name, "cannot write FITS", status);
	free(w->buf);
	free(w->name);
	free(w);
}
