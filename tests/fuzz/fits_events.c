/* fits_events: libFuzzer harness for the FITS event reader behind fits2ev.
 *
 * The input is a FITS file in memory (cfitsio's memory driver), read through
 * the inner layer (fits_events_open_memory, fits_events_try_read), which
 * reports errors instead of exiting, in three ways: the automatic wavelength
 * column, --no-wavelength, and a scaled channel column with --dither.  A file
 * the reader refuses must come with a one-line reason; one it accepts must
 * deliver exactly its row count of events with valid times (finite, >= 0),
 * wavelengths (NaN or finite >= 0) and wbins (>= -1), metadata the stream
 * header can carry, and GTIs that are a normalised, non-empty list.  The
 * seeds (tests/fuzz/seeds/fits_events) are small cuts of the real files in
 * tests/data: ACIS with one and with five per-CCD GTI extensions, HRC,
 * NICER, RXTE and an ev2fits file with LLMETA. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "fits_events.h"
#include "gti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* cfitsio allocates what a header asks for (TFIELDS = 10^14 columns) and
 * handles a NULL from calloc as the error it is; ASan would abort first.
 * Allocations over 1 GiB return NULL at once: one that succeeds (the
 * kernel maps it lazily) would trip libFuzzer's malloc limit instead. */
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

#define BLOCK 1000

static void
check_meta(json_t *meta)
{
	json_t *g = json_object_get(meta, "gti");
	struct gti_list list;
	unsigned char *h;
	size_t hsize;
	char why[256];

	if (!json_is_object(meta))
		abort();
	h = ev_format_header(meta, &hsize);
	if (!h || hsize % 8 != 0)
		abort();
	free(h);
	if (!g)
		return;
	if (!gti_from_json(g, &list, why, sizeof why) || list.n == 0 ||
	    list.n != json_array_size(g))
		abort();	/* written normalised, with some good time */
	gti_free(&list);
}

static void
read_variant(const uint8_t *data, size_t size, const struct fits_events_opts *o)
{
	static struct ev_event ev[BLOCK];
	char why[1024] = "";
	struct fits_events_reader *r = fits_events_open_memory(data, size, o, why, sizeof why);
	long long rows, seen = 0;
	long n;

	if (!r) {
		if (why[0] == '\0' || strchr(why, '\n'))
			abort();
		return;
	}
	check_meta(fits_events_meta(r));
	rows = fits_events_rows(r);
	while ((n = fits_events_try_read(r, ev, BLOCK, why, sizeof why)) > 0) {
		for (long i = 0; i < n; i++) {
			float w = ev[i].wavelength;

			if (!(ev[i].time >= 0 && isfinite(ev[i].time)) || ev[i].wbin < -1 ||
			    !(isnan(w) || (w >= 0 && isfinite(w))) ||
			    (o->no_wavelength && !isnan(w)))
				abort();
		}
		seen += n;
	}
	if (n < 0 ? why[0] == '\0' || strchr(why, '\n') != NULL : seen != rows)
		abort();
	fits_events_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fits_events_opts variants[] = {
		{ .path = "fuzz.fits", .gti_ccd = -1 },
		{ .path = "fuzz.fits", .gti_ccd = -1, .no_wavelength = true },
		{ .path = "fuzz.fits", .gti_ccd = -1, .wave_col = "PI",
		  .wave_unit = { FITS_EVENTS_UNIT_EV, 14.6 }, .dither = true, .seed = 1 },
	};

	for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++)
		read_variant(data, size, &variants[k]);
	return 0;
}
