/* ev_stream: libFuzzer harness for a whole LLEV stream.
 *
 * The input goes through the inner layer the reader is built on: the prefix,
 * the metadata (its declared length, bounded by the data), every whole record
 * after it, and the meta_* getters on the parsed object.  The getters and the
 * outer reader die() on bad values, which would end the fuzzer, so they are
 * only called on inputs this harness has validated the same way first; a
 * getter that still dies is then a real disagreement and shows as a crash.
 * Inputs the inner layer accepts completely are also read back through
 * ev_reader_* on a memfd, which must deliver the very same records. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ev.h"
#include "gti.h"
#include "meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_normalised(const struct gti_list *g)
{
	for (size_t i = 0; i < g->n; i++) {
		if (!(g->iv[i].stop > g->iv[i].start))
			abort();
		if (i > 0 && !(g->iv[i].start > g->iv[i - 1].stop))
			abort();
	}
}

/* Whether the value is absent, null or a number: meta_number will not die. */
static bool
number_ok(json_t *meta, const char *key)
{
	json_t *v = json_object_get(meta, key);

	return !v || json_is_null(v) || json_is_number(v);
}

/* The conditions under which meta_wbin_edges returns rather than dies. */
static bool
wbins_ok(json_t *meta)
{
	json_t *wb = json_object_get(meta, "wbins"), *arr, *e;
	size_t i;
	double prev = 0;

	if (!wb || json_is_null(wb))
		return true;
	arr = json_object_get(wb, "edges");
	if (!json_is_object(wb) || !json_is_array(arr) || json_array_size(arr) < 2)
		return false;
	json_array_foreach(arr, i, e) {
		if (!json_is_number(e) || (i > 0 && !(json_number_value(e) > prev)))
			return false;
		prev = json_number_value(e);
	}
	return true;
}

static void
exercise_meta(json_t *meta)
{
	struct gti_list g, g2;
	char why[256];
	double x;
	bool gti_valid;

	(void)meta_string(meta, "dataset");
	(void)meta_string(meta, "object");
	for (const char *const *k = (const char *const[]){ "tstart", "tstop", "exposure", "mjdref", NULL };
	     *k; k++)
		if (number_ok(meta, *k))
			(void)meta_number(meta, *k, &x);

	gti_valid = gti_from_json(json_object_get(meta, "gti"), &g, why, sizeof why);
	if (gti_valid) {
		check_normalised(&g);
		if (meta_gti(meta, &g2) != (g.n > 0) || g2.n != g.n ||
		    (g.n && memcmp(g.iv, g2.iv, g.n * sizeof *g.iv) != 0))
			abort();
		gti_free(&g2);
		if (number_ok(meta, "tstart") && number_ok(meta, "tstop")) {
			if (meta_analysis_gti(meta, &g2))
				check_normalised(&g2);
			gti_free(&g2);
		}
	}
	gti_free(&g);

	if (wbins_ok(meta)) {
		double *edges = NULL;
		size_t n = 0;

		if (meta_wbin_edges(meta, &edges, &n)) {
			if (n < 2)
				abort();
			for (size_t i = 1; i < n; i++)
				if (!(edges[i] > edges[i - 1]))
					abort();
			free(edges);
		}
	}
}

/* Read the stream back through the outer layer; it must agree exactly. */
static void
reread(const uint8_t *data, size_t size, const struct ev_event *ev, size_t n)
{
	int fd = memfd_create("ev_stream", MFD_CLOEXEC);
	struct ev_reader *r;
	struct ev_event *blk;
	size_t k, seen = 0;

	if (fd < 0)
		return;
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0) {
			close(fd);
			return;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	r = ev_reader_open(fd, "fuzz");
	while ((k = ev_read_block(r, &blk)) > 0) {
		if (seen + k > n || memcmp(blk, ev + seen, k * sizeof *blk) != 0)
			abort();
		seen += k;
	}
	if (seen != n || ev_reader_count(r) != n)
		abort();
	ev_reader_close(r);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char prefix[EV_PREFIX_SIZE] = { 0 };
	char why[512];
	uint32_t meta_len = 0;
	json_t *meta = NULL;
	size_t avail, start, n, bad, bad_sorted;
	struct ev_event *ev;
	const char *ewhy = NULL;
	double order = -INFINITY;
	enum ev_status st;

	memcpy(prefix, data, size < sizeof prefix ? size : sizeof prefix);
	st = ev_parse_prefix(prefix, &meta_len, why, sizeof why);
	if (st != EV_OK) {
		if (strlen(why) == 0)
			abort();	/* every refusal says why */
		return 0;
	}
	if (size < EV_PREFIX_SIZE)
		return 0;
	avail = size - EV_PREFIX_SIZE;
	st = ev_parse_meta((const char *)data + EV_PREFIX_SIZE, meta_len < avail ? meta_len : avail,
			   &meta, why, sizeof why);
	if (st != EV_OK) {
		if (meta != NULL)
			abort();
		return 0;
	}
	exercise_meta(meta);

	start = EV_PREFIX_SIZE + (size_t)(meta_len < avail ? meta_len : avail);
	n = (size - start) / EV_RECORD_SIZE;
	/* malloc'ed so records are aligned as the reader's block buffer is. */
	ev = malloc(n ? n * sizeof *ev : 1);
	memcpy(ev, data + start, n * sizeof *ev);
	bad = ev_check_events(ev, n, NULL, &ewhy);
	if (bad > n)
		abort();
	if (bad < n && ev_check_events(ev + bad, 1, NULL, &ewhy) != 0)
		abort();	/* the record named bad must be bad on its own */
	bad_sorted = ev_check_events(ev, n, &order, &ewhy);
	if (bad_sorted > bad)
		abort();	/* the order check only ever finds more */
	if (bad == n && meta_len <= avail && (size - start) % EV_RECORD_SIZE == 0)
		reread(data, size, ev, n);
	free(ev);
	json_decref(meta);
	return 0;
}
