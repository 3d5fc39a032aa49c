#!/usr/bin/env bash
# clear_generated_data.sh: exactly the generated things go (datasets with a
# "generated" key and a code name, their events, orphaned code events, out/,
# temp/, llpipe's scripts), FITS files and hand-written JSON stay, B_fits_id
# goes back to null; --dry-run and the -y guard remove nothing.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=clear_generated_data.sh
wf_need "$P-0" llws llpipe llgen fits2ev
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >/dev/null
create_default_pipeline.sh >/dev/null
code=$(replicate_dataset.sh -n default)
# Things that look generated but are not: a downloaded FITS, a hand-written
# dataset with a code-like name, other events, a script of the user's.
mkdir -p fits/10027 data/ev out/default temp/x
cp "$T_SAMPLE/chandra_test.fits" fits/10027/acisf10027_evt2.fits
printf '{"path": "fits/10027/acisf10027_evt2.fits"}\n' >meta/fits/HANDMADE.json
printf '{"path": "data/ev/mine.ev"}\n' >meta/fits/mine.json
fits2ev data/sample/chandra_test.fits -o data/ev/mine.ev
cp data/ev/mine.ev data/ev/ORPHANED.ev
printf '#!/bin/sh\n# my own script\n' >pipelines/mine.sh
llpipe --make
create_pipeline.sh -n other -a sample >/dev/null
printf 'x\n' >out/default/table.csv

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" "0 usage: $P [--dry-run] [-y] [--all] [-w DIR] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"

cat >"$T/want" <<LIST
meta/fits/$code.json
data/ev/$code.ev
data/ev/ORPHANED.ev
out/
temp/
pipelines/default.sh
pipelines/other.sh
pipelines/all.mk
meta/pipeline/default.json: B_fits_id -> null
LIST
before=$(wf_tree "$W")
t_run $P --dry-run
t_files_eq "$P-3" "--dry-run lists what would go" "$T/want" "$T/out"
t_eq "$P-4" "--dry-run removes nothing" "$before" "$(wf_tree "$W")"
t_error "$P-5" "without -y and without a terminal: refused" 2 \
	"$P: stdin is not a terminal: give -y to remove without asking (see '$P --help')" $P </dev/null
t_eq "$P-6" "the refusal removed nothing" "$before" "$(wf_tree "$W")"

t_run $P -y
t_files_eq "$P-7" "-y removes and lists the same things" "$T/want" "$T/out"
printf '%s\n' "$before" | grep -vxF -e "./meta/fits/$code.json" -e "./data/ev/$code.ev" -e ./data/ev/ORPHANED.ev \
	-e ./pipelines/default.sh -e ./pipelines/other.sh -e ./pipelines/all.mk | grep -v -e '^./out' -e '^./temp' >"$T/kept"
wf_tree "$W" >"$T/now"
t_files_eq "$P-8" "everything else is kept: FITS, hand-written JSON, other events, the user's script" "$T/kept" "$T/now"
t_eq "$P-9" "the pipeline's B is null again, the other pipeline untouched" "null null" \
	"$(llws get meta/pipeline/default.json B_fits_id) $(llws get meta/pipeline/other.json B_fits_id)"
t_run $P -y
t_eq "$P-10" "nothing left: nothing printed, status 0" "0 " "$T_STATUS $(cat "$T/out" "$T/err")"

code=$(replicate_dataset.sh -n default)
llws set meta/pipeline/other.json B_fits_id "\"$code\"" B_filters '["wrange"]'
before=$(wf_tree "$W")
t_error "$P-11" "a pipeline that cannot lose its B stops the run first" 1 \
	"$P: meta/pipeline/other.json: B_fits_id cannot go back to null: B_filters?0?: expected *" $P -y
t_eq "$P-12" "and nothing was removed" "$before" "$(wf_tree "$W")"
t_error "$P-13" "a directory without meta/ is not a workspace" 1 "$P: $W/fits: not a workspace (no meta/ directory)" \
	$P -y -w "$W/fits"
t_error "$P-14" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus

# A search's rows are hours of work: kept unless --all.
mkdir -p temp/search/s
printf '# meta: {}\nrun,code,seed,distance,n_terms,elapsed_s\n1,ABCDEFGH,1,2.5,10,0.1\n' >temp/parameter_search.csv
cp temp/parameter_search.csv "$T/csv.before"
: >temp/search/s/env.sh
llws set meta/pipeline/other.json B_fits_id null B_filters '["generate"]'
t_run $P -y
t_eq "$P-15" "temp/parameter_search.csv is kept, the rest of temp/ goes, and it is said" \
	"0 ./temp ./temp/parameter_search.csv|$P: keeping temp/parameter_search.csv (--all removes it)" \
	"$T_STATUS $(wf_tree "$W" | grep '^./temp' | tr '\n' ' ' | sed 's/ $//')|$(cat "$T/err")"
t_files_eq "$P-16" "... byte for byte" "$T/csv.before" temp/parameter_search.csv
t_run $P -y --all
t_eq "$P-17" "--all removes it too" "0 temp/ " "$T_STATUS $(cat "$T/out" | tr '\n' ' ')$(wf_tree "$W" | grep '^./temp')"
