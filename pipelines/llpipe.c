/* llpipe: meta/pipeline/NAME.json -> pipelines/NAME.sh, a readable POSIX sh
 * script running one program per stage (docs/workspace.md); --make writes
 * make rules running many pipelines incrementally.
 * Exit: 0 ok, 1 invalid or missing workspace file, 2 usage. */
#include <errno.h>
#include <stdarg.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "workspace.h"

static const char usage_text[] =
	"usage: llpipe [-w DIR] [-o FILE] PIPELINE...\n"
	"       llpipe [-w DIR] --make [-o FILE] [PIPELINE...]\n"
	"       llpipe [-w DIR] --stages|--analyses SLOT PIPELINE\n"
	"Write the POSIX sh script of each pipeline, pipelines/NAME.sh: one\n"
	"program per stage with explicit flags, each stage's stream in its own\n"
	"file under out/NAME/ (so a failing stage stops the script), then the\n"
	"analyses (tables out/NAME/SLOT_ANALYSIS.csv, compare.csv, chunktest.csv)\n"
	"and the plots (out/NAME/plots/).  A PIPELINE is meta/pipeline/NAME.json\n"
	"or NAME; paths are relative to the workspace root: -w DIR, else\n"
	"$LL_WORKSPACE, else the current directory.  Every file the pipeline names\n"
	"is read and checked first: on any error nothing is written.\n"
	"\n"
	"  --make           write make rules instead (default pipelines/all.mk) for\n"
	"                   the PIPELINEs, or every meta/pipeline/*.json: target\n"
	"                   out/NAME/.done, remade when the JSON files, the input\n"
	"                   data or the programs change; run from the workspace\n"
	"                   root with make -j4 -f pipelines/all.mk\n"
	"  --stages SLOT    write nothing; print the commands of slot SLOT (A or B)\n"
	"                   of the script, one per line: its source first (which\n"
	"                   may name \"$O\", the pipeline's out/NAME), then its\n"
	"                   filters, as the script runs them\n"
	"  --analyses SLOT  write nothing; print the analyses of slot SLOT, one\n"
	"                   per line, PROGRAM FLAGS... without the script's -o and\n"
	"                   input (which are out/NAME/SLOT_PROGRAM.csv, SLOT.ev)\n"
	"  -o, --output F   the script (one PIPELINE) or the make file to write\n"
	"  -w DIR           the workspace root\n"
	"  --help, --version\n"
	"\n"
	"Example: llpipe meta/pipeline/m82.json && sh pipelines/m82.sh\n"
	"         llpipe --make && make -j4 -f pipelines/all.mk\n"
	"         llpipe --stages B m82 | sed 1d    (B's filters)\n"
	"Exit status: 0 ok, 1 invalid, missing or unreadable workspace file,\n"
	"2 usage error.\n";

enum { OPT_MAKE = CLI_FIRST_PROGRAM_OPTION, OPT_STAGES, OPT_ANALYSES };

static const char *root;

/* Everything one pipeline's script needs, resolved and checked. */
struct plan {
	char *name;
	char *file;			/* the pipeline JSON, relative to root */
	json_t *pj, *aj, *bj, *prj, *gj;
	struct ws_pipeline p;
	struct ws_dataset a, b;		/* b valid when p.b_fits_id */
	char *a_file, *b_file, *proc_file, *gen_file;	/* gen_file NULL: llgen not run */
	const char *proc_name;
	struct ws_processing proc;
	bool analyses[WS_N_ANALYSES];
	bool has_b;
	const char *programs[32];	/* the programs the script runs */
	size_t n_programs;
};

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s, probe[1];
	int n;

	va_start(ap, f);
	n = f ? vsnprintf(probe, sizeof probe, f, ap) : 0;
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* Read and validate a workspace JSON file (path relative to root); dies
 * "llpipe: FILE: why" where FILE is the path as the user sees it. */
static json_t *
load_checked(const char *rel, enum ws_kind k)
{
	char why[512], *path = ws_join(root, rel);
	json_t *j = ws_load(path, why, sizeof why);

	if (!j)
		die(EXIT_RUNTIME, "%s: %s", rel, why);
	if (!ws_validate(k, j, why, sizeof why))
		die(EXIT_RUNTIME, "%s: %s", rel, why);
	free(path);
	return j;
}

/* The file named by KEY of FILE must exist. */
static void
need_file(const char *file, const char *key, const char *what, const char *rel)
{
	char *path = ws_join(root, rel);
	struct stat st;

	if (stat(path, &st) != 0)
		die(EXIT_RUNTIME, "%s: %s: expected %s (%s: %s)", file, key, what, rel, strerror(errno));
	free(path);
}

static void
add_program(struct plan *pl, const char *prog)
{
	for (size_t i = 0; i < pl->n_programs; i++)
		if (strcmp(pl->programs[i], prog) == 0)
			return;
	pl->programs[pl->n_programs++] = prog;
}

static bool
is_ev_path(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".ev") == 0;
}

/* PIPELINE operand: NAME, or a path ending in pipeline/NAME.json. */
static void
plan_name(struct plan *pl, const char *arg)
{
	enum ws_kind k;

	if (!strchr(arg, '/') && !strstr(arg, ".json")) {
		if (!ws_name_ok(arg))
			die(EXIT_RUNTIME, "%s: expected a pipeline name (" WS_NAME_RULE ")", arg);
		pl->name = xstrdup(arg);
		pl->file = ws_meta_path(".", WS_PIPELINE, arg);
		return;
	}
	if (!ws_kind_of_path(arg, &k, &pl->name) || k != WS_PIPELINE)
		die(EXIT_RUNTIME, "%s: expected a pipeline file meta/pipeline/NAME.json "
		    "(NAME: " WS_NAME_RULE ")", arg);
	pl->file = xstrdup(arg);
}

static void
plan_load(struct plan *pl, const char *arg)
{
	char why[512], *path;
	struct stat st;

	plan_name(pl, arg);
	path = ws_join(root, pl->file);
	if (stat(path, &st) != 0)
		die(EXIT_RUNTIME, "%s: no such pipeline: %s", pl->file, strerror(errno));
	free(path);
	pl->pj = load_checked(pl->file, WS_PIPELINE);
	ws_pipeline_from_json(pl->pj, &pl->p, why, sizeof why);

	pl->a_file = ws_meta_path(".", WS_FITS, pl->p.a_fits_id);
	need_file(pl->file, "A_fits_id", "an existing dataset", pl->a_file);
	pl->aj = load_checked(pl->a_file, WS_FITS);
	ws_dataset_from_json(pl->aj, &pl->a, why, sizeof why);
	need_file(pl->a_file, json_object_get(pl->aj, "path") ? "path" : "fits",
		  "an existing file", pl->a.path);

	pl->has_b = pl->p.n_b_filters > 0;
	if (pl->has_b && pl->p.b_fits_id) {
		pl->b_file = ws_meta_path(".", WS_FITS, pl->p.b_fits_id);
		need_file(pl->file, "B_fits_id", "an existing dataset", pl->b_file);
		pl->bj = load_checked(pl->b_file, WS_FITS);
		ws_dataset_from_json(pl->bj, &pl->b, why, sizeof why);
		need_file(pl->b_file, json_object_get(pl->bj, "path") ? "path" : "fits",
			  "an existing file", pl->b.path);
	}

	pl->proc_name = pl->p.processing ? pl->p.processing :
		pl->a.processing ? pl->a.processing : "default";
	pl->proc_file = ws_meta_path(".", WS_PROCESSING, pl->proc_name);
	need_file(pl->p.processing ? pl->file : pl->a.processing ? pl->a_file : pl->file,
		  "processing", "an existing processing", pl->proc_file);
	pl->prj = load_checked(pl->proc_file, WS_PROCESSING);
	ws_processing_from_json(pl->prj, &pl->proc, why, sizeof why);

	if (pl->has_b && pl->p.b_filters[0] == WS_F_GENERATE && !pl->p.b_fits_id) {
		pl->gen_file = ws_meta_path(".", WS_GENERATION, pl->p.generation);
		need_file(pl->file, "generation", "an existing generation", pl->gen_file);
		pl->gj = load_checked(pl->gen_file, WS_GENERATION);
	}

	memcpy(pl->analyses, pl->p.has_analyses ? pl->p.analyses : pl->proc.analyses,
	       sizeof pl->analyses);
	for (int s = 0; s < 2; s++) {
		const enum ws_filter *f = s ? pl->p.b_filters : pl->p.a_filters;
		size_t n = s ? pl->p.n_b_filters : pl->p.n_a_filters;

		for (size_t i = 0; i < n; i++)
			if ((f[i] == WS_F_DOWNSAMPLE && !pl->proc.ds_n && !pl->proc.ds_fraction) ||
			    (f[i] == WS_F_TRANGE && !pl->proc.has_trange) ||
			    (f[i] == WS_F_TTHINNING && !pl->proc.has_tthinning))
				die(EXIT_RUNTIME, "%s: %s_filters[%zu]: expected a filter the processing "
				    "can drive (%s is %s in %s)", pl->file, s ? "B" : "A", i,
				    ws_filter_name(f[i]), f[i] == WS_F_DOWNSAMPLE ? "null" : "not set",
				    pl->proc_file);
			else if (!pl->proc.has_range &&
				 (f[i] == WS_F_WRANGE || (f[i] == WS_F_WBIN && !pl->proc.n_edges)))
				die(EXIT_RUNTIME, "%s: %s_filters[%zu]: expected a filter the processing "
				    "can drive (%s has no wavelength range for %s)", pl->file,
				    s ? "B" : "A", i, pl->proc_file, ws_filter_name(f[i]));
	}
}

static void
plan_free(struct plan *pl)
{
	ws_processing_free(&pl->proc);
	json_decref(pl->pj);
	json_decref(pl->aj);
	json_decref(pl->bj);
	json_decref(pl->prj);
	json_decref(pl->gj);
	free(pl->name);
	free(pl->file);
	free(pl->a_file);
	free(pl->b_file);
	free(pl->proc_file);
	free(pl->gen_file);
}

/* ------------------------------------------------------------------ */
/* The script. */

/* 'TEXT' with ' written '\''. */
static void
put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void
put_num(FILE *f, double v)
{
	char buf[40];

	ws_format_number(v, buf, sizeof buf);
	put_quoted(f, buf);
}

static void
put_source(FILE *f, struct plan *pl, const struct ws_dataset *d, const char *dfile)
{
	if (is_ev_path(d->path)) {
		fputs("stage source cat ", f);
		put_quoted(f, d->path);
	} else {
		add_program(pl, "fits2ev");
		fputs("stage source fits2ev --meta ", f);
		put_quoted(f, dfile);
	}
	fputc('\n', f);
}

static void
put_filter(FILE *f, struct plan *pl, enum ws_filter flt)
{
	const struct ws_processing *pr = &pl->proc;
	const char *name = ws_filter_name(flt);

	add_program(pl, name);
	fprintf(f, "stage %s %s", name, name);
	switch (flt) {
	case WS_F_WRANGE:
		fputs(" --min ", f);
		put_num(f, pr->min_nm);
		fputs(" --max ", f);
		put_num(f, pr->max_nm);
		break;
	case WS_F_WBIN:
		if (pr->n_edges) {
			char buf[40];

			fputs(" --edges '", f);
			for (size_t i = 0; i < pr->n_edges; i++) {
				ws_format_number(pr->edges[i], buf, sizeof buf);
				fprintf(f, "%s%s", i ? "," : "", buf);
			}
			fputc('\'', f);
		} else {
			fprintf(f, " --n '%zu'%s --min ", pr->wbin_count, pr->wbin_log ? " --log" : "");
			put_num(f, pr->min_nm);
			fputs(" --max ", f);
			put_num(f, pr->max_nm);
		}
		break;
	case WS_F_DOWNSAMPLE:
		if (pr->ds_n)
			fprintf(f, " --n '%llu'", (unsigned long long)pr->ds_count);
		else {
			fputs(" --fraction ", f);
			put_num(f, pr->ds_frac);
		}
		break;
	case WS_F_TRANGE:
		fputs(" --start ", f);
		put_num(f, pr->trange_start_s);
		if (isfinite(pr->trange_stop_s)) {
			fputs(" --stop ", f);
			put_num(f, pr->trange_stop_s);
		}
		break;
	case WS_F_TTHINNING:
		fputs(" --dt ", f);
		put_num(f, pr->tthinning_dt_s);
		break;
	default:
		break;
	}
	if (ws_filter_is_random(flt))
		fprintf(f, " --seed '%llu'", (unsigned long long)pr->seed);
	fputc('\n', f);
}

static void
put_slot(FILE *f, struct plan *pl, bool slot_b)
{
	const enum ws_filter *flt = slot_b ? pl->p.b_filters : pl->p.a_filters;
	size_t n = slot_b ? pl->p.n_b_filters : pl->p.n_a_filters, i = 0;

	if (!slot_b) {
		fprintf(f, "# Slot A: dataset %s (%s).\n", pl->p.a_fits_id, pl->a.path);
		fputs("begin A\n", f);
		put_source(f, pl, &pl->a, pl->a_file);
	} else if (pl->p.b_fits_id) {
		fprintf(f, "# Slot B: dataset %s (%s).\n", pl->p.b_fits_id, pl->b.path);
		fputs("begin B\n", f);
		put_source(f, pl, &pl->b, pl->b_file);
		i = ws_filter_is_starter(flt[0]);
	} else if (flt[0] == WS_F_GENERATE) {
		fprintf(f, "# Slot B: drawn by llgen from %s,\n"
			"# with the timing, GTIs and spectrum of A's source.\n", pl->gen_file);
		fputs("begin B\n", f);
		add_program(pl, "llgen");
		fputs("stage source llgen --params ", f);
		put_quoted(f, pl->gen_file);
		/* The generation file's own seed wins; else the processing's. */
		if (!json_object_get(pl->gj, "seed"))
			fprintf(f, " --seed '%llu'", (unsigned long long)pl->proc.seed);
		fputs(" --source \"$O/A.0.source.ev\"\n", f);
		i = 1;
	} else if (flt[0] == WS_F_COPYSOURCE) {
		fprintf(f, "# Slot B: a copy of A's source, dataset %s.\n", pl->p.a_fits_id);
		fputs("begin B\nstage source cat \"$O/A.0.source.ev\"\n", f);
		i = 1;
	} else {
		fputs("# Slot B: a copy of slot A's output.\n", f);
		fputs("begin B\nstage source cat \"$O/A.ev\"\n", f);
		i = 1;
	}
	for (; i < n; i++)
		put_filter(f, pl, flt[i]);
	fputs("finish\n\n", f);
}

static void
put_analyses(FILE *f, struct plan *pl, const char *slot)
{
	const struct ws_processing *pr = &pl->proc;
	char a[40], b[40];

	if (pl->analyses[WS_VARSTAT]) {
		add_program(pl, "varstat");
		ws_format_number(pr->ts_min_s, a, sizeof a);
		ws_format_number(pr->ts_max_s, b, sizeof b);
		fprintf(f, "varstat --timescales '%s:%s:%ld' -o \"$O/%s_varstat.csv\" <\"$O/%s.ev\"\n",
			a, b, pr->ts_count, slot, slot);
	}
	if (pl->analyses[WS_LCURVE]) {
		add_program(pl, "lcurve");
		fputs("lcurve --dt ", f);
		put_num(f, pr->lcurve_dt_s);
		fprintf(f, " -o \"$O/%s_lcurve.csv\" <\"$O/%s.ev\"\n", slot, slot);
	}
	if (pl->analyses[WS_PSD]) {
		add_program(pl, "psd");
		fputs("psd --dt ", f);
		put_num(f, pr->psd_dt_s);
		fputs(" --seg ", f);
		put_num(f, pr->psd_seg_s);
		fprintf(f, " -o \"$O/%s_psd.csv\" <\"$O/%s.ev\"\n", slot, slot);
	}
	if (pl->analyses[WS_INTERARRIVAL]) {
		add_program(pl, "interarrival");
		fprintf(f, "interarrival --bins '%ld' -o \"$O/%s_interarrival.csv\" <\"$O/%s.ev\"\n",
			pr->interarrival_bins, slot, slot);
	}
	if (pl->analyses[WS_CHUNKVAR]) {
		add_program(pl, "chunkvar");
		ws_format_number(pr->cv_min_s, a, sizeof a);
		ws_format_number(pr->cv_max_s, b, sizeof b);
		fprintf(f, "chunkvar --widths '%s:%s:%ld' --chunk '%ld'", a, b, pr->cv_count,
			pr->cv_chunk);
		if (pr->cv_chunks)
			fprintf(f, " --chunks '%llu' --seed '%llu'", (unsigned long long)pr->cv_chunks,
				(unsigned long long)pr->seed);
		fprintf(f, " -o \"$O/%s_chunkvar.csv\" <\"$O/%s.ev\"\n", slot, slot);
	}
}

/* Whether the slot's stream is cut into wavelength bins (chunkmap has
 * nothing to draw from a single band). */
static bool
slot_has_wbins(const struct plan *pl, bool slot_b)
{
	const enum ws_filter *flt = slot_b ? pl->p.b_filters : pl->p.a_filters;
	size_t n = slot_b ? pl->p.n_b_filters : pl->p.n_a_filters;

	for (size_t i = 0; i < n; i++)
		if (flt[i] == WS_F_WBIN)
			return true;
	return slot_b && n > 0 && flt[0] == WS_F_COPYA && slot_has_wbins(pl, false);
}

/* llplot of one kind over the A (and, with_b, B) tables of one analysis. */
static void
put_plot_slots(FILE *f, struct plan *pl, const char *kind, const char *table, bool overlay,
	       const char *out, bool with_b)
{
	const char *b_label = pl->p.b_fits_id ? pl->p.b_fits_id :
		pl->p.b_filters[0] == WS_F_GENERATE ? "generated" :
		pl->p.b_filters[0] == WS_F_COPYSOURCE ? "copy of the source" : "copy of A";
	char *la = fmt("A: %s", pl->p.a_fits_id), *lb = fmt("B: %s", b_label);

	add_program(pl, "llplot");
	if (overlay && with_b) {
		fprintf(f, "llplot --kind %s --label ", kind);
		put_quoted(f, la);
		fputs(" --label ", f);
		put_quoted(f, lb);
		fprintf(f, " -o \"$O/plots/%s.png\" \\\n\t\"$O/A_%s.csv\" \"$O/B_%s.csv\"\n",
			out, table, table);
	} else {
		for (int s = 0; s < (with_b ? 2 : 1); s++) {
			fprintf(f, "llplot --kind %s --label ", kind);
			put_quoted(f, s ? lb : la);
			if (overlay)
				fprintf(f, " -o \"$O/plots/%s.png\" \"$O/A_%s.csv\"\n", out, table);
			else
				fprintf(f, " -o \"$O/plots/%s_%c.png\" \"$O/%c_%s.csv\"\n", out,
					"AB"[s], "AB"[s], table);
		}
	}
	free(la);
	free(lb);
}

static void
put_plot(FILE *f, struct plan *pl, const char *kind, const char *table, bool overlay,
	 const char *out)
{
	put_plot_slots(f, pl, kind, table, overlay, out, pl->has_b);
}

static void
write_script(FILE *f, struct plan *pl)
{
	fprintf(f, "#!/bin/sh\n"
		"# pipelines/%s.sh: the pipeline \"%s\", written by llpipe %s from\n",
		pl->name, pl->name, LL_VERSION);
	fprintf(f, "#   %s\n#   %s\n", pl->file, pl->a_file);
	if (pl->b_file)
		fprintf(f, "#   %s\n", pl->b_file);
	fprintf(f, "#   %s\n", pl->proc_file);
	if (pl->gen_file)
		fprintf(f, "#   %s\n", pl->gen_file);
	fprintf(f,
		"# Remade by: llpipe %s\n"
		"# (which replaces this file, as does make -f pipelines/all.mk).\n"
		"# Run it from anywhere: it works in the workspace root above its own\n"
		"# directory.\n"
		"#\n"
		"# Each stage is one program with its flags; its output stream is kept as\n"
		"# out/%s/SLOT.K.LABEL.ev.  To add a filter of your own, define a shell\n"
		"# function (or name a program) reading a stream on stdin and writing one\n"
		"# on stdout, e.g.\n"
		"#   every_other() { ev2tsv | awk '/^#/ || NR %% 2' | tsv2ev; }\n"
		"# and add a line \"stage every_other every_other\" where it belongs.\n"
		"set -eu\n"
		"cd \"$(dirname -- \"$0\")/..\"\n"
		"\n"
		"O='out/%s'\n"
		"\n"
		"# stage LABEL COMMAND...: run COMMAND on the slot's current stream and make\n"
		"# its output, $O/SLOT.K.LABEL.ev, the current one.  Stages write files, not\n"
		"# pipes, so a failing stage stops the script (set -e).\n"
		"stage() {\n"
		"\tlabel=$1\n"
		"\tshift\n"
		"\tk=$((k + 1))\n"
		"\tnext=\"$O/$slot.$k.$label.ev\"\n"
		"\tif [ -n \"$cur\" ]; then\n"
		"\t\t\"$@\" <\"$cur\" >\"$next.part\"\n"
		"\telse\n"
		"\t\t\"$@\" </dev/null >\"$next.part\"\n"
		"\tfi\n"
		"\tmv -f \"$next.part\" \"$next\"\n"
		"\tcur=$next\n"
		"}\n"
		"# begin SLOT: start a slot with no stream; finish: its last stream is $O/SLOT.ev.\n"
		"begin() {\n"
		"\tslot=$1\n"
		"\tk=-1\n"
		"\tcur=\n"
		"}\n"
		"finish() {\n"
		"\tln -f \"$cur\" \"$O/$slot.ev\" 2>/dev/null || cp -f \"$cur\" \"$O/$slot.ev\"\n"
		"}\n"
		"\n"
		"rm -f \"$O/.done\" \"$O\"/A.[0-9]*.ev \"$O\"/B.[0-9]*.ev\n"
		"mkdir -p \"$O/plots\"\n"
		"\n",
		pl->file, pl->name, pl->name);
	put_slot(f, pl, false);
	if (pl->has_b)
		put_slot(f, pl, true);

	fprintf(f, "# Analyses (processing %s).\n", pl->proc_name);
	put_analyses(f, pl, "A");
	if (pl->has_b)
		put_analyses(f, pl, "B");
	if (pl->has_b && pl->analyses[WS_VARSTAT]) {
		add_program(pl, "evcompare");
		fputs("evcompare -o \"$O/compare.csv\" \"$O/A_varstat.csv\" \"$O/B_varstat.csv\"\n", f);
	}
	if (pl->has_b && pl->analyses[WS_CHUNKVAR]) {
		add_program(pl, "chunktest");
		fputs("chunktest -o \"$O/chunktest.csv\" \"$O/A_chunkvar.csv\" \"$O/B_chunkvar.csv\"\n", f);
	}
	fputs("\n# Plots.\n", f);
	if (pl->analyses[WS_VARSTAT]) {
		put_plot(f, pl, "fano", "varstat", true, "fano");
		put_plot(f, pl, "nxs", "varstat", true, "nxs");
	}
	if (pl->analyses[WS_LCURVE]) {
		put_plot(f, pl, "counts", "lcurve", true, "counts");
		put_plot(f, pl, "lcurve", "lcurve", false, "lcurve");
	}
	if (pl->analyses[WS_PSD])
		put_plot(f, pl, "psd", "psd", false, "psd");
	if (pl->analyses[WS_INTERARRIVAL])
		put_plot(f, pl, "interarrival", "interarrival", false, "interarrival");
	if (pl->analyses[WS_CHUNKVAR]) {
		put_plot(f, pl, "chunkhist", "chunkvar", true, "chunkhist");
		if (slot_has_wbins(pl, false))
			put_plot_slots(f, pl, "chunkmap", "chunkvar", true, "chunkmap",
				       pl->has_b && slot_has_wbins(pl, true));
	}
	fputs("\ntouch \"$O/.done\"\n", f);
}

/* --stages SLOT, --analyses SLOT: what the script runs for one slot, for a
 * tool that runs that processing itself (parameter_search.sh draws and
 * processes many B's), so that no tool reads the script's text.  The lines
 * come from the writers of the script itself, so they cannot differ from
 * it: a stage line "stage LABEL COMMAND" gives COMMAND; an analysis line
 * "PROGRAM FLAGS -o OUT <IN" gives "PROGRAM FLAGS". */
static void
print_slot(struct plan *pl, const char *slot, bool analyses)
{
	char *text = NULL, *line, *next;
	size_t len;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		die(EXIT_RUNTIME, "out of memory:");
	if (strcmp(slot, "B") == 0 && !pl->has_b)
		die(EXIT_RUNTIME, "%s: no slot B (B_filters is empty)", pl->file);
	if (analyses)
		put_analyses(m, pl, slot);
	else
		put_slot(m, pl, strcmp(slot, "B") == 0);
	fclose(m);
	for (line = text; *line; line = next) {
		char *end = line + strcspn(line, "\n");

		next = *end ? end + 1 : end;
		*end = '\0';
		if (analyses) {
			char *out = strstr(line, " -o \"$O/");

			if (!out)
				die(EXIT_RUNTIME, "internal error: analysis line without its output: %s", line);
			printf("%.*s\n", (int)(out - line), line);
		} else if (strncmp(line, "stage ", 6) == 0) {
			const char *cmd = strchr(line + 6, ' ');

			printf("%s\n", cmd ? cmd + 1 : "");
		}
	}
	free(text);
}

/* ------------------------------------------------------------------ */
/* Make rules. */

/* The absolute path of PROG on $PATH, or NULL. */
static char *
find_program(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *dir, *r = NULL;

	if (!path)
		return NULL;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !r; dir = strtok_r(NULL, ":", &save)) {
		char *p = fmt("%s/%s", *dir ? dir : ".", prog);

		if (access(p, X_OK) == 0) {
			char cwd[4096];

			/* make runs in the workspace root: name the program absolutely. */
			if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
				r = xstrdup(p);
			else
				r = fmt("%s/%s", cwd, p);
		}
		free(p);
	}
	free(copy);
	return r;
}

/* make splits prerequisites at spaces and reads $ and # itself. */
static void
need_make_safe(const char *file, const char *key, const char *path)
{
	if (strpbrk(path, " \t$#:%\\\"'"))
		die(EXIT_RUNTIME, "%s: %s: expected a path make can name (no spaces, $ # : %% \\ or "
		    "quotes) for --make, got \"%s\"", file, key, path);
}

static void
write_make(FILE *f, struct plan *pls, size_t n)
{
	fputs("# pipelines/all.mk: written by llpipe --make.  From the workspace root:\n"
	      "#   make -j4 -f pipelines/all.mk\n"
	      "# remakes out/NAME/.done of the pipelines whose JSON files, input data or\n"
	      "# programs changed: pipelines/NAME.sh is written again by llpipe (an edited\n"
	      "# script is replaced) and run.\n"
	      "LLPIPE = llpipe\n"
	      "\n.PHONY: all\nall:", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " out/%s/.done", pls[i].name);
	fputs("\n", f);
	for (size_t i = 0; i < n; i++) {
		struct plan *pl = &pls[i];

		fprintf(f, "\nout/%s/.done: %s %s", pl->name, pl->file, pl->a_file);
		if (pl->b_file)
			fprintf(f, " %s", pl->b_file);
		fprintf(f, " %s", pl->proc_file);
		if (pl->gen_file)
			fprintf(f, " %s", pl->gen_file);
		fprintf(f, " \\\n\t%s", pl->a.path);
		if (pl->b_file)
			fprintf(f, " %s", pl->b.path);
		for (size_t k = 0; k < pl->n_programs; k++) {
			char *p = find_program(pl->programs[k]);

			if (p && !strpbrk(p, " \t$#:%\\\"'"))
				fprintf(f, " \\\n\t%s", p);
			free(p);
		}
		fprintf(f, "\n\t$(LLPIPE) %s\n\tsh pipelines/%s.sh\n", pl->file, pl->name);
	}
}

static void
list_pipelines(char ***names, size_t *n)
{
	char *dir = ws_join(root, "meta/pipeline");
	DIR *d = opendir(dir);
	struct dirent *e;

	*names = NULL;
	*n = 0;
	if (!d)
		die(EXIT_RUNTIME, "%s: cannot read:", dir);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof **names);
		(*names)[(*n)++] = fmt("meta/pipeline/%s", e->d_name);
	}
	closedir(d);
	free(dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct opts {
	const char *dir;	/* -w */
	bool make;
	const char *slot;	/* --stages/--analyses SLOT */
	bool analyses;
	char **args;		/* the pipelines named */
	size_t n;
};

static void
parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option long_opts[] = {
		{ "make", no_argument, NULL, OPT_MAKE },
		{ "stages", required_argument, NULL, OPT_STAGES },
		{ "analyses", required_argument, NULL, OPT_ANALYSES },
		CLI_OPT_OUTPUT, CLI_OPT_HELP, CLI_OPT_END
	};
	int c;

	while ((c = cli_getopt(argc, argv, "o:w:", long_opts)) != -1) {
		switch (c) {
		case OPT_MAKE:
			o->make = true;
			break;
		case OPT_STAGES:
		case OPT_ANALYSES:
			if (strcmp(optarg, "A") != 0 && strcmp(optarg, "B") != 0)
				cli_usage_error("--%s: expected slot A or B, got '%s'",
						c == OPT_STAGES ? "stages" : "analyses", optarg);
			o->slot = optarg;
			o->analyses = c == OPT_ANALYSES;
			break;
		case 'w':
			o->dir = optarg;
			break;
		default:
			cli_common_option(c);
		}
	}
	o->args = argv + optind;
	o->n = (size_t)(argc - optind);
	if (o->slot && (o->make || o->n != 1 || cli_output))
		cli_usage_error("--stages and --analyses take one PIPELINE, without --make or -o");
	if (!o->slot && !o->make && o->n == 0)
		cli_usage_error("no pipeline: give meta/pipeline/NAME.json (or --make)");
	if (!o->make && o->n > 1 && cli_output)
		cli_usage_error("-o names one script: give one pipeline");
}

/* --stages/--analyses: one slot's program lines, for parameter_search.sh. */
static int
print_slot_only(const struct opts *o)
{
	struct plan pl = { 0 };

	plan_load(&pl, o->args[0]);
	print_slot(&pl, o->slot, o->analyses);
	plan_free(&pl);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_RUNTIME, "stdout: write error:");
	return 0;
}

/* Everything is read and checked before anything is written. */
static struct plan *
load_plans(char **args, size_t n)
{
	struct plan *pls = xcalloc(n ? n : 1, sizeof *pls);

	for (size_t i = 0; i < n; i++) {
		plan_load(&pls[i], args[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(pls[i].name, pls[j].name) == 0)
				cli_usage_error("pipeline %s given twice", pls[i].name);
	}
	return pls;
}

/* The scripts are made in memory first: that fills in the program lists
 * the makefile's rules depend on. */
static char **
render_scripts(struct plan *pls, size_t n)
{
	char **text = xcalloc(n ? n : 1, sizeof *text);

	for (size_t i = 0; i < n; i++) {
		size_t len;
		FILE *f = open_memstream(&text[i], &len);

		if (!f)
			die(EXIT_RUNTIME, "out of memory:");
		write_script(f, &pls[i]);
		fclose(f);
	}
	return text;
}

/* A new workspace has no pipelines/ yet. */
static void
make_pipelines_dir(void)
{
	char *pdir = ws_join(root, "pipelines");

	mkdir(pdir, 0777);
	free(pdir);
}

static void
write_makefile(struct plan *pls, size_t n)
{
	char *out = ws_join(root, cli_output ? cli_output : "pipelines/all.mk");
	struct atomic_file *af;

	for (size_t i = 0; i < n; i++) {
		need_make_safe(pls[i].a_file, "path", pls[i].a.path);
		if (pls[i].b_file)
			need_make_safe(pls[i].b_file, "path", pls[i].b.path);
		need_make_safe(pls[i].file, "file", pls[i].file);
	}
	make_pipelines_dir();
	af = atomic_open(out);
	write_make(atomic_stream(af), pls, n);
	atomic_commit(af);
	free(out);
}

static void
write_scripts(const struct plan *pls, char **text, size_t n)
{
	make_pipelines_dir();
	for (size_t i = 0; i < n; i++) {
		char *rel = cli_output ? xstrdup(cli_output) : fmt("pipelines/%s.sh", pls[i].name);
		char *out = ws_join(root, rel);
		struct atomic_file *af = atomic_open(out);

		fputs(text[i], atomic_stream(af));
		atomic_commit(af);
		chmod(out, 0755);
		free(out);
		free(rel);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	char **listed = NULL, **text;
	struct plan *pls;

	cli_init(argc, argv, "llpipe", usage_text);
	parse_options(argc, argv, &o);
	root = ws_root(o.dir);
	if (o.slot)
		return print_slot_only(&o);
	if (o.make && o.n == 0) {
		list_pipelines(&listed, &o.n);
		qsort(listed, o.n, sizeof *listed, cmp_str);
		o.args = listed;
	}
	pls = load_plans(o.args, o.n);
	text = render_scripts(pls, o.n);
	if (o.make)
		write_makefile(pls, o.n);
	else
		write_scripts(pls, text, o.n);
	for (size_t i = 0; i < o.n; i++) {
		plan_free(&pls[i]);
		free(text[i]);
		free(listed ? listed[i] : NULL);
	}
	free(text);
	free(pls);
	free(listed);
	return 0;
}
