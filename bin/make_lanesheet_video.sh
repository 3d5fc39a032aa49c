#!/bin/sh
# make_lanesheet_video.sh: the lanesheet video of a pipeline (DESIGN §7):
# lanevideo over slot A's processed stream, with the pipeline's processing
# (wavelength range) and generation parameters (the lanes).
# Exit: 0 ok, 1 missing or bad metadata or stream, video error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog -p PIPELINE [-w DIR] [-o FILE] [-n] [-- LANEVIDEO_OPTIONS...]
Render the lanesheet video of the pipeline PIPELINE: slot A's processed
stream out/PIPELINE/A.ev goes through
  lanevideo --params meta/generation/G.json --processing meta/processing/P.json
            --pipeline PIPELINE -o FILE
G and P being the pipeline's generation and processing (P: the
pipeline's, else A's dataset's, else default).  The lanes are drawn for
the middle of P's wavelength range; lanevideo warns when the range is
too wide for the events to follow one lanesheet (see lanevideo(1)).
Options after -- go to lanevideo (e.g. -- --duration 20 --size 640x360),
after those in \$LL_LANEVIDEO_OPTIONS (split on blanks), which a user or a
test sets once for every video (e.g. "--size 640x360 --fps 10").

  -p, --pipeline NAME  the pipeline (meta/pipeline/NAME.json)
  -o, --output FILE    the video (default out/PIPELINE/lanesheet.mp4)
  -n, --dry-run        print the command instead of running it
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog -p default -- --duration 30
Exit status: 0 ok, 1 missing or bad metadata or stream, video error,
2 usage error.
EOF
}

ll_need llws

# get FILE KEY: the value, or nothing when the key is absent.
get() {
	llws get "$1" "$2" 2>/dev/null || :
}

# check FILE: validate it, its first error line (llws's name replaced) on failure.
check() {
	err=$(llws validate "$1" 2>&1) || die "$(printf '%s\n' "$err" | sed -n '1s/^llws: //p')"
}

name='' output='' dry=0
ws_dir=${LL_WORKSPACE:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-n|--dry-run) dry=1 ;;
	--) shift; break ;;
	-p|--pipeline|-o|--output|-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-p|--pipeline) name=$2 ;;
		-o|--output) output=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done
[ -n "$name" ] || usage_error "missing -p PIPELINE"
llws check-name pipeline "$name" 2>/dev/null ||
	usage_error "invalid pipeline name '$name': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE

pipe=meta/pipeline/$name.json
if [ ! -f "$pipe" ]; then
	near=$(llws closest pipeline "$name" 2>/dev/null) && near=" (did you mean '$near'?)" || near=
	die "pipeline '$name': no $pipe$near; create_pipeline.sh -n $name -a DATASET (or replicate_dataset.sh -n $name) creates it"
fi
check "$pipe"
a=$(get "$pipe" A_fits_id)
processing=$(get "$pipe" processing)
[ -n "$processing" ] || [ -z "$a" ] || [ ! -f "meta/fits/$a.json" ] ||
	processing=$(get "meta/fits/$a.json" processing)
processing=${processing:-default}
generation=$(get "$pipe" generation)
generation=${generation:-default}
pp=meta/processing/$processing.json
gp=meta/generation/$generation.json
[ -f "$pp" ] || die "processing '$processing': no $pp"
[ -f "$gp" ] || die "generation '$generation': no $gp"
check "$pp"
check "$gp"

stream=out/$name/A.ev
[ -f "$stream" ] || die "no $stream: run make_var_analysis.sh -p $name first"
output=${output:-out/$name/lanesheet.mp4}

# shellcheck disable=SC2086 # options split on blanks, as documented
set -- lanevideo --params "$gp" --processing "$pp" --pipeline "$name" -o "$output" \
	${LL_LANEVIDEO_OPTIONS:-} "$@"
if [ "$dry" = 1 ]; then
	printf '%s' "$1"
	shift
	for arg; do
		case $arg in
		*[!A-Za-z0-9_./:=,+-]*|'') printf " '%s'" "$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")" ;;
		*) printf ' %s' "$arg" ;;
		esac
	done
	printf ' < %s\n' "$stream"
	exit 0
fi
mkdir -p "$(dirname "$output")" || die "$(dirname "$output"): cannot create the directory"
# lanevideo speaks for itself (warnings, progress, ffmpeg's errors).
"$@" <"$stream" || exit $?
printf '%s\n' "$output"
