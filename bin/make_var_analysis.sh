#!/bin/sh
# make_var_analysis.sh: the variability tables and plots of one dataset
# (-a DATASET --pp PROCESSING) or of a pipeline's A against B (-p PIPELINE).
# Installed also as make_var_analysis_plots.sh.
# Exit: 0 ok, 1 missing or bad metadata or a failed stage, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog -p PIPELINE [-w DIR]
       $prog -a DATASET [--pp PROCESSING] [-w DIR]
Run the variability analysis and draw its plots; prints the directory of
the plots.

With -p, the script of the pipeline PIPELINE is written again from its
JSON (llpipe meta/pipeline/PIPELINE.json -> pipelines/PIPELINE.sh) and
run: both slots are processed, the analyses compare A with B
(out/PIPELINE/A_varstat.csv, B_varstat.csv, ..., compare.csv) and the
plots overlay them (out/PIPELINE/plots/).

With -a, the dataset DATASET alone goes through the processing
PROCESSING (default: the dataset's "processing", else default) with the
default filters gtifilter, wrange, wbin (a dataset without wavelengths is
one band: chandrashift, gtifilter for HRC, else gtifilter): a one-slot pipeline
temp/pipeline/DATASET__PROCESSING.json is written for llpipe, its script
is temp/DATASET__PROCESSING.sh, and the results are in
out/DATASET__PROCESSING/ (A_*.csv, plots/).

  -p, --pipeline PIPELINE  compare the slots of this pipeline
  -a, --a-dataset DATASET  analyse this dataset alone
  --pp PROCESSING          processing of -a (meta/processing/PROCESSING.json)
  --no-wait                refuse (exit 1) while another run holds the
                           workspace instead of waiting for it to finish
  -w, --workspace DIR      the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog -a sample --pp default && ls out/sample__default/plots/
         $prog -p default
Exit status: 0 ok, 1 missing or bad metadata or a failed stage, 2 usage
error.
EOF
}

# shellcheck source=bin/ll_workspace_lock.sh
. "$ll_dir/ll_workspace_lock.sh"
ll_need llpipe

# shellcheck source=bin/ll_workspace.sh
. "$ll_dir/ll_workspace.sh"

pipeline='' a='' pp=''
ws_dir=${LL_WORKSPACE:-.}
lock_wait='wait'
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--no-wait) lock_wait=no-wait ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-p|--pipeline|-a|--a-dataset|--pp|-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-p|--pipeline) pipeline=$2 ;;
		-a|--a-dataset) a=$2 ;;
		--pp) pp=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done
if [ -n "$pipeline" ]; then
	if [ -n "$a" ] || [ -n "$pp" ]; then usage_error "-p excludes -a and --pp"; fi
	llws check-name pipeline "$pipeline" 2>/dev/null || usage_error "invalid pipeline name '$pipeline': $rule"
elif [ -n "$a" ]; then
	llws check-name fits "$a" 2>/dev/null || usage_error "invalid dataset name '$a': $rule"
	[ -z "$pp" ] || llws check-name processing "$pp" 2>/dev/null ||
		usage_error "invalid processing name '$pp': $rule"
else
	usage_error "give -p PIPELINE or -a DATASET"
fi

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
[ -d meta ] || die "$ws_dir: not a workspace (no meta/ directory)"
ws_lock "$prog" "$lock_wait"
mkdir -p temp || die "temp: cannot create the directory"
ll_tmpdir temp

if [ -n "$pipeline" ]; then
	json=meta/pipeline/$pipeline.json
	[ -f "$json" ] || missing pipeline pipeline "$pipeline"
	name=$pipeline
	script=pipelines/$name.sh
else
	a_json=meta/fits/$a.json
	[ -f "$a_json" ] || missing fits dataset "$a"
	if [ -z "$pp" ]; then
		pp=$(llws get "$a_json" processing 2>/dev/null) || pp=default
	fi
	[ -f "meta/processing/$pp.json" ] || missing processing processing "$pp"
	name=${a}__$pp
	llws check-name pipeline "$name" 2>/dev/null || die "'$name': dataset and processing names too long together"
	# A pipeline of its own, kept beside its script under temp/ (the script
	# works in the directory above its own): A alone, no B.
	mkdir -p temp/pipeline
	json=temp/pipeline/$name.json
	script=temp/$name.sh
	mkdir -p "$tmp/pipeline"
	llws set "$tmp/pipeline/$name.json" A_fits_id "\"$a\"" processing "\"$pp\"" \
		A_filters "$(default_filters "$a_json" | sed -n 1p)" B_filters '[]' 2>"$tmp/err" ||
		die "$(sed -n '1s/^llws: [^:]*: //p' "$tmp/err")"
	mv -f "$tmp/pipeline/$name.json" "$json"
fi

llpipe -o "$script" "$json" >/dev/null 2>"$tmp/err" || tool_error llpipe
say "running $script"
sh "$script" || die "$script failed (the message above says which stage)"
say "plots: $(cd "out/$name/plots" && printf '%s ' *)"
printf 'out/%s/plots/\n' "$name"
