#!/usr/bin/env bash
# replicate_dataset.sh: B drawn by llgen from A's source into
# data/ev/CODE.ev + meta/fits/CODE.json, the code stored in the pipeline,
# reuse on reruns, seeds, and errors leaving no half-made dataset.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=replicate_dataset.sh
wf_need "$P-0" llws llpipe llgen fits2ev
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1
R="expected ?A-Za-z0-9??A-Za-z0-9_.-?{0,63}, no '..'"
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >/dev/null
create_default_pipeline.sh >/dev/null

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" \
	"0 usage: $P -n PIPELINE [--seed N] [--force] [-w DIR] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"

t_run $P -n default
code=$(cat "$T/out")
t_eq "$P-3" "status 0 and an 8-letter code on stdout" "0 yes" \
	"$T_STATUS $([[ $code =~ ^[A-Z]{8}$ ]] && echo yes)"
t_eq "$P-4" "the events and the dataset JSON exist, the pipeline names the code" \
	"yes yes $code" \
	"$([ -s "data/ev/$code.ev" ] && echo yes) $([ -f "meta/fits/$code.json" ] && echo yes) $(llws get meta/pipeline/default.json B_fits_id)"
t_eq "$P-5" "the JSON says how B was made" \
	"data/ev/$code.ev default default 1 sample" \
	"$(for k in path generated.pipeline generated.generation generated.seed generated.source; do llws get "meta/fits/$code.json" $k; done | tr '\n' ' ' | sed 's/ $//')"
t_check "$P-6" "llws validates the dataset JSON" llws validate "meta/fits/$code.json"
t_eq "$P-7" "the script reads B from the new dataset" "yes" \
	"$(grep -qF "stage source cat 'data/ev/$code.ev'" pipelines/default.sh && echo yes)"
# llgen with the sample on stdin, by hand: the same events.
fits2ev data/sample/chandra_test.fits | llgen --params meta/generation/default.json --seed 1 |
	ev2tsv --no-meta >"$T/want.tsv"
ev2tsv --no-meta <"data/ev/$code.ev" >"$T/got.tsv"
t_files_eq "$P-8" "the events are llgen's with A's source on stdin and the seed" "$T/want.tsv" "$T/got.tsv"
t_eq "$P-9" "A's GTIs carried into B" "$(fits2ev data/sample/chandra_test.fits | ev_meta gti)" \
	"$(ev_meta gti <"data/ev/$code.ev")"

n_before=$(ls meta/fits | wc -l)
t_run $P -n default
t_eq "$P-10" "again with the same seed: the same B, nothing drawn" "0 $code $n_before" \
	"$T_STATUS $(cat "$T/out") $(ls meta/fits | wc -l)"
t_run $P -n default --seed 2
code2=$(cat "$T/out")
t_eq "$P-11" "another seed: a new dataset, stored in the pipeline" "0 yes $code2 2" \
	"$T_STATUS $([ "$code2" != "$code" ] && [ -s "data/ev/$code2.ev" ] && echo yes) $(llws get meta/pipeline/default.json B_fits_id) $(llws get "meta/fits/$code2.json" generated.seed)"
t_run $P -n default --seed 2 --force
code3=$(cat "$T/out")
t_eq "$P-12" "--force draws a new one even with the same seed" "0 yes" \
	"$T_STATUS $([ "$code3" != "$code2" ] && [ -f "meta/fits/$code3.json" ] && echo yes)"

create_pipeline.sh -n real -a sample -b sample >/dev/null
t_error "$P-13" "a B that is not generated is only replaced with --force" 1 \
	"$P: pipeline 'real': B is the dataset 'sample', not a generated one (--force replaces it)" $P -n real

before=$(wf_tree "$W")
mkdir "$T/empty"
t_error "$P-14" "a missing pipeline and no default to make it from" 1 \
	"$P: pipeline 'nope': no meta/pipeline/nope.json, and no meta/pipeline/default.json to make it from: run create_default_pipeline.sh first" \
	$P -n nope -w "$T/empty"
printf '{"A_fits_id": "sample",' >meta/pipeline/broken.json
t_error "$P-15" "a pipeline that is not JSON: one line naming it" 1 "$P: meta/pipeline/broken.json: not valid JSON: *" $P -n broken
printf '{"A_fits_id": "sample", "B_filters": ["generate"], "speed": 3}\n' >meta/pipeline/broken.json
t_error "$P-16" "an unknown key in the pipeline" 1 "$P: meta/pipeline/broken.json: speed: *" $P -n broken
printf '{"A_fits_id": "gone"}\n' >meta/pipeline/broken.json
t_error "$P-17" "a pipeline whose A dataset is missing" 1 "$P: dataset 'gone': no meta/fits/gone.json; create_fits_metadata.sh --file FILE -n gone creates it" $P -n broken
printf 'not a fits file\n' >"$T/text.fits"
printf '{"path": "%s"}\n' "$T/text.fits" >meta/fits/text.json
printf '{"A_fits_id": "text"}\n' >meta/pipeline/broken.json
t_error "$P-18" "an unreadable source: fits2ev's reason" 1 \
	"$P: $T/text.fits: not a FITS file: it does not start with SIMPLE" $P -n broken
rm meta/pipeline/broken.json meta/fits/text.json
t_error "$P-19" "a name with '/' is a usage error" 2 "$P: invalid pipeline name '../p': $R (see '$P --help')" $P -n ../p
t_error "$P-20" "a seed that is not a number" 2 "$P: --seed: not a whole number: '-1' (see '$P --help')" $P -n default --seed -1
t_error "$P-21" "-n is required" 2 "$P: missing -n PIPELINE (see '$P --help')" $P --seed 1
rmdir temp/* 2>/dev/null
t_eq "$P-22" "failed runs left no dataset, no events, no temporary file" "$before" "$(wf_tree "$W")"

# The rate comes from A (the shipped default has no rate_cps): A's events
# inside its GTIs and the wavelength range, over the time B is drawn in: A's
# frames (timedel 0.44104 s) whose time stamps lie inside the GTIs.
fits2ev data/sample/chandra_test.fits | gtifilter | wrange --min 0.1 --max 1 >"$T/a_band.ev"
t_py "$P-23" "no rate_cps in the default: B's rate is A's in-GTI, in-band count over A's whole frames in the GTIs" '
import json, math, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read(); h = struct.unpack("<I", raw[8:12])[0]
m = json.loads(raw[12:12 + h])
t = np.frombuffer(raw, offset=12 + h, dtype=[("time", "<f8"), ("wavelength", "<f4"), ("wbin", "<i4")])["time"]
tau, pixr = m["timedel"], m.get("timepixr", 0.5)
b0 = t[0] - pixr * tau
frames = sum(math.ceil((b - b0) / tau - pixr) - math.ceil((a - b0) / tau - pixr) for a, b in m["gti"])
want, got = t.size / (frames * tau), float(sys.argv[2])
assert abs(want - got) <= 1e-9 * want, (want, got)
' "$T/a_band.ev" "$(llws get "meta/fits/$code.json" generated.params.rate_cps)"

t_run $P -n fresh
t_eq "$P-24" "a pipeline that does not exist is made from the default's settings, and said" \
	"0 $(cat "$T/out") $P: pipeline 'fresh' did not exist: created meta/pipeline/fresh.json from the default pipeline's settings" \
	"$T_STATUS $(llws get meta/pipeline/fresh.json B_fits_id) $(cat "$T/err")"
t_eq "$P-25" "... with the default's A, processing, generation and filters" \
	"$(for k in A_fits_id processing generation A_filters B_filters; do llws get meta/pipeline/default.json $k; done)" \
	"$(for k in A_fits_id processing generation A_filters B_filters; do llws get meta/pipeline/fresh.json $k; done)"

create_pipeline.sh -n ctl -a sample --b-filters copyA,poissonize >/dev/null
cp meta/pipeline/ctl.json "$T/ctl.before"
t_error "$P-26" "a control B (copyA,poissonize) is never replaced without --force" 1 \
	"$P: pipeline 'ctl': B is a control (B_filters copyA,poissonize), not a generated dataset (--force replaces it)" \
	$P -n ctl
t_files_eq "$P-27" "... and the pipeline is untouched" "$T/ctl.before" meta/pipeline/ctl.json
t_run $P -n ctl --force
t_eq "$P-28" "--force replaces it: B generated, B_filters generate and A's wavelength filters" \
	"0 $(cat "$T/out") [\"generate\",\"wrange\",\"wbin\"]" \
	"$T_STATUS $(llws get meta/pipeline/ctl.json B_fits_id) $(llws get meta/pipeline/ctl.json B_filters)"
