/* jschema: the JSON-schema helpers every workspace file kind is checked
 * with (workspace, genparams, searchspec): value descriptions, allowed keys,
 * quantities with units, names, numbers people read.  A leaf: it knows no
 * file kind. */
#include "jschema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define FAIL(...) do { snprintf(why, why_size, __VA_ARGS__); return false; } while (0)

bool
ws_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64 || !isalnum((unsigned char)name[0]) || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		/* isalnum() depends on the locale; names are ASCII only. */
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool
ws_code_ok(const char *name)
{
	if (strlen(name) != 8)
		return false;
	for (int i = 0; i < 8; i++)
		if (name[i] < 'A' || name[i] > 'Z')
			return false;
	return true;
}


const char *
js_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* "got ..." text: short strings quoted, other values by type. */
const char *
js_got(json_t *v, char *buf, size_t size)
{
	if (json_is_string(v) && json_string_length(v) < 40)
		snprintf(buf, size, "\"%s\"", json_string_value(v));
	else if (json_is_number(v)) {
		ws_format_number(json_number_value(v), buf, size);
	} else
		snprintf(buf, size, "%s", js_type_name(v));
	return buf;
}

void
ws_format_number(double v, char *buf, size_t size)
{
	/* Whole numbers as people write them: 1000, not 1e+03. */
	/* The range first: converting a double beyond long long is undefined. */
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Every key of obj must be in `allowed` (NULL-terminated). */
bool
js_check_keys(json_t *obj, const char *prefix, const char *const *allowed, char *why, size_t why_size)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(key, *a) == 0;
		if (!ok)
			FAIL("%s%s: unknown key", prefix, key);
	}
	return true;
}

struct unit { const char *name; double factor; bool inverse; };

static const struct unit wave_units[] = {
	{ "nm", 1, false }, { "angstrom", 0.1, false }, { "eV", 1239.84198, true },
	{ "keV", 1.23984198, true }, { NULL, 0, false },
};
static const struct unit time_units[] = {
	{ "s", 1, false }, { "ms", 1e-3, false }, { "ks", 1e3, false }, { NULL, 0, false },
};
static const struct unit speed_units[] = {
	{ "km/s", 1, false }, { "m/s", 1e-3, false }, { NULL, 0, false },
};

bool
ws_quantity(json_t *v, enum ws_dim dim, const char *key, double *out, char *why, size_t why_size)
{
	static const char *const what[] = {
		"a wavelength: a number in nm, or \"VALUE UNIT\" with UNIT nm, angstrom, eV or keV",
		"a time: a number in s, or \"VALUE UNIT\" with UNIT s, ms or ks",
		"a speed: a number in km/s, or \"VALUE UNIT\" with UNIT km/s or m/s",
	};
	const struct unit *units = dim == WS_WAVELENGTH_NM ? wave_units :
		dim == WS_TIME_S ? time_units : speed_units;
	char buf[64];

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		double x;

		errno = 0;
		x = strtod(s, &end);
		/* Decimal only, as option values (cli.h): "0x10 s" is not 16 s. */
		if (end != s && end == s + cli_decimal_length(s) && errno == 0 && isfinite(x) &&
		    *end == ' ') {
			while (*end == ' ')
				end++;
			for (const struct unit *u = units; u->name; u++) {
				if (strcasecmp(end, u->name) != 0)
					continue;
				if (u->inverse) {
					if (!(x > 0))
						break;
					*out = u->factor / x;
				} else
					*out = x * u->factor;
				return true;
			}
		}
	}
	FAIL("%s: expected %s, got %s", key, what[dim], js_got(v, buf, sizeof buf));
}

bool
js_get_positive(json_t *obj, const char *key, const char *full, enum ws_dim dim, double *out,
	     char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!ws_quantity(v, dim, full, out, why, why_size))
		return false;
	if (!(*out > 0) || !isfinite(*out))
		FAIL("%s: expected a value > 0, got %s", full, js_got(v, buf, sizeof buf));
	return true;
}

bool
js_get_int(json_t *obj, const char *key, const char *full, long long min, long long max,
	long long *out, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		if (max == LLONG_MAX)
			FAIL("%s: expected an integer >= %lld, got %s", full, min, js_got(v, buf, sizeof buf));
		FAIL("%s: expected an integer in [%lld, %lld], got %s", full, min, max,
		     js_got(v, buf, sizeof buf));
	}
	*out = json_integer_value(v);
	return true;
}

bool
js_get_name(json_t *obj, const char *key, const char *what, bool nullable, const char **out,
	 char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (nullable && json_is_null(v)) {
		*out = NULL;
		return true;
	}
	if (!json_is_string(v) || !ws_name_ok(json_string_value(v)))
		FAIL("%s: expected %s name (" WS_NAME_RULE ")%s, got %s", key, what,
		     nullable ? " or null" : "", js_got(v, buf, sizeof buf));
	*out = json_string_value(v);
	return true;
}

bool
js_get_string(json_t *obj, const char *key, const char *what, const char **out, char *why,
	   size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (!v)
		return true;
	if (!json_is_string(v))
		FAIL("%s: expected %s, got %s", key, what, js_got(v, buf, sizeof buf));
	*out = json_string_value(v);
	return true;
}

/* An object-valued key: absent is fine (*out NULL), else must be an object
 * with only `allowed` keys. */
bool
js_get_object(json_t *obj, const char *key, const char *what, const char *const *allowed,
	   json_t **out, char *why, size_t why_size)
{
	json_t *v = json_object_get(obj, key);
	char prefix[64], buf[64];

	*out = NULL;
	if (!v)
		return true;
	if (!json_is_object(v))
		FAIL("%s: expected %s, got %s", key, what, js_got(v, buf, sizeof buf));
	snprintf(prefix, sizeof prefix, "%s.", key);
	if (!js_check_keys(v, prefix, allowed, why, why_size))
		return false;
	*out = v;
	return true;
}

