/* jschema: the JSON-schema helpers of the workspace files (docs/workspace.md),
 * shared by workspace, genparams and searchspec; a leaf module.
 *
 * Checking functions return false with "KEY: expected WHAT, got VALUE" in
 * `why` (see workspace.h).  The getters read obj[key] and accept its absence
 * (leaving *out untouched); `full` is the key as the message names it
 * ("trange.stop_s").  The ws_ names are the workspace vocabulary the tools
 * already use. */
#ifndef LL_JSCHEMA_H
#define LL_JSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,63} without "..": nothing that can leave
 * meta/KIND/.  Codes of generated datasets are [A-Z]{8}. */
bool ws_name_ok(const char *name);
bool ws_code_ok(const char *name);
#define WS_NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"

/* Quantities: a number in the key's unit, or "VALUE UNIT" in a compatible
 * unit, converted.  False with "KEY: expected ..." in `why`. */
enum ws_dim { WS_WAVELENGTH_NM, WS_TIME_S, WS_SPEED_KM_S };
bool ws_quantity(json_t *v, enum ws_dim dim, const char *key, double *out,
		 char *why, size_t why_size);

/* The shortest text that reads back as exactly `v` (%.Ng, N = 1..17). */
void ws_format_number(double v, char *buf, size_t size);

/* "a string", "a list", "an integer", "a number", ...: what `v` is. */
const char *js_type_name(json_t *v);

/* What a message says was found: short strings quoted, numbers as
 * ws_format_number writes them, other values by type.  Returns buf. */
const char *js_got(json_t *v, char *buf, size_t size);

/* Every key of obj must be in `allowed` (NULL-terminated); else
 * "PREFIXKEY: unknown key". */
bool js_check_keys(json_t *obj, const char *prefix, const char *const *allowed,
		   char *why, size_t why_size);

/* A quantity > 0 (ws_quantity). */
bool js_get_positive(json_t *obj, const char *key, const char *full, enum ws_dim dim,
		     double *out, char *why, size_t why_size);

/* An integer in [min, max]. */
bool js_get_int(json_t *obj, const char *key, const char *full, long long min, long long max,
		long long *out, char *why, size_t why_size);

/* A name (ws_name_ok) of `what` ("a dataset"); null too when nullable (*out NULL). */
bool js_get_name(json_t *obj, const char *key, const char *what, bool nullable,
		 const char **out, char *why, size_t why_size);

/* A string; `what` says which. */
bool js_get_string(json_t *obj, const char *key, const char *what, const char **out,
		   char *why, size_t why_size);

/* An object-valued key: absent is fine (*out NULL), else an object with only
 * `allowed` keys (checked as "KEY.SUBKEY"). */
bool js_get_object(json_t *obj, const char *key, const char *what, const char *const *allowed,
		   json_t **out, char *why, size_t why_size);

#endif
