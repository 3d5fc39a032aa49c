#!/bin/sh
# create_fits_metadata.sh: onboard a FITS event file as a dataset, writing
# meta/fits/NAME.json after checking that fits2ev can read it.
# Exit: 0 ok, 1 bad file, bad metadata or I/O error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog --file FILE [-n NAME] [OPTIONS] [-w DIR]
Describe the FITS event file FILE as the dataset NAME of the workspace:
write meta/fits/NAME.json with its path (relative to the workspace when
FILE is inside it), wavelength column and default processing.  FILE is
checked first: fits2ev must read its EVENTS table and find a wavelength.
Running the same command again leaves the file as it is; a different
description of an existing NAME needs --force.

  --file FILE        the FITS event file (.fits, .fits.gz, ...)
  -n, --name NAME    dataset name (default: FILE's name without .fits[.gz]);
                     [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'
  --wave-col COL     wavelength column, when fits2ev's rules find none
  --wave-unit U      its unit: angstrom, nm, ev or kev (with --wave-col)
  --no-wavelength    the dataset has no wavelength: one band (chosen by
                     itself, and said, for an HRC file)
  --filter EXPR      cfitsio row filter applied on reading
  --gti-ccd N        use the GTI extension of CCD N
  --processing P     processing used when none is given (default: default)
  --description TEXT free text
  --force            replace an existing meta/fits/NAME.json
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

Example: $prog --file data/sample/chandra_test.fits -n sample
Exit status: 0 ok, 1 unreadable FITS file, bad metadata or I/O error,
2 usage error.
EOF
}

# llws and fits2ev come from PATH, else from this script's directory (a
# checkout's bin/ run as ./bin/NAME.sh).
ll_need llws

# --- options --------------------------------------------------------------

file='' name='' wave_col='' wave_unit='' no_wave=0 filter='' gti_ccd='' processing='' description='' force=0
ws_dir=${LL_WORKSPACE:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	--no-wavelength) no_wave=1 ;;
	--force) force=1 ;;
	--file|-n|--name|--wave-col|--wave-unit|--filter|--gti-ccd|--processing|--description|-w|--workspace)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		--file) file=$2 ;;
		-n|--name) name=$2 ;;
		--wave-col) wave_col=$2 ;;
		--wave-unit) wave_unit=$2 ;;
		--filter) filter=$2 ;;
		--gti-ccd) gti_ccd=$2 ;;
		--processing) processing=$2 ;;
		--description) description=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done
[ -n "$file" ] || usage_error "missing --file"
if [ -z "$name" ]; then
	name=${file##*/}
	for ext in .gz .fits .fit .fts .FITS .evt; do
		name=${name%"$ext"}
	done
fi
llws check-name fits "$name" 2>/dev/null ||
	usage_error "invalid dataset name '$name': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
[ -z "$processing" ] || llws check-name processing "$processing" 2>/dev/null ||
	usage_error "invalid processing name '$processing': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
if [ -n "$wave_col" ] || [ -n "$wave_unit" ]; then
	if [ -z "$wave_col" ] || [ -z "$wave_unit" ]; then
		usage_error "--wave-col and --wave-unit go together"
	fi
	[ "$no_wave" = 0 ] || usage_error "--no-wavelength excludes --wave-col"
	case $wave_unit in
	angstrom|nm|ev|kev) ;;
	*) usage_error "--wave-unit: expected angstrom, nm, ev or kev: '$wave_unit'" ;;
	esac
fi
case $gti_ccd in
'') ;;
*[!0-9]*) usage_error "--gti-ccd: not a whole number: '$gti_ccd'" ;;
esac
case $wave_col$filter$description$file in
*[[:cntrl:]]*) usage_error "control characters are not allowed in names, filters or descriptions" ;;
esac

# --- the file, as a path from the workspace root ----------------------------

[ -e "$file" ] || die "$file: no such file"
if [ ! -f "$file" ] || [ ! -r "$file" ]; then die "$file: not a readable file"; fi
case $file in
/*) abs=$file ;;
*) abs=$(pwd -P)/$file ;;
esac
[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
root=$(pwd -P)
# The directory part is resolved (symbolic links and ..), the file name kept.
adir=$(cd "$(dirname "$abs")" && pwd -P) || die "$file: cannot resolve its directory"
abs=$adir/${abs##*/}
case $abs in
"$root"/*) path=${abs#"$root"/} ;;
*) path=$abs ;;
esac

# --- write ----------------------------------------------------------------

mkdir -p meta/fits temp || die "meta/fits: cannot create the directory"
target=meta/fits/$name.json
ll_tmpdir temp
mkdir "$tmp/fits"
new=$tmp/fits/$name.json
# llws writes every file (quoting strings, checking the schema), so the
# comparison with an existing file below is byte for byte.
{
	llws set-string "$new" path "$path" &&
	llws set "$new" processing "\"${processing:-default}\"" &&
	{ [ -z "$wave_col" ] || { llws set-string "$new" wave_col "$wave_col" &&
		llws set "$new" wave_unit "\"$wave_unit\""; }; } &&
	{ [ "$no_wave" = 0 ] || llws set "$new" no_wavelength true; } &&
	{ [ -z "$filter" ] || llws set-string "$new" filter "$filter"; } &&
	{ [ -z "$gti_ccd" ] || llws set "$new" gti_ccd "$gti_ccd"; } &&
	{ [ -z "$description" ] || llws set-string "$new" description "$description"; }
} 2>"$tmp/err" || die "$target: $(sed -n '1s/^[^:]*: [^:]*: //p' "$tmp/err")"

# A cheap read: the header, the columns and the first row are enough to show
# that fits2ev finds the events and a wavelength.
if [ -n "$filter" ]; then
	check_filter="(#ROW <= 1) && ($filter)"
else
	check_filter="#ROW <= 1"
fi
check_read() {
	fits2ev --meta "$new" --filter "$check_filter" -o "$tmp/check.ev" 2>"$tmp/err"
}
# HRC files have no wavelength column (the seed's own data): they are
# analysed as one band, and the user is told so and how to ask for PI.
chose_one_band=0
if ! check_read; then
	mv -f "$tmp/err" "$tmp/err.first"
	if [ "$no_wave" = 0 ] && [ -z "$wave_col" ] && grep -q 'no wavelength column' "$tmp/err.first" &&
		llws set "$new" no_wavelength true 2>/dev/null && check_read &&
		ev2tsv <"$tmp/check.ev" 2>/dev/null | sed -n '1s/^# meta: //p' >"$tmp/meta.json" &&
		[ "$(llws get "$tmp/meta.json" instrument 2>/dev/null)" = HRC ]; then
		chose_one_band=1
	else
		die "$file: $(sed -n '1s/^fits2ev: [^:]*: //p' "$tmp/err.first")"
	fi
fi
if [ "$chose_one_band" = 1 ]; then
	printf '%s: %s: HRC data, no wavelength column: analysed as one band ("no_wavelength": true; default A filters chandrashift,gtifilter); for PI-based wavelengths instead: %s --file %s -n %s --wave-col PI --wave-unit 14.6eV --force (HRC PI carries almost no energy information, see man fits2ev)\n' \
		"$prog" "$name" "$prog" "$file" "$name" >&2
fi
if [ -e "$target" ] && cmp -s "$new" "$target"; then
	printf '%s\n' "$target"
	exit 0
fi
[ ! -e "$target" ] || [ "$force" = 1 ] || die "$target: exists with other settings (--force replaces it)"
mv -f "$new" "$target" || die "$target: cannot write"
printf '%s\n' "$target"
