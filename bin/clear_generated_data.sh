#!/bin/sh
# clear_generated_data.sh: remove what the workflow generated (generated
# datasets, out/, temp/, llpipe's scripts), never downloaded FITS files or
# hand-written metadata.
# Exit: 0 ok, 1 bad metadata or I/O error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog [--dry-run] [-y] [--all] [-w DIR]
Remove the generated data of the workspace and print what goes, one path
per line:
  - generated datasets: meta/fits/CODE.json with a "generated" key and an
    8-letter code name, and their events data/ev/CODE.ev; also
    data/ev/CODE.ev files left without their meta/fits/CODE.json
  - out/ and temp/, except temp/parameter_search.csv (the rows of a
    parameter search, hours of work) unless --all
  - pipeline scripts pipelines/NAME.sh and pipelines/all.mk written by
    llpipe (recognised by llpipe's header line)
A pipeline whose B_fits_id names a removed dataset gets B_fits_id null
again (a line "meta/pipeline/NAME.json: B_fits_id -> null").  FITS files
(fits/, data/sample/, anywhere), other data/ files and every other JSON
file are kept.  The pipelines are checked before anything is removed.

  -n, --dry-run        print what would be removed, remove nothing
  -y, --yes            do not ask (needed when stdin is not a terminal)
  --all                remove temp/parameter_search.csv too
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog --dry-run && $prog -y
Exit status: 0 ok, 1 bad metadata or I/O error, 2 usage error (also: no
-y and stdin is not a terminal).
EOF
}

ll_need llws

dry=0 yes=0 all=0
ws_dir=${LL_WORKSPACE:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-n|--dry-run) dry=1 ;;
	-y|--yes) yes=1 ;;
	--all) all=1 ;;
	-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		ws_dir=$2
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
# Removing out/ and temp/ of a directory that is not a workspace would be rude.
[ -d meta ] || die "$ws_dir: not a workspace (no meta/ directory)"

# Outside the workspace: temp/ is among the things removed.
ll_tmpdir "${TMPDIR:-/tmp}"
: >"$tmp/remove"
: >"$tmp/codes"

is_code() {
	case $1 in
	[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][A-Z][A-Z]) return 0 ;;
	*) return 1 ;;
	esac
}

# Generated datasets: a code name and a "generated" key, nothing less.
for f in meta/fits/*.json; do
	[ -f "$f" ] || continue
	code=${f##*/}
	code=${code%.json}
	is_code "$code" || continue
	llws get "$f" generated >/dev/null 2>&1 || continue
	printf '%s\n' "$f" >>"$tmp/remove"
	printf '%s\n' "$code" >>"$tmp/codes"
	# Only an events file the generator wrote, whatever the JSON says.
	if [ -f "data/ev/$code.ev" ] && [ "$(llws get "$f" path 2>/dev/null)" = "data/ev/$code.ev" ]; then
		printf '%s\n' "data/ev/$code.ev" >>"$tmp/remove"
	fi
done
for f in data/ev/*.ev; do
	[ -f "$f" ] || continue
	code=${f##*/}
	code=${code%.ev}
	if is_code "$code" && [ ! -e "meta/fits/$code.json" ]; then
		printf '%s\n' "$f" >>"$tmp/remove"
	fi
done
csv=temp/parameter_search.csv
kept_csv=0
for d in out temp; do
	[ -d "$d" ] && [ ! -L "$d" ] || continue
	if [ "$d" = temp ] && [ "$all" = 0 ] && [ -f "$csv" ]; then
		# Everything in temp/ but the search's rows.
		kept_csv=1
		for e in temp/* temp/.[!.]* temp/..?*; do
			[ -e "$e" ] || [ -L "$e" ] || continue
			[ "$e" != "$csv" ] || continue
			if [ -d "$e" ] && [ ! -L "$e" ]; then
				printf '%s/\n' "$e" >>"$tmp/remove"
			else
				printf '%s\n' "$e" >>"$tmp/remove"
			fi
		done
	else
		printf '%s/\n' "$d" >>"$tmp/remove"
	fi
done
# llpipe's scripts and makefile say so on their second line.
for f in pipelines/*.sh pipelines/all.mk; do
	[ -f "$f" ] || continue
	if sed -n '1,3p' "$f" | grep -q 'written by llpipe'; then
		printf '%s\n' "$f" >>"$tmp/remove"
	fi
done

# Pipelines pointing at a removed B: try the edit on a copy first, so a
# pipeline that cannot take B_fits_id null stops us before anything goes.
mkdir "$tmp/pipeline"
: >"$tmp/reset"
for f in meta/pipeline/*.json; do
	[ -f "$f" ] || continue
	b=$(llws get "$f" B_fits_id 2>/dev/null) || continue
	grep -qx -- "$b" "$tmp/codes" || continue
	cp -- "$f" "$tmp/pipeline/"
	if ! llws set "$tmp/pipeline/${f##*/}" B_fits_id null 2>"$tmp/err"; then
		die "$f: B_fits_id cannot go back to null: $(sed -n '1s/^[^:]*: [^:]*: //p' "$tmp/err")"
	fi
	printf '%s\n' "$f" >>"$tmp/reset"
done

list() {
	cat "$tmp/remove"
	sed 's/$/: B_fits_id -> null/' "$tmp/reset"
}

[ "$kept_csv" = 0 ] || [ "$dry" = 1 ] ||
	printf '%s: keeping %s (--all removes it)\n' "$prog" "$csv" >&2
if [ ! -s "$tmp/remove" ] && [ ! -s "$tmp/reset" ]; then
	[ ! -t 2 ] || printf '%s: nothing to remove\n' "$prog" >&2
	exit 0
fi
if [ "$dry" = 1 ]; then
	list
	exit 0
fi
if [ "$yes" = 0 ]; then
	[ -t 0 ] || usage_error "stdin is not a terminal: give -y to remove without asking"
	list >&2
	printf '%s: remove these? [y/N] ' "$prog" >&2
	read -r answer || answer=''
	case $answer in
	[yY]|[yY][eE][sS]) ;;
	*) printf '%s: nothing removed\n' "$prog" >&2; exit 0 ;;
	esac
fi

while IFS= read -r p; do
	rm -rf -- "$p" || die "$p: cannot remove"
done <"$tmp/remove"
while IFS= read -r f; do
	llws set "$f" B_fits_id null 2>"$tmp/err" || tool_error llws
done <"$tmp/reset"
list
