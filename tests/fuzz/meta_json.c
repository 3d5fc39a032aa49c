/* meta_json: libFuzzer harness for the metadata and GTI text parsers.
 *
 * The input is taken as a string for gti_parse, as JSON for gti_from_json
 * (whatever it accepts must be a normalised list that survives gti_to_json
 * and back), and as stream metadata: an object ev_parse_meta accepts must
 * come back equal (json_equal) from ev_format_header and a second parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "gti.h"

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

static void
fuzz_gti_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct gti_list g;

	memcpy(s, data, size);
	s[size] = '\0';
	if (gti_parse(s, &g)) {
		check_normalised(&g);
		if (g.n == 0)
			abort();	/* a list that parses holds an interval */
	}
	gti_free(&g);
	free(s);
}

static void
fuzz_gti_json(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &err), *back;
	struct gti_list g, g2;
	char why[256];

	if (!j)
		return;
	why[0] = '\0';
	if (!gti_from_json(j, &g, why, sizeof why)) {
		if (why[0] == '\0' || g.iv != NULL || g.n != 0)
			abort();
		json_decref(j);
		return;
	}
	check_normalised(&g);
	back = gti_to_json(&g);
	if (!gti_from_json(back, &g2, why, sizeof why) || g2.n != g.n ||
	    (g.n && memcmp(g.iv, g2.iv, g.n * sizeof *g.iv) != 0))
		abort();
	gti_free(&g);
	gti_free(&g2);
	json_decref(back);
	json_decref(j);
}

static void
fuzz_meta(const uint8_t *data, size_t size)
{
	json_t *meta = NULL, *back = NULL;
	unsigned char *h;
	size_t hsize;
	uint32_t meta_len;
	char why[512];

	if (ev_parse_meta((const char *)data, size, &meta, why, sizeof why) != EV_OK)
		return;
	h = ev_format_header(meta, &hsize);
	if (hsize % 8 != 0 || hsize < EV_PREFIX_SIZE ||
	    ev_parse_prefix(h, &meta_len, why, sizeof why) != EV_OK ||
	    meta_len != hsize - EV_PREFIX_SIZE)
		abort();
	if (ev_parse_meta((const char *)h + EV_PREFIX_SIZE, meta_len, &back, why, sizeof why) != EV_OK ||
	    !json_equal(meta, back))
		abort();
	free(h);
	json_decref(back);
	json_decref(meta);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_gti_text(data, size);
	fuzz_gti_json(data, size);
	fuzz_meta(data, size);
	return 0;
}
