#!/usr/bin/env bash
# make_var_analysis.sh (and make_var_analysis_plots.sh): one dataset under a
# processing gives the same table as the hand-made chain, plus its plots;
# usage and missing metadata.  (-p is exercised in workflow_e2e.sh.)
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=make_var_analysis.sh
wf_need "$P-0" llws llpipe fits2ev varstat llplot
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1
R="expected ?A-Za-z0-9??A-Za-z0-9_.-?{0,63}, no '..'"
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >/dev/null
# A quick processing: two bins, the variability table and the light curve.
printf '{"min_wavelength": "0.2 nm", "max_wavelength": 0.8, "wbins": {"count": 2, "scale": "lin"},\n "timescales": {"min_s": 2, "max_s": 200, "count": 5}, "analyses": ["varstat", "lcurve"]}\n' \
	>meta/processing/quick.json

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" "0 usage: $P -p PIPELINE [-w DIR] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"
t_eq "$P-3" "the alias answers to its own name" "make_var_analysis_plots.sh (Lightlane Studio) $T_VERSION" \
	"$(make_var_analysis_plots.sh --version)"

(cd "$T" && make_var_analysis_plots.sh -a sample --pp quick -w ws >"$T/out" 2>"$T/err")
t_eq "$P-4" "-a --pp: status 0, the plot directory on stdout" "0 out/sample__quick/plots/" "$? $(cat "$T/out")"
t_eq "$P-5" "tables and plots of the one slot" \
	"A_lcurve.csv A_varstat.csv plots/counts.png plots/fano.png plots/lcurve_A.png plots/nxs.png" \
	"$(cd out/sample__quick && ls A_*.csv plots/* | tr '\n' ' ' | sed 's/ $//')"
fits2ev data/sample/chandra_test.fits | gtifilter | wrange --min 0.2 --max 0.8 | wbin --n 2 --min 0.2 --max 0.8 |
	varstat --timescales 2:200:5 | wf_rows - >"$T/want.csv"
wf_rows out/sample__quick/A_varstat.csv >"$T/got.csv"
t_files_eq "$P-6" "the table equals the hand-made chain's (units converted)" "$T/want.csv" "$T/got.csv"
t_eq "$P-7" "the one-slot pipeline and its script are kept under temp/" "sample [] yes" \
	"$(llws get temp/pipeline/sample__quick.json A_fits_id) $(llws get temp/pipeline/sample__quick.json B_filters) $([ -f temp/sample__quick.sh ] && echo yes)"
t_eq "$P-8" "the plots are PNG files" "PNG" "$(head -c 4 out/sample__quick/plots/fano.png | tail -c 3)"

before=$(wf_tree "$W")
t_error "$P-9" "a missing dataset" 1 "$P: dataset 'nope': no meta/fits/nope.json; create_fits_metadata.sh --file FILE -n nope creates it" $P -a nope
t_error "$P-10" "a missing processing" 1 "$P: processing 'slow': no meta/processing/slow.json; create_default_pipeline.sh writes meta/processing/default.json, copy and edit it" $P -a sample --pp slow
t_error "$P-11" "a missing pipeline" 1 "$P: pipeline 'nope': no meta/pipeline/nope.json; create_pipeline.sh -n nope -a DATASET (or create_default_pipeline.sh) creates it" $P -p nope
mkdir -p meta/pipeline
before=$(wf_tree "$W")
printf '{"A_fits_id": "sample", "B_fits_id": "GONEGONE"}\n' >meta/pipeline/gone.json
t_error "$P-12" "a pipeline naming a missing B: llpipe's reason, one line" 1 "$P: *GONEGONE*" $P -p gone
rm meta/pipeline/gone.json
t_error "$P-13" "-p and -a together" 2 "$P: -p excludes -a and --pp (see '$P --help')" $P -p x -a sample
t_error "$P-14" "neither -p nor -a" 2 "$P: give -p PIPELINE or -a DATASET (see '$P --help')" $P
t_error "$P-15" "a name with '/' is a usage error" 2 "$P: invalid dataset name 'a/b': $R (see '$P --help')" $P -a a/b
t_error "$P-16" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus
rmdir temp/make_var* 2>/dev/null
t_eq "$P-17" "failed runs wrote nothing" "$before" "$(wf_tree "$W")"

# --- one workspace, one writer: two runs of one analysis at once ----------
# A gtifilter that takes 2 s (and leaves a marker when it starts) keeps the
# first run busy while the second starts.
mkdir -p "$T/slow" "$T/tmp"
wf_slow_gtifilter "$T/slow" "$T/busy"
busy_soon() { wf_wait_for "$T/busy"; }
rm -rf out
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P -a sample --pp quick >"$T/first.out" 2>&1 &
first=$!
busy_soon
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P -a sample --pp quick >"$T/second.out" 2>"$T/second.err"
second=$?
wait "$first"
t_eq "$P-18" "a second run on a busy workspace says it waits, then both succeed" \
	"0 0 out/sample__quick/plots/ out/sample__quick/plots/ 1" \
	"$? $second $(cat "$T/first.out" "$T/second.out" | tr '\n' ' ')$(grep -c "^$P: waiting for another run to finish with this workspace (it holds the lock on meta/; --no-wait refuses instead)$" "$T/second.err")"
wf_rows out/sample__quick/A_varstat.csv >"$T/got.csv"
t_files_eq "$P-19" "... the table is the hand-made chain's" "$T/want.csv" "$T/got.csv"
t_eq "$P-20" "... and no .part or temporary file is left" "" \
	"$(find "$W" -name '*.part' -o -path '*/temp/make_var_analysis*'; ls -A "$T/tmp")"
rm -f "$T/busy"
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P -a sample --pp quick >/dev/null 2>&1 &
first=$!
busy_soon
t_error "$P-21" "--no-wait refuses a busy workspace with one line" 1 \
	"$P: $(pwd -P): another run is writing this workspace (it holds the lock on meta/)" \
	timeout 60 $P --no-wait -a sample --pp quick
wait "$first"
t_error "$P-22" "a directory without meta/ is not a workspace" 1 "$P: $T: not a workspace (no meta/ directory)" \
	$P -a sample -w "$T"

# --- the chunk analysis (chunkvar, chunktest, chunkhist, chunkmap) ---------
printf '{"wbins": {"count": 2, "scale": "log"}, "analyses": ["chunkvar"],\n "chunkvar": {"widths": {"min_s": 1, "max_s": "20 s", "count": 3}, "chunk": 8}}\n' \
	>meta/processing/chunky.json
cv_header=wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,ev_smooth,fano_local,fano_global,adjacent,adjacent_smooth,odd_even
ct_header=metric,wbin,n_a,n_b,q,x,frac,p_binom,ci_lo,ci_hi,mean_a,mean_b,median_a,median_b,ks_d,ks_p
# png_ok FILE...: each a PNG of at least 300x200 pixels with a plotted area
# of many coloured pixels (not a blank frame with a title).
png_ok='
import sys
from PIL import Image
for f in sys.argv[1:]:
    assert open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f + ": not a PNG"
    im = Image.open(f).convert("RGB")
    w, h = im.size
    assert w >= 300 and h >= 200, "%s: %dx%d" % (f, w, h)
    px = list(im.crop((int(0.1 * w), int(0.2 * h), int(0.9 * w), int(0.9 * h))).getdata())
    coloured = sum(1 for p in px if max(p) - min(p) > 60)
    assert coloured >= 2000, "%s: only %d coloured pixels" % (f, coloured)
'
$P -a sample --pp chunky >"$T/out" 2>"$T/err"
t_eq "$P-23" "-a with chunkvar: the dataset's chunk table, chunkhist and chunkmap" \
	"0 A_chunkvar.csv plots/chunkhist.png plots/chunkmap.png" \
	"$? $(cd out/sample__chunky && ls A_*.csv plots/* | tr '\n' ' ' | sed 's/ $//')"
t_eq "$P-24" "... the table's header is chunkvar's schema, widths and chunk from the processing" \
	"$cv_header 1" \
	"$(wf_rows out/sample__chunky/A_chunkvar.csv | head -n 1) $(grep -c '"chunkvar --widths 1:20:3 --chunk 8 -o ' out/sample__chunky/A_chunkvar.csv)"
printf '{"A_fits_id": "sample", "processing": "chunky", "B_filters": ["copyA", "poissonize"]}\n' >meta/pipeline/cv.json
$P -p cv >"$T/out" 2>"$T/err"
t_eq "$P-25" "-p with chunkvar: A's and B's chunk tables, chunktest's table, the chunk figures" \
	"0 out/cv/plots/ A_chunkvar.csv B_chunkvar.csv chunktest.csv plots/chunkhist.png plots/chunkmap.png" \
	"$? $(cat "$T/out") $(cd out/cv && ls ./*.csv plots/* | sed 's|^\./||' | tr '\n' ' ' | sed 's/ $//')"
t_eq "$P-26" "... the headers are the schemas of chunkvar and chunktest" \
	"$cv_header $cv_header $ct_header" \
	"$(for f in A_chunkvar B_chunkvar chunktest; do wf_rows "out/cv/$f.csv" | head -n 1; done | tr '\n' ' ' | sed 's/ $//')"
t_py "$P-27" "... chunktest has a row per metric and wbin of A (0, 1, -1), each with A's chunk count" '
import csv, sys
from collections import Counter
a = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
t = [r for r in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#"))]
metrics = ["ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth", "odd_even"]
got = sorted((r["metric"], r["wbin"]) for r in t)
want = sorted((m, w) for m in metrics for w in ("0", "1", "-1"))
assert got == want, got
for r in t:
    n = sum(1 for c in a if c["wbin"] == r["wbin"] and c[r["metric"]] != "")
    assert int(r["n_a"]) == n > 0, (r["metric"], r["wbin"], r["n_a"], n)
' out/cv/A_chunkvar.csv out/cv/chunktest.csv
t_py "$P-28" "... the chunk figures of -p and -a are non-blank PNGs" "$png_ok" \
	out/cv/plots/chunkhist.png out/cv/plots/chunkmap.png out/sample__chunky/plots/chunkhist.png
