#!/usr/bin/env bash
# create_fits_metadata.sh (and its alias create_default_fits_metadata.sh):
# the dataset JSON, paths relative to the workspace, reruns, --force, and
# bad files, names and options leaving nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=create_fits_metadata.sh
wf_need "$P-0" llws fits2ev
W=$T/ws
# The name rule, its brackets as ? (t_error takes a glob).
R="expected ?A-Za-z0-9??A-Za-z0-9_.-?{0,63}, no '..'"
wf_workspace "$W"
cd "$W" || exit 1

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" "0 usage: $P --file FILE [-n NAME] [OPTIONS] [-w DIR] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"

t_run $P --file data/sample/chandra_test.fits -n sample
t_eq "$P-3" "a good file: status 0, the JSON's path on stdout" "0 meta/fits/sample.json" "$T_STATUS $(cat "$T/out")"
printf '{\n  "path": "data/sample/chandra_test.fits",\n  "processing": "default"\n}\n' >"$T/want"
t_files_eq "$P-4" "the dataset JSON: the path relative to the workspace, processing default" "$T/want" meta/fits/sample.json
t_check "$P-5" "llws validates what it wrote" llws validate meta/fits/sample.json

t_run $P --file "$W/data/sample/chandra_test.fits" -n sample
t_eq "$P-6" "the same settings again (absolute path inside the workspace) leave the file as it is" "0 same" \
	"$T_STATUS $(cmp -s "$T/want" meta/fits/sample.json && echo same)"
t_error "$P-7" "other settings for an existing name need --force" 1 \
	"$P: meta/fits/sample.json: exists with other settings (--force replaces it)" \
	$P --file data/sample/chandra_test.fits -n sample --processing fast
t_eq "$P-8" "the refused run kept the file" "same" "$(cmp -s "$T/want" meta/fits/sample.json && echo same)"

t_run $P --file data/sample/chandra_test.fits -n sample --force --description 'M82 "ACIS-S" \ sample' --filter 'ccd_id == 7'
t_eq "$P-9" "--force replaces it; quotes and backslashes survive" '0 M82 "ACIS-S" \ sample|ccd_id == 7' \
	"$T_STATUS $(llws get meta/fits/sample.json description)|$(llws get meta/fits/sample.json filter)"

t_run $P --file "$T_SAMPLE/hrcS_evt1_testfile.fits.gz" -n hrc --no-wavelength -w "$W"
t_eq "$P-10" "a file outside the workspace keeps its absolute path; --no-wavelength recorded" \
	"0 $T_SAMPLE/hrcS_evt1_testfile.fits.gz true" \
	"$T_STATUS $(llws get meta/fits/hrc.json path) $(llws get meta/fits/hrc.json no_wavelength)"

(cd "$T" && $P --file ws/data/sample/chandra_test.fits -n fromabove -w ws >/dev/null)
t_eq "$P-11" "--file is relative to the caller's directory, the JSON path to the workspace" \
	"data/sample/chandra_test.fits" "$(llws get meta/fits/fromabove.json path)"

t_run create_default_fits_metadata.sh --file data/sample/chandra_test.fits
t_eq "$P-12" "the alias names the dataset after the file" "0 meta/fits/chandra_test.json" "$T_STATUS $(cat "$T/out")"

before=$(wf_tree "$W")
t_error "$P-13" "a missing file is one line, status 1" 1 "$P: data/nope.fits: no such file" \
	$P --file data/nope.fits -n nope
printf 'not a fits file\n' >"$T/text.fits"
t_error "$P-14" "a file fits2ev cannot read: its reason, status 1" 1 \
	"$P: $T/text.fits: not a FITS file: it does not start with SIMPLE" $P --file "$T/text.fits" -n text
t_error "$P-15" "a wavelength column that is not there" 1 \
	"$P: data/sample/chandra_test.fits: EVENTS: no column wl (--wave-col)" \
	$P --file data/sample/chandra_test.fits -n wl --wave-col wl --wave-unit nm
t_error "$P-16" "a file without wavelengths that is not HRC says what to do" 1 \
	"$P: $T_CHANDRA/chandra_noener_test.fits: EVENTS: no wavelength column (looked for TG_LAM, WAVELENGTH, ENERGY); use --no-wavelength or --wave-col COL --wave-unit UNIT" \
	$P --file "$T_CHANDRA/chandra_noener_test.fits" -n noener
t_error "$P-17" "a name with '/' is a usage error" 2 \
	"$P: invalid dataset name '../x': $R (see '$P --help')" \
	$P --file data/sample/chandra_test.fits -n ../x
t_error "$P-18" "the alias's errors carry its name" 2 \
	"create_default_fits_metadata.sh: invalid dataset name 'a/b': $R (see 'create_default_fits_metadata.sh --help')" \
	create_default_fits_metadata.sh --file data/sample/chandra_test.fits -n a/b
t_error "$P-19" "--wave-col needs --wave-unit" 2 "$P: --wave-col and --wave-unit go together (see '$P --help')" \
	$P --file data/sample/chandra_test.fits -n x --wave-col energy
t_error "$P-20" "an unknown unit is a usage error" 2 "$P: --wave-unit: expected angstrom, nm, ev or kev: 'erg' (see '$P --help')" \
	$P --file data/sample/chandra_test.fits -n x --wave-col energy --wave-unit erg
t_error "$P-21" "--file is required" 2 "$P: missing --file (see '$P --help')" $P -n x
t_error "$P-22" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus
t_error "$P-23" "a missing workspace is one line" 1 "$P: $T/none: no such workspace directory" \
	$P --file data/sample/chandra_test.fits -n x -w "$T/none"
rmdir temp/* 2>/dev/null
t_eq "$P-24" "failed runs wrote nothing and left no temporary file" "$before" "$(wf_tree "$W")"

# HRC has no wavelength column: one band, said on stderr with the way to PI.
t_run $P --file "$T_SAMPLE/hrcS_evt1_testfile.fits.gz" -n hrc2 -w "$W"
t_eq "$P-25" "HRC without --no-wavelength: one band, the file written" \
	"0 meta/fits/hrc2.json true" "$T_STATUS $(cat "$T/out") $(llws get meta/fits/hrc2.json no_wavelength)"
t_eq "$P-26" "... and one stderr line saying what it chose and how to ask for PI wavelengths" \
	"$P: hrc2: HRC data, no wavelength column: analysed as one band (\"no_wavelength\": true; default A filters chandrashift,gtifilter); for PI-based wavelengths instead: $P --file $T_SAMPLE/hrcS_evt1_testfile.fits.gz -n hrc2 --wave-col PI --wave-unit 14.6eV --force (HRC PI carries almost no energy information, see man fits2ev)" \
	"$(cat "$T/err")"
