#!/usr/bin/env bash
# seed_walkthrough: the seed's README, typed as DESIGN §7 writes it, in a
# fresh empty workspace, on an HRC file (the seed's own kind of data: no
# wavelength column) served by a local archive-like staging area, then on
# the ACIS sample.  Each of the nine steps must exit 0 and leave what it
# should.  The search is the default search's size (16 points, 16 refine
# evaluations); the video is lanevideo's default length at a small size
# ($LL_LANEVIDEO_OPTIONS, documented in make_lanesheet_video.sh(1)).
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=seed_walkthrough
wf_need "$P-0" llws llpipe llgen fits2ev varstat evcompare llplot llsample llrefine lanevideo
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null && command -v curl >/dev/null || {
	t_skip "$P-0" "the seed's walkthrough" "needs ffmpeg, ffprobe and curl"
	exit 0
}

pid=
stop_server() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap stop_server EXIT

# The archive's staging area: pub/stage/CODE/OBSID/primary/FILE.
srv=$T/srv
mkdir -p "$srv/pub/stage/QX7Z2/5095/primary" "$srv/pub/stage/M82ACIS/10027/primary"
cp "$T_CHANDRA/hrcS_evt1_testfile.fits.gz" "$srv/pub/stage/QX7Z2/5095/primary/"
gzip -c "$T_SAMPLE/chandra_test.fits" >"$srv/pub/stage/M82ACIS/10027/primary/acisf10027N003_evt2.fits.gz"
port=$("$T_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" --directory "$srv" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break
	sleep 0.1
done

export LL_LANEVIDEO_OPTIONS="--size 160x96"
unset LL_WORKSPACE

# step N WHAT CMD...: one step of the walkthrough; it must exit 0.  Its
# stdout/stderr stay in $T/N.out, $T/N.err.
step() {
	local id=$1 what=$2
	shift 2
	"$@" >"$T/$id.out" 2>"$T/$id.err"
	local status=$?
	if [ $status -eq 0 ]; then
		t_pass "$id" "$what: exits 0"
	else
		t_fail "$id" "$what: exits 0" "status $status: $*" "$(head -c 1500 "$T/$id.err")"
	fi
}

is_png() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# walkthrough TAG OBSID FILE: the nine commands in a fresh workspace, with
# checks numbered from $n (each pass of the walkthrough its own IDs).
walkthrough() {
	local tag=$1 obsid=$2 file=$3 W code rows
	W=$(mktemp -d "$T/ws.XXXXXX")
	cd "$W" || exit 1
	local url="http://127.0.0.1:$port/pub/stage/$4/"

	step "$P-$tag-1" "download_chandra_data.sh URL" download_chandra_data.sh "$url"
	t_check "$P-$tag-2" "the file is mirrored under fits/$obsid/primary/, byte for byte" \
		cmp "$srv/pub/stage/$4/$obsid/primary/$file" "fits/$obsid/primary/$file"

	step "$P-$tag-3" "create_default_fits_metadata.sh --file ... -n antares" \
		create_default_fits_metadata.sh --file "./fits/$obsid/primary/$file" -n antares
	t_eq "$P-$tag-4" "meta/fits/antares.json names the mirrored file" \
		"meta/fits/antares.json fits/$obsid/primary/$file" \
		"$(cat "$T/$P-$tag-3.out") $(llws get meta/fits/antares.json path)"

	step "$P-$tag-5" "create_default_pipeline.sh" create_default_pipeline.sh
	t_eq "$P-$tag-6" "the default pipeline takes antares (onboarded last), with the defaults and a default search" \
		"antares default default yes yes yes default" \
		"$(llws get meta/pipeline/default.json A_fits_id) $(llws get meta/pipeline/default.json processing) $(llws get meta/pipeline/default.json generation) $([ -f meta/processing/default.json ] && echo yes) $([ -f meta/generation/default.json ] && echo yes) $([ -f pipelines/default.sh ] && echo yes) $(llws get meta/search/default.json pipeline)"

	step "$P-$tag-7" "make_var_analysis.sh -a antares --pp default" make_var_analysis.sh -a antares --pp default
	local bad=""
	for f in fano nxs counts lcurve_A psd_A interarrival_A; do
		is_png "out/antares__default/plots/$f.png" || bad="$bad $f"
	done
	t_eq "$P-$tag-8" "the plots of A alone, each a PNG, and a varstat table with rows" "out/antares__default/plots/ yes" \
		"$(cat "$T/$P-$tag-7.out")$bad $([ "$(wf_rows out/antares__default/A_varstat.csv | wc -l)" -gt 10 ] && echo yes)"

	step "$P-$tag-9" "replicate_dataset.sh -n antares_vs_anisogen" replicate_dataset.sh -n antares_vs_anisogen
	code=$(cat "$T/$P-$tag-9.out")
	t_eq "$P-$tag-10" "B's 8-letter code, in the new pipeline, its events on disk, and the pipeline's creation said" \
		"yes $code yes replicate_dataset.sh: pipeline 'antares_vs_anisogen' did not exist: created meta/pipeline/antares_vs_anisogen.json from the default pipeline's settings" \
		"$([[ $code =~ ^[A-Z]{8}$ ]] && echo yes) $(llws get meta/pipeline/antares_vs_anisogen.json B_fits_id) $([ -s "data/ev/$code.ev" ] && echo yes) $(cat "$T/$P-$tag-9.err")"

	step "$P-$tag-11" "make_var_analysis.sh -p antares_vs_anisogen" make_var_analysis.sh -p antares_vs_anisogen
	bad=""
	for f in fano nxs counts lcurve_A lcurve_B psd_A psd_B interarrival_A interarrival_B; do
		is_png "out/antares_vs_anisogen/plots/$f.png" || bad="$bad $f"
	done
	t_eq "$P-$tag-12" "A vs B: the plots and compare.csv with a distance over many terms" "yes" \
		"$(awk -F, 'NR == 2 && $1 + 0 >= 0 && $2 > 5 { print "yes" }' out/antares_vs_anisogen/compare.csv)$bad"
	local na nb
	na=$(evinfo --json <out/antares_vs_anisogen/A.ev | "$T_PY" -c 'import json, sys; print(json.load(sys.stdin)["events"])')
	nb=$(evinfo --json <out/antares_vs_anisogen/B.ev | "$T_PY" -c 'import json, sys; print(json.load(sys.stdin)["events"])')
	t_eq "$P-$tag-13" "B's count matches A's within 5 sigma (Poisson): the rate comes from A" "yes" \
		"$(awk -v a="$na" -v b="$nb" 'BEGIN { d = a - b; if (d < 0) d = -d; print (a > 100 && d <= 5 * sqrt(a)) ? "yes" : "no: A " a ", B " b }')"

	step "$P-$tag-14" "parameter_search.sh -mode search" parameter_search.sh -mode search
	rows=$(wf_rows temp/parameter_search.csv | sed 1d)
	t_eq "$P-$tag-15" "search: the default search's 16 rows, runs 1..16, and one summary line" \
		"$(seq 16 | tr '\n' ' ')1" \
		"$(printf '%s\n' "$rows" | cut -d, -f1 | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')$(grep -c "^parameter_search.sh: search 'default': 16 of 16 points done" "$T/$P-$tag-14.err")"

	step "$P-$tag-16" "parameter_search.sh -mode refine" parameter_search.sh -mode refine
	t_eq "$P-$tag-17" "refine: rows r1.. after the search's, and a summary saying why it stopped" "yes 1" \
		"$([ "$(wf_rows temp/parameter_search.csv | grep -c '^r[0-9]')" -ge 1 ] && echo yes) $(grep -cE "^parameter_search.sh: refine 'default': [0-9]+ evaluations, .*; stopped: (budget|tolerance|no improvement)" "$T/$P-$tag-16.err")"

	step "$P-$tag-18" "make_lanesheet_video.sh -p antares_vs_anisogen" make_lanesheet_video.sh -p antares_vs_anisogen
	t_eq "$P-$tag-19" "an MP4 of lanevideo's default length: 60 s x 30 fps = 1800 frames" \
		"out/antares_vs_anisogen/lanesheet.mp4 h264 30/1 1800" \
		"$(cat "$T/$P-$tag-18.out") $(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,r_frame_rate,nb_frames \
			-of default=nw=1:nk=1 out/antares_vs_anisogen/lanesheet.mp4 | tr '\n' ' ' | sed 's/ $//')"
	cd "$T" || exit 1
	WS=$W
}

# --- HRC: no wavelength column, one band ------------------------------------
walkthrough hrc 5095 hrcS_evt1_testfile.fits.gz QX7Z2
W=$WS
t_eq "$P-20" "HRC: the metadata step says it chose one band and how to ask for PI wavelengths" "yes" \
	"$(grep -q "^create_default_fits_metadata.sh: antares: HRC data, no wavelength column: analysed as one band .*--wave-col PI --wave-unit 14.6eV" "$T/$P-hrc-3.err" && echo yes)"
t_eq "$P-21" "HRC: A is chandrashift, gtifilter (no wrange, no wbin); B is generate alone" \
	'["chandrashift","gtifilter"] ["generate"]' \
	"$(llws -w "$W" get meta/pipeline/antares_vs_anisogen.json A_filters) $(llws -w "$W" get meta/pipeline/antares_vs_anisogen.json B_filters)"
t_eq "$P-22" "HRC: A keeps the events inside the GTIs (55,251 after the time-tag shift)" "55251" \
	"$(evinfo --json <"$W/out/antares_vs_anisogen/A.ev" | "$T_PY" -c 'import json, sys; print(json.load(sys.stdin)["events"])')"

# Mistakes get help: the nearest name and the command that makes one.
t_error "$P-23" "a mistyped dataset name: the nearest one and what creates one" 1 \
	"make_var_analysis.sh: dataset 'antres': no meta/fits/antres.json (did you mean 'antares'?); create_fits_metadata.sh --file FILE -n antres creates it" \
	make_var_analysis.sh -w "$W" -a antres
t_error "$P-24" "a mistyped pipeline name too" 1 \
	"make_lanesheet_video.sh: pipeline 'antares_vs_anisogem': no meta/pipeline/antares_vs_anisogem.json (did you mean 'antares_vs_anisogen'?); create_pipeline.sh -n antares_vs_anisogem -a DATASET (or replicate_dataset.sh -n antares_vs_anisogem) creates it" \
	make_lanesheet_video.sh -w "$W" -p antares_vs_anisogem

cp "$W/temp/parameter_search.csv" "$T/csv.before"
t_run clear_generated_data.sh -w "$W" -y
t_eq "$P-25" "clear_generated_data.sh -y keeps the search's rows, removes the rest of temp/ and out/" "0 no" \
	"$T_STATUS $([ -e "$W/out" ] && echo yes || echo no)"
t_files_eq "$P-26" "... byte for byte" "$T/csv.before" "$W/temp/parameter_search.csv"

# --- ACIS: the shipped sample, wavelengths, the same nine commands -------------
walkthrough acis 10027 acisf10027N003_evt2.fits.gz M82ACIS
W=$WS
t_eq "$P-27" "ACIS: the metadata step is silent and the default filters bin wavelengths" \
	' ["gtifilter","wrange","wbin"] ["generate","wrange","wbin"]' \
	"$(cat "$T/$P-acis-3.err") $(llws -w "$W" get meta/pipeline/antares_vs_anisogen.json A_filters) $(llws -w "$W" get meta/pipeline/antares_vs_anisogen.json B_filters)"

# --- create_default_pipeline.sh in an empty workspace: the shipped sample -------
E=$(mktemp -d "$T/empty.XXXXXX")
t_run create_default_pipeline.sh -w "$E"
t_eq "$P-28" "with no dataset onboarded, the default pipeline onboards the shipped sample" \
	"0 sample $T_SAMPLE/chandra_test.fits" \
	"$T_STATUS $(llws -w "$E" get meta/pipeline/default.json A_fits_id) $(llws -w "$E" get meta/fits/sample.json path)"
