/* fits_events: FITS event files <-> LLEV streams; see fits_events.h. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fitsio.h>

#include "cli.h"
#include "die.h"
#include "ev.h"
#include "fits_events.h"
#include "gti.h"
#include "meta.h"

/* hc in eV nm: wavelength_nm = HC_EV_NM / energy_eV. */
#define HC_EV_NM 1239.84198
/* Bytes of raw rows fetched at once (fewer for wide rows, see chunk_rows). */
#define CHUNK_BYTES ((size_t)8 << 20)
/* cfitsio's "no TNULLn" marker (NULL_UNDEFINED in its private fitsio2.h). */
#define TNULL_UNDEFINED 1234554321

enum fits_events_unit
fits_events_parse_unit(const char *word)
{
	if (strcasecmp(word, "angstrom") == 0)
		return FITS_EVENTS_UNIT_ANGSTROM;
	if (strcasecmp(word, "nm") == 0)
		return FITS_EVENTS_UNIT_NM;
	if (strcasecmp(word, "ev") == 0)
		return FITS_EVENTS_UNIT_EV;
	if (strcasecmp(word, "kev") == 0)
		return FITS_EVENTS_UNIT_KEV;
	return FITS_EVENTS_UNIT_NONE;
}

static const char *
unit_name(enum fits_events_unit u)
{
	static const char *const names[] = { "", "angstrom", "nm", "ev", "kev" };

	return names[u];
}

void
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

/* Integer column values, with TNULL turned into NaN. */
#define DECODE_INT(expr) \
	for (size_t i = 0; i < n; i++, p += rowlen) { \
		long long v = (expr); \
		out[i] = c->has_null && v == c->tnull ? NAN : (double)v; \
	}

/* Decode column c of n raw rows into out[], applying TSCAL/TZERO.  The type
 * switch sits outside the row loops so each loop is a plain strided load. */
static void
decode_col(const struct col *c, const unsigned char *rows, size_t rowlen, size_t n,
	   double *out)
{
	const unsigned char *p = rows + c->offset;

	switch (c->type) {
	case TDOUBLE:
		for (size_t i = 0; i < n; i++, p += rowlen)
			out[i] = be_f64(p);
		break;
	case TFLOAT:
		for (size_t i = 0; i < n; i++, p += rowlen)
			out[i] = be_f32(p);
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

/* Look up column `name` (case-insensitively) in the current table; false
 * when it is absent.  Dies when it exists but cannot be decoded as one
 * number per row. */
static bool
find_col(fitsfile *f, const char *path, const char *name, struct col *c)
{
	int status = 0, num;
	char tmpl[FLEN_VALUE];
	tcolumn *tc;

	memset(c, 0, sizeof *c);
	snprintf(tmpl, sizeof tmpl, "%s", name);
	if (fits_get_colnum(f, CASEINSEN, tmpl, &num, &status) != 0) {
		fits_clear_errmsg();
		return false;
	}
	/* cfitsio's parsed column table carries the byte offset (TBCOL) that no
	 * public call returns for binary tables. */
	tc = &f->Fptr->tableptr[num - 1];
	c->num = num;
	snprintf(c->name, sizeof c->name, "%s", tc->ttype);
	c->type = tc->tdatatype;
	c->offset = (size_t)tc->tbcol;
	c->scale = tc->tscale;
	c->zero = tc->tzero;
	c->scaled = c->scale != 1.0 || c->zero != 0.0;
	c->tnull = tc->tnull;
	c->has_null = tc->tnull != TNULL_UNDEFINED;
	switch (c->type) {
	case TDOUBLE: case TFLOAT: case TBYTE: case TSHORT: case TLONG: case TLONGLONG:
		break;
	default:
		die(EXIT_RUNTIME, "%s: EVENTS: column %s has format %s, which is not a number",
		    path, c->name, tc->tform);
	}
	if (tc->trepeat != 1)
		die(EXIT_RUNTIME, "%s: EVENTS: column %s holds %lld values per row, expected 1",
		    path, c->name, (long long)tc->trepeat);
	return true;
}


/* --- Reading ------------------------------------------------------------- */

struct fits_events_reader {
	fitsfile *f;
	const char *path;
	long long n_rows, next_row;	/* next_row is 1-based */
	size_t rowlen, chunk;		/* bytes per row, rows per read */
	unsigned char *raw;
	double *t, *w, *b;		/* decoded columns of one chunk */
	struct col time, wave, wbin;
	enum fits_events_unit unit;
	bool gzip;
	double timezero;
	json_t *meta;
};

/* Open path without extended-name parsing (so any file name works); cfitsio
 * still inflates gzip files into memory. */
static fitsfile *
open_plain(const char *path, bool *gzip)
{
	unsigned char magic[6] = { 0 };
	fitsfile *f = NULL;
	int status = 0;
	struct stat st;
	FILE *fp;
	size_t got;

	if (stat(path, &st) != 0 || !(fp = fopen(path, "rb")))
		die(EXIT_RUNTIME, "%s: cannot open:", path);
	if (S_ISDIR(st.st_mode))
		die(EXIT_RUNTIME, "%s: cannot open: is a directory", path);
	got = fread(magic, 1, sizeof magic, fp);
	fclose(fp);
	if (got == 0)
		die(EXIT_RUNTIME, "%s: not a FITS file: the file is empty", path);
	*gzip = magic[0] == 0x1f && magic[1] == 0x8b;
	if (fits_open_diskfile(&f, path, READONLY, &status) != 0) {
		char why[FLEN_STATUS + 8];

		fits_events_errtext(status, why, sizeof why);
		/* cfitsio's own words for these are about images and reads. */
		if (*gzip)
			die(EXIT_RUNTIME, "%s: corrupt gzip data (cfitsio: %s)", path, why);
		if (memcmp(magic, "SIMPLE", 6) != 0)
			die(EXIT_RUNTIME, "%s: not a FITS file: it does not start with SIMPLE", path);
		die(EXIT_RUNTIME, "%s: not a readable FITS file: %s", path, why);
	}
	return f;
}

/* String keyword (any value type, as written) into out; false when absent. */
static bool
key_string(fitsfile *f, const char *key, char *out)
{
	char value[FLEN_VALUE], comment[FLEN_COMMENT];
	int status = 0;

	if (fits_read_keyword(f, key, value, comment, &status) != 0) {
		fits_clear_errmsg();
		return false;
	}
	status = 0;
	/* Strip the quotes of a string value; numbers come through as typed. */
	if (value[0] == '\'') {
		if (fits_read_key(f, TSTRING, key, out, comment, &status) != 0) {
			fits_clear_errmsg();
			return false;
		}
	} else {
		snprintf(out, FLEN_VALUE, "%s", value);
	}
	return out[0] != '\0';
}

static bool
key_double(fitsfile *f, const char *key, double *out)
{
	int status = 0;

	if (fits_read_key(f, TDOUBLE, key, out, NULL, &status) != 0) {
		fits_clear_errmsg();
		return false;
	}
	return true;
}

/* Copy header facts into meta: EVENTS header first, the primary header for
 * keys the EVENTS header lacks. */
static void
read_header_facts(fitsfile *f, const char *path, int events_hdu, json_t *meta,
		  double *timezero)
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
	int hdus[2] = { events_hdu, 1 }, status = 0;
	char s[FLEN_VALUE];
	double v, frac;
	bool have_mjdref = false;

	for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
		json_object_del(meta, strings[k].meta);
	for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
		json_object_del(meta, numbers[k].meta);
	json_object_del(meta, "mjdref");
	*timezero = 0;
	for (int h = 0; h < 2; h++) {
		if (fits_movabs_hdu(f, hdus[h], NULL, &status) != 0)
			fits_die(path, "cannot read header", status);
		for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
			if (!json_object_get(meta, strings[k].meta) && key_string(f, strings[k].key, s))
				json_object_set_new(meta, strings[k].meta, json_string(s));
		for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++)
			if (!json_object_get(meta, numbers[k].meta) && key_double(f, numbers[k].key, &v))
				meta_set_number(meta, numbers[k].meta, v);
		if (!have_mjdref) {
			if (key_double(f, "MJDREF", &v)) {
				have_mjdref = true;
			} else if (key_double(f, "MJDREFI", &v)) {
				if (key_double(f, "MJDREFF", &frac))
					v += frac;
				have_mjdref = true;
			}
			if (have_mjdref)
				meta_set_number(meta, "mjdref", v);
		}
		if (h == 0)
			key_double(f, "TIMEZERO", timezero);
	}
	if (fits_movabs_hdu(f, events_hdu, NULL, &status) != 0)
		fits_die(path, "cannot read header", status);
}

/* The GTIs: the first extension called GTI (or with HDUCLAS1 = 'GTI'), or,
 * with gti_ccd >= 0, the one whose CCD_ID is gti_ccd.  Returns false when the
 * file has none. */
static bool
read_gti(fitsfile *f, const char *path, long gti_ccd, double timezero, struct gti_list *out)
{
	int n_hdus = 0, status = 0, type;
	long n_gti = 0;

	out->n = 0;
	out->iv = NULL;
	fits_get_num_hdus(f, &n_hdus, &status);
	for (int h = 2; h <= n_hdus; h++) {
		char extname[FLEN_VALUE] = "", class1[FLEN_VALUE] = "";
		int cs = 0, ce = 0, anynul;
		long long rows;
		double ccd;

		status = 0;
		if (fits_movabs_hdu(f, h, &type, &status) != 0)
			fits_die(path, "cannot read the GTI extension", status);
		if (type != BINARY_TBL)
			continue;
		key_string(f, "EXTNAME", extname);
		key_string(f, "HDUCLAS1", class1);
		if (strcasecmp(extname, "GTI") != 0 && strcasecmp(class1, "GTI") != 0)
			continue;
		n_gti++;
		if (gti_ccd >= 0 && !(key_double(f, "CCD_ID", &ccd) && ccd == (double)gti_ccd))
			continue;
		if (fits_get_colnum(f, CASEINSEN, "START", &cs, &status) != 0 ||
		    fits_get_colnum(f, CASEINSEN, "STOP", &ce, &status) != 0)
			fits_die(path, "GTI extension: no START/STOP columns", status);
		fits_get_num_rowsll(f, &rows, &status);
		out->n = (size_t)rows;
		out->iv = xmalloc((out->n ? out->n : 1) * sizeof *out->iv);
		for (size_t i = 0; i < out->n && status == 0; i++) {
			fits_read_col(f, TDOUBLE, cs, (LONGLONG)i + 1, 1, 1, NULL,
				      &out->iv[i].start, &anynul, &status);
			fits_read_col(f, TDOUBLE, ce, (LONGLONG)i + 1, 1, 1, NULL,
				      &out->iv[i].stop, &anynul, &status);
			out->iv[i].start += timezero;
			out->iv[i].stop += timezero;
		}
		if (status)
			fits_die(path, "cannot read the GTI extension", status);
		for (size_t i = 0; i < out->n; i++)
			if (!isfinite(out->iv[i].start) || !isfinite(out->iv[i].stop))
				die(EXIT_RUNTIME, "%s: GTI row %zu: START or STOP is not a finite number",
				    path, i + 1);
		gti_normalize(out);
		return true;
	}
	if (gti_ccd >= 0)
		die(EXIT_RUNTIME, "%s: no GTI extension with CCD_ID = %ld (%ld GTI extensions)",
		    path, gti_ccd, n_gti);
	return false;
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

/* The metadata ev2fits stored in LLMETA, or a new object. */
static json_t *
stored_meta(fitsfile *f, const char *path)
{
	char *text = NULL;
	int status = 0;
	json_error_t err;
	json_t *j;

	if (fits_read_key_longstr(f, "LLMETA", &text, NULL, &status) != 0) {
		fits_clear_errmsg();
		return json_object();
	}
	j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	fits_free_memory(text, &status);
	if (!json_is_object(j))
		die(EXIT_RUNTIME, "%s: EVENTS: keyword LLMETA is not a JSON object: %s", path,
		    j ? "another JSON value" : err.text);
	return j;
}

static size_t
chunk_rows(size_t rowlen)
{
	size_t n = CHUNK_BYTES / (rowlen ? rowlen : 1);

	if (n > EV_BLOCK_EVENTS)
		n = EV_BLOCK_EVENTS;
	return n ? n : 1;
}

/* Fetch rows [first, first + n) (1-based) into r->raw. */
static void
read_raw(struct fits_events_reader *r, long long first, size_t n)
{
	int status = 0;

	if (fits_read_tblbytes(r->f, first, 1, (LONGLONG)(n * r->rowlen), r->raw, &status) != 0)
		fits_die(r->path, "cannot read EVENTS rows", status);
}

/* One pass over TIME before anything is written: bad times are an error
 * naming the row, and the header can say whether time order holds. */
static bool
scan_times(struct fits_events_reader *r)
{
	double last = -INFINITY;
	bool sorted = true;

	for (long long row = 1; row <= r->n_rows;) {
		size_t n = (size_t)(r->n_rows - row + 1 < (long long)r->chunk ?
				    r->n_rows - row + 1 : (long long)r->chunk);

		read_raw(r, row, n);
		decode_col(&r->time, r->raw, r->rowlen, n, r->t);
		for (size_t i = 0; i < n; i++) {
			double t = r->t[i] + r->timezero;

			if (!(t >= 0 && t <= DBL_MAX))
				die(EXIT_RUNTIME, "%s: EVENTS row %lld: %s is %s", r->path,
				    row + (long long)i, r->time.name,
				    isnan(t) ? "NaN" : t < 0 ? "negative" : "infinite");
			if (t < last)
				sorted = false;
			last = t;
		}
		row += (long long)n;
	}
	return sorted;
}

static void
choose_wavelength(struct fits_events_reader *r, const struct fits_events_opts *o)
{
	static const struct { const char *name; enum fits_events_unit unit; } auto_cols[] = {
		{ "TG_LAM", FITS_EVENTS_UNIT_ANGSTROM },
		{ "WAVELENGTH", FITS_EVENTS_UNIT_NM },
		{ "ENERGY", FITS_EVENTS_UNIT_EV },
	};

	r->unit = FITS_EVENTS_UNIT_NONE;
	if (o->no_wavelength) {
		json_object_set_new(r->meta, "wavelength_from", json_null());
		return;
	}
	if (o->wave_col) {
		if (!find_col(r->f, r->path, o->wave_col, &r->wave))
			die(EXIT_RUNTIME, "%s: EVENTS: no column %s (--wave-col)", r->path, o->wave_col);
		r->unit = o->wave_unit;
	} else {
		for (size_t k = 0; k < sizeof auto_cols / sizeof auto_cols[0]; k++)
			if (find_col(r->f, r->path, auto_cols[k].name, &r->wave)) {
				r->unit = auto_cols[k].unit;
				break;
			}
		if (r->unit == FITS_EVENTS_UNIT_NONE)
			die(EXIT_RUNTIME, "%s: EVENTS: no wavelength column (looked for TG_LAM, "
			    "WAVELENGTH, ENERGY); use --no-wavelength or --wave-col COL --wave-unit UNIT",
			    r->path);
	}
	json_object_set_new(r->meta, "wavelength_from",
			    json_pack("{ssss}", "column", r->wave.name, "unit", unit_name(r->unit)));
}

/* Find EVENTS and its columns in the open file r->f. */
static int
locate_events(struct fits_events_reader *r)
{
	int status = 0, hdu;
	char extname[] = "EVENTS";
	LONGLONG head, data, end, rows, need;

	if (fits_movnam_hdu(r->f, BINARY_TBL, extname, 0, &status) != 0) {
		fits_clear_errmsg();
		die(EXIT_RUNTIME, "%s: no EVENTS table", r->path);
	}
	fits_get_hdu_num(r->f, &hdu);
	if (!find_col(r->f, r->path, "TIME", &r->time))
		die(EXIT_RUNTIME, "%s: EVENTS: no TIME column", r->path);
	/* A truncated file (or gzip stream) shows here rather than as a failed
	 * read half-way through the output. */
	fits_get_hduaddrll(r->f, &head, &data, &end, &status);
	fits_get_num_rowsll(r->f, &rows, &status);
	need = data + rows * r->f->Fptr->rowlength;
	if (status == 0 && need > r->f->Fptr->logfilesize)
		die(EXIT_RUNTIME, "%s: truncated or corrupt file: the EVENTS rows end at byte %lld, "
		    "the %s has %lld bytes", r->path, (long long)need,
		    r->gzip ? "decompressed data" : "file",
		    (long long)r->f->Fptr->logfilesize);
	if (status)
		fits_die(r->path, "cannot read EVENTS", status);
	return hdu;
}

struct fits_events_reader *
fits_events_open(const struct fits_events_opts *o)
{
	struct fits_events_reader *r = xcalloc(1, sizeof *r);
	struct gti_list g;
	char *name;
	int status = 0, hdu;
	double exposure;

	r->path = o->path;
	r->f = open_plain(o->path, &r->gzip);
	hdu = locate_events(r);
	r->meta = stored_meta(r->f, r->path);
	read_header_facts(r->f, r->path, hdu, r->meta, &r->timezero);
	json_object_del(r->meta, "gti");
	if (read_gti(r->f, r->path, o->gti_ccd, r->timezero, &g) && g.n > 0)
		meta_set_gti(r->meta, &g);
	if (!meta_number(r->meta, "exposure", &exposure) && g.n > 0)
		meta_set_number(r->meta, "exposure", gti_exposure(&g));
	gti_free(&g);

	if (o->filter) {
		/* The row filter needs cfitsio's extended file name; it copies the
		 * selected rows into memory. */
		size_t n = strlen(o->path) + strlen(o->filter) + 16;
		char *spec = xmalloc(n);

		fits_close_file(r->f, &status);
		status = 0;
		snprintf(spec, n, "%s[EVENTS][%s]", o->path, o->filter);
		if (fits_open_file(&r->f, spec, READONLY, &status) != 0)
			fits_die(o->path, "--filter", status);
		free(spec);
		json_object_set_new(r->meta, "fits_filter", json_string(o->filter));
	} else {
		json_object_del(r->meta, "fits_filter");
		if (fits_movabs_hdu(r->f, hdu, NULL, &status) != 0)
			fits_die(o->path, "cannot read EVENTS", status);
	}
	locate_events(r);
	choose_wavelength(r, o);
	if (!find_col(r->f, r->path, "WBIN", &r->wbin))
		r->wbin.num = 0;

	name = o->dataset ? xstrdup(o->dataset) : dataset_name(o->path);
	json_object_set_new(r->meta, "dataset", json_string(name));
	free(name);
	json_object_set_new(r->meta, "source", json_string(o->path));
	if (r->timezero != 0)
		meta_set_number(r->meta, "timezero_applied", r->timezero);
	else
		json_object_del(r->meta, "timezero_applied");

	fits_get_num_rowsll(r->f, &r->n_rows, &status);
	r->rowlen = (size_t)r->f->Fptr->rowlength;
	if (status)
		fits_die(o->path, "cannot read EVENTS", status);
	r->chunk = chunk_rows(r->rowlen);
	r->raw = xmalloc(r->chunk * (r->rowlen ? r->rowlen : 1));
	r->t = xmalloc(r->chunk * sizeof *r->t);
	r->w = xmalloc(r->chunk * sizeof *r->w);
	r->b = xmalloc(r->chunk * sizeof *r->b);
	meta_set_sorted(r->meta, scan_times(r));
	r->next_row = 1;
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

size_t
fits_events_read(struct fits_events_reader *r, struct ev_event *ev, size_t max)
{
	long long left = r->n_rows - r->next_row + 1;
	size_t n = max < r->chunk ? max : r->chunk;
	double tz = r->timezero;

	if (left <= 0)
		return 0;
	if ((long long)n > left)
		n = (size_t)left;
	read_raw(r, r->next_row, n);
	decode_col(&r->time, r->raw, r->rowlen, n, r->t);
	if (tz != 0)
		for (size_t i = 0; i < n; i++)
			r->t[i] += tz;
	for (size_t i = 0; i < n; i++) {
		ev[i].time = r->t[i];
		ev[i].wbin = -1;
	}
	if (r->unit == FITS_EVENTS_UNIT_NONE) {
		for (size_t i = 0; i < n; i++)
			ev[i].wavelength = NAN;
	} else {
		double k;

		decode_col(&r->wave, r->raw, r->rowlen, n, r->w);
		/* Computed in double and rounded once to float, as
		 * numpy's float32(1239.84198 / float64(E)) does.  Values that
		 * are no wavelength (E <= 0, negative, infinite) become NaN. */
		switch (r->unit) {
		case FITS_EVENTS_UNIT_EV:
		case FITS_EVENTS_UNIT_KEV:
			k = r->unit == FITS_EVENTS_UNIT_EV ? HC_EV_NM : HC_EV_NM / 1000;
			for (size_t i = 0; i < n; i++) {
				double e = r->w[i];
				float w = (float)(k / e);

				ev[i].wavelength = e > 0 && w <= FLT_MAX ? w : NAN;
			}
			break;
		default:
			k = r->unit == FITS_EVENTS_UNIT_ANGSTROM ? 10 : 1;
			for (size_t i = 0; i < n; i++) {
				float w = (float)(r->w[i] / k);

				ev[i].wavelength = w >= 0 && w <= FLT_MAX ? w : NAN;
			}
		}
	}
	if (r->wbin.num) {
		decode_col(&r->wbin, r->raw, r->rowlen, n, r->b);
		for (size_t i = 0; i < n; i++) {
			double b = r->b[i];

			if (!(b >= -1 && b <= INT32_MAX && b == floor(b)))
				die(EXIT_RUNTIME, "%s: EVENTS row %lld: %s is not an integer >= -1",
				    r->path, r->next_row + (long long)i, r->wbin.name);
			ev[i].wbin = (int32_t)b;
		}
	}
	r->next_row += (long long)n;
	return n;
}

void
fits_events_close(struct fits_events_reader *r)
{
	int status = 0;

	if (!r)
		return;
	fits_close_file(r->f, &status);
	fits_clear_errmsg();
	json_decref(r->meta);
	free(r->raw);
	free(r->t);
	free(r->w);
	free(r->b);
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
