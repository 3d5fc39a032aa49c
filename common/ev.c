/* ev: LLEV v1 stream reader and writer; see ev.h for the format. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "atomic.h"
#include "die.h"
#include "ev.h"

#define BLOCK_BYTES ((size_t)EV_BLOCK_EVENTS * EV_RECORD_SIZE)

static void
set_why(char *why, size_t why_size, const char *fmt, const char *arg)
{
	if (why && why_size)
		snprintf(why, why_size, fmt, arg);
}

enum ev_status
ev_parse_prefix(const unsigned char prefix[EV_PREFIX_SIZE], uint32_t *meta_len,
		char *why, size_t why_size)
{
	uint16_t version, record_size;
	char shown[16];

	if (memcmp(prefix, EV_MAGIC, 4) != 0) {
		/* Name the common mix-ups: a FITS or gzip file where a stream belongs. */
		if (memcmp(prefix, "SIMPLE", 6) == 0)
			set_why(why, why_size, "%s", "not an LLEV stream: this is a FITS file (convert it with fits2ev)");
		else if (prefix[0] == 0x1f && prefix[1] == 0x8b)
			set_why(why, why_size, "%s", "not an LLEV stream: this is gzip data");
		else {
			for (int i = 0; i < 4; i++)
				shown[i] = prefix[i] >= 0x20 && prefix[i] < 0x7f ? (char)prefix[i] : '?';
			shown[4] = '\0';
			set_why(why, why_size, "not an LLEV stream: magic is '%s', expected 'LLEV'", shown);
		}
		return EV_ERR_MAGIC;
	}
	version = (uint16_t)(prefix[4] | prefix[5] << 8);
	record_size = (uint16_t)(prefix[6] | prefix[7] << 8);
	*meta_len = (uint32_t)prefix[8] | (uint32_t)prefix[9] << 8 |
		    (uint32_t)prefix[10] << 16 | (uint32_t)prefix[11] << 24;
	if (version != EV_VERSION) {
		snprintf(shown, sizeof shown, "%u", (unsigned)version);
		set_why(why, why_size, "unsupported LLEV version %s (this build reads version 1)", shown);
		return EV_ERR_VERSION;
	}
	if (record_size != EV_RECORD_SIZE) {
		snprintf(shown, sizeof shown, "%u", (unsigned)record_size);
		set_why(why, why_size, "unsupported record size %s (LLEV v1 records are 16 bytes)", shown);
		return EV_ERR_RECORD_SIZE;
	}
	if (*meta_len > EV_META_MAX) {
		snprintf(shown, sizeof shown, "%lu", (unsigned long)*meta_len);
		set_why(why, why_size, "metadata length %s bytes is implausible (limit 64 MiB)", shown);
		return EV_ERR_META_SIZE;
	}
	return EV_OK;
}

enum ev_status
ev_parse_meta(const char *buf, size_t len, json_t **meta, char *why, size_t why_size)
{
	json_error_t err;
	json_t *j;

	*meta = NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (!j) {
		set_why(why, why_size, "metadata is not valid JSON: %s", err.text);
		return EV_ERR_META_JSON;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		set_why(why, why_size, "%s", "metadata is not a JSON object");
		return EV_ERR_META_OBJECT;
	}
	*meta = j;
	return EV_OK;
}

/* The first bad record of ev[0..n) as ev_check_events defines it, one
 * record at a time: the slow path, run only on a chunk known to hold one. */
static size_t
first_bad(const struct ev_event *ev, size_t n, double *order, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		double t = ev[i].time;
		float w = ev[i].wavelength;

		/* Written so that NaN fails every comparison and lands in the branch. */
		if (!(t >= 0 && t <= DBL_MAX)) {
			*why = isnan(t) ? "time is NaN" : t < 0 ? "time is negative" : "time is infinite";
			return i;
		}
		if (!(w >= 0 && w <= FLT_MAX) && !isnan(w)) {
			*why = w < 0 ? "wavelength is negative" : "wavelength is infinite";
			return i;
		}
		if (ev[i].wbin < -1) {
			*why = "wbin is below -1";
			return i;
		}
		if (order) {
			if (t < *order) {
				*why = "time is earlier than the previous event's (input must be time-sorted)";
				return i;
			}
			*order = t;
		}
	}
	return n;
}

enum { CHECK_CHUNK = 64 };

/* Whether any record of a whole chunk has an impossible value: no branch and
 * a fixed trip count, so the compiler turns it into vector compares (ev.o is
 * built with -ftree-vectorize).  NaN fails t >= 0; a NaN wavelength passes
 * both of its tests, as it should. */
static bool
chunk_has_bad_value(const struct ev_event *ev)
{
	int bad = 0;

	for (size_t i = 0; i < CHECK_CHUNK; i++) {
		double t = ev[i].time;
		float w = ev[i].wavelength;

		bad |= !(t >= 0) | (t > DBL_MAX) | (w < 0) | (w > FLT_MAX) | (ev[i].wbin < -1);
	}
	return bad != 0;
}

/* Whether some time of ev[0..n) is earlier than the one before it (the
 * first compared with prev).  The steps back are counted in a double: the
 * vectoriser of gcc 12 takes that form and not an integer flag. */
static bool
goes_back(const struct ev_event *ev, size_t n, double prev)
{
	double back;

	if (n == 0)
		return false;
	back = ev[0].time < prev ? 1.0 : 0.0;
	for (size_t i = 1; i < n; i++)
		back += ev[i].time < ev[i - 1].time ? 1.0 : 0.0;
	return back != 0;
}

size_t
ev_check_events(const struct ev_event *ev, size_t n, double *order, const char **why)
{
	size_t i = 0;

	/* Whole chunks on the fast path; a chunk that fails it, and the tail,
	 * on the slow one, which finds the record and says why. */
	for (; i + CHECK_CHUNK <= n; i += CHECK_CHUNK) {
		if (chunk_has_bad_value(ev + i) ||
		    (order && goes_back(ev + i, CHECK_CHUNK, *order)))
			break;
		if (order)
			*order = ev[i + CHECK_CHUNK - 1].time;
	}
	return i + first_bad(ev + i, n - i, order, why);
}

unsigned char *
ev_format_header(json_t *meta, size_t *size)
{
	char *json = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));
	size_t len, padded, total;
	unsigned char *h;

	if (!json)
		die(EXIT_RUNTIME, "metadata: cannot serialise to JSON");
	len = strlen(json);
	total = EV_PREFIX_SIZE + len;
	total = (total + 7) & ~(size_t)7;
	padded = total - EV_PREFIX_SIZE;
	if (padded > EV_META_MAX)
		die(EXIT_RUNTIME, "metadata: %zu bytes is over the 64 MiB limit", padded);
	h = xmalloc(total);
	memcpy(h, EV_MAGIC, 4);
	h[4] = EV_VERSION & 0xff;
	h[5] = EV_VERSION >> 8;
	h[6] = EV_RECORD_SIZE & 0xff;
	h[7] = EV_RECORD_SIZE >> 8;
	for (int i = 0; i < 4; i++)
		h[8 + i] = (unsigned char)(padded >> (8 * i));
	memcpy(h + EV_PREFIX_SIZE, json, len);
	memset(h + EV_PREFIX_SIZE + len, ' ', padded - len);
	free(json);
	*size = total;
	return h;
}


/* A pipe of one block (1 MiB, what an unprivileged process may ask for by
 * default) instead of 64 KiB: a block then crosses in one write and one
 * read rather than 16 of each with a wake-up of the other side between.
 * Where the system refuses (a user's pipe quota spent), the pipe stays as
 * it was: only slower. */
static void
widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < (int)BLOCK_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, (int)BLOCK_BYTES);
#else
	(void)fd;
#endif
}


/* --- Reading ------------------------------------------------------------- */

struct ev_reader {
	int fd;
	bool owns_fd;
	char *name;
	json_t *meta;
	unsigned char *buf;	/* BLOCK_BYTES, aligned for struct ev_event */
	size_t have;		/* bytes in buf */
	size_t delivered;	/* bytes of buf handed out by the last call */
	uint64_t offset;	/* stream offset of buf[0] */
	uint64_t count;
	bool eof;
	bool need_sorted;
	bool sorted;
	double last_time;
};

/* read(2) until `n` bytes or end of input; returns the bytes read. */
static size_t
read_full(struct ev_reader *r, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(r->fd, (char *)dst + got, n - got);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "%s: read error:", r->name);
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return got;
}

struct ev_reader *
ev_reader_open(int fd, const char *name)
{
	struct ev_reader *r = xcalloc(1, sizeof *r);
	unsigned char prefix[EV_PREFIX_SIZE];
	uint32_t meta_len;
	char why[512];
	char *text;
	size_t got;

	r->fd = fd;
	r->name = xstrdup(name);
	r->sorted = true;
	widen_pipe(fd);
	r->last_time = -INFINITY;
	got = read_full(r, prefix, sizeof prefix);
	if (got == 0)
		die(EXIT_RUNTIME, "%s: empty input: no LLEV header", name);
	if (got < sizeof prefix)
		memset(prefix + got, 0, sizeof prefix - got);
	/* A wrong magic is the better message whenever there are 4 bytes to judge. */
	if (got < sizeof prefix && (got < 4 || memcmp(prefix, EV_MAGIC, 4) == 0))
		die(EXIT_RUNTIME, "%s: truncated header at byte offset %zu: the prefix is 12 bytes",
		    name, got);
	if (ev_parse_prefix(prefix, &meta_len, why, sizeof why) != EV_OK)
		die(EXIT_RUNTIME, "%s: %s", name, why);
	text = xmalloc(meta_len ? meta_len : 1);
	got = read_full(r, text, meta_len);
	if (got < meta_len)
		die(EXIT_RUNTIME, "%s: truncated header at byte offset %zu: metadata is %lu bytes",
		    name, EV_PREFIX_SIZE + got, (unsigned long)meta_len);
	if (ev_parse_meta(text, meta_len, &r->meta, why, sizeof why) != EV_OK)
		die(EXIT_RUNTIME, "%s: %s (byte offset 12)", name, why);
	free(text);
	r->offset = EV_PREFIX_SIZE + (uint64_t)meta_len;
	if (posix_memalign((void **)&r->buf, 64, BLOCK_BYTES) != 0)
		die(EXIT_RUNTIME, "out of memory");
	return r;
}

struct ev_reader *
ev_reader_open_path(const char *path)
{
	struct ev_reader *r;
	int fd;

	if (strcmp(path, "-") == 0)
		return ev_reader_open(STDIN_FILENO, "stdin");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_RUNTIME, "%s: cannot open:", path);
	r = ev_reader_open(fd, path);
	r->owns_fd = true;
	return r;
}

json_t *
ev_reader_meta(struct ev_reader *r)
{
	return r->meta;
}

void
ev_reader_require_sorted(struct ev_reader *r)
{
	json_t *s = json_object_get(r->meta, "sorted");

	if (json_is_false(s))
		die(EXIT_RUNTIME, "%s: input is not time-sorted (metadata says \"sorted\": false); "
		    "sort it first", r->name);
	r->need_sorted = true;
}

size_t
ev_read_block(struct ev_reader *r, struct ev_event **blk)
{
	size_t n, bad;
	const char *why;

	if (r->delivered) {
		memmove(r->buf, r->buf + r->delivered, r->have - r->delivered);
		r->offset += r->delivered;
		r->have -= r->delivered;
		r->delivered = 0;
	}
	while (!r->eof && r->have < EV_RECORD_SIZE) {
		ssize_t k = read(r->fd, r->buf + r->have, BLOCK_BYTES - r->have);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_RUNTIME, "%s: read error:", r->name);
		}
		if (k == 0)
			r->eof = true;
		r->have += (size_t)k;
		/* One more read when the first brought little: fewer, fuller blocks. */
		if (k > 0 && r->have >= EV_RECORD_SIZE && r->have < BLOCK_BYTES / 16) {
			k = read(r->fd, r->buf + r->have, BLOCK_BYTES - r->have);
			if (k > 0)
				r->have += (size_t)k;
			else if (k == 0)
				r->eof = true;
		}
	}
	n = r->have / EV_RECORD_SIZE;
	if (n == 0) {
		if (r->have)
			die(EXIT_RUNTIME, "%s: truncated record at byte offset %llu: %zu of 16 bytes",
			    r->name, (unsigned long long)r->offset, r->have);
		*blk = NULL;
		return 0;
	}
	*blk = (struct ev_event *)(void *)r->buf;
	bad = ev_check_events(*blk, n, r->need_sorted ? &r->last_time : NULL, &why);
	if (bad < n)
		die(EXIT_RUNTIME, "%s: bad event %llu at byte offset %llu: %s", r->name,
		    (unsigned long long)(r->count + bad),
		    (unsigned long long)(r->offset + bad * EV_RECORD_SIZE), why);
	if (!r->need_sorted && r->sorted) {
		r->sorted = !goes_back(*blk, n, r->last_time);
		r->last_time = (*blk)[n - 1].time;
	}
	r->delivered = n * EV_RECORD_SIZE;
	r->count += n;
	return n;
}

uint64_t
ev_reader_count(const struct ev_reader *r)
{
	return r->count;
}

bool
ev_reader_sorted(const struct ev_reader *r)
{
	return r->sorted;
}

struct ev_event *
ev_read_all(struct ev_reader *r, size_t *n_out)
{
	size_t cap = EV_BLOCK_EVENTS, n = 0, k;
	struct ev_event *all = xmalloc(cap * sizeof *all), *blk;

	while ((k = ev_read_block(r, &blk)) > 0) {
		if (n + k > cap) {
			while (n + k > cap)
				cap *= 2;
			all = xrealloc(all, cap * sizeof *all);
		}
		memcpy(all + n, blk, k * sizeof *blk);
		n += k;
	}
	*n_out = n;
	return all;
}

void
ev_reader_close(struct ev_reader *r)
{
	if (!r)
		return;
	if (r->owns_fd)
		close(r->fd);
	json_decref(r->meta);
	free(r->buf);
	free(r->name);
	free(r);
}


/* --- Writing ------------------------------------------------------------- */

struct ev_writer {
	int fd;
	char *name;
	struct atomic_file *af;
	unsigned char *buf;
	size_t used;
};

/* write(2) all of p; 0 or the errno of the failure. */
static int
write_fd(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

void
ev_writer_die(struct ev_writer *w, int err)
{
	/* Downstream closed (`| head`) with SIGPIPE ignored: end as quietly as
	 * the signal would have. */
	if (err == EPIPE)
		exit(141);
	errno = err;
	die(EXIT_RUNTIME, "%s: write error:", w->name);
}

static void
write_all(struct ev_writer *w, const void *p, size_t n)
{
	int err = write_fd(w->fd, p, n);

	if (err)
		ev_writer_die(w, err);
}

static void
append_history(json_t *meta, const char *history)
{
	json_t *h = json_object_get(meta, "history");

	if (!history)
		return;
	if (!h) {
		h = json_array();
		json_object_set_new(meta, "history", h);
	} else if (!json_is_array(h)) {
		die(EXIT_RUNTIME, "metadata: history: expected an array of command lines");
	}
	json_array_append_new(h, json_string(history));
}

struct ev_writer *
ev_writer_open(int fd, const char *name, const char *history, json_t *meta)
{
	struct ev_writer *w = xcalloc(1, sizeof *w);
	unsigned char *header;
	size_t size;

	w->fd = fd;
	w->name = xstrdup(name);
	w->buf = xmalloc(BLOCK_BYTES);
	widen_pipe(fd);
	append_history(meta, history);
	header = ev_format_header(meta, &size);
	/* The header waits in the buffer with the first records: a program that
	 * fails early then leaves nothing at all downstream, rather than a
	 * header-only stream that reads as a valid empty one. */
	if (size <= BLOCK_BYTES) {
		memcpy(w->buf, header, size);
		w->used = size;
	} else {
		write_all(w, header, size);
	}
	free(header);
	return w;
}

struct ev_writer *
ev_writer_open_path(const char *path, const char *history, json_t *meta)
{
	struct atomic_file *af;
	struct ev_writer *w;

	if (!path)
		return ev_writer_open(STDOUT_FILENO, "stdout", history, meta);
	af = atomic_open(path);
	w = ev_writer_open(atomic_fd(af), path, history, meta);
	w->af = af;
	return w;
}

static void
flush(struct ev_writer *w)
{
	if (w->used) {
		write_all(w, w->buf, w->used);
		w->used = 0;
	}
}

void
ev_write_block(struct ev_writer *w, const struct ev_event *ev, size_t n)
{
	size_t bytes = n * EV_RECORD_SIZE;

	if (w->used + bytes > BLOCK_BYTES)
		flush(w);
	if (bytes >= BLOCK_BYTES / 2) {
		flush(w);	/* what is buffered (the header too) goes first */
		write_all(w, ev, bytes);	/* large blocks skip the copy */
		return;
	}
	memcpy(w->buf + w->used, ev, bytes);
	w->used += bytes;
}

void
ev_writer_expect(struct ev_writer *w, uint64_t n_events)
{
#if defined(__linux__) && defined(FALLOC_FL_KEEP_SIZE)
	struct stat st;
	off_t at;
	int flags;

	if (fstat(w->fd, &st) != 0 || !S_ISREG(st.st_mode) || n_events > (uint64_t)INT64_MAX / 32 ||
	    (at = lseek(w->fd, 0, SEEK_CUR)) < 0 || (flags = fcntl(w->fd, F_GETFL)) < 0)
		return;
	if (flags & O_APPEND)
		at = st.st_size;
	/* Blocks allocated now are not delayed-allocation ones: ext4 then has
	 * nothing to flush when the file is closed after `> FILE` truncated it
	 * or renamed over an older one (its auto_da_alloc), a synchronous
	 * write-out that took longer than converting the whole table.  The
	 * size stays that of what is written; failing here only costs speed. */
	(void)fallocate(w->fd, FALLOC_FL_KEEP_SIZE, at,
			(off_t)(w->used + n_events * EV_RECORD_SIZE));
#else
	(void)w;
	(void)n_events;
#endif
}

int
ev_writer_try_write(struct ev_writer *w, const struct ev_event *ev, size_t n)
{
	int err = 0;

	if (w->used) {
		err = write_fd(w->fd, w->buf, w->used);
		w->used = 0;
	}
	if (!err && n > 0)
		err = write_fd(w->fd, ev, n * EV_RECORD_SIZE);
	return err;
}

void
ev_writer_close(struct ev_writer *w)
{
	flush(w);
	if (w->af) {
		atomic_commit(w->af);
	} else if (close(w->fd) != 0 && errno != EINTR) {
		die(EXIT_RUNTIME, "%s: write error:", w->name);
	}
	free(w->buf);
	free(w->name);
	free(w);
}
