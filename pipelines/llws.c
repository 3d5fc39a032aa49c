/* llws: read, check and edit the workspace's meta/ JSON from shell scripts,
 * so workflow scripts never edit JSON with sed (docs/workspace.md).
 * Exit: 0 ok, 1 invalid name/file or absent key, 2 usage. */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "workspace.h"

static const char usage_text[] =
	"usage: llws [-w DIR] COMMAND ARGS...\n"
	"Read, check and edit the workspace's meta/KIND/NAME.json files from shell\n"
	"scripts (KIND: fits processing generation pipeline search).  FILE arguments\n"
	"are relative to the workspace root: -w DIR, else $LL_WORKSPACE, else the\n"
	"current directory.  The kind of a FILE is the directory it is in.\n"
	"\n"
	"  check-name KIND NAME   exit 0 when NAME is a valid KIND name, else 1\n"
	"  path KIND NAME         print ROOT/meta/KIND/NAME.json (need not exist)\n"
	"  list KIND              print the names of meta/KIND/*.json, sorted\n"
	"  closest KIND NAME      print the existing KIND name nearest to NAME (a\n"
	"                         mistyped name); none near it: status 1\n"
	"  validate FILE...       check each file against its kind's schema\n"
	"  get FILE KEY           print KEY (a.b for nested keys, a.0 for list items):\n"
	"                         strings raw, numbers shortest, others compact JSON;\n"
	"                         absent: status 1\n"
	"  set FILE KEY JSON [KEY JSON...]\n"
	"                         set KEYs to the JSON values (creating FILE and\n"
	"                         nested objects as needed), validate, write atomically\n"
	"  set-string FILE KEY TEXT  set KEY to the string TEXT (no JSON quoting)\n"
	"  unset FILE KEY         remove KEY, validate, write atomically\n"
	"  new-code               print an unused 8-letter dataset code (no\n"
	"                         meta/fits/CODE.json, no data/ev/CODE.ev)\n"
	"\n"
	"  -w DIR           the workspace root\n"
	"  --help, --version\n"
	"\n"
	"Example: llws set meta/pipeline/m82.json B_fits_id '\"QKZMPRTA\"'\n"
	"         p=$(llws get meta/pipeline/m82.json processing) || p=default\n"
	"Exit status: 0 ok, 1 invalid name or file, absent key, I/O error;\n"
	"2 usage error.\n";

static const char *root;

static enum ws_kind
parse_kind(const char *word)
{
	enum ws_kind k;

	if (!ws_kind_parse(word, &k))
		cli_usage_error("unknown kind '%s' (fits, processing, generation, pipeline, search)", word);
	return k;
}

static void
need_args(int have, int want, const char *cmd)
{
	if (have != want)
		cli_usage_error("%s takes %d argument%s", cmd, want, want == 1 ? "" : "s");
}

/* The kind of FILE from its directory; a FILE elsewhere is a usage error. */
static enum ws_kind
file_kind(const char *file)
{
	enum ws_kind k;

	if (!ws_kind_of_path(file, &k, NULL))
		cli_usage_error("%s: expected a file meta/KIND/NAME.json (KIND: fits, processing, "
				"generation, pipeline, search; NAME: " WS_NAME_RULE ")", file);
	return k;
}

static json_t *
load_or_die(const char *path)
{
	char why[512];
	json_t *j = ws_load(path, why, sizeof why);

	if (!j)
		die(EXIT_RUNTIME, "%s: %s", path, why);
	return j;
}

static void
validate_or_die(const char *path, enum ws_kind k, json_t *j)
{
	char why[512];

	if (!ws_validate(k, j, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", path, why);
}

/* Walk "a.b.0": the value, or NULL.  With `create`, missing objects on the
 * way are made; *parent and *last then name the final slot. */
static json_t *
lookup(json_t *j, const char *key, bool create, json_t **parent, char *last, size_t last_size)
{
	char *copy = xstrdup(key), *save = NULL, *seg, *next;
	json_t *cur = j, *v = NULL;

	seg = strtok_r(copy, ".", &save);
	while (seg) {
		next = strtok_r(NULL, ".", &save);
		v = NULL;
		if (json_is_object(cur))
			v = json_object_get(cur, seg);
		else if (json_is_array(cur)) {
			char *end;
			unsigned long i = strtoul(seg, &end, 10);

			if (*end == '\0' && end != seg)
				v = json_array_get(cur, i);
		} else {
			cur = NULL;
			break;
		}
		if (!next) {
			if (parent)
				*parent = cur;
			snprintf(last, last_size, "%s", seg);
			break;
		}
		if (!v && create && json_is_object(cur)) {
			v = json_object();
			json_object_set_new(cur, seg, v);
		}
		if (!v) {
			cur = NULL;
			break;
		}
		cur = v;
		seg = next;
	}
	if (!cur && parent)
		*parent = NULL;
	free(copy);
	return cur ? v : NULL;
}

static void
write_json(const char *path, json_t *j)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	/* meta/KIND/ may not exist yet in a new workspace. */
	if (slash) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0777);
				*p = '/';
			}
		mkdir(dir, 0777);
	}
	free(dir);
	ws_write_json(path, j);
}

static void
print_value(json_t *v)
{
	char buf[40];

	if (json_is_string(v))
		fputs(json_string_value(v), stdout);
	else if (json_is_integer(v))
		printf("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		ws_format_number(json_real_value(v), buf, sizeof buf);
		fputs(buf, stdout);
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		fputs(s, stdout);
		free(s);
	}
	putchar('\n');
}

static int
cmd_check_name(int argc, char **argv)
{
	enum ws_kind k;

	need_args(argc, 2, "check-name");
	k = parse_kind(argv[0]);
	if (!ws_name_ok(argv[1]))
		die(EXIT_RUNTIME, "%s: expected a %s name (" WS_NAME_RULE ")", argv[1], ws_kind_name(k));
	return 0;
}

static int
cmd_path(int argc, char **argv)
{
	enum ws_kind k;
	char *p;

	need_args(argc, 2, "path");
	k = parse_kind(argv[0]);
	if (!ws_name_ok(argv[1]))
		die(EXIT_RUNTIME, "%s: expected a %s name (" WS_NAME_RULE ")", argv[1], ws_kind_name(k));
	p = ws_meta_path(root, k, argv[1]);
	puts(p);
	free(p);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the meta/KIND/ files (NAME.json), sorted, in a malloc'ed array of *n
 * malloc'ed strings (none yet: NULL, 0). */
static char **
list_names(enum ws_kind k, size_t *n_out)
{
	char rel[64], *dir;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	snprintf(rel, sizeof rel, "meta/%s", ws_kind_name(k));
	dir = ws_join(root, rel);
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			die(EXIT_RUNTIME, "%s: cannot read:", dir);
		free(dir);
		*n_out = 0;
		return NULL;	/* no such files yet: an empty list */
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n] = xstrdup(e->d_name);
		names[n][len - 5] = '\0';
		if (!ws_name_ok(names[n])) {
			free(names[n]);
			continue;
		}
		n++;
	}
	closedir(d);
	free(dir);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_str);
	*n_out = n;
	return names;
}

static int
cmd_list(int argc, char **argv)
{
	size_t n;
	char **names;

	need_args(argc, 1, "list");
	names = list_names(parse_kind(argv[0]), &n);
	for (size_t i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Edit distance between a and b, letters compared without case (names
 * are at most 64 characters). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65], i, j;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t sub = diag + (tolower((unsigned char)a[i - 1]) !=
					     tolower((unsigned char)b[j - 1]));
			size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;

			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[lb];
}

/* The existing name nearest to a mistyped one, for "did you mean": at most
 * half the longer name's length in edits, or one containing the other and
 * at least half its length. */
static int
cmd_closest(int argc, char **argv)
{
	enum ws_kind k;
	size_t n, best = (size_t)-1, limit;
	char **names;
	const char *pick = NULL;

	need_args(argc, 2, "closest");
	k = parse_kind(argv[0]);
	names = list_names(k, &n);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(argv[1], names[i]);
		size_t longer = strlen(argv[1]) > strlen(names[i]) ? strlen(argv[1]) : strlen(names[i]);

		limit = longer / 2 > 1 ? longer / 2 : 1;
		size_t shorter = strlen(argv[1]) + strlen(names[i]) - longer;
		bool contained = 2 * shorter >= longer &&
				 (strstr(names[i], argv[1]) || strstr(argv[1], names[i]));

		if (d > limit && !contained)
			continue;
		if (d < best) {
			best = d;
			pick = names[i];
		}
	}
	if (pick)
		puts(pick);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!pick)
		die(EXIT_RUNTIME, "%s: no %s name near it", argv[1], ws_kind_name(k));
	return 0;
}

static int
cmd_validate(int argc, char **argv)
{
	if (argc < 1)
		cli_usage_error("validate takes one or more files");
	for (int i = 0; i < argc; i++)
		file_kind(argv[i]);
	for (int i = 0; i < argc; i++) {
		char *path = ws_join(root, argv[i]);
		json_t *j = load_or_die(path);

		validate_or_die(path, file_kind(argv[i]), j);
		json_decref(j);
		free(path);
	}
	return 0;
}

static int
cmd_get(int argc, char **argv)
{
	char *path, last[256];
	json_t *j, *v;

	need_args(argc, 2, "get");
	path = ws_join(root, argv[0]);
	j = load_or_die(path);
	v = lookup(j, argv[1], false, NULL, last, sizeof last);
	if (!v)
		die(EXIT_RUNTIME, "%s: %s: no such key", path, argv[1]);
	print_value(v);
	json_decref(j);
	free(path);
	return 0;
}

/* set, set-string and unset: edit a copy, validate it, write it whole. */
static int
cmd_edit(int argc, char **argv, const char *cmd)
{
	bool is_unset = strcmp(cmd, "unset") == 0, is_string = strcmp(cmd, "set-string") == 0;
	enum ws_kind k;
	char *path, last[256];
	json_t *j;
	struct stat st;

	if (is_unset)
		need_args(argc, 2, cmd);
	else if (is_string)
		need_args(argc, 3, cmd);
	else if (argc < 3 || argc % 2 == 0)
		cli_usage_error("set takes FILE and pairs of KEY JSON");
	k = file_kind(argv[0]);
	path = ws_join(root, argv[0]);
	for (int i = 1; i < argc; i += 2)
		if (argv[i][0] == '\0' || argv[i][0] == '.' || argv[i][strlen(argv[i]) - 1] == '.' ||
		    strstr(argv[i], ".."))
			cli_usage_error("'%s': expected a key like name or a.b", argv[i]);
	j = stat(path, &st) == 0 || is_unset ? load_or_die(path) : json_object();
	if (!json_is_object(j))
		die(EXIT_RUNTIME, "%s: expected a JSON object", path);
	for (int i = 1; i < argc; i += 2) {
		json_t *parent = NULL, *v;

		if (is_unset) {
			if (!lookup(j, argv[i], false, &parent, last, sizeof last))
				die(EXIT_RUNTIME, "%s: %s: no such key", path, argv[i]);
			if (!json_is_object(parent))
				die(EXIT_RUNTIME, "%s: %s: only object keys can be removed", path, argv[i]);
			json_object_del(parent, last);
			continue;
		}
		if (is_string)
			v = json_string(argv[i + 1]);
		else {
			json_error_t err;

			v = json_loads(argv[i + 1], JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
			if (!v)
				cli_usage_error("%s: value '%s' is not valid JSON: %s "
						"(a string needs quotes: '\"text\"', or use set-string)",
						argv[i], argv[i + 1], err.text);
		}
		if (!v)
			die(EXIT_RUNTIME, "%s: %s: not valid UTF-8", path, argv[i]);
		lookup(j, argv[i], true, &parent, last, sizeof last);
		if (json_is_object(parent))
			json_object_set_new(parent, last, v);
		else if (json_is_array(parent) && json_array_get(parent, strtoul(last, NULL, 10)) &&
			 strspn(last, "0123456789") == strlen(last))
			json_array_set_new(parent, strtoul(last, NULL, 10), v);
		else
			die(EXIT_RUNTIME, "%s: %s: cannot be set (a value on the way is not an object)",
			    path, argv[i]);
	}
	validate_or_die(path, k, j);
	write_json(path, j);
	json_decref(j);
	free(path);
	return 0;
}

static bool
exists(const char *rel)
{
	char *p = ws_join(root, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

static int
cmd_new_code(int argc, char **argv)
{
	unsigned char bytes[64];
	int fd;

	(void)argv;
	need_args(argc, 0, "new-code");
	/* 26^8 = 2e11 codes: a few tries always find a free one. */
	for (int attempt = 0; attempt < 100; attempt++) {
		char code[9], rel[64];
		size_t used = 0;

		fd = open("/dev/urandom", O_RDONLY);
		if (fd < 0 || read(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes)
			die(EXIT_RUNTIME, "/dev/urandom: cannot read:");
		close(fd);
		for (size_t i = 0; i < sizeof bytes && used < 8; i++)
			if (bytes[i] < 234)	/* 234 = 9*26: no modulo bias */
				code[used++] = (char)('A' + bytes[i] % 26);
		if (used < 8)
			continue;
		code[8] = '\0';
		snprintf(rel, sizeof rel, "meta/fits/%s.json", code);
		if (exists(rel))
			continue;
		snprintf(rel, sizeof rel, "data/ev/%s.ev", code);
		if (exists(rel))
			continue;
		puts(code);
		return 0;
	}
	die(EXIT_RUNTIME, "no free dataset code found");
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *cmd;
	int i, status;

	cli_init(argc, argv, "llws", usage_text);
	/* Options only before the command: JSON values like -1 are operands. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--help") == 0)
			cli_common_option(CLI_HELP);
		else if (strcmp(argv[i], "--version") == 0)
			cli_common_option(CLI_VERSION);
		else if (strcmp(argv[i], "-w") == 0) {
			if (i + 1 >= argc)
				cli_usage_error("option '-w' needs a value");
			dir = argv[++i];
		} else if (strncmp(argv[i], "-w", 2) == 0)
			dir = argv[i] + 2;
		else
			cli_usage_error("unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		cli_usage_error("no command (check-name, path, list, closest, validate, get, set, set-string, "
				"unset, new-code)");
	root = ws_root(dir);
	cmd = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(cmd, "check-name") == 0)
		status = cmd_check_name(argc, argv);
	else if (strcmp(cmd, "path") == 0)
		status = cmd_path(argc, argv);
	else if (strcmp(cmd, "list") == 0)
		status = cmd_list(argc, argv);
	else if (strcmp(cmd, "closest") == 0)
		status = cmd_closest(argc, argv);
	else if (strcmp(cmd, "validate") == 0)
		status = cmd_validate(argc, argv);
	else if (strcmp(cmd, "get") == 0)
		status = cmd_get(argc, argv);
	else if (strcmp(cmd, "set") == 0 || strcmp(cmd, "set-string") == 0 || strcmp(cmd, "unset") == 0)
		status = cmd_edit(argc, argv, cmd);
	else if (strcmp(cmd, "new-code") == 0)
		status = cmd_new_code(argc, argv);
	else
		cli_usage_error("unknown command '%s'", cmd);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "stdout: write error:");
	return status;
}
