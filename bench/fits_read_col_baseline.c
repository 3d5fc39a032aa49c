/* fits_read_col_baseline: the plain cfitsio way to read an event list, as a
 * yardstick for fits2ev.  Reads TIME and ENERGY of the EVENTS table with
 * fits_read_col in fits_get_rowsize() chunks and prints the row count and
 * the sums (so nothing is optimised away).  Built by the bench scripts:
 *	cc -O2 -o build/fits_read_col_baseline bench/fits_read_col_baseline.c \
 *		$(pkg-config --cflags --libs cfitsio)
 * usage: fits_read_col_baseline FILE.fits */
#include <stdio.h>
#include <stdlib.h>

#include <fitsio.h>

int
main(int argc, char **argv)
{
	fitsfile *f;
	int status = 0, ct, ce, anynul;
	long chunk;
	LONGLONG rows;
	double *t, *e, st = 0, se = 0;
	char time_name[] = "TIME", energy_name[] = "ENERGY", events[] = "EVENTS";

	if (argc != 2) {
		fprintf(stderr, "usage: fits_read_col_baseline FILE.fits\n");
		return 2;
	}
	fits_open_file(&f, argv[1], READONLY, &status);
	fits_movnam_hdu(f, BINARY_TBL, events, 0, &status);
	fits_get_colnum(f, CASEINSEN, time_name, &ct, &status);
	fits_get_colnum(f, CASEINSEN, energy_name, &ce, &status);
	fits_get_num_rowsll(f, &rows, &status);
	fits_get_rowsize(f, &chunk, &status);
	if (status) {
		fits_report_error(stderr, status);
		return 1;
	}
	t = malloc((size_t)chunk * sizeof *t);
	e = malloc((size_t)chunk * sizeof *e);
	for (LONGLONG row = 1; row <= rows && status == 0; row += chunk) {
		long n = rows - row + 1 < chunk ? (long)(rows - row + 1) : chunk;

		fits_read_col(f, TDOUBLE, ct, row, 1, n, NULL, t, &anynul, &status);
		fits_read_col(f, TDOUBLE, ce, row, 1, n, NULL, e, &anynul, &status);
		for (long i = 0; i < n; i++) {
			st += t[i];
			se += e[i];
		}
	}
	fits_close_file(f, &status);
	if (status) {
		fits_report_error(stderr, status);
		return 1;
	}
	printf("%lld rows, sum time %.17g, sum energy %.17g\n", (long long)rows, st, se);
	free(t);
	free(e);
	return 0;
}
