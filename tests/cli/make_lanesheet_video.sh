#!/usr/bin/env bash
# make_lanesheet_video.sh: the command built from the pipeline's processing
# and generation, the video at its default place, missing stream and
# metadata errors, usage errors.
. "$(dirname "$0")/../lib.sh"

ws=$T/ws
mkdir -p "$ws/meta/pipeline" "$ws/meta/processing" "$ws/meta/generation" "$ws/meta/fits" "$ws/out/lp"
printf '{"A_fits_id": "src", "processing": "narrow", "generation": "g1"}\n' >"$ws/meta/pipeline/lp.json"
printf '{"A_fits_id": "src", "processing": "wide", "generation": "g1"}\n' >"$ws/meta/pipeline/wide.json"
printf '{"A_fits_id": "src"}\n' >"$ws/meta/pipeline/nostream.json"
printf '{"min_wavelength": "4.9 angstrom", "max_wavelength": 0.51}\n' >"$ws/meta/processing/narrow.json"
printf '{"min_wavelength": 0.1, "max_wavelength": 1}\n' >"$ws/meta/processing/wide.json"
cp "$T_ROOT/meta/processing/default.json" "$ws/meta/processing/default.json"
cat >"$ws/meta/generation/g1.json" <<'EOF'
{ "duration_s": 100, "rate_cps": 5,
  "lanes": { "pitch_m_per_nm": 1e6, "families": [ { "angle_deg": 0, "weight": 1 } ] } }
EOF
cp "$T_ROOT/meta/generation/default.json" "$ws/meta/generation/default.json"
llgen --params "$ws/meta/generation/g1.json" --min 0.49 --max 0.51 --seed 1 >"$ws/out/lp/A.ev"
mkdir -p "$ws/out/wide" && cp "$ws/out/lp/A.ev" "$ws/out/wide/A.ev"

t_eq make_lanesheet_video-1 "--dry-run prints the command: the pipeline's generation and processing, A's stream" \
	"lanevideo --params meta/generation/g1.json --processing meta/processing/narrow.json --pipeline lp -o out/lp/lanesheet.mp4 --size 160x120 < out/lp/A.ev" \
	"$(make_lanesheet_video.sh -p lp -w "$ws" -n -- --size 160x120)"

if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
	t_run make_lanesheet_video.sh -p lp -w "$ws" -- -q --size 160x120 --fps 10 --duration 3
	t_eq make_lanesheet_video-2 "the video lands at out/PIPELINE/lanesheet.mp4 (printed)" \
		"0 out/lp/lanesheet.mp4" "$T_STATUS $(cat "$T/out")"
	t_eq make_lanesheet_video-3 "ffprobe: 30 h264 frames, 160x120 at 10/1" "h264 160 120 10/1 30" \
		"$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,r_frame_rate,nb_frames \
			-of default=nw=1:nk=1 "$ws/out/lp/lanesheet.mp4" | tr '\n' ' ' | sed 's/ $//')"
	make_lanesheet_video.sh -p lp -w "$ws" -o "$T/mine.mp4" -- -q --size 160x120 --fps 10 --duration 1 >/dev/null
	t_eq make_lanesheet_video-4 "-o puts it elsewhere" "10" \
		"$(ffprobe -v error -select_streams v:0 -show_entries stream=nb_frames -of default=nw=1:nk=1 "$T/mine.mp4")"
else
	t_skip make_lanesheet_video-2 "the video at its default place" "no ffmpeg"
	t_skip make_lanesheet_video-3 "ffprobe of the video" "no ffmpeg"
	t_skip make_lanesheet_video-4 "-o" "no ffmpeg"
fi

# The processing's range in angstrom reaches lanevideo in nm: the caption
# and the lanes use 0.5 nm.  Raw frames through the script's command.
make_lanesheet_video.sh -p lp -w "$ws" -o - -- -q --pix-fmt rgb24 --size 320x240 --fps 10 --duration 1 --scale 25000 >"$T/f.rgb"
t_py make_lanesheet_video-5 "lanes for the middle of 4.9 angstrom..0.51 nm: p = 5e5 m, 20 px at 25000 m/px" '
import sys, numpy as np
w, h = 320, 240
a = np.fromfile(sys.argv[1], np.uint8)[: w * h * 3].reshape(h, w, 3).astype(float)
band = a[int(0.15 * h): int(0.25 * h), :, 1].mean(axis=0)
band -= band.mean()
s = np.abs(np.fft.rfft(band * np.hanning(w)))
k = int(np.argmax(s[2:])) + 2
d = 0.5 * (s[k - 1] - s[k + 1]) / (s[k - 1] - 2 * s[k] + s[k + 1])
print("period", w / (k + d))
sys.exit(0 if abs(w / (k + d) - 20) <= 1 else 1)' "$T/f.rgb"

t_run make_lanesheet_video.sh -p wide -w "$ws" -o - -- --size 160x120 --fps 10 --duration 1
t_eq make_lanesheet_video-6 "a range too wide for one lanesheet is warned about" \
	"lanevideo: warning: wavelength range 0.1-1 nm too wide for one lanesheet: over the 100 s shown the lanes of 0.1 and 1 nm slip 27 pitches apart (over half a pitch), so events do not follow the lanes drawn for 0.55 nm" \
	"$(head -n 1 "$T/err")"

t_error make_lanesheet_video-7 "no processed A stream: say what to run" 1 \
	"make_lanesheet_video.sh: no out/nostream/A.ev: run make_var_analysis.sh -p nostream first" \
	make_lanesheet_video.sh -p nostream -w "$ws"
t_error make_lanesheet_video-8 "an unknown pipeline is an error" 1 \
	"make_lanesheet_video.sh: pipeline 'nope': no meta/pipeline/nope.json; create_pipeline.sh -n nope -a DATASET (or replicate_dataset.sh -n nope) creates it" \
	make_lanesheet_video.sh -p nope -w "$ws"
printf '{"A_fits_id": "src", "generation": "missing"}\n' >"$ws/meta/pipeline/nogen.json"
t_error make_lanesheet_video-9 "a missing generation file is an error" 1 \
	"make_lanesheet_video.sh: generation 'missing': no meta/generation/missing.json" \
	make_lanesheet_video.sh -p nogen -w "$ws"
printf '{"A_fits_id": "src", "bogus": 1}\n' >"$ws/meta/pipeline/bad.json"
t_error make_lanesheet_video-10 "an invalid pipeline file is an error naming the key" 1 \
	"make_lanesheet_video.sh: meta/pipeline/bad.json: bogus*" \
	make_lanesheet_video.sh -p bad -w "$ws"
t_error make_lanesheet_video-11 "-p is required" 2 \
	"make_lanesheet_video.sh: missing -p PIPELINE (see 'make_lanesheet_video.sh --help')" \
	make_lanesheet_video.sh -w "$ws"
t_error make_lanesheet_video-12 "a bad pipeline name is a usage error" 2 \
	"make_lanesheet_video.sh: invalid pipeline name '../x': expected *, no '..' (see 'make_lanesheet_video.sh --help')" \
	make_lanesheet_video.sh -p ../x -w "$ws"
t_run make_lanesheet_video.sh -p lp -w "$ws" -- --size 161x120
t_eq make_lanesheet_video-13 "lanevideo's usage errors keep status 2" "2" "$T_STATUS"
