/* test_ev: the LLEV inner layer (prefix, metadata, record checks, header
 * formatting) and a writer -> reader round trip of several blocks.
 * Prints TAP lines; exits 1 when any check failed. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "cli.h"
#include "ev.h"


static void
make_prefix(unsigned char p[EV_PREFIX_SIZE], const char *magic, unsigned version,
	    unsigned recsize, uint32_t h)
{
	memcpy(p, magic, 4);
	p[4] = version & 0xff;
	p[5] = version >> 8;
	p[6] = recsize & 0xff;
	p[7] = recsize >> 8;
	for (int i = 0; i < 4; i++)
		p[8 + i] = (unsigned char)(h >> (8 * i));
}

static void
test_prefix(void)
{
	unsigned char p[EV_PREFIX_SIZE];
	uint32_t h = 0;
	char why[256];

	make_prefix(p, "LLEV", 1, 16, 1234);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_OK && h == 1234,
	      "prefix: good prefix gives the metadata length");
	memcpy(p, "SIMPLE  ", 8);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_MAGIC &&
	      strstr(why, "FITS") != NULL, "prefix: FITS file is named as such");
	make_prefix(p, "\x1f\x8b\x08\x00", 1, 16, 0);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_MAGIC &&
	      strstr(why, "gzip") != NULL, "prefix: gzip data is named as such");
	make_prefix(p, "ABC\x01", 1, 16, 0);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_MAGIC &&
	      strstr(why, "'ABC?'") != NULL, "prefix: other magic is shown, unprintables as ?");
	check(ev_parse_prefix(p, &h, NULL, 0) == EV_ERR_MAGIC, "prefix: why may be NULL");
	make_prefix(p, "LLEV", 2, 16, 0);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_VERSION &&
	      strstr(why, "version 2") != NULL, "prefix: version 2 refused");
	make_prefix(p, "LLEV", 1, 24, 0);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_RECORD_SIZE &&
	      strstr(why, "size 24") != NULL, "prefix: record size 24 refused");
	make_prefix(p, "LLEV", 1, 16, EV_META_MAX);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_OK && h == EV_META_MAX,
	      "prefix: metadata length at the limit accepted");
	make_prefix(p, "LLEV", 1, 16, EV_META_MAX + 1);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_META_SIZE,
	      "prefix: metadata length over the limit refused");
	make_prefix(p, "LLEV", 1, 16, 0xffffffffu);
	check(ev_parse_prefix(p, &h, why, sizeof why) == EV_ERR_META_SIZE,
	      "prefix: metadata length 2^32-1 refused");
}

static enum ev_status
parse(const char *s, json_t **j)
{
	char why[256];

	return ev_parse_meta(s, strlen(s), j, why, sizeof why);
}

static void
test_meta(void)
{
	json_t *j = NULL;
	char why[256];

	check(parse("{\"a\": 1, \"b\": [1, 2]}    ", &j) == EV_OK && json_is_object(j) &&
	      json_integer_value(json_object_get(j, "a")) == 1,
	      "meta: object with trailing spaces parsed");
	json_decref(j);
	check(parse("{}", &j) == EV_OK && json_object_size(j) == 0, "meta: empty object");
	json_decref(j);
	check(parse("{\"a\": 1", &j) == EV_ERR_META_JSON && j == NULL, "meta: truncated JSON refused");
	check(parse("not json", &j) == EV_ERR_META_JSON, "meta: not JSON refused");
	check(parse("", &j) == EV_ERR_META_JSON, "meta: empty metadata refused");
	check(parse("[1, 2]", &j) == EV_ERR_META_OBJECT && j == NULL, "meta: JSON array refused");
	check(parse("\"s\"", &j) == EV_ERR_META_OBJECT, "meta: JSON string refused");
	check(parse("{\"a\": 1, \"a\": 2}", &j) == EV_ERR_META_JSON, "meta: duplicate keys refused");
	check(parse("{} {}", &j) == EV_ERR_META_JSON, "meta: trailing data refused");
	check(ev_parse_meta("{} x", 2, &j, why, sizeof why) == EV_OK,
	      "meta: only the declared length is read");
	json_decref(j);
	check(ev_parse_meta("[]", 2, &j, why, sizeof why) == EV_ERR_META_OBJECT &&
	      strcmp(why, "metadata is not a JSON object") == 0, "meta: why names the problem");
}

static void
test_events(void)
{
	struct ev_event ev[4] = {
		{ 1.0, 0.5f, 0 }, { 2.0, NAN, -1 }, { 2.0, 0.0f, 3 }, { 3.5, 1.0f, 7 }
	};
	struct ev_event bad;
	const char *why = NULL;
	double order;

	check(ev_check_events(ev, 4, NULL, &why) == 4, "events: good records pass (NaN wavelength ok)");
	order = -INFINITY;
	check(ev_check_events(ev, 4, &order, &why) == 4 && order == 3.5,
	      "events: sorted records pass the order check, equal times allowed");
	ev[2].time = 1.5;
	order = -INFINITY;
	check(ev_check_events(ev, 4, &order, &why) == 2 && strstr(why, "earlier") != NULL,
	      "events: out-of-order record found at its index");
	check(ev_check_events(ev, 4, NULL, &why) == 4, "events: no order check without `order`");
	order = 5.0;
	check(ev_check_events(ev, 4, &order, &why) == 0, "events: order carries over between calls");

	struct { double t; float w; int32_t b; const char *why; const char *what; } cases[] = {
		{ NAN, 0.5f, 0, "time is NaN", "events: NaN time refused" },
		{ -1.0, 0.5f, 0, "time is negative", "events: negative time refused" },
		{ -0.0, 0.5f, 0, NULL, "events: time -0 accepted" },
		{ INFINITY, 0.5f, 0, "time is infinite", "events: infinite time refused" },
		{ 1.0, -0.1f, 0, "wavelength is negative", "events: negative wavelength refused" },
		{ 1.0, INFINITY, 0, "wavelength is infinite", "events: infinite wavelength refused" },
		{ 1.0, -INFINITY, 0, "wavelength is negative", "events: -inf wavelength refused" },
		{ 1.0, NAN, 0, NULL, "events: NaN wavelength accepted" },
		{ 1.0, 0.5f, -1, NULL, "events: wbin -1 accepted" },
		{ 1.0, 0.5f, -2, "wbin is below -1", "events: wbin -2 refused" },
		{ 1.0, 0.5f, INT32_MIN, "wbin is below -1", "events: wbin INT32_MIN refused" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ev_event two[2] = { { 0.5, 0.1f, 0 } };

		two[1] = (struct ev_event){ cases[i].t, cases[i].w, cases[i].b };
		why = NULL;
		size_t r = ev_check_events(two, 2, NULL, &why);
		if (cases[i].why)
			check(r == 1 && why && strcmp(why, cases[i].why) == 0, cases[i].what);
		else
			check(r == 2, cases[i].what);
	}
	bad = (struct ev_event){ NAN, 0.5f, 0 };
	order = -INFINITY;
	check(ev_check_events(&bad, 1, &order, &why) == 0 && strcmp(why, "time is NaN") == 0,
	      "events: NaN time refused before the order check");
	check(ev_check_events(ev, 0, NULL, &why) == 0, "events: zero records");
}

static void
test_format(void)
{
	json_t *m = json_pack("{sssfs[[ff]]}", "dataset", "x\"y\u00e9", "tstart", 0.1,
			      "gti", 1.0, 2.5);
	bool all_ok = true;

	/* Every JSON length modulo 8 pads to the next record boundary. */
	for (int extra = 0; extra < 16; extra++) {
		char key[32];
		size_t size;
		unsigned char *h;
		uint32_t hl;
		json_t *back = NULL;
		size_t jl;
		char *dump;

		memset(key, 'k', (size_t)extra);
		key[extra] = '\0';
		json_object_set_new(m, "pad", json_string(key));
		h = ev_format_header(m, &size);
		dump = json_dumps(m, JSON_COMPACT | JSON_REAL_PRECISION(17));
		jl = strlen(dump);
		free(dump);
		bool ok = size % 8 == 0 && size >= EV_PREFIX_SIZE + jl && size < EV_PREFIX_SIZE + jl + 8 &&
			  ev_parse_prefix(h, &hl, NULL, 0) == EV_OK && hl == size - EV_PREFIX_SIZE;
		for (size_t i = EV_PREFIX_SIZE + jl; ok && i < size; i++)
			ok = h[i] == ' ';
		ok = ok && ev_parse_meta((char *)h + EV_PREFIX_SIZE, hl, &back, NULL, 0) == EV_OK &&
		     json_equal(back, m);
		json_decref(back);
		free(h);
		if (!ok) {
			printf("# format failed with pad length %d\n", extra);
			all_ok = false;
		}
	}
	check(all_ok, "format: header is a multiple of 8, space-padded, and parses back equal");
	json_decref(m);

	m = json_pack("{sf}", "x", 0.1 + 0.2);
	size_t size;
	unsigned char *h = ev_format_header(m, &size);
	json_t *back = NULL;
	check(ev_parse_meta((char *)h + EV_PREFIX_SIZE, size - EV_PREFIX_SIZE, &back, NULL, 0) == EV_OK &&
	      json_real_value(json_object_get(back, "x")) == 0.1 + 0.2,
	      "format: doubles survive the round trip bit for bit");
	json_decref(back);
	json_decref(m);
	free(h);
}

#define N_ROUND 200000

static struct ev_event
nth_event(size_t i)
{
	struct ev_event e;

	e.time = 1000.0 + (double)i * 0.001;
	e.wavelength = i % 17 == 0 ? NAN : 0.1f + (float)(i % 1000) * 0.0009f;
	e.wbin = (int32_t)(i % 11) - 1;
	return e;
}

/* Child: write N_ROUND events in uneven blocks through the writer. */
static void
writer_child(int fd)
{
	json_t *m = json_pack("{ss}", "dataset", "roundtrip");
	struct ev_writer *w = ev_writer_open(fd, "pipe", "test_ev --roundtrip", m);
	struct ev_event buf[5003];
	size_t i = 0;

	while (i < N_ROUND) {
		size_t k = 1 + (i * 7919) % 5003;

		if (k > N_ROUND - i)
			k = N_ROUND - i;
		for (size_t j = 0; j < k; j++)
			buf[j] = nth_event(i + j);
		ev_write_block(w, buf, k);
		i += k;
	}
	ev_writer_close(w);
	json_decref(m);
}

static void
test_roundtrip(void)
{
	int p[2];
	pid_t pid;
	struct ev_reader *r;
	struct ev_event *blk;
	size_t k, seen = 0, blocks = 0, mismatch = 0;
	int status;
	json_t *h;

	if (pipe(p) != 0) {
		check(0, "roundtrip: pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		writer_child(p[1]);
		_exit(0);
	}
	close(p[1]);
	r = ev_reader_open(p[0], "pipe");
	while ((k = ev_read_block(r, &blk)) > 0) {
		blocks++;
		for (size_t j = 0; j < k; j++) {
			struct ev_event e = nth_event(seen + j);

			if (memcmp(&e, &blk[j], sizeof e) != 0)
				mismatch++;
		}
		seen += k;
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "roundtrip: writer exits 0");
	check(seen == N_ROUND && mismatch == 0, "roundtrip: 200000 events come back bit for bit");
	check(blocks > 1, "roundtrip: more than one block read");
	check(ev_reader_count(r) == N_ROUND && ev_reader_sorted(r), "roundtrip: count and sortedness");
	h = json_object_get(ev_reader_meta(r), "history");
	check(json_is_array(h) && json_array_size(h) == 1 &&
	      strcmp(json_string_value(json_array_get(h, 0)), "test_ev --roundtrip") == 0 &&
	      strcmp(json_string_value(json_object_get(ev_reader_meta(r), "dataset")), "roundtrip") == 0,
	      "roundtrip: metadata kept and the command line appended to history");
	ev_reader_close(r);
	close(p[0]);
}

static void
test_read_all(void)
{
	char path[] = "/tmp/test_ev.XXXXXX";
	int fd = mkstemp(path);
	json_t *m = json_pack("{s[s]}", "history", "earlier 'cmd'");
	struct ev_writer *w;
	struct ev_reader *r;
	struct ev_event *all, ev[3];
	size_t n = 0, total = 3 * EV_BLOCK_EVENTS + 5, bad = 0;

	if (fd < 0) {
		check(0, "read_all: temp file");
		return;
	}
	w = ev_writer_open(fd, path, "test", m);	/* closes fd */
	for (size_t i = 0; i < total; i += 3) {
		size_t k = total - i < 3 ? total - i : 3;

		for (size_t j = 0; j < k; j++)
			ev[j] = nth_event(i + j);
		ev_write_block(w, ev, k);
	}
	ev_writer_close(w);
	json_decref(m);
	r = ev_reader_open_path(path);
	all = ev_read_all(r, &n);
	for (size_t i = 0; i < n; i++) {
		struct ev_event e = nth_event(i);

		bad += memcmp(&e, &all[i], sizeof e) != 0;
	}
	check(n == total && bad == 0, "read_all: every event of a 3-block file, in order");
	json_t *h = json_object_get(ev_reader_meta(r), "history");
	check(json_array_size(h) == 2 && strcmp(json_string_value(json_array_get(h, 0)), "earlier 'cmd'") == 0,
	      "read_all: history appended to, not replaced");
	free(all);
	ev_reader_close(r);

	/* An empty stream (header only). */
	fd = open(path, O_WRONLY | O_TRUNC);
	m = json_object();
	w = ev_writer_open(fd, path, NULL, m);	/* no history line */
	ev_writer_close(w);
	json_decref(m);
	r = ev_reader_open_path(path);
	all = ev_read_all(r, &n);
	check(n == 0 && all != NULL, "read_all: header-only stream gives zero events");
	check(json_object_get(ev_reader_meta(r), "history") == NULL,
	      "writer: a NULL history adds no history array");
	free(all);
	ev_reader_close(r);
	unlink(path);
}

/* The definition of ev_check_events, one record at a time, written apart
 * from the library's (which checks whole chunks of records at once). */
static size_t
reference_check(const struct ev_event *ev, size_t n, double *order)
{
	for (size_t i = 0; i < n; i++) {
		double t = ev[i].time;
		float w = ev[i].wavelength;

		if (isnan(t) || t < 0 || isinf(t) || (!isnan(w) && (w < 0 || isinf(w))) ||
		    ev[i].wbin < -1 || (order && t < *order))
			return i;
		if (order)
			*order = t;
	}
	return n;
}

/* Every kind of bad record at every place around the chunk boundaries of
 * blocks of many lengths, with and without the order check: the index, the
 * reason and the order carried over are those of the definition. */
static void
test_events_blocks(void)
{
	static const size_t lengths[] = { 1, 2, 63, 64, 65, 127, 128, 129, 200, 1000 };
	static const size_t places[] = { 0, 1, 31, 62, 63, 64, 65, 126, 127, 128, 129, 199, 999 };
	static const struct ev_event bad_kinds[] = {
		{ NAN, 0.5f, 0 }, { -1.0, 0.5f, 0 }, { -INFINITY, 0.5f, 0 }, { INFINITY, 0.5f, 0 },
		{ 10.0, -0.1f, 0 }, { 10.0, INFINITY, 0 }, { 10.0, -INFINITY, 0 },
		{ 10.0, 0.5f, -2 }, { 10.0, 0.5f, INT32_MIN },
		{ -2.0, 0.5f, 0 },	/* replaced below by a time earlier than the one before */
	};
	enum { N_KINDS = sizeof bad_kinds / sizeof bad_kinds[0] };
	struct ev_event ev[1000];
	long n_wrong = 0, n_cases = 0;

	for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
		size_t n = lengths[li];

		for (size_t pi = 0; pi <= sizeof places / sizeof places[0]; pi++) {
			/* pi == the count of places: a block with nothing wrong. */
			bool clean = pi == sizeof places / sizeof places[0];
			size_t place = clean ? n : places[pi];

			if (!clean && place >= n)
				continue;
			for (size_t k = 0; k < (clean ? 1 : N_KINDS); k++) {
				for (size_t i = 0; i < n; i++)
					ev[i] = (struct ev_event){ 100.0 + (double)(i / 2), i % 7 ? 0.25f * (float)(i % 5) : NAN,
								   (int32_t)(i % 4) - 1 };
				if (!clean) {
					ev[place] = bad_kinds[k];
					if (k == N_KINDS - 1)	/* -0 at place 0 is a good time */
						ev[place].time = place ? ev[place - 1].time - 0.5 : -0.0;
				}
				for (int with_order = 0; with_order < 2; with_order++) {
					double o1 = 99.0, o2 = 99.0;
					const char *why = NULL;
					size_t want = reference_check(ev, n, with_order ? &o1 : NULL);
					size_t got = ev_check_events(ev, n, with_order ? &o2 : NULL, &why);

					n_cases++;
					if (got != want || (got < n && why == NULL) ||
					    (with_order && want == n && o1 != o2)) {
						if (n_wrong++ < 5)
							printf("# n %zu place %zu kind %zu order %d: got %zu, want %zu\n",
							       n, place, k, with_order, got, want);
					}
				}
			}
		}
	}
	check(n_wrong == 0 && n_cases > 1000, "events: blocks of 1-1000 records, every bad value "
	      "at the chunk edges: the definition's index and order");

	/* Sortedness as the reader sees it, across chunk and block boundaries. */
	const char *why;
	double order = -INFINITY;

	for (size_t i = 0; i < 200; i++)
		ev[i] = (struct ev_event){ (double)i, 0.5f, 0 };
	check(ev_check_events(ev, 200, &order, &why) == 200 && order == 199.0,
	      "events: 200 sorted records pass, order is the last time");
	order = 199.5;
	check(ev_check_events(ev + 150, 50, &order, &why) == 0 && strstr(why, "earlier"),
	      "events: the order of the previous block applies to the first record");
	ev[128].time = 126.5;
	order = -INFINITY;
	check(ev_check_events(ev, 200, &order, &why) == 128 && strstr(why, "earlier"),
	      "events: a time going back right after a chunk edge is found at its index");
}

/* A stream whose only step back lies at a chunk edge of its second block:
 * the reader reports it unsorted (not needing order, it does not die). */
static void
test_unsorted_stream(void)
{
	char path[] = "/tmp/test_ev.XXXXXX";
	int fd = mkstemp(path);
	json_t *m = json_object();
	struct ev_writer *w;
	struct ev_reader *r;
	struct ev_event *blk;
	size_t total = EV_BLOCK_EVENTS + 200, n, seen = 0;
	bool sorted_before = true;

	if (fd < 0) {
		check(0, "unsorted: temp file");
		return;
	}
	w = ev_writer_open(fd, path, "test", m);
	for (size_t i = 0; i < total; i++) {
		struct ev_event e = { (double)i, 0.5f, 0 };

		if (i == EV_BLOCK_EVENTS + 128)
			e.time -= 1.5;
		ev_write_block(w, &e, 1);
	}
	ev_writer_close(w);
	json_decref(m);
	r = ev_reader_open_path(path);
	while ((n = ev_read_block(r, &blk)) > 0) {
		if (seen + n <= EV_BLOCK_EVENTS + 128)
			sorted_before = sorted_before && ev_reader_sorted(r);
		seen += n;
	}
	check(sorted_before, "unsorted: sorted up to the step back");
	check(seen == total && !ev_reader_sorted(r), "unsorted: a step back in a later block is seen");
	ev_reader_close(r);
	unlink(path);
}

/* The checks again in a child with LL_EV_SIMD=LEVEL set (the library
 * decides once per process), so the narrower code is tested on a machine
 * that has wider: SSE2 and AVX2 where AVX-512 would be used. */
static void
test_simd(const char *level)
{
	char what[128];
	pid_t pid;
	int status = -1;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		setenv("LL_EV_SIMD", level, 1);
		execl("/proc/self/exe", "test_ev", "--checks-only", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	snprintf(what, sizeof what, "events: the checks with LL_EV_SIMD=%s give the same answers", level);
	check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, what);
}

static void
test_lower_bound(void)
{
	struct ev_event ev[6] = { { 1, 0, -1 }, { 2, 0, -1 }, { 2, 0, -1 }, { 2, 0, -1 },
				  { 5, 0, -1 }, { 7, 0, -1 } };
	static const double t[] = { 0, 1, 1.5, 2, 3, 5, 7, 8 };
	static const size_t want[] = { 0, 0, 1, 1, 4, 4, 5, 6 };
	bool ok = ev_lower_bound(ev, 0, 1) == 0;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ok = ok && ev_lower_bound(ev, 6, t[i]) == want[i];
	check(ok, "ev_lower_bound: the first time >= t, before a run of equal times, n past the end");
}

int
main(int argc, char **argv)
{
	char *args[] = { "test_ev", "--roundtrip", NULL };

	cli_init(2, args, "test_ev", "");
	/* The child run by test_sse2: the record checks alone, quietly. */
	if (argc == 2 && strcmp(argv[1], "--checks-only") == 0) {
		test_events();
		test_events_blocks();
		return n_failed != 0;
	}
	test_prefix();
	test_meta();
	test_events();
	test_events_blocks();
	test_unsorted_stream();
	test_format();
	test_roundtrip();
	test_read_all();
	test_lower_bound();
	test_simd("sse2");
	test_simd("avx2");
	return tap_done();
}
