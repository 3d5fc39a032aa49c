/* workspace: the meta/ JSON files of a workspace, their names and schemas.
 *
 * docs/workspace.md is the contract; this module is its single implementation
 * (llws, llpipe and fits2ev --meta use it, llgen's genparams checks the
 * generation kind).  Checking functions return false with a reason of the
 * form "KEY: expected WHAT" (nested keys "wbins.count", list items
 * "A_filters[2]") in `why`; callers prefix "PROGRAM: FILE: " and pick the
 * exit status, so every tool reports a bad file the same way. */
#ifndef LL_WORKSPACE_H
#define LL_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jschema.h"

enum ws_kind { WS_FITS, WS_PROCESSING, WS_GENERATION, WS_PIPELINE, WS_SEARCH, WS_N_KINDS };

/* "fits", "processing", ...; and back (false on another word). */
const char *ws_kind_name(enum ws_kind k);
bool ws_kind_parse(const char *word, enum ws_kind *k);

/* The kind of a file from the directory it is in (.../KIND/NAME.json), and
 * NAME (malloc'ed) when `name` is not NULL.  False when the directory is not
 * a kind or the file name is not a valid NAME.json. */
bool ws_kind_of_path(const char *path, enum ws_kind *k, char **name);

/* The workspace root: `dir` (-w) if not NULL, else $LL_WORKSPACE if set and
 * non-empty, else ".". */
const char *ws_root(const char *dir);

/* ROOT/REL, or REL itself when it is absolute or ROOT is "." (malloc'ed). */
char *ws_join(const char *root, const char *rel);

/* ROOT/meta/KIND/NAME.json through ws_join (malloc'ed; NAME not checked). */
char *ws_meta_path(const char *root, enum ws_kind k, const char *name);

/* Parse a JSON file; on failure `why` is "not valid JSON: TEXT (line N)" or
 * "cannot read: strerror".  Returns a new reference or NULL. */
json_t *ws_load(const char *path, char *why, size_t why_size);

/* Check an object against its kind's schema (every key known, types, ranges,
 * units; generation through genparams, search files through searchspec). */
bool ws_validate(enum ws_kind k, json_t *obj, char *why, size_t why_size);

/* ------------------------------------------------------------------ */
/* Decoded files, defaults filled in (docs/workspace.md tables). */

enum ws_analysis { WS_VARSTAT, WS_LCURVE, WS_PSD, WS_INTERARRIVAL, WS_CHUNKVAR, WS_N_ANALYSES };
const char *ws_analysis_name(enum ws_analysis a);

struct ws_processing {
	double min_nm, max_nm;		/* 0.1, 1 when has_range is false */
	bool has_range;			/* false: both null, one band (HRC) */
	size_t wbin_count;		/* 0 when edges are given */
	bool wbin_log;
	double *edges;			/* malloc'ed, n_edges >= 2, increasing */
	size_t n_edges;
	double ts_min_s, ts_max_s;
	long ts_count;
	bool ds_n;			/* downsample {"n"} */
	bool ds_fraction;		/* downsample {"fraction"} */
	uint64_t ds_count;
	double ds_frac;
	uint64_t seed;
	double lcurve_dt_s;
	double psd_dt_s, psd_seg_s;
	long interarrival_bins;
	bool analyses[WS_N_ANALYSES];
	bool has_trange;		/* trange {"start_s", "stop_s"} given */
	double trange_start_s, trange_stop_s;	/* stop INFINITY: to the end */
	bool has_tthinning;		/* tthinning {"dt_s"} given */
	double tthinning_dt_s;
	double cv_min_s, cv_max_s;	/* chunkvar {"widths": {"min_s", "max_s", "count"}, */
	long cv_count, cv_chunk;	/* "chunk": K, "chunks": N or null} */
	uint64_t cv_chunks;		/* 0: all chunks */
};

/* Validate and decode; free with ws_processing_free(). */
bool ws_processing_from_json(json_t *obj, struct ws_processing *p, char *why, size_t why_size);
void ws_processing_free(struct ws_processing *p);

/* Filter names of pipelines: the transforms and the slot starters. */
enum ws_filter {
	WS_F_GTIFILTER, WS_F_CHANDRASHIFT, WS_F_WRANGE, WS_F_WBIN, WS_F_FLATTEN,
	WS_F_EQUALIZE, WS_F_POISSONIZE, WS_F_DOWNSAMPLE, WS_F_TRANGE, WS_F_TTHINNING,
	WS_F_GENERATE, WS_F_COPYSOURCE, WS_F_COPYA, WS_N_FILTERS
};
const char *ws_filter_name(enum ws_filter f);
bool ws_filter_parse(const char *word, enum ws_filter *f);
bool ws_filter_is_starter(enum ws_filter f);
bool ws_filter_is_random(enum ws_filter f);

#define WS_MAX_FILTERS 32

struct ws_pipeline {
	const char *a_fits_id;		/* strings point into the json object */
	const char *b_fits_id;		/* NULL: not set (null) */
	const char *processing;		/* NULL: not given (the dataset's, else default) */
	const char *generation;		/* "default" when not given */
	enum ws_filter a_filters[WS_MAX_FILTERS], b_filters[WS_MAX_FILTERS];
	size_t n_a_filters, n_b_filters;
	bool has_analyses;		/* else the processing's */
	bool analyses[WS_N_ANALYSES];
};
bool ws_pipeline_from_json(json_t *obj, struct ws_pipeline *p, char *why, size_t why_size);

struct ws_dataset {
	const char *path;		/* "path" or "fits"; points into the json */
	const char *processing;		/* NULL when not given */
	bool generated;
};
bool ws_dataset_from_json(json_t *obj, struct ws_dataset *d, char *why, size_t why_size);

/* Write a workspace JSON file atomically in the one canonical form every
 * tool uses: two-space indent, reals at 15 digits when that reads back
 * exactly (0.1 stays 0.1), else 17.  Dies (status 1) on a write error. */
void ws_write_json(const char *path, json_t *j);

#endif
