#!/usr/bin/env bash
# llpipe: scripts that pass sh -n and shellcheck, a golden script, end-to-end
# runs on the sample, failing stages, custom filters, make rules, bad input.
. "$(dirname "$0")/../lib.sh"

# A workspace in $T: the sample, the shipped processing/generation, fixtures.
W="$T/ws"
mkdir -p "$W/meta/fits" "$W/meta/pipeline" "$W/meta/processing" "$W/meta/generation" "$W/data"
ln -s "$T_SAMPLE/chandra_test.fits" "$W/data/sample.fits"
cp "$T_ROOT/meta/processing/default.json" "$W/meta/processing/"
cp "$T_ROOT/meta/generation/default.json" "$W/meta/generation/"
cp "$T_DATA/llpipe/gold_processing.json" "$W/meta/processing/gold.json"
cp "$T_DATA/llpipe/gold_pipeline.json" "$W/meta/pipeline/gold.json"
printf '{"path": "data/sample.fits", "processing": "default"}\n' >"$W/meta/fits/sample.json"
printf '{"A_fits_id": "sample"}\n' >"$W/meta/pipeline/demo.json"
printf '{"A_fits_id": "sample", "B_filters": ["copyA", "poissonize"], "analyses": ["varstat"]}\n' \
	>"$W/meta/pipeline/ctl.json"
printf '{"A_fits_id": "sample", "B_filters": [], "analyses": ["varstat", "psd", "interarrival"]}\n' \
	>"$W/meta/pipeline/aonly.json"

t_check llpipe-1 "scripts are written for every kind of slot B" \
	llpipe -w "$W" meta/pipeline/demo.json meta/pipeline/ctl.json aonly meta/pipeline/gold.json
t_check llpipe-2 "the scripts pass sh -n" sh -c "for f in '$W'/pipelines/*.sh; do sh -n \"\$f\" || exit 1; done"
if command -v shellcheck >/dev/null; then
	t_check llpipe-3 "the scripts pass shellcheck" shellcheck -s sh "$W"/pipelines/*.sh
else
	t_skip llpipe-3 "the scripts pass shellcheck" "no shellcheck"
fi
t_files_eq llpipe-4 "the golden script: exact text for a fixed pipeline" \
	"$T_DATA/llpipe/gold.sh" "$W/pipelines/gold.sh"
t_eq llpipe-5 "the script is executable" "yes" "$([ -x "$W/pipelines/demo.sh" ] && echo yes)"
t_eq llpipe-6 "a NAME and its JSON path give the same script" "$(cat "$W/pipelines/aonly.sh")" \
	"$(llpipe -w "$W" -o "$T/a2.sh" meta/pipeline/aonly.json && cat "$T/a2.sh")"

# End to end on the sample.
have_all=yes
for p in fits2ev gtifilter wrange wbin llgen varstat lcurve psd interarrival evcompare llplot poissonize downsample; do
	command -v "$p" >/dev/null || have_all=no
done
if [ $have_all = yes ]; then
	t_check llpipe-7 "the default pipeline (B generated) runs on the sample" sh "$W/pipelines/demo.sh"
	t_eq llpipe-8 "its tables, plots and .done exist" "ok" "$(cd "$W/out/demo" && for f in A.ev B.ev \
		A_varstat.csv B_varstat.csv A_lcurve.csv B_lcurve.csv A_psd.csv B_psd.csv \
		A_interarrival.csv B_interarrival.csv compare.csv plots/fano.png plots/nxs.png \
		plots/counts.png plots/lcurve_A.png plots/lcurve_B.png plots/psd_A.png plots/psd_B.png \
		plots/interarrival_A.png plots/interarrival_B.png .done; do [ -s "$f" ] || [ "$f" = .done ] || echo "no $f"; done; [ -e .done ] && echo ok)"
	t_eq llpipe-9 "compare.csv is the evcompare table" "distance,n_terms" "$(grep -v '^#' "$W/out/demo/compare.csv" | head -n 1)"
	t_eq llpipe-10 "slot A kept only 0.1-1 nm in 4 bins" "4" \
		"$(evinfo --json <"$W/out/demo/A.ev" | "$T_PY" -c 'import json,sys; print(len([b for b in json.load(sys.stdin)["wbins"]]))' 2>/dev/null || echo "?")"
	t_check llpipe-11 "an A-only pipeline runs from another directory" sh -c "cd / && sh '$W/pipelines/aonly.sh'"
	t_eq llpipe-12 "an A-only pipeline has no B files" "A_interarrival.csv A_psd.csv A_varstat.csv" \
		"$(cd "$W/out/aonly" && ls ./*.csv | sed 's|^\./||' | tr '\n' ' ' | sed 's/ $//')"
	cp "$W/out/demo/A_varstat.csv" "$T/v1.csv"
	t_check llpipe-13 "a rerun succeeds" sh "$W/pipelines/demo.sh"
	t_files_eq llpipe-14 "a rerun gives the same table" <(grep -v '^#' "$T/v1.csv") <(grep -v '^#' "$W/out/demo/A_varstat.csv")

	# A failing middle stage fails the script, and no .done is left.
	sed 's/^stage wrange wrange/stage fail false\nstage wrange wrange/' "$W/pipelines/aonly.sh" >"$W/pipelines/broken.sh"
	t_run sh "$W/pipelines/broken.sh"
	t_eq llpipe-15 "a failing middle stage fails the script, .done is removed" "1 no" \
		"$T_STATUS $([ -e "$W/out/aonly/.done" ] && echo yes || echo no)"
	# A custom filter (every other event) inserted by editing the script.
	n_before=$(evinfo --json <"$W/out/aonly/A.ev" | "$T_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"])')
	awk '/^set -eu$/ { print "every_other() { ev2tsv | awk '\''/^#/ || NR % 2'\'' | tsv2ev; }" }
	     { print } /^stage wrange / { print "stage every_other every_other" }' \
		"$W/pipelines/aonly.sh" >"$W/pipelines/custom.sh"
	t_check llpipe-16 "a script with a custom filter runs" sh "$W/pipelines/custom.sh"
	n_after=$(evinfo --json <"$W/out/aonly/A.ev" | "$T_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"])')
	t_check llpipe-17 "the custom filter changed the result (about half the events)" \
		"$T_PY" -c "import sys; a, b = $n_before, $n_after; sys.exit(not (b < a and abs(b - a / 2) < 0.1 * a))"
	t_check llpipe-18 "the custom stage's stream is kept" test -s "$W/out/aonly/A.3.every_other.ev"

	# A dataset whose file is not FITS: the script fails at its first stage.
	printf 'not FITS\n' >"$W/data/corrupt.fits"
	printf '{"path": "data/corrupt.fits"}\n' >"$W/meta/fits/corrupt.json"
	printf '{"A_fits_id": "corrupt", "B_filters": []}\n' >"$W/meta/pipeline/bad.json"
	llpipe -w "$W" bad
	t_run sh "$W/pipelines/bad.sh"
	t_eq llpipe-19 "a corrupt input file fails the script" "1" "$T_STATUS"
	rm "$W/meta/pipeline/bad.json" "$W/pipelines/bad.sh"

	# make: both pipelines, then nothing, then only the one whose JSON changed.
	llpipe -w "$W" --make meta/pipeline/aonly.json meta/pipeline/ctl.json
	t_check llpipe-20 "make -j2 runs both pipelines" make -C "$W" -j2 -f pipelines/all.mk
	t_eq llpipe-21 "both .done exist" "yes yes" \
		"$([ -e "$W/out/aonly/.done" ] && echo yes) $([ -e "$W/out/ctl/.done" ] && echo yes)"
	t_eq llpipe-22 "a second make does nothing" "make: Nothing to be done for 'all'." \
		"$(make --no-print-directory -C "$W" -f pipelines/all.mk 2>&1)"
	sleep 1
	touch "$W/meta/pipeline/ctl.json"
	make -C "$W" -f pipelines/all.mk >"$T/make.out" 2>&1
	t_eq llpipe-23 "touching one pipeline's JSON reruns only that one" "sh pipelines/ctl.sh" \
		"$(grep '^sh ' "$T/make.out")"
	sleep 1	# the file system's clock is coarse: the touch must come after ctl's outputs
	touch "$W/meta/processing/default.json"
	make -C "$W" -f pipelines/all.mk >"$T/make.out" 2>&1
	t_eq llpipe-24 "touching the processing both use reruns both" "sh pipelines/aonly.sh sh pipelines/ctl.sh" \
		"$(grep '^sh ' "$T/make.out" | sort | tr '\n' ' ' | sed 's/ $//')"
else
	for i in $(seq 7 24); do t_skip "llpipe-$i" "end to end" "programs not built yet"; done
fi

t_check llpipe-25 "--make with no pipelines lists every meta/pipeline/*.json" \
	sh -c "llpipe -w '$W' --make -o '$T/all.mk' && grep -q '^all: out/aonly/.done out/ctl/.done out/demo/.done out/gold/.done\$' '$T/all.mk'"

# Bad input: one line, status 1, nothing written.
bad() {	# bad ID WHAT 'MESSAGE' PIPELINE-JSON
	printf '%s\n' "$4" >"$W/meta/pipeline/x.json"
	rm -f "$W/pipelines/x.sh"
	t_error "$1" "$2" 1 "$3" llpipe -w "$W" meta/pipeline/x.json
}
bad llpipe-26 "a missing dataset" \
	"llpipe: meta/pipeline/x.json: A_fits_id: expected an existing dataset (meta/fits/nope.json: No such file or directory)" \
	'{"A_fits_id": "nope"}'
t_eq llpipe-27 "nothing was written" "no" "$([ -e "$W/pipelines/x.sh" ] && echo yes || echo no)"
bad llpipe-28 "an unknown filter name" \
	"llpipe: meta/pipeline/x.json: A_filters?1?: expected a filter name (*), got \"wbinn\"" \
	'{"A_fits_id": "sample", "A_filters": ["wrange", "wbinn"]}'
bad llpipe-29 "bad JSON" "llpipe: meta/pipeline/x.json: not valid JSON: * (line 1)" '{"A_fits_id": "sample",}'
bad llpipe-30 "a dataset name with '/'" \
	"llpipe: meta/pipeline/x.json: A_fits_id: expected a dataset name (*), got \"../sample\"" \
	'{"A_fits_id": "../sample"}'
bad llpipe-31 "an unknown key" "llpipe: meta/pipeline/x.json: B_filter: unknown key" \
	'{"A_fits_id": "sample", "B_filter": []}'
bad llpipe-32 "a missing processing" \
	"llpipe: meta/pipeline/x.json: processing: expected an existing processing (meta/processing/p2.json: No such file or directory)" \
	'{"A_fits_id": "sample", "processing": "p2"}'
printf '{"max_wavelength": "5 s"}\n' >"$W/meta/processing/p2.json"
bad llpipe-33 "a wrong unit in the processing" \
	"llpipe: meta/processing/p2.json: max_wavelength: expected a wavelength: a number in nm, or \"VALUE UNIT\" with UNIT nm, angstrom, eV or keV, got \"5 s\"" \
	'{"A_fits_id": "sample", "processing": "p2"}'
bad llpipe-34 "downsample needs the processing's downsample" \
	"llpipe: meta/pipeline/x.json: A_filters?0?: expected a filter the processing can drive (downsample is null in meta/processing/default.json)" \
	'{"A_fits_id": "sample", "A_filters": ["downsample"]}'
printf '{"path": "data/gone.fits"}\n' >"$W/meta/fits/gone.json"
bad llpipe-35 "a dataset whose file is missing" \
	"llpipe: meta/fits/gone.json: path: expected an existing file (data/gone.fits: No such file or directory)" \
	'{"A_fits_id": "gone"}'
rm "$W/meta/pipeline/x.json"
t_error llpipe-36 "a missing pipeline" 1 \
	"llpipe: meta/pipeline/nope.json: no such pipeline: No such file or directory" llpipe -w "$W" nope
t_error llpipe-37 "a pipeline name with '/'" 1 \
	"llpipe: a/b: expected a pipeline file meta/pipeline/NAME.json (*)" llpipe -w "$W" a/b
cp "$W/pipelines/demo.sh" "$T/demo.before"
t_error llpipe-38 "one bad pipeline among several: nothing is written" 1 \
	"llpipe: meta/pipeline/nope.json: no such pipeline: No such file or directory" \
	llpipe -w "$W" demo nope
t_files_eq llpipe-39 "the good pipeline's script was not rewritten either" "$T/demo.before" "$W/pipelines/demo.sh"
t_error llpipe-40 "no pipeline is a usage error" 2 \
	"llpipe: no pipeline: give meta/pipeline/NAME.json (or --make) (see 'llpipe --help')" llpipe
printf '{"min_wavelength": null, "max_wavelength": null}\n' >"$W/meta/processing/band.json"
printf '{"A_fits_id": "sample", "processing": "band", "A_filters": ["gtifilter"], "B_filters": ["generate"]}\n' \
	>"$W/meta/pipeline/band.json"
t_check llpipe-41 "a processing without a wavelength range drives a one-band pipeline" \
	llpipe -w "$W" meta/pipeline/band.json
printf '{"A_fits_id": "sample", "processing": "band"}\n' >"$W/meta/pipeline/bandw.json"
t_error llpipe-42 "... but not wrange, which needs the range" 1 \
	"llpipe: meta/pipeline/bandw.json: A_filters?1?: expected a filter the processing can drive (meta/processing/band.json has no wavelength range for wrange)" \
	llpipe -w "$W" meta/pipeline/bandw.json


# The original tool's time filters, driven by the processing.
printf '{"trange": {"start_s": 100, "stop_s": "600 s"}, "tthinning": {"dt_s": 20}, "analyses": ["varstat"]}\n' \
	>"$W/meta/processing/tf.json"
printf '{"A_fits_id": "sample", "processing": "tf", "A_filters": ["gtifilter", "trange", "tthinning", "wrange", "wbin"], "B_filters": []}\n' \
	>"$W/meta/pipeline/tf.json"
llpipe -w "$W" tf
t_eq llpipe-43 "trange and tthinning stages take --start/--stop and --dt (and the seed) from the processing" \
	"stage trange trange --start '100' --stop '600'|stage tthinning tthinning --dt '20' --seed '1'" \
	"$(grep -E '^stage t(range|thinning)' "$W/pipelines/tf.sh" | tr '\n' '|' | sed 's/|$//')"
if command -v trange >/dev/null && command -v tthinning >/dev/null && [ $have_all = yes ]; then
	t_check llpipe-44 "the pipeline with trange and tthinning runs on the sample" sh "$W/pipelines/tf.sh"
	# trange keeps [GTI start + 100, + 600] s; tthinning's 20 s are 45 frames
	# of 0.44104 s from the first frame boundary in it: 25 whole bins.
	t_eq llpipe-45 "slot A holds the 500 s window cut to whole 45-frame bins" '[[339469268.5163097,339469764.6863097]]' \
		"$(ev_meta gti <"$W/out/tf/A.ev")"
else
	t_skip llpipe-44 "the pipeline with trange and tthinning runs" "programs not built"
	t_skip llpipe-45 "slot A's window" "programs not built"
fi
bad llpipe-46 "tthinning needs the processing's tthinning" \
	"llpipe: meta/pipeline/x.json: A_filters?0?: expected a filter the processing can drive (tthinning is not set in meta/processing/default.json)" \
	'{"A_fits_id": "sample", "A_filters": ["tthinning"]}'
printf '{"trange": {"start_s": 50, "stop_s": 20}}\n' >"$W/meta/processing/tr.json"
bad llpipe-47 "trange.stop_s not above start_s" \
	"llpipe: meta/processing/tr.json: trange.stop_s: expected a time above trange.start_s (50 s), got 20 s" \
	'{"A_fits_id": "sample", "processing": "tr", "A_filters": ["trange"]}'

# The chunk analysis: chunkvar's flags from the processing, chunktest and the
# chunk figures; chunkmap only where there are wavelength bins.
printf '{"wbins": {"count": 2, "scale": "log"}, "seed": 7, "analyses": ["chunkvar"],\n "chunkvar": {"widths": {"min_s": "500 ms", "max_s": 20, "count": 3}, "chunk": 8, "chunks": 30}}\n' \
	>"$W/meta/processing/cv.json"
printf '{"A_fits_id": "sample", "processing": "cv", "B_filters": ["copyA", "poissonize"]}\n' >"$W/meta/pipeline/cv.json"
printf '{"A_fits_id": "sample", "processing": "cv", "A_filters": ["gtifilter"], "B_filters": []}\n' \
	>"$W/meta/pipeline/cvband.json"
llpipe -w "$W" cv cvband
t_eq llpipe-48 "chunkvar per slot with the processing's widths, chunk, chunks and seed; chunktest; both figures" \
	"chunkvar --widths '0.5:20:3' --chunk '8' --chunks '30' --seed '7' -o \"\$O/A_chunkvar.csv\" <\"\$O/A.ev\"|chunkvar --widths '0.5:20:3' --chunk '8' --chunks '30' --seed '7' -o \"\$O/B_chunkvar.csv\" <\"\$O/B.ev\"|chunktest -o \"\$O/chunktest.csv\" \"\$O/A_chunkvar.csv\" \"\$O/B_chunkvar.csv\"|llplot --kind chunkhist --label 'A: sample' --label 'B: copy of A' -o \"\$O/plots/chunkhist.png\" \\|llplot --kind chunkmap --label 'A: sample' --label 'B: copy of A' -o \"\$O/plots/chunkmap.png\" \\" \
	"$(grep -E '^(chunk|llplot)' "$W/pipelines/cv.sh" | tr '\n' '|' | sed 's/|$//')"
t_eq llpipe-49 "one band, one slot: the chunk table and chunkhist, no chunktest, no chunkmap" \
	"chunkvar --widths '0.5:20:3' --chunk '8' --chunks '30' --seed '7' -o \"\$O/A_chunkvar.csv\" <\"\$O/A.ev\"|llplot --kind chunkhist --label 'A: sample' -o \"\$O/plots/chunkhist.png\" \"\$O/A_chunkvar.csv\"" \
	"$(grep -E '^(chunk|llplot)' "$W/pipelines/cvband.sh" | tr '\n' '|' | sed 's/|$//')"
t_check llpipe-50 "make rules depend on chunkvar and chunktest" \
	sh -c "llpipe -w '$W' --make -o '$T/cv.mk' cv && grep -q '/chunkvar \\\\\$' '$T/cv.mk' && grep -q '/chunktest \\\\\$' '$T/cv.mk'"
if [ $have_all = yes ] && command -v chunkvar >/dev/null && command -v chunktest >/dev/null; then
	sh "$W/pipelines/cv.sh" && sh "$W/pipelines/cvband.sh"
	t_eq llpipe-51 "the chunk tables, chunktest's table and the figures are written" \
		"out/cv: A_chunkvar.csv B_chunkvar.csv chunktest.csv plots/chunkhist.png plots/chunkmap.png out/cvband: A_chunkvar.csv plots/chunkhist.png" \
		"$(cd "$W" && for d in out/cv out/cvband; do printf '%s: ' "$d"; (cd "$d" && ls ./*.csv plots/*) | sed 's|^\./||' | tr '\n' ' '; done | sed 's/ $//')"
	# Widths of whole 0.44104 s frames: 1, 7 and 45 frames; at 45 frames
	# (8 bins = 158.8 s) the 945 s GTI holds 5 chunks, so "30" gives those.
	t_py llpipe-52 "30 random chunks per wbin and width (all there are when fewer); chunktest covers every metric and wbin" '
import csv, sys
from collections import Counter
rows = lambda f: list(csv.DictReader(l for l in open(f) if not l.startswith("#")))
metrics = ["ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth", "odd_even"]
for f in sys.argv[1:3]:
    n = Counter((r["wbin"], r["width_s"]) for r in rows(f))
    want = {(w, x): c for w in ("0", "1", "-1") for x, c in
            (("0.44104", 30), ("3.08728", 30), ("19.846799999999998", 5))}
    assert dict(n) == want, (f, n)
t = rows(sys.argv[3])
assert sorted((r["metric"], r["wbin"]) for r in t) == sorted((m, w) for m in metrics for w in ("0", "1", "-1"))
' "$W/out/cv/A_chunkvar.csv" "$W/out/cv/B_chunkvar.csv" "$W/out/cv/chunktest.csv"
else
	t_skip llpipe-51 "the chunk pipelines run" "programs not built"
	t_skip llpipe-52 "their tables" "programs not built"
fi

# --stages and --analyses: what a slot runs, from the script's own writers.
# The golden script is the independent reference: its stage lines without
# "stage LABEL", its analysis lines without their output and input.
gold_stages() {	# gold_stages SLOT
	awk -v s="$1" '$0 == "begin " s { b = 1; next } b && /^finish$/ { exit }
		b && /^stage / { sub(/^stage [^ ]+ /, ""); print }' "$T_DATA/llpipe/gold.sh"
}
t_eq llpipe-53 "--stages A: slot A's commands, the source first, as in the golden script" \
	"$(gold_stages A)" "$(llpipe -w "$W" --stages A gold)"
t_eq llpipe-54 "--stages B: slot B's commands, as in the golden script" \
	"$(gold_stages B)" "$(llpipe -w "$W" --stages B gold)"
t_eq llpipe-55 "--analyses B: B's analyses without -o and input, as in the golden script" \
	"$(sed -n 's/^\([a-z]*\) \(.*\) -o "\$O\/B_\1\.csv" <"\$O\/B\.ev"$/\1 \2/p' "$T_DATA/llpipe/gold.sh")" \
	"$(llpipe -w "$W" --analyses B gold)"
t_eq llpipe-56 "--stages B of a generated B: llgen from A's source, then the filters (exact text)" \
	"llgen --params 'meta/generation/default.json' --seed '1' --source \"\$O/A.0.source.ev\"
wrange --min '0.1' --max '1'
wbin --n '4' --log --min '0.1' --max '1'" "$(llpipe -w "$W" --stages B demo)"
printf '{"A_fits_id": "sample", "B_filters": []}\n' >"$W/meta/pipeline/fresh.json"
llpipe -w "$W" --stages A fresh >/dev/null
t_eq llpipe-57 "--stages writes no script" "no" "$([ -e "$W/pipelines/fresh.sh" ] && echo yes || echo no)"
t_error llpipe-58 "--stages B of a pipeline without slot B" 1 \
	"llpipe: meta/pipeline/fresh.json: no slot B (B_filters is empty)" llpipe -w "$W" --stages B fresh
t_error llpipe-59 "--stages takes slot A or B" 2 \
	"llpipe: --stages: expected slot A or B, got 'C' (see 'llpipe --help')" llpipe -w "$W" --stages C demo
t_error llpipe-60 "--analyses takes one pipeline" 2 \
	"llpipe: --stages and --analyses take one PIPELINE, without --make or -o (see 'llpipe --help')" \
	llpipe -w "$W" --analyses A demo gold
if [ $have_all = yes ]; then
	# The commands, piped together from the workspace root, make the slot's
	# stream: byte for byte what the script left in out/demo/A.ev and B.ev.
	t_check llpipe-61 "slot A's and B's commands joined by pipes give the script's A.ev and B.ev" \
		sh -c "cd '$W' && O=out/demo && for s in A B; do
			eval \"\$(llpipe --stages \$s demo | paste -sd '|')\" >'$T/slot.ev' &&
			cmp '$T/slot.ev' out/demo/\$s.ev || exit 1; done"
else
	t_skip llpipe-61 "slot commands piped together" "programs not built"
fi
# Every analysis of the default processing, whatever it runs: each printed
# line is the start of one analysis line of the script, followed there by
# exactly its output and input, and none is left out.
llpipe -w "$W" --analyses A demo >"$T/an.txt"
t_eq llpipe-62 "--analyses A: each of the script's analysis lines for A, without output and input" \
	"$(grep -E -- ' -o "\$O/A_[a-z]+\.csv" <"\$O/A\.ev"$' "$W/pipelines/demo.sh")" \
	"$(while IFS= read -r l; do
		printf '%s -o "$O/A_%s.csv" <"$O/A.ev"\n' "$l" "${l%% *}"
	done <"$T/an.txt")"
