#!/usr/bin/env bash
# workflow_e2e: metadata -> default pipeline -> replicate -> A vs B analysis,
# rerun bit-for-bit, then clear_generated_data.sh and the same results again.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=workflow_e2e
wf_need "$P-0" llws llpipe llgen fits2ev varstat evcompare llplot
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1

flow() {
	create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample &&
		create_default_pipeline.sh && replicate_dataset.sh -n default && make_var_analysis.sh -p default
}
tables="A_chunkvar.csv A_interarrival.csv A_lcurve.csv A_psd.csv A_varstat.csv B_chunkvar.csv B_interarrival.csv B_lcurve.csv B_psd.csv B_varstat.csv chunktest.csv compare.csv"
plots="chunkhist.png chunkmap.png counts.png fano.png interarrival_A.png interarrival_B.png lcurve_A.png lcurve_B.png nxs.png psd_A.png psd_B.png"

flow >"$T/out1" 2>"$T/err1"
t_eq "$P-1" "the four steps succeed quietly (no terminal, no progress)" "0 " "$? $(cat "$T/err1")"
code=$(llws get meta/pipeline/default.json B_fits_id)
t_eq "$P-2" "stdout: the files written, the code, the plot directory" \
	"meta/fits/sample.json meta/pipeline/default.json pipelines/default.sh meta/search/default.json $code out/default/plots/" \
	"$(tr '\n' ' ' <"$T/out1" | sed 's/ $//')"
t_eq "$P-3" "the tables of both slots and the comparison" "$tables" \
	"$(cd out/default && ls ./*.csv | sed 's|^\./||' | tr '\n' ' ' | sed 's/ $//')"
t_eq "$P-4" "the plots" "$plots" "$(ls out/default/plots | tr '\n' ' ' | sed 's/ $//')"
bad=""
for f in out/default/plots/*.png; do
	[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || bad="$bad $f"
done
t_eq "$P-5" "every plot is a PNG" "" "$bad"
t_eq "$P-6" "compare.csv: one distance over many terms" "yes" \
	"$(awk -F, 'NR == 2 && $1 + 0 >= 0 && $2 > 10 { print "yes" }' out/default/compare.csv)"
wf_rows out/default/A_varstat.csv >"$T/a.csv"
fits2ev data/sample/chandra_test.fits | gtifilter | wrange --min 0.1 --max 1 | wbin --n 4 --log --min 0.1 --max 1 |
	varstat --timescales 1:1000:20 | wf_rows - >"$T/want.csv"
t_files_eq "$P-7" "A's table is the default chain's" "$T/want.csv" "$T/a.csv"

mkdir "$T/run1"
for t in $tables; do wf_rows "out/default/$t" >"$T/run1/$t"; done
flow >"$T/out2" 2>"$T/err2"
t_eq "$P-8" "a second run succeeds and keeps B" "0  $code" "$? $(cat "$T/err2") $(llws get meta/pipeline/default.json B_fits_id)"
diffs=""
for t in $tables; do wf_rows "out/default/$t" | cmp -s - "$T/run1/$t" || diffs="$diffs $t"; done
t_eq "$P-9" "the rerun's tables are the same, row for row" "" "$diffs"

cat >"$T/want" <<LIST
meta/fits/$code.json
data/ev/$code.ev
out/
temp/
pipelines/default.sh
meta/pipeline/default.json: B_fits_id -> null
LIST
t_run clear_generated_data.sh --dry-run
t_files_eq "$P-10" "clear --dry-run lists the generated things" "$T/want" "$T/out"
t_eq "$P-11" "and removes nothing" "yes yes" "$([ -d out/default ] && echo yes) $([ -f "data/ev/$code.ev" ] && echo yes)"
t_run clear_generated_data.sh -y
t_eq "$P-12" "clear -y removes exactly those" \
	"./data ./data/ev ./data/sample ./data/sample/chandra_test.fits ./meta ./meta/fits ./meta/fits/sample.json ./meta/generation ./meta/generation/default.json ./meta/pipeline ./meta/pipeline/default.json ./meta/processing ./meta/processing/default.json ./meta/search ./meta/search/default.json ./pipelines" \
	"$(wf_tree "$W" | tr '\n' ' ' | sed 's/ $//')"

flow >"$T/out3" 2>"$T/err3"
t_eq "$P-13" "after the clear the flow runs again, with a new code" "0 yes" \
	"$? $([ "$(llws get meta/pipeline/default.json B_fits_id)" != "$code" ] && echo yes)"
diffs=""
for t in $tables; do wf_rows "out/default/$t" | cmp -s - "$T/run1/$t" || diffs="$diffs $t"; done
t_eq "$P-14" "the same seed gives the same B: identical tables" "" "$diffs"
