/* table_csv: libFuzzer harness for the table reader (llplot, llsample and
 * searchplot read analyzers' CSV files with it, and users edit those).
 *
 * Whatever table_parse accepts must be consistent: named, distinct columns,
 * every row as wide as the header, a cell's number the strtod of its text
 * (NaN when empty or not a number), increasing line numbers, an object as
 * metadata.  Whatever it refuses must say why and where. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_table(const struct table *t)
{
	size_t nc = table_n_columns(t), nr = table_n_rows(t);
	unsigned long last = 0;

	if (nc == 0 || !json_is_object(table_meta(t)))
		abort();
	for (size_t c = 0; c < nc; c++) {
		const char *name = table_column_name(t, c);

		if (!name || !name[0] || table_column(t, name) != (long)c)
			abort();	/* names are non-empty and distinct */
	}
	for (size_t r = 0; r < nr; r++) {
		if (table_row_line(t, r) <= last)
			abort();
		last = table_row_line(t, r);
		for (size_t c = 0; c < nc; c++) {
			const char *text = table_text(t, r, c);
			double v = table_value(t, r, c);

			if (!text || (text[0] == '\0' && !isnan(v)))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table *t = NULL;
	unsigned long line = 99;
	char why[256];

	why[0] = '\0';
	if (table_parse((const char *)data, size, "fuzz", &t, &line, why, sizeof why)) {
		check_table(t);
		table_free(t);
	} else if (t != NULL || why[0] == '\0') {
		abort();
	}
	return 0;
}
