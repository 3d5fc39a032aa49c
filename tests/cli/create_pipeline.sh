#!/usr/bin/env bash
# create_pipeline.sh (and create_default_pipeline.sh): the pipeline JSON and
# its llpipe script, reruns keeping B, --force, and missing or bad metadata
# leaving nothing half-written.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=create_pipeline.sh
wf_need "$P-0" llws llpipe fits2ev
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1
R="expected ?A-Za-z0-9??A-Za-z0-9_.-?{0,63}, no '..'"
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >/dev/null

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" \
	"0 usage: $P -n NAME -a DATASET [-b DATASET] [OPTIONS] [-w DIR] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"

t_run $P -n m82 -a sample
t_eq "$P-3" "status 0, the JSON and the script on stdout" "0 meta/pipeline/m82.json pipelines/m82.sh" \
	"$T_STATUS $(tr '\n' ' ' <"$T/out" | sed 's/ $//')"
cat >"$T/want" <<'JSON'
{
  "A_fits_id": "sample",
  "B_fits_id": null,
  "processing": "default",
  "generation": "default",
  "A_filters": [
    "gtifilter",
    "wrange",
    "wbin"
  ],
  "B_filters": [
    "generate",
    "wrange",
    "wbin"
  ]
}
JSON
t_files_eq "$P-4" "the pipeline JSON: the dataset's processing, default generation and filters" "$T/want" meta/pipeline/m82.json
t_eq "$P-5" "pipelines/m82.sh is llpipe's script of it" "yes" \
	"$(sed -n 2p pipelines/m82.sh | grep -q 'the pipeline "m82", written by llpipe' && echo yes)"

llws set meta/pipeline/m82.json B_fits_id '"sample"' B_filters '["copysource", "wrange"]' 2>/dev/null
t_run $P -n m82 -a sample --b-filters copysource,wrange
t_eq "$P-6" "the same command again keeps the B already stored" "0 sample" \
	"$T_STATUS $(llws get meta/pipeline/m82.json B_fits_id)"
cp meta/pipeline/m82.json "$T/m82.json"
t_error "$P-7" "other settings need --force" 1 \
	"$P: meta/pipeline/m82.json: exists with other settings (--force replaces it)" $P -n m82 -a sample --analyses varstat
t_eq "$P-8" "the refused run kept the file" "same" "$(cmp -s "$T/m82.json" meta/pipeline/m82.json && echo same)"
t_run $P -n m82 -a sample --a-filters gtifilter,wrange,wbin,poissonize --analyses varstat,psd --force
t_eq "$P-9" "--force replaces it; filters and analyses as given" \
	'0 ["gtifilter","wrange","wbin","poissonize"] ["varstat","psd"]' \
	"$T_STATUS $(llws get meta/pipeline/m82.json A_filters) $(llws get meta/pipeline/m82.json analyses)"
t_eq "$P-10" "the script follows: a poissonize stage in A" "yes" \
	"$(grep -q '^stage poissonize poissonize' pipelines/m82.sh && echo yes)"

t_run $P -n ab -a sample -b sample
t_eq "$P-11" "-b: B is that dataset, with A's filters" '0 sample ["gtifilter","wrange","wbin"]' \
	"$T_STATUS $(llws get meta/pipeline/ab.json B_fits_id) $(llws get meta/pipeline/ab.json B_filters)"

t_run create_default_pipeline.sh
t_eq "$P-12" "create_default_pipeline.sh: pipeline default, A sample" "0 sample default" \
	"$T_STATUS $(llws get meta/pipeline/default.json A_fits_id) $(llws get meta/pipeline/default.json generation)"
t_error "$P-13" "create_default_pipeline.sh takes no -b" 2 \
	"create_default_pipeline.sh: unknown option '-b' (see 'create_default_pipeline.sh --help')" \
	create_default_pipeline.sh -b sample

before=$(wf_tree "$W")
t_error "$P-14" "a missing dataset" 1 "$P: dataset 'nope': no meta/fits/nope.json; create_fits_metadata.sh --file FILE -n nope creates it" $P -n x -a nope
t_error "$P-15" "a missing B dataset" 1 "$P: dataset 'nope': no meta/fits/nope.json; create_fits_metadata.sh --file FILE -n nope creates it" $P -n x -a sample -b nope
t_error "$P-16" "a missing processing" 1 "$P: processing 'fast': no meta/processing/fast.json; create_default_pipeline.sh writes meta/processing/default.json, copy and edit it" $P -n x -a sample --pp fast
t_error "$P-17" "a missing generation" 1 "$P: generation 'g2': no meta/generation/g2.json; create_default_pipeline.sh writes meta/generation/default.json, copy and edit it" $P -n x -a sample --gen g2
t_error "$P-18" "a B without a starter and without a dataset: llws's reason" 1 \
	"$P: meta/pipeline/x.json: B_filters?0?: expected generate, copysource or copyA when B_fits_id is null, got \"wrange\"" \
	$P -n x -a sample --b-filters wrange,wbin
t_error "$P-19" "an unknown filter" 1 \
	"$P: meta/pipeline/x.json: A_filters?1?: expected a filter name (gtifilter, chandrashift, wrange, wbin, flatten, equalize, poissonize, downsample, trange, tthinning), got \"bogus\"" \
	$P -n x -a sample --a-filters wrange,bogus
printf '{"path": "data/sample/chandra_test.fits",' >meta/fits/broken.json
t_error "$P-20" "a dataset that is not JSON: llpipe's reason, one line" 1 \
	"$P: meta/fits/broken.json: not valid JSON: *" $P -n x -a broken
rm meta/fits/broken.json
t_error "$P-21" "a name with '/' is a usage error" 2 "$P: invalid pipeline name 'a/b': $R (see '$P --help')" $P -n a/b -a sample
t_error "$P-22" "a malformed filter list is a usage error" 2 \
	"$P: --a-filters: expected comma-separated names: 'wrange,,wbin' (see '$P --help')" $P -n x -a sample --a-filters wrange,,wbin
t_error "$P-23" "-a is required" 2 "$P: missing -a DATASET (see '$P --help')" $P -n x
t_error "$P-24" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus
rmdir temp/* 2>/dev/null
t_eq "$P-25" "failed runs wrote no pipeline, no script, no temporary file" "$before" "$(wf_tree "$W")"

# Datasets without wavelengths are one band: HRC gets chandrashift first.
create_fits_metadata.sh --file "$T_CHANDRA/chandra_noener_test.fits" -n noener --no-wavelength >/dev/null
create_fits_metadata.sh --file "$T_SAMPLE/hrcS_evt1_testfile.fits.gz" -n hrc >/dev/null 2>&1
$P -n ne -a noener >/dev/null
$P -n hr -a hrc >/dev/null
t_eq "$P-26" "no wavelengths: A gtifilter (HRC: chandrashift, gtifilter), B generate alone" \
	'["gtifilter"] ["generate"] ["chandrashift","gtifilter"] ["generate"]' \
	"$(for p in ne hr; do llws get meta/pipeline/$p.json A_filters; llws get meta/pipeline/$p.json B_filters; done | tr '\n' ' ' | sed 's/ $//')"
# The default pipeline without -a: the dataset onboarded last (hrc, not a
# generated one made after it).
touch -d '2001-01-01' meta/fits/noener.json
llws set meta/fits/QQQQQQQQ.json path '"data/ev/QQQQQQQQ.ev"' generated '{"pipeline": "p", "generation": "default", "seed": 1, "source": "sample", "params": {}}' 2>/dev/null ||
	printf '{"path": "data/ev/QQQQQQQQ.ev", "generated": {"pipeline": "p", "generation": "default", "seed": 1, "source": "sample", "params": {}}}\n' >meta/fits/QQQQQQQQ.json
touch -d '2001-01-02' meta/fits/sample.json
touch -d '2001-01-03' meta/fits/hrc.json
t_run create_default_pipeline.sh -n dflt
t_eq "$P-27" "create_default_pipeline.sh takes the dataset onboarded last, never a generated one" \
	"0 hrc" "$T_STATUS $(llws get meta/pipeline/dflt.json A_fits_id)"
