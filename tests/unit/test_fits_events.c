/* test_fits_events: units with a scale, and the in-memory reader the fuzz
 * harness drives: it reads what the file reader reads (a file ev2fits
 * writes, with timedel and GTIs), and refuses cut copies with a reason.
 * Prints TAP lines; exits 1 when any check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ev.h"
#include "fits_events.h"
#include "tap.h"

static int
unit_is(const char *word, enum fits_events_unit_base base, double scale, const char *text)
{
	struct fits_events_unit u;
	char buf[64];

	if (!fits_events_parse_unit(word, &u) || u.base != base || u.scale != scale)
		return 0;
	fits_events_unit_text(&u, buf, sizeof buf);
	return strcmp(buf, text) == 0;
}

static int
unit_refused(const char *word)
{
	struct fits_events_unit u = { FITS_EVENTS_UNIT_NM, 7 };

	return !fits_events_parse_unit(word, &u) && u.base == FITS_EVENTS_UNIT_NM && u.scale == 7;
}

/* The bytes of the file at path, malloc'ed. */
static unsigned char *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(1 << 20);

	*size = fread(p, 1, 1 << 20, f);
	fclose(f);
	return p;
}

int
main(void)
{
	char path[] = "/tmp/test_fits_events.XXXXXX", why[1024];
	struct ev_event ev[5], back[8];
	struct fits_events_opts o = { .path = "mem.fits", .gti_ccd = -1, .no_wavelength = true };
	struct fits_events_reader *r;
	json_t *meta = json_pack("{sfsfs[[ff][ff]]}", "timedel", 3.24104, "timepixr", 0.5,
				 "gti", 10.0, 20.0, 30.0, 40.0);
	struct fits_events_writer *w;
	unsigned char *bytes;
	size_t size;
	long n;
	int fd = mkstemp(path);

	check(unit_is("14.6eV", FITS_EVENTS_UNIT_EV, 14.6, "14.6ev") &&
	      unit_is("10 eV", FITS_EVENTS_UNIT_EV, 10, "10ev") &&
	      unit_is("keV", FITS_EVENTS_UNIT_KEV, 1, "kev") &&
	      unit_is("0.0146keV", FITS_EVENTS_UNIT_KEV, 0.0146, "0.0146kev") &&
	      unit_is("Angstrom", FITS_EVENTS_UNIT_ANGSTROM, 1, "angstrom") &&
	      unit_is("A", FITS_EVENTS_UNIT_ANGSTROM, 1, "angstrom") &&
	      unit_is("2nm", FITS_EVENTS_UNIT_NM, 2, "2nm"),
	      "units with and without a scale, and their text");
	check(unit_refused("0x10eV") && unit_refused("infeV") && unit_refused("nan ev") &&
	      unit_refused("-1eV") && unit_refused("0eV") && unit_refused("") &&
	      unit_refused("chan") && unit_refused("1e400ev") && unit_refused("ev ev"),
	      "hexadecimal, infinite, negative, zero, unknown and overflowing scales are refused");

	for (int i = 0; i < 5; i++)
		ev[i] = (struct ev_event){ 10.5 + 6 * i, NAN, -1 };
	close(fd);
	w = fits_events_create(path, path, meta);
	fits_events_write(w, ev, 5);
	fits_events_finish(w);
	bytes = slurp(path, &size);

	r = fits_events_open_memory(bytes, size, &o, why, sizeof why);
	check(r != NULL, "a file ev2fits writes opens from memory");
	if (r) {
		json_t *m = fits_events_meta(r);

		n = fits_events_try_read(r, back, 8, why, sizeof why);
		check(n == 5 && fits_events_rows(r) == 5 && back[0].time == 10.5 && back[4].time == 34.5 &&
		      isnan(back[2].wavelength) && back[3].wbin == -1, "its five events, exactly");
		check(json_real_value(json_object_get(m, "timedel")) == 3.24104 &&
		      json_real_value(json_object_get(m, "timepixr")) == 0.5,
		      "timedel and timepixr come back through TIMEDEL/TIMEPIXR");
		check(json_equal(json_object_get(m, "gti"), json_object_get(meta, "gti")),
		      "the GTIs come back");
		fits_events_close(r);
	}
	for (size_t cut = 2880; cut < size; cut += 1000) {
		why[0] = '\0';
		r = fits_events_open_memory(bytes, cut, &o, why, sizeof why);
		if (r || why[0] == '\0' || strchr(why, '\n')) {
			check(0, "every cut copy is refused with a one-line reason");
			fits_events_close(r);
			break;
		}
		if (cut + 1000 >= size)
			check(1, "every cut copy is refused with a one-line reason");
	}
	o.filter = "TIME > 1";
	r = fits_events_open_memory(bytes, size, &o, why, sizeof why);
	check(r == NULL && strcmp(why, "--filter needs a file, not memory") == 0,
	      "--filter needs a file");
	o.filter = NULL;
	r = fits_events_open_memory(bytes, size, &o, why, sizeof why);
	if (r) {
		struct fits_events_cursor *a = fits_events_cursor_new(r), *b = fits_events_cursor_new(r);
		struct ev_event x[8], y[8];
		long na = fits_events_try_read_at(a, 4, x, 8, why, sizeof why);
		long nb = fits_events_try_read_at(b, 1, y, 3, why, sizeof why);

		check(fits_events_parallel(r) && na == 2 && nb == 3 && x[0].time == 28.5 &&
		      x[1].time == 34.5 && y[0].time == 10.5 && y[2].time == 22.5 &&
		      fits_events_try_read_at(a, 6, x, 8, why, sizeof why) == 0 &&
		      fits_events_try_read(r, back, 8, why, sizeof why) == 5 && back[0].time == 10.5,
		      "two cursors read rows by number, out of order, past the end none, "
		      "and leave try_read's position alone");
		fits_events_cursor_free(a);
		fits_events_cursor_free(b);
		fits_events_close(r);
	}
	free(bytes);
	unlink(path);
	json_decref(meta);
	return tap_done();
}
