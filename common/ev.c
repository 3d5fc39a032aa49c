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

/* Block I/O sizes.  A reader's block, a writer's buffer and the pipes
 * between programs are 256 KiB: measured on a 2-core machine with 2 MiB of
 * L2 per core, the middle program of `cat FILE | X | cat` (X a plain
 * read/write loop) took 46 ms of CPU per 10M events with 1 MiB blocks and
 * pipes against 23 ms with 256 KiB ones, and both cats less too: a 1 MiB
 * pipe's pages, the 1 MiB block and the next 1 MiB pipe do not stay in
 * cache together, 256 KiB ones do.  Smaller (64-128 KiB) costs more
 * again, in system calls and wake-ups. */
#define BLOCK_BYTES ((size_t)256 << 10)
#define PIPE_BYTES BLOCK_BYTES
#define DIRECT_BYTES ((size_t)64 << 10)

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
 * record at a time: the slow path, run only on a block known to hold one. */
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

/* The fast checks below look at a whole block at once and only say whether
 * it is good; first_bad, the definition, runs only on a block that is not,
 * to find the record and say why.  A record is loaded as one 16-byte vector
 * [time | wavelength, wbin] and every check is kept in its own lane of an
 * accumulator, so there is no shuffling: the lanes that hold other fields'
 * bits are ignored when the accumulators are read at the end.
 *
 * Wavelengths: minps/maxps return their second operand when the first is
 * NaN, so min(x, acc) skips a NaN wavelength (allowed) and the accumulator
 * lane stays a number; the block is bad when the minimum is below 0 or the
 * maximum above FLT_MAX (-0 passes, as w >= 0 says).  wbins: a compare each.
 *
 * Times, on a stream that has been in order so far (nearly all): each record
 * is compared with the one before it, !(prev <= t), which is true for a step
 * back and for NaN.  When no compare fires, the times never decrease, so
 * all lie between the first and the last, and checking that the first is
 * >= 0 and the last finite covers every record: one compare per record for
 * both the order and the value.  An unsorted stream gets the value checks
 * proper (min(t) >= 0, and !(t <= DBL_MAX) for NaN and infinity). */
#if defined(__SSE2__)
#include <emmintrin.h>

#define LANE_TIME(v) _mm_cvtsd_f64(v)
#define LANE_W(v) _mm_cvtss_f32(_mm_shuffle_ps((v), (v), 2))

/* Wavelength and wbin lanes of a block: good or not. */
static inline bool
w_b_ok(__m128 wmin, __m128 wmax, __m128i lowb)
{
	return !(LANE_W(wmin) < 0) && !(LANE_W(wmax) > FLT_MAX) &&
	       (_mm_movemask_ps(_mm_castsi128_ps(lowb)) & 8) == 0;
}

/* Whether ev[0..n) (n > 0) has no bad value and its times never go back,
 * starting from `prev`. */
static bool
sorted_ok_sse2(const struct ev_event *ev, size_t n, double prev)
{
	const __m128 inf = _mm_set1_ps(INFINITY), ninf = _mm_set1_ps(-INFINITY);
	const __m128i m1 = _mm_set1_epi32(-1);
	__m128d p = _mm_set1_pd(prev), back0 = _mm_setzero_pd(), back1 = back0;
	__m128 wmin0 = inf, wmin1 = inf, wmax0 = ninf, wmax1 = ninf;
	__m128i lowb0 = _mm_setzero_si128(), lowb1 = lowb0;
	const double *d = &ev[0].time;
	size_t i = 0;

	/* Two sets of accumulators: minps has a latency of four cycles. */
	for (; i + 4 <= n; i += 4, d += 8) {
		__m128d x0 = _mm_loadu_pd(d), x1 = _mm_loadu_pd(d + 2);
		__m128d x2 = _mm_loadu_pd(d + 4), x3 = _mm_loadu_pd(d + 6);

		back0 = _mm_or_pd(back0, _mm_or_pd(_mm_cmpnle_pd(p, x0), _mm_cmpnle_pd(x0, x1)));
		back1 = _mm_or_pd(back1, _mm_or_pd(_mm_cmpnle_pd(x1, x2), _mm_cmpnle_pd(x2, x3)));
		p = x3;
		wmin0 = _mm_min_ps(_mm_castpd_ps(x0), wmin0);
		wmin1 = _mm_min_ps(_mm_castpd_ps(x1), wmin1);
		wmax0 = _mm_max_ps(_mm_castpd_ps(x0), wmax0);
		wmax1 = _mm_max_ps(_mm_castpd_ps(x1), wmax1);
		wmin0 = _mm_min_ps(_mm_castpd_ps(x2), wmin0);
		wmin1 = _mm_min_ps(_mm_castpd_ps(x3), wmin1);
		wmax0 = _mm_max_ps(_mm_castpd_ps(x2), wmax0);
		wmax1 = _mm_max_ps(_mm_castpd_ps(x3), wmax1);
		lowb0 = _mm_or_si128(lowb0, _mm_or_si128(_mm_cmpgt_epi32(m1, _mm_castpd_si128(x0)),
							 _mm_cmpgt_epi32(m1, _mm_castpd_si128(x1))));
		lowb1 = _mm_or_si128(lowb1, _mm_or_si128(_mm_cmpgt_epi32(m1, _mm_castpd_si128(x2)),
							 _mm_cmpgt_epi32(m1, _mm_castpd_si128(x3))));
	}
	for (; i < n; i++, d += 2) {
		__m128d x = _mm_loadu_pd(d);

		back0 = _mm_or_pd(back0, _mm_cmpnle_pd(p, x));
		p = x;
		wmin0 = _mm_min_ps(_mm_castpd_ps(x), wmin0);
		wmax0 = _mm_max_ps(_mm_castpd_ps(x), wmax0);
		lowb0 = _mm_or_si128(lowb0, _mm_cmpgt_epi32(m1, _mm_castpd_si128(x)));
	}
	return (_mm_movemask_pd(_mm_or_pd(back0, back1)) & 1) == 0 &&
	       ev[0].time >= 0 && ev[n - 1].time <= DBL_MAX &&
	       w_b_ok(_mm_min_ps(wmin0, wmin1), _mm_max_ps(wmax0, wmax1), _mm_or_si128(lowb0, lowb1));
}

/* Whether ev[0..n) (n > 0) has no bad value, in whatever order. */
static bool
values_ok_sse2(const struct ev_event *ev, size_t n)
{
	const __m128 inf = _mm_set1_ps(INFINITY), ninf = _mm_set1_ps(-INFINITY);
	const __m128d dmax = _mm_set1_pd(DBL_MAX);
	const __m128i m1 = _mm_set1_epi32(-1);
	__m128d tmin0 = _mm_set1_pd(INFINITY), tmin1 = tmin0, big = _mm_setzero_pd();
	__m128 wmin0 = inf, wmin1 = inf, wmax0 = ninf, wmax1 = ninf;
	__m128i lowb = _mm_setzero_si128();
	const double *d = &ev[0].time;
	size_t i = 0;

	for (; i + 2 <= n; i += 2, d += 4) {
		__m128d x0 = _mm_loadu_pd(d), x1 = _mm_loadu_pd(d + 2);

		/* min skips NaN; !(t <= DBL_MAX) catches it with infinity. */
		tmin0 = _mm_min_pd(x0, tmin0);
		tmin1 = _mm_min_pd(x1, tmin1);
		big = _mm_or_pd(big, _mm_or_pd(_mm_cmpnle_pd(x0, dmax), _mm_cmpnle_pd(x1, dmax)));
		wmin0 = _mm_min_ps(_mm_castpd_ps(x0), wmin0);
		wmin1 = _mm_min_ps(_mm_castpd_ps(x1), wmin1);
		wmax0 = _mm_max_ps(_mm_castpd_ps(x0), wmax0);
		wmax1 = _mm_max_ps(_mm_castpd_ps(x1), wmax1);
		lowb = _mm_or_si128(lowb, _mm_or_si128(_mm_cmpgt_epi32(m1, _mm_castpd_si128(x0)),
						       _mm_cmpgt_epi32(m1, _mm_castpd_si128(x1))));
	}
	if (i < n) {
		__m128d x = _mm_loadu_pd(d);

		tmin0 = _mm_min_pd(x, tmin0);
		big = _mm_or_pd(big, _mm_cmpnle_pd(x, dmax));
		wmin0 = _mm_min_ps(_mm_castpd_ps(x), wmin0);
		wmax0 = _mm_max_ps(_mm_castpd_ps(x), wmax0);
		lowb = _mm_or_si128(lowb, _mm_cmpgt_epi32(m1, _mm_castpd_si128(x)));
	}
	return (_mm_movemask_pd(big) & 1) == 0 && LANE_TIME(_mm_min_pd(tmin0, tmin1)) >= 0 &&
	       w_b_ok(_mm_min_ps(wmin0, wmin1), _mm_max_ps(wmax0, wmax1), lowb);
}

#if defined(__GNUC__) && defined(__x86_64__)
/* The same checks on two records per 256-bit vector, where the CPU has AVX2
 * (nearly every x86-64 since 2013): half the instructions per record, and
 * three-operand forms without the register copies of SSE2.  Compiled for
 * AVX2 on their own and chosen at run time, so the build still runs on any
 * x86-64.  Same answers as the SSE2 versions, bit for bit: both only say
 * good or not, from the same IEEE comparisons. */
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* Fold the 256-bit accumulators into the 128-bit layout w_b_ok reads: the
 * two halves hold the same fields. */
AVX2 static inline bool
w_b_ok_avx2(__m256 wmin, __m256 wmax, __m256i lowb)
{
	return w_b_ok(_mm_min_ps(_mm256_castps256_ps128(wmin), _mm256_extractf128_ps(wmin, 1)),
		      _mm_max_ps(_mm256_castps256_ps128(wmax), _mm256_extractf128_ps(wmax, 1)),
		      _mm_or_si128(_mm256_castsi256_si128(lowb), _mm256_extracti128_si256(lowb, 1)));
}

AVX2 static bool
sorted_ok_avx2(const struct ev_event *ev, size_t n, double prev)
{
	const __m256 inf = _mm256_set1_ps(INFINITY), ninf = _mm256_set1_ps(-INFINITY);
	const __m256i m1 = _mm256_set1_epi32(-1);
	__m256d back0 = _mm256_setzero_pd(), back1 = back0;
	__m256 wmin0 = inf, wmin1 = inf, wmax0 = ninf, wmax1 = ninf;
	__m256i lowb0 = _mm256_setzero_si256(), lowb1 = lowb0;
	const double *d = &ev[0].time;
	size_t i = 1;

	/* Record 0 against prev, alone: records 1.. are then compared with the
	 * pair loaded one record earlier, which lies inside the block. */
	if (n < 5 || !(prev <= ev[0].time))
		return n < 5 && sorted_ok_sse2(ev, n, prev);
	for (; i + 4 <= n; i += 4) {
		__m256d x0 = _mm256_loadu_pd(d + 2 * i), x1 = _mm256_loadu_pd(d + 2 * i + 4);
		__m256d p0 = _mm256_loadu_pd(d + 2 * i - 2), p1 = _mm256_loadu_pd(d + 2 * i + 2);

		back0 = _mm256_or_pd(back0, _mm256_cmp_pd(p0, x0, _CMP_NLE_UQ));
		back1 = _mm256_or_pd(back1, _mm256_cmp_pd(p1, x1, _CMP_NLE_UQ));
		wmin0 = _mm256_min_ps(_mm256_castpd_ps(x0), wmin0);
		wmin1 = _mm256_min_ps(_mm256_castpd_ps(x1), wmin1);
		wmax0 = _mm256_max_ps(_mm256_castpd_ps(x0), wmax0);
		wmax1 = _mm256_max_ps(_mm256_castpd_ps(x1), wmax1);
		lowb0 = _mm256_or_si256(lowb0, _mm256_cmpgt_epi32(m1, _mm256_castpd_si256(x0)));
		lowb1 = _mm256_or_si256(lowb1, _mm256_cmpgt_epi32(m1, _mm256_castpd_si256(x1)));
	}
	/* The last few records, and record 0's other fields: the SSE2 check
	 * of the overlapping tail ev[i-1..n) (order within it included). */
	return (_mm256_movemask_pd(_mm256_or_pd(back0, back1)) & 5) == 0 &&
	       ev[0].time >= 0 && ev[n - 1].time <= DBL_MAX &&
	       w_b_ok_avx2(_mm256_min_ps(wmin0, wmin1), _mm256_max_ps(wmax0, wmax1),
			   _mm256_or_si256(lowb0, lowb1)) &&
	       sorted_ok_sse2(ev, 1, prev) && sorted_ok_sse2(ev + i - 1, n - i + 1, ev[i - 1].time);
}

AVX2 static bool
values_ok_avx2(const struct ev_event *ev, size_t n)
{
	const __m256 inf = _mm256_set1_ps(INFINITY), ninf = _mm256_set1_ps(-INFINITY);
	const __m256d dmax = _mm256_set1_pd(DBL_MAX);
	const __m256i m1 = _mm256_set1_epi32(-1);
	__m256d tmin0 = _mm256_set1_pd(INFINITY), tmin1 = tmin0, big = _mm256_setzero_pd();
	__m256 wmin0 = inf, wmin1 = inf, wmax0 = ninf, wmax1 = ninf;
	__m256i lowb = _mm256_setzero_si256();
	const double *d = &ev[0].time;
	size_t i = 0;

	for (; i + 4 <= n; i += 4, d += 8) {
		__m256d x0 = _mm256_loadu_pd(d), x1 = _mm256_loadu_pd(d + 4);

		tmin0 = _mm256_min_pd(x0, tmin0);
		tmin1 = _mm256_min_pd(x1, tmin1);
		big = _mm256_or_pd(big, _mm256_or_pd(_mm256_cmp_pd(x0, dmax, _CMP_NLE_UQ),
						     _mm256_cmp_pd(x1, dmax, _CMP_NLE_UQ)));
		wmin0 = _mm256_min_ps(_mm256_castpd_ps(x0), wmin0);
		wmin1 = _mm256_min_ps(_mm256_castpd_ps(x1), wmin1);
		wmax0 = _mm256_max_ps(_mm256_castpd_ps(x0), wmax0);
		wmax1 = _mm256_max_ps(_mm256_castpd_ps(x1), wmax1);
		lowb = _mm256_or_si256(lowb, _mm256_or_si256(_mm256_cmpgt_epi32(m1, _mm256_castpd_si256(x0)),
							     _mm256_cmpgt_epi32(m1, _mm256_castpd_si256(x1))));
	}
	tmin0 = _mm256_min_pd(tmin0, tmin1);
	return (_mm256_movemask_pd(big) & 5) == 0 &&
	       _mm_cvtsd_f64(_mm_min_pd(_mm256_castpd256_pd128(tmin0), _mm256_extractf128_pd(tmin0, 1))) >= 0 &&
	       w_b_ok_avx2(_mm256_min_ps(wmin0, wmin1), _mm256_max_ps(wmax0, wmax1), lowb) &&
	       (i == n || values_ok_sse2(ev + i, n - i));
}

/* The order-and-values check on four records per 512-bit vector where the
 * CPU has AVX-512: the compares go to mask registers, so the accumulation
 * is one mask OR per eight records instead of a vector OR per compare. */
#define AVX512 __attribute__((target("avx512f")))

AVX512 static bool
sorted_ok_avx512(const struct ev_event *ev, size_t n, double prev)
{
	const __m512 inf = _mm512_set1_ps(INFINITY), ninf = _mm512_set1_ps(-INFINITY);
	const __m512i m1 = _mm512_set1_epi32(-1);
	__m512 wmin0 = inf, wmin1 = inf, wmax0 = ninf, wmax1 = ninf;
	__mmask8 back = 0;
	__mmask16 lowb = 0;
	const double *d = &ev[0].time;
	size_t i = 1;

	/* As sorted_ok_avx2: record 0 alone, then each group compared with
	 * the group loaded one record earlier, then the tail by SSE2. */
	if (n < 9 || !(prev <= ev[0].time))
		return n < 9 && sorted_ok_sse2(ev, n, prev);
	for (; i + 8 <= n; i += 8) {
		__m512d x0 = _mm512_loadu_pd(d + 2 * i), x1 = _mm512_loadu_pd(d + 2 * i + 8);
		__m512d p0 = _mm512_loadu_pd(d + 2 * i - 2), p1 = _mm512_loadu_pd(d + 2 * i + 6);

		back |= _mm512_cmp_pd_mask(p0, x0, _CMP_NLE_UQ) | _mm512_cmp_pd_mask(p1, x1, _CMP_NLE_UQ);
		wmin0 = _mm512_min_ps(_mm512_castpd_ps(x0), wmin0);
		wmin1 = _mm512_min_ps(_mm512_castpd_ps(x1), wmin1);
		wmax0 = _mm512_max_ps(_mm512_castpd_ps(x0), wmax0);
		wmax1 = _mm512_max_ps(_mm512_castpd_ps(x1), wmax1);
		lowb |= _mm512_cmpgt_epi32_mask(m1, _mm512_castpd_si512(x0)) |
			_mm512_cmpgt_epi32_mask(m1, _mm512_castpd_si512(x1));
	}
	wmin0 = _mm512_min_ps(wmin0, wmin1);
	wmax0 = _mm512_max_ps(wmax0, wmax1);
	/* Time lanes are the even doubles, wbin lanes every fourth int from 3;
	 * the four 128-bit quarters hold the same fields, folded by min/max. */
	return (back & 0x55) == 0 && (lowb & 0x8888) == 0 &&
	       ev[0].time >= 0 && ev[n - 1].time <= DBL_MAX &&
	       w_b_ok(_mm_min_ps(_mm_min_ps(_mm512_castps512_ps128(wmin0), _mm512_extractf32x4_ps(wmin0, 1)),
				 _mm_min_ps(_mm512_extractf32x4_ps(wmin0, 2), _mm512_extractf32x4_ps(wmin0, 3))),
		      _mm_max_ps(_mm_max_ps(_mm512_castps512_ps128(wmax0), _mm512_extractf32x4_ps(wmax0, 1)),
				 _mm_max_ps(_mm512_extractf32x4_ps(wmax0, 2), _mm512_extractf32x4_ps(wmax0, 3))),
		      _mm_setzero_si128()) &&
	       sorted_ok_sse2(ev, 1, prev) && sorted_ok_sse2(ev + i - 1, n - i + 1, ev[i - 1].time);
}

/* The widest checks the CPU has, decided once: 2 AVX-512, 1 AVX2, 0 SSE2.
 * LL_EV_SIMD=sse2 or avx2 in the environment keeps below that: the unit
 * tests run the checks every way. */
static int
simd_level(void)
{
	static int level = -1;

	if (level < 0) {
		const char *cap = getenv("LL_EV_SIMD");
		int most = cap && strcmp(cap, "sse2") == 0 ? 0 : cap && strcmp(cap, "avx2") == 0 ? 1 : 2;

		level = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
		if (level > most)
			level = most;
	}
	return level;
}

static bool
block_sorted_ok(const struct ev_event *ev, size_t n, double prev)
{
	switch (simd_level()) {
	case 2:
		return sorted_ok_avx512(ev, n, prev);
	case 1:
		return sorted_ok_avx2(ev, n, prev);
	default:
		return sorted_ok_sse2(ev, n, prev);
	}
}

static bool
block_values_ok(const struct ev_event *ev, size_t n)
{
	return simd_level() >= 1 ? values_ok_avx2(ev, n) : values_ok_sse2(ev, n);
}
#else
#define block_sorted_ok sorted_ok_sse2
#define block_values_ok values_ok_sse2
#endif

#else	/* no SSE2: the same checks in plain C */

static bool
block_sorted_ok(const struct ev_event *ev, size_t n, double prev)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		double t = ev[i].time;
		float w = ev[i].wavelength;

		bad |= !(prev <= t) | (w < 0) | (w > FLT_MAX) | (ev[i].wbin < -1);
		prev = t;
	}
	return !bad && ev[0].time >= 0 && ev[n - 1].time <= DBL_MAX;
}

static bool
block_values_ok(const struct ev_event *ev, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		double t = ev[i].time;
		float w = ev[i].wavelength;

		bad |= !(t >= 0) | (t > DBL_MAX) | (w < 0) | (w > FLT_MAX) | (ev[i].wbin < -1);
	}
	return !bad;
}
#endif

size_t
ev_lower_bound(const struct ev_event *ev, size_t n, double t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ev[mid].time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
ev_check_events(const struct ev_event *ev, size_t n, double *order, const char **why)
{
	if (n == 0)
		return 0;
	if (order ? block_sorted_ok(ev, n, *order) : block_values_ok(ev, n)) {
		if (order)
			*order = ev[n - 1].time;
		return n;
	}
	return first_bad(ev, n, order, why);
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


/* A pipe of one block (256 KiB, see BLOCK_BYTES) instead of 64 KiB: a block
 * then crosses in one write and one read rather than 4 of each with a
 * wake-up of the other side between.  A pipe already wider is left so.
 * Where the system refuses (a user's pipe quota spent), the pipe stays as
 * it was: only slower. */
static void
widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < (int)PIPE_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, (int)PIPE_BYTES);
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

/* Die naming the first bad record of a block known to hold one. */
static void
bad_event(const struct ev_reader *r, const struct ev_event *blk, size_t n, double *order)
{
	const char *why = "bad record";
	size_t bad = first_bad(blk, n, order, &why);

	die(EXIT_RUNTIME, "%s: bad event %llu at byte offset %llu: %s", r->name,
	    (unsigned long long)(r->count + bad),
	    (unsigned long long)(r->offset + bad * EV_RECORD_SIZE), why);
}

size_t
ev_read_block(struct ev_reader *r, struct ev_event **blk)
{
	size_t n;

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
	/* One pass over the block checks the values and, while the stream has
	 * been in order, the order too (see block_sorted_ok). */
	if (r->need_sorted || r->sorted) {
		if (block_sorted_ok(*blk, n, r->last_time)) {
			r->last_time = (*blk)[n - 1].time;
		} else if (r->need_sorted) {
			bad_event(r, *blk, n, &r->last_time);
		} else {
			if (!block_values_ok(*blk, n))
				bad_event(r, *blk, n, NULL);
			r->sorted = false;
		}
	} else if (!block_values_ok(*blk, n)) {
		bad_event(r, *blk, n, NULL);
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
	/* A default pipe's worth (64 KiB) or more goes out as it is, not
	 * copied: a filter that keeps part of each block (downsample
	 * --fraction 0.5, wrange) would otherwise copy every other block into
	 * the buffer on its way out. */
	if (bytes >= DIRECT_BYTES) {
		flush(w);	/* what is buffered (the header too) goes first */
		write_all(w, ev, bytes);
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
