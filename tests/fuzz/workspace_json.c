/* workspace_json: libFuzzer harness for the workspace's JSON schemas (meta/
 * fits, processing, generation, pipeline and search files: users write
 * them by hand).
 *
 * The input is parsed as JSON and checked against every kind; a refusal
 * must say why.  A processing file that validates must also decode (the two
 * are one reader), and decoding must free what it allocated. */
#include <stdint.h>
#include <stdlib.h>

#include "workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)data, size, 0, &err);
	char why[256];

	if (!j)
		return 0;
	for (int k = 0; k < WS_N_KINDS; k++) {
		why[0] = '\0';
		if (!ws_validate((enum ws_kind)k, j, why, sizeof why) && why[0] == '\0')
			abort();
	}
	struct ws_processing p;
	bool valid = ws_validate(WS_PROCESSING, j, why, sizeof why);

	if (ws_processing_from_json(j, &p, why, sizeof why) != valid)
		abort();
	if (valid)
		ws_processing_free(&p);
	json_decref(j);
	return 0;
}
