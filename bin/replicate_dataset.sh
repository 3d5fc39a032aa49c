#!/bin/sh
# replicate_dataset.sh: generate the B dataset of a pipeline with llgen from
# A's source stream, store it as data/ev/CODE.ev + meta/fits/CODE.json and
# write CODE into the pipeline's B_fits_id.
# Exit: 0 ok, 1 missing or bad metadata, generation or I/O error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog -n PIPELINE [--seed N] [--force] [-w DIR]
Generate slot B of the pipeline PIPELINE: A's source dataset is read
(fits2ev --meta meta/fits/A.json, or the .ev stream of a generated A) and
piped into llgen --params meta/generation/G.json --seed N, which takes
its timing, GTIs and spectrum from it.  The events go to data/ev/CODE.ev,
CODE being a new 8-letter code (llws new-code); meta/fits/CODE.json
records how they were made ("generated": pipeline, generation, seed,
source, params), and the pipeline's B_fits_id is set to CODE before its
script is written again (llpipe).  Prints CODE.

A PIPELINE that does not exist yet is created from the default
pipeline's settings (meta/pipeline/default.json: its A, processing,
generation and filters; create_default_pipeline.sh writes it), and a line
on stderr says so.

When B_fits_id already names a dataset generated from the same A,
generation and seed whose events exist, it is kept (nothing is drawn);
--force draws a new one.  A B that is not generated -- a dataset, or a
control such as B_filters copyA,poissonize -- is never replaced without
--force; with --force B_filters become generate followed by A's
wavelength filters (wrange, wbin) and B_fits_id the new code.

  -n, --name PIPELINE  the pipeline (meta/pipeline/PIPELINE.json)
  --seed N             llgen seed, a whole number (default: 1)
  --force              generate a new B even when a matching one exists,
                       and replace a B that is not generated
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog -n default --seed 7 && make_var_analysis.sh -p default
Exit status: 0 ok, 1 missing or bad metadata, generation or I/O error,
2 usage error.
EOF
}

ll_need llws

# get FILE KEY: the value, or nothing when the key is absent.
get() {
	llws get "$1" "$2" 2>/dev/null || :
}

# --- options --------------------------------------------------------------

name='' seed=1 force=0
ws_dir=${LL_WORKSPACE:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	--force) force=1 ;;
	-n|--name|--seed|-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-n|--name) name=$2 ;;
		--seed) seed=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done
[ -n "$name" ] || usage_error "missing -n PIPELINE"
llws check-name pipeline "$name" 2>/dev/null ||
	usage_error "invalid pipeline name '$name': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
case $seed in
''|*[!0-9]*) usage_error "--seed: not a whole number: '$seed'" ;;
esac
[ "${#seed}" -le 19 ] || usage_error "--seed: too large: '$seed'"

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
mkdir -p temp || die "temp: cannot create the directory"
ll_tmpdir temp
code=
# An interrupted or failed run leaves no half-made dataset behind.
cleanup() {
	rm -rf "$tmp"
	if [ -n "$code" ]; then rm -f "data/ev/$code.ev" "meta/fits/$code.json"; fi
}
trap cleanup EXIT

# --- the pipeline and its datasets --------------------------------------------

pipe=meta/pipeline/$name.json
if [ ! -f "$pipe" ]; then
	# The seed's walkthrough names a new pipeline here: made like the default.
	if [ ! -f meta/pipeline/default.json ]; then
		near=$(llws closest pipeline "$name" 2>/dev/null) && near=" (did you mean '$near'?)" || near=
		die "pipeline '$name': no $pipe$near, and no meta/pipeline/default.json to make it from: run create_default_pipeline.sh first"
	fi
	mkdir -p "$tmp/pipeline"
	cp meta/pipeline/default.json "$tmp/pipeline/$name.json" &&
		llws set "$tmp/pipeline/$name.json" B_fits_id null 2>"$tmp/err" || tool_error llws
	mv -f "$tmp/pipeline/$name.json" "$pipe" || die "$pipe: cannot write"
	printf "%s: pipeline '%s' did not exist: created %s from the default pipeline's settings\n" \
		"$prog" "$name" "$pipe" >&2
fi
llws validate "$pipe" 2>"$tmp/err" || tool_error llws
a=$(llws get "$pipe" A_fits_id 2>"$tmp/err") || tool_error llws
gen=$(get "$pipe" generation)
gen=${gen:-default}
old_b=$(get "$pipe" B_fits_id)
[ "$old_b" != null ] || old_b=

a_json=meta/fits/$a.json
if [ ! -f "$a_json" ]; then
	near=$(llws closest fits "$a" 2>/dev/null) && near=" (did you mean '$near'?)" || near=
	die "dataset '$a': no $a_json$near; create_fits_metadata.sh --file FILE -n $a creates it"
fi
llws validate "$a_json" 2>"$tmp/err" || tool_error llws
gen_json=meta/generation/$gen.json
[ -f "$gen_json" ] || die "generation '$gen': no $gen_json"

# A control (copyA, copysource: B made from A, not drawn) is not replaced
# by a model without --force; with it, B becomes generate + A's wavelength filters.
first=$(get "$pipe" B_filters.0)
new_b_filters=
case ${first:-generate} in
copyA|copysource)
	[ "$force" = 1 ] || die "pipeline '$name': B is a control (B_filters $(llws get "$pipe" B_filters |
		tr -d '[]" ')), not a generated dataset (--force replaces it)"
	new_b_filters=$(llws get "$pipe" A_filters | tr -d '[]" ' | tr , '\n' |
		awk 'BEGIN { printf "[\"generate\"" } /^(wrange|wbin)$/ { printf ", \"%s\"", $0 } END { print "]" }') ;;
esac
if [ -n "$old_b" ] && [ -f "meta/fits/$old_b.json" ]; then
	if [ -z "$(get "meta/fits/$old_b.json" generated)" ]; then
		[ "$force" = 1 ] || die "pipeline '$name': B is the dataset '$old_b', not a generated one (--force replaces it)"
	elif [ "$force" = 0 ] &&
		[ "$(get "meta/fits/$old_b.json" generated.source)" = "$a" ] &&
		[ "$(get "meta/fits/$old_b.json" generated.generation)" = "$gen" ] &&
		[ "$(get "meta/fits/$old_b.json" generated.seed)" = "$seed" ] &&
		b_path=$(get "meta/fits/$old_b.json" path) && [ -f "$b_path" ]; then
		say "B of '$name' is $old_b (same source, generation and seed): kept"
		llpipe "$pipe" >/dev/null 2>"$tmp/err" || tool_error llpipe
		printf '%s\n' "$old_b"
		exit 0
	fi
fi

# --- draw -------------------------------------------------------------------

a_path=$(llws get "$a_json" path 2>/dev/null || llws get "$a_json" fits 2>/dev/null) ||
	die "$a_json: no path"
case $a_path in
*.ev) [ -f "$a_path" ] || die "dataset '$a': $a_path: no such file" ;;
esac
mkdir -p data/ev meta/fits || die "data/ev: cannot create the directory"
code=$(llws new-code 2>"$tmp/err") || { code=; tool_error llws; }
say "drawing $code from '$a' with generation '$gen', seed $seed"
# Each side of the pipe reports its own failure; fits2ev's first line wins.
if ! { case $a_path in
	*.ev) cat -- "$a_path" ;;
	*) fits2ev --meta "$a_json" 2>"$tmp/err.src" || { [ -s "$tmp/err.src" ] || echo "fits2ev: $a_json: cannot read" >"$tmp/err.src"; }
	esac; } |
	llgen --params "$gen_json" --seed "$seed" --source - -o "data/ev/$code.ev" 2>"$tmp/err"; then
	[ ! -s "$tmp/err.src" ] || { mv "$tmp/err.src" "$tmp/err"; tool_error fits2ev; }
	tool_error llgen
fi
[ ! -s "$tmp/err.src" ] || { mv "$tmp/err.src" "$tmp/err"; tool_error fits2ev; }

# The parameters llgen actually used (timing filled in from the source) are
# in the stream's metadata; llws reads them back out of a scratch copy.
ev2tsv <"data/ev/$code.ev" 2>/dev/null | sed -n '1s/^# meta: //p' >"$tmp/meta.json" || :
params=$(llws get "$tmp/meta.json" generation 2>/dev/null) || params=$(cat "$gen_json")
processing=$(get "$pipe" processing)
[ -n "$processing" ] || processing=$(get "$a_json" processing)

mkdir "$tmp/fits"
new=$tmp/fits/$code.json
set -- path "\"data/ev/$code.ev\""
[ -z "$processing" ] || set -- "$@" processing "\"$processing\""
set -- "$@" generated.pipeline "\"$name\"" generated.generation "\"$gen\"" \
	generated.seed "$seed" generated.source "\"$a\"" generated.params "$params"
{ llws set "$new" "$@" &&
	llws set-string "$new" description "B of pipeline $name: $a redrawn by llgen"; } 2>"$tmp/err" ||
	die "meta/fits/$code.json: $(sed -n '1s/^[^:]*: [^:]*: //p' "$tmp/err")"
mv -f "$new" "meta/fits/$code.json" || die "meta/fits/$code.json: cannot write"

cp -p "$pipe" "$tmp/pipe.json"
llws set "$pipe" B_fits_id "\"$code\"" ${new_b_filters:+B_filters "$new_b_filters"} 2>"$tmp/err" || tool_error llws
if ! llpipe "$pipe" >/dev/null 2>"$tmp/err"; then
	mv -f "$tmp/pipe.json" "$pipe"
	tool_error llpipe
fi
done_code=$code
code=
printf '%s\n' "$done_code"
