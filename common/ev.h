/* ev: the LLEV v1 event stream (DESIGN §3).
 *
 * Layout, all integers little-endian:
 *	0   "LLEV"
 *	4   u16 version = 1
 *	6   u16 record size = 16
 *	8   u32 H, length of the metadata JSON in bytes
 *	12  H bytes of UTF-8 JSON (an object), space-padded so records start at a
 *	    multiple of 8
 *	... records until end of stream: f64 time, f32 wavelength (nm), i32 wbin
 *
 * Two layers.  The inner one (ev_parse_*, ev_check_events) works on memory and
 * returns status codes, so it can be unit-tested and fuzzed.  The outer one
 * (ev_reader_*, ev_writer_*) does block I/O on file descriptors and dies with
 * one line "PROGRAM: NAME: what: why" naming the byte offset of the problem.
 *
 * Readers accept any H; writers always pad.  Records are validated as they are
 * read: time finite and >= 0, wavelength NaN or finite and >= 0, wbin >= -1
 * (with SSE2, AVX2 or AVX-512, the widest the CPU has; LL_EV_SIMD=sse2 or
 * avx2 in the environment keeps below that, for tests).
 * numpy reads a stream with
 *	np.fromfile(f, dtype=[('time','<f8'),('wavelength','<f4'),('wbin','<i4')],
 *		    offset=12+H)
 */
#ifndef LL_EV_H
#define LL_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <jansson.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "LLEV I/O is written for little-endian hosts; add byte swapping to port it"
#endif

#define EV_MAGIC "LLEV"
#define EV_VERSION 1
#define EV_RECORD_SIZE 16
#define EV_PREFIX_SIZE 12
#define EV_META_MAX (64u << 20)		/* refuse absurd metadata lengths */
#define EV_BLOCK_EVENTS 65536		/* a producer's block: 1 MiB of records */

struct ev_event {
	double time;		/* s, the FITS TIME system (TT since MJDREF) */
	float wavelength;	/* nm; NaN when unknown */
	int32_t wbin;		/* wavelength-bin index; -1 before `wbin` */
};
_Static_assert(sizeof(struct ev_event) == EV_RECORD_SIZE, "LLEV record is 16 bytes");

enum ev_status {
	EV_OK = 0,
	EV_ERR_MAGIC,		/* not "LLEV" */
	EV_ERR_VERSION,		/* version other than 1 */
	EV_ERR_RECORD_SIZE,	/* record size other than 16 */
	EV_ERR_META_SIZE,	/* H larger than EV_META_MAX */
	EV_ERR_META_JSON,	/* metadata is not valid JSON */
	EV_ERR_META_OBJECT,	/* metadata is JSON but not an object */
	EV_ERR_EVENT		/* a record with an impossible value */
};

/* Parse the 12-byte prefix; on EV_OK stores H in *meta_len.  `why` (may be
 * NULL) receives a message on failure. */
enum ev_status ev_parse_prefix(const unsigned char prefix[EV_PREFIX_SIZE],
			       uint32_t *meta_len, char *why, size_t why_size);

/* Parse H bytes of metadata (trailing spaces allowed) into a new JSON object. */
enum ev_status ev_parse_meta(const char *buf, size_t len, json_t **meta,
			     char *why, size_t why_size);

/* Validate n records.  Returns the index of the first bad record (and sets
 * *why to a static description), or n when all are good.  When `order` is
 * non-NULL, *order is the last time seen (start with -INFINITY) and a record
 * earlier than it is bad too. */
size_t ev_check_events(const struct ev_event *ev, size_t n, double *order,
		       const char **why);

/* The first index of time-sorted ev[0..n) whose time is >= t (n when
 * none): a binary search. */
size_t ev_lower_bound(const struct ev_event *ev, size_t n, double t);

/* Serialise a metadata object into a full header (prefix, JSON, padding);
 * returns a malloc'ed buffer and its size (a multiple of 8). */
unsigned char *ev_format_header(json_t *meta, size_t *size);


/* --- Reading ------------------------------------------------------------- */

struct ev_reader;

/* Read and check the header from `fd`; `name` ("stdin", a path) is used in
 * messages.  Dies on a short, empty or malformed header. */
struct ev_reader *ev_reader_open(int fd, const char *name);

/* Open `path` ("-" is stdin). */
struct ev_reader *ev_reader_open_path(const char *path);

/* The stream's metadata; owned by the reader (borrowed reference). */
json_t *ev_reader_meta(struct ev_reader *r);

/* Make an out-of-order time a fatal error (for programs that need sorted
 * input); also fails at once when the metadata says "sorted": false. */
void ev_reader_require_sorted(struct ev_reader *r);

/* Next block of records (up to 256 KiB of them): returns how many (0 at end
 * of stream) and points *blk at them.  The block stays valid until the next
 * call and may be changed in place.  Dies on a truncated last record or an
 * invalid record. */
size_t ev_read_block(struct ev_reader *r, struct ev_event **blk);

/* Events delivered so far; whether they were in time order. */
uint64_t ev_reader_count(const struct ev_reader *r);
bool ev_reader_sorted(const struct ev_reader *r);

/* Read the rest of the stream into one malloc'ed array (for programs that
 * must hold the dataset: 16 bytes per event). */
struct ev_event *ev_read_all(struct ev_reader *r, size_t *n);

void ev_reader_close(struct ev_reader *r);


/* --- Writing ------------------------------------------------------------- */

struct ev_writer;

/* Append `history` (the command line that makes this stream; NULL adds
 * nothing) to meta's "history" array and write the header to `fd` at once.
 * `name` is used in messages.  `meta` is changed only by that append. */
struct ev_writer *ev_writer_open(int fd, const char *name, const char *history,
				 json_t *meta);

/* The same on the file `path`, written atomically (it appears, or replaces
 * the old one, only at ev_writer_close; FIFOs and devices are written
 * through), or on stdout when `path` is NULL.  A program passes its -o
 * value and command line: ev_writer_open_path(cli_output,
 * cli_command_line(), meta). */
struct ev_writer *ev_writer_open_path(const char *path, const char *history,
				      json_t *meta);

void ev_write_block(struct ev_writer *w, const struct ev_event *ev, size_t n);

/* The stream will hold about n_events records: when the output is a
 * regular file, reserve its disk space now (Linux fallocate, the file's
 * size unchanged), which makes writing it and closing it cheaper.  Only a
 * hint: nothing fails here. */
void ev_writer_expect(struct ev_writer *w, uint64_t n_events);

/* Write the header, if it still waits, and n records now, without dying:
 * 0, or the errno of the failed write (then report it with
 * ev_writer_die).  For callers writing from several threads, one at a time
 * (nothing here locks). */
int ev_writer_try_write(struct ev_writer *w, const struct ev_event *ev, size_t n);

/* Die for write error `err` as ev_write_block would: status 1 naming the
 * output, or quietly 141 for EPIPE (downstream closed, SIGPIPE ignored). */
noreturn void ev_writer_die(struct ev_writer *w, int err);

/* Flush and close; dies on any write error, also one that shows only now.
 * Commits the -o file. */
void ev_writer_close(struct ev_writer *w);

#endif
