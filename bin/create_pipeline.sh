#!/bin/sh
# create_pipeline.sh: write meta/pipeline/NAME.json (dataset A, optional B,
# processing, generation, filters per slot) and its script pipelines/NAME.sh.
# Installed also as create_default_pipeline.sh: the same tool with the
# defaults of the default pipeline (-n default -a sample).
# Exit: 0 ok, 1 missing or bad metadata or I/O error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi
case $prog in
create_default_pipeline*) default_mode=1 ;;
*) default_mode=0 ;;
esac

usage() {
	if [ "$default_mode" = 1 ]; then
		cat <<EOF
usage: $prog [-a DATASET] [-n NAME] [--force] [-w DIR]
Write the default pipeline: meta/pipeline/NAME.json (default NAME: default)
comparing the dataset DATASET in slot A with a B drawn by llgen, with the
dataset's processing (else default), the generation "default" and the
default filters, then its script pipelines/NAME.sh.  Without -a, DATASET is
the dataset onboarded last (the newest meta/fits/*.json that was not
generated); when there is none, the shipped sample is onboarded as
"sample".  The default processing and generation
(meta/processing/default.json, meta/generation/default.json) and a default
parameter search of the pipeline (meta/search/default.json) are written
too when the workspace has none.  Every file written is printed.
Same as create_pipeline.sh -n NAME -a DATASET; see create_pipeline.sh --help.
Running it again keeps the file (and B, once replicate_dataset.sh made it).

  -a, --a-dataset DATASET  dataset of slot A (default: the one onboarded
                     last, else sample)
  -n, --name NAME    pipeline name (default: default)
  --force            replace an existing pipeline with other settings
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog && replicate_dataset.sh -n default
Exit status: 0 ok, 1 missing or bad metadata or I/O error, 2 usage error.
EOF
		return
	fi
	cat <<EOF
usage: $prog -n NAME -a DATASET [-b DATASET] [OPTIONS] [-w DIR]
Write the pipeline NAME: meta/pipeline/NAME.json, checked by llws, then
the script pipelines/NAME.sh with llpipe.  Slot A reads DATASET through
the A filters; slot B reads the B dataset, or, without -b, is drawn by
llgen from the generation parameters until replicate_dataset.sh stores
a generated dataset in B_fits_id.  Running the same command again keeps
the file (and its B); other settings for an existing NAME need --force.

  -n, --name NAME       pipeline name, [A-Za-z0-9][A-Za-z0-9_.-]{0,63}
  -a, --a-dataset DATASET  dataset of slot A (meta/fits/DATASET.json)
  -b, --b-dataset DATASET  dataset of slot B (default: none yet)
  --pp PROCESSING       processing (default: A's "processing", else default)
  --gen GENERATION      generation parameters for B (default: default)
  --a-filters LIST      comma-separated filters of A (default:
                        gtifilter,wrange,wbin; for a dataset without
                        wavelengths, one band: chandrashift,gtifilter for
                        HRC, else gtifilter)
  --b-filters LIST      filters of B (default: generate,wrange,wbin, or
                        generate alone without wavelengths, or the A
                        filters when -b is given)
  --analyses LIST       analyses: varstat,lcurve,psd,interarrival,chunkvar
                        (default: the processing's)
  --force               replace an existing pipeline with other settings
  -w, --workspace DIR   the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Filters: gtifilter chandrashift wrange wbin flatten equalize poissonize
downsample trange tthinning; first in B only: generate copysource copyA.

Example: $prog -n m82 -a sample --b-filters generate,wrange,wbin,poissonize
Exit status: 0 ok, 1 missing or bad metadata or I/O error, 2 usage error.
EOF
}

ll_need llws
# This script's directory: the shipped defaults are beside it.
bindir=$(cd "$ll_dir" && pwd) || die "$ll_dir: cannot find its directory"

# shipped REL: the path of a file shipped with the suite: in the checkout
# above bin/, or in an installation's share/lightlane/.
shipped() {
	for d in "$bindir/.." "$bindir/../share/lightlane"; do
		[ -f "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
	done
	return 1
}

# shellcheck source=bin/ll_workspace.sh
. "$ll_dir/ll_workspace.sh"

# --- options --------------------------------------------------------------

name='' a='' b='' pp='' gen='' a_filters='' b_filters='' analyses='' force=0
ws_dir=${LL_WORKSPACE:-.}
[ "$default_mode" = 0 ] || name=default
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	--force) force=1 ;;
	-n|--name|-a|--a-dataset|-w|--workspace) ;;
	-b|--b-dataset|--pp|--gen|--a-filters|--b-filters|--analyses)
		[ "$default_mode" = 0 ] || usage_error "unknown option '$1'" ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	case $1 in
	--force) ;;
	*)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-n|--name) name=$2 ;;
		-a|--a-dataset) a=$2 ;;
		-b|--b-dataset) b=$2 ;;
		--pp) pp=$2 ;;
		--gen) gen=$2 ;;
		--a-filters) a_filters=$(json_list "$1" "$2") ;;
		--b-filters) b_filters=$(json_list "$1" "$2") ;;
		--analyses) analyses=$(json_list "$1" "$2") ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	esac
	shift
done
[ -n "$name" ] || usage_error "missing -n NAME"
[ -n "$a" ] || [ "$default_mode" = 1 ] || usage_error "missing -a DATASET"
check_name pipeline pipeline "$name"
[ -z "$a" ] || check_name fits dataset "$a"
[ -z "$b" ] || check_name fits dataset "$b"
[ -z "$pp" ] || check_name processing processing "$pp"
[ -z "$gen" ] || check_name generation generation "$gen"

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
mkdir -p meta/pipeline temp || die "meta/pipeline: cannot create the directory"
ll_tmpdir temp
written=

# --- the default mode: the defaults and the dataset onboarded last ------------

if [ "$default_mode" = 1 ]; then
	for f in meta/processing/default.json meta/generation/default.json; do
		[ ! -f "$f" ] || continue
		src=$(shipped "$f") || die "$f: none in the workspace and none shipped beside $bindir"
		mkdir -p "${f%/*}" && cp "$src" "$f.tmp" && mv -f "$f.tmp" "$f" || die "$f: cannot write"
		written="$written $f"
	done
	if [ -z "$a" ]; then
		# ls -t: newest first; generated datasets (B, search results) are not onboarded.
		for f in $(ls -t meta/fits/*.json 2>/dev/null); do
			[ -f "$f" ] && ! llws get "$f" generated >/dev/null 2>&1 || continue
			a=${f##*/}
			a=${a%.json}
			break
		done
	fi
	if [ -z "$a" ]; then
		a=sample
		sample=$(shipped data/sample/chandra_test.fits) || die "no dataset onboarded and no shipped sample beside $bindir"
		create_fits_metadata.sh --file "$sample" -n sample >/dev/null 2>"$tmp/err" ||
			die "$(sed -n '1s/^[^:]*: //p' "$tmp/err")"
		written="$written meta/fits/sample.json"
	fi
fi

# --- what the pipeline names must exist --------------------------------------

a_json=meta/fits/$a.json
[ -f "$a_json" ] || missing fits dataset "$a"
[ -z "$b" ] || [ -f "meta/fits/$b.json" ] || missing fits dataset "$b"
if [ -z "$pp" ]; then
	pp=$(llws get "$a_json" processing 2>/dev/null) || pp=default
fi
[ -f "meta/processing/$pp.json" ] || missing processing processing "$pp"
gen=${gen:-default}
filters=$(default_filters "$a_json")
a_default=$(printf '%s\n' "$filters" | sed -n 1p)
b_default=$(printf '%s\n' "$filters" | sed -n 2p)
a_filters=${a_filters:-$a_default}
if [ -z "$b_filters" ]; then
	if [ -n "$b" ]; then b_filters=$a_filters; else b_filters=$b_default; fi
fi
case $b_filters in
'["generate"'*) [ -f "meta/generation/$gen.json" ] || missing generation generation "$gen" ;;
esac

target=meta/pipeline/$name.json

# Rerunning the command keeps the B that replicate_dataset.sh stored.
if [ -z "$b" ] && [ -f "$target" ]; then
	b=$(llws get "$target" B_fits_id 2>/dev/null) || b=
	[ "$b" != null ] || b=
fi

mkdir "$tmp/pipeline"
new=$tmp/pipeline/$name.json
if [ -n "$b" ]; then b_json="\"$b\""; else b_json=null; fi
set -- A_fits_id "\"$a\"" B_fits_id "$b_json" processing "\"$pp\"" generation "\"$gen\"" \
	A_filters "$a_filters" B_filters "$b_filters"
[ -z "$analyses" ] || set -- "$@" analyses "$analyses"
llws set "$new" "$@" 2>"$tmp/err" || die "$target: $(sed -n '1s/^[^:]*: [^:]*: //p' "$tmp/err")"

# same_settings OLD NEW: every key of a pipeline has the same value in both.
same_settings() {
	for key in A_fits_id B_fits_id processing generation A_filters B_filters analyses; do
		[ "$(llws get "$1" "$key" 2>/dev/null || echo absent)" = \
			"$(llws get "$2" "$key" 2>/dev/null || echo absent)" ] || return 1
	done
}

wrote=0
if [ -f "$target" ] && same_settings "$target" "$new"; then
	: # unchanged: keep the file, write the script again below
elif [ -f "$target" ] && [ "$force" = 0 ]; then
	die "$target: exists with other settings (--force replaces it)"
else
	[ ! -f "$target" ] || cp -p "$target" "$tmp/old.json"
	mv -f "$new" "$target" || die "$target: cannot write"
	wrote=1
fi
if ! llpipe "$target" >/dev/null 2>"$tmp/err"; then
	# No new pipeline without its script: put back what was there.
	if [ -f "$tmp/old.json" ]; then
		mv -f "$tmp/old.json" "$target"
	elif [ "$wrote" = 1 ]; then
		rm -f "$target"
	fi
	die "$(sed -n '1s/^llpipe: //p' "$tmp/err")"
fi

# A default search of the pipeline, for parameter_search.sh without --search.
if [ "$default_mode" = 1 ] && [ ! -f meta/search/default.json ] &&
	src=$(shipped meta/search/default.json); then
	mkdir -p meta/search "$tmp/search" && cp "$src" "$tmp/search/default.json" &&
		llws set "$tmp/search/default.json" pipeline "\"$name\"" 2>"$tmp/err" &&
		mv -f "$tmp/search/default.json" meta/search/default.json ||
		die "meta/search/default.json: $(sed -n '1s/^[^:]*: [^:]*: //p' "$tmp/err")"
	search_written=meta/search/default.json
fi
for f in $written; do printf '%s\n' "$f"; done
printf '%s\npipelines/%s.sh\n' "$target" "$name"
[ -z "${search_written:-}" ] || printf '%s\n' "$search_written"
