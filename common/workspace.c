/* workspace: kinds, names and paths of the meta/ JSON files, reading and
 * writing them (docs/workspace.md).  The schemas of the kinds are in
 * workspace_kinds.c, the value helpers in jschema.c. */
#include "workspace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "die.h"

static const char *const kind_names[WS_N_KINDS] = {
	"fits", "processing", "generation", "pipeline", "search",
};

const char *
ws_kind_name(enum ws_kind k)
{
	return kind_names[k];
}

bool
ws_kind_parse(const char *word, enum ws_kind *k)
{
	for (int i = 0; i < WS_N_KINDS; i++)
		if (strcmp(word, kind_names[i]) == 0) {
			*k = (enum ws_kind)i;
			return true;
		}
	return false;
}


bool
ws_kind_of_path(const char *path, enum ws_kind *k, char **name)
{
	const char *base = strrchr(path, '/'), *dir_end, *dir;
	size_t n;
	char word[32], stem[80];

	if (!base)
		return false;
	dir_end = base;
	base++;
	dir = dir_end;
	while (dir > path && dir[-1] != '/')
		dir--;
	n = (size_t)(dir_end - dir);
	if (n == 0 || n >= sizeof word)
		return false;
	memcpy(word, dir, n);
	word[n] = '\0';
	if (!ws_kind_parse(word, k))
		return false;
	n = strlen(base);
	if (n <= 5 || n - 5 >= sizeof stem || strcmp(base + n - 5, ".json") != 0)
		return false;
	memcpy(stem, base, n - 5);
	stem[n - 5] = '\0';
	if (!ws_name_ok(stem))
		return false;
	if (name)
		*name = xstrdup(stem);
	return true;
}

const char *
ws_root(const char *dir)
{
	const char *env;

	if (dir)
		return dir;
	env = getenv("LL_WORKSPACE");
	return env && *env ? env : ".";
}

char *
ws_join(const char *root, const char *rel)
{
	size_t n;
	char *s;

	if (rel[0] == '/' || strcmp(root, ".") == 0)
		return xstrdup(rel);
	n = strlen(root) + strlen(rel) + 2;
	s = xmalloc(n);
	snprintf(s, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
	return s;
}

char *
ws_meta_path(const char *root, enum ws_kind k, const char *name)
{
	size_t n = strlen(name) + 32;
	char *rel = xmalloc(n), *s;

	snprintf(rel, n, "meta/%s/%s.json", kind_names[k], name);
	s = ws_join(root, rel);
	free(rel);
	return s;
}

json_t *
ws_load(const char *path, char *why, size_t why_size)
{
	json_error_t err;
	json_t *j;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(why, why_size, "cannot read: %s", strerror(errno));
		return NULL;
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!j)
		snprintf(why, why_size, "not valid JSON: %s (line %d)", err.text, err.line);
	return j;
}


/* Reals at 15 digits read back exactly for every value a person typed
 * (0.1 stays 0.1); values needing more keep 17. */
static bool
reals_fit_15(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	char buf[40];

	if (json_is_real(j)) {
		snprintf(buf, sizeof buf, "%.15g", json_real_value(j));
		return strtod(buf, NULL) == json_real_value(j);
	}
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			if (!reals_fit_15(v))
				return false;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (!reals_fit_15(v))
				return false;
	}
	return true;
}

void
ws_write_json(const char *path, json_t *j)
{
	struct atomic_file *af = atomic_open(path);
	FILE *f = atomic_stream(af);

	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(reals_fit_15(j) ? 15 : 17)) != 0 ||
	    fputc('\n', f) == EOF)
		die(EXIT_RUNTIME, "%s: write error:", path);
	atomic_commit(af);
}
