#!/bin/sh
# run_all_pipelines.sh: write pipelines/all.mk with llpipe --make and run
# every pipeline of the workspace (or the named ones) under make -j.
# Exit: 0 ok, 1 bad pipeline or a failed run, 2 usage error.
set -eu

prog=${0##*/}
version=0.1.0

usage() {
	cat <<EOF
usage: $prog [-j N] [-k] [-w DIR] [PIPELINE...]
Run the pipelines of the workspace: llpipe --make writes pipelines/all.mk
(one target out/NAME/.done per meta/pipeline/NAME.json, depending on the
JSON files it names, its input data and the programs it runs), then
make -j N -f pipelines/all.mk runs those that are out of date, N at a
time.  A pipeline whose results are up to date is not run again.  With
PIPELINE names, only those are brought up to date.  Prints the output
directory out/NAME/ of each pipeline run.

  -j, --jobs N         run N pipelines at once (default: the number of CPUs)
  -k, --keep-going     go on with the other pipelines after one fails
  --no-wait            refuse (exit 1) while another run holds the workspace
                       instead of waiting for it to finish
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog -j 4 && ls out/*/plots/
Exit status: 0 ok, 1 bad pipeline or a failed run, 2 usage error.
EOF
}

die() {
	printf '%s: %s\n' "$prog" "$1" >&2
	exit 1
}

usage_error() {
	printf "%s: %s (see '%s --help')\n" "$prog" "$1" "$prog" >&2
	exit 2
}

progress() {
	[ -t 2 ] || return 0
	printf '%s: %s\n' "$prog" "$1" >&2
}

. "$(dirname -- "$0")/ll_workspace_lock.sh"
command -v llpipe >/dev/null 2>&1 || case $0 in */*) PATH=${0%/*}:$PATH ;; esac
command -v llpipe >/dev/null 2>&1 || die "llpipe: not found on PATH (run make)"

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
keep=''
ws_dir=${LL_WORKSPACE:-.}
lock_wait='wait'
names=''
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--no-wait) lock_wait=no-wait ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-k|--keep-going) keep=-k ;;
	-j|--jobs|-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-j|--jobs) jobs=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-j[0-9]*) jobs=${1#-j} ;;
	-?*) usage_error "unknown option '$1'" ;;
	*)
		llws check-name pipeline "$1" 2>/dev/null ||
			usage_error "invalid pipeline name '$1': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
		names="$names $1" ;;
	esac
	shift
done
case $jobs in
''|0|*[!0-9]*) usage_error "--jobs: not a positive whole number: '$jobs'" ;;
esac

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
[ -d meta ] || die "$ws_dir: not a workspace (no meta/ directory)"
ws_lock "$prog" "$lock_wait"

all=$(llws list pipeline)
if [ -z "$all" ]; then
	progress "no pipelines in meta/pipeline/"
	exit 0
fi
# Names are checked words (no blanks, no globs), so they split safely.
for n in $names; do
	[ -f "meta/pipeline/$n.json" ] || die "pipeline '$n': no meta/pipeline/$n.json"
done
[ -n "$names" ] || names=$all

err=$(mktemp "${TMPDIR:-/tmp}/$prog.XXXXXX") || die "cannot create a temporary file"
trap 'rm -f "$err"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
llpipe --make >/dev/null 2>"$err" || die "$(sed -n '1s/^llpipe: //p' "$err")"

set --
for n in $names; do
	set -- "$@" "out/$n/.done"
done
progress "running $# pipeline(s), $jobs at a time"
# The pipelines' own progress stays on stderr; make's command echo is noise.
make -s ${keep:+"$keep"} -j "$jobs" -f pipelines/all.mk "$@" >&2 ||
	die "make -f pipelines/all.mk failed (the messages above say which pipeline)"
for n in $names; do
	printf 'out/%s/\n' "$n"
done
