#!/usr/bin/env bash
# lanevideo: MP4 properties (ffprobe), lane period in pixels against the
# geometry, events lighting pixels at their time, raw output, ffmpeg missing
# or failing, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# One family across x (lanes are vertical strips), pitch 1e6 m/nm: at the
# middle wavelength 0.5 nm p = 5e5 m, at --scale 25000 m/px 20 px.
cat >"$T/gen.json" <<'EOF'
{ "lanes": { "pitch_m_per_nm": 1e6, "width_fraction": 0.5, "offset_cell_nm": 0.01,
             "families": [ { "angle_deg": 0, "weight": 1 } ] },
  "telescope": { "speed_km_s": 30, "heading_deg": 0, "aperture_m": 1.2 } }
EOF
ev_from_text '10 0.5\n20 0.45\n55 0.55\n' >"$T/few.ev"
ev_from_text '51 0.5\n' >"$T/one.ev"
: | tsv2ev >"$T/none.ev"
common=(--params "$T/gen.json" --min 0.4 --max 0.6 --start 0 --stop 100 -q)

have_ffmpeg=1
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || have_ffmpeg=0

# Period of the lane pattern along rows of the sheet panel of an rgb24
# frame file (argv: file width height), by the FFT peak with parabolic
# interpolation, compared with argv[4] within one pixel.
period_py='
import sys, numpy as np
f, w, h, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
a = np.fromfile(f, np.uint8)[: w * h * 3].reshape(h, w, 3).astype(float)
band = a[int(0.15 * h): int(0.25 * h), :, 1].mean(axis=0)
band -= band.mean()
s = np.abs(np.fft.rfft(band * np.hanning(w)))
k = int(np.argmax(s[2:])) + 2
d = 0.5 * (s[k - 1] - s[k + 1]) / (s[k - 1] - 2 * s[k] + s[k + 1])
got = w / (k + d)
print("period", got, "px, expected", want)
sys.exit(0 if abs(got - want) <= 1 else 1)'

if [ $have_ffmpeg = 1 ]; then
	lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --pipeline t -o "$T/v.mp4" <"$T/few.ev"
	t_eq lanevideo-1 "a 3 s video at 10 fps, 160x120: ffprobe sees 30 h264 frames of that size and rate" \
		"h264 160 120 10/1 30" \
		"$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,r_frame_rate,nb_frames \
			-of default=nw=1:nk=1 "$T/v.mp4" | tr '\n' ' ' | sed 's/ $//')"

	lanevideo "${common[@]}" --size 320x240 --fps 10 --duration 1 --scale 25000 -o "$T/p.mp4" <"$T/few.ev"
	ffmpeg -v error -i "$T/p.mp4" -vf 'select=eq(n\,4)' -frames:v 1 -f rawvideo -pix_fmt rgb24 "$T/p.rgb"
	t_py lanevideo-2 "a decoded frame shows lanes of period p/scale = 5e5/25000 = 20 px" \
		"$period_py" "$T/p.rgb" 320 240 20
else
	t_skip lanevideo-1 "ffprobe sees the requested frames" "no ffmpeg"
	t_skip lanevideo-2 "decoded frame shows the lane period" "no ffmpeg"
fi

lanevideo "${common[@]}" --min 0.2 --max 1.0 --size 320x240 --fps 10 --duration 1 --scale 25000 --raw --pix-fmt rgb24 \
	<"$T/few.ev" >"$T/p6.rgb"
t_py lanevideo-3 "lanes are drawn for the middle wavelength (0.6 nm: 24 px)" \
	"$period_py" "$T/p6.rgb" 320 240 24

lanevideo "${common[@]}" --size 320x240 --fps 10 --duration 1 --scale 9000 --raw --pix-fmt rgb24 <"$T/few.ev" >"$T/p9.rgb"
t_py lanevideo-4 "the period follows --scale (5e5/9000 = 55.6 px)" \
	"$period_py" "$T/p9.rgb" 320 240 55.5556

t_eq lanevideo-5 "--raw --pix-fmt rgb24 writes width*height*3 bytes per frame (3 s at 10 fps: 30 frames)" \
	$((160 * 120 * 3 * 30)) \
	"$(lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw --pix-fmt rgb24 <"$T/few.ev" | wc -c)"

lanevideo "${common[@]}" --size 160x120 --fps 10 --speedup 20 --raw --pix-fmt rgb24 -o "$T/r.rgb" <"$T/few.ev"
t_eq lanevideo-6 "--speedup 20 over 100 s at 10 fps gives 50 frames; --raw -o writes a file" \
	$((160 * 120 * 3 * 50)) "$(wc -c <"$T/r.rgb")"

lanevideo "${common[@]}" --size 160x120 --fps 10 --speedup 20 --pix-fmt rgb24 -o - <"$T/few.ev" >"$T/r2.rgb"
t_files_eq lanevideo-7 "-o - writes the same raw frames to stdout" "$T/r.rgb" "$T/r2.rgb"

# One event at t = 51 s; 100 s in 30 frames: frame 15 covers [50, 53.3).
# Against an empty stream, the sheet panel (rows 40-80 of 120) differs in
# frame 15, near the aperture at the centre, and not in frame 2.
lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw --pix-fmt rgb24 <"$T/one.ev" >"$T/one.rgb"
lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw --pix-fmt rgb24 <"$T/none.ev" >"$T/none.rgb"
events_py='
import sys, numpy as np
w, h = 160, 120
a = np.fromfile(sys.argv[1], np.uint8).reshape(-1, h, w, 3).astype(int)
b = np.fromfile(sys.argv[2], np.uint8).reshape(-1, h, w, 3).astype(int)
k, mode = int(sys.argv[3]), sys.argv[4]
d = np.abs(a[k, 40:80] - b[k, 40:80]).sum(axis=2)
ys, xs = np.nonzero(d)
print("frame", k, "pixels changed:", len(ys), "max", d.max() if len(ys) else 0)
if mode == "none":
    sys.exit(0 if len(ys) == 0 else 1)
cy = 0.5 * (13 + 91) - 40            # centre of the sheet panel in the band
r = np.hypot(xs - 80, ys - cy).max()
print("farthest changed pixel", r, "px from the aperture centre")
sys.exit(0 if d.max() > 100 and r < 20 else 1)'
t_py lanevideo-8 "the event lights pixels near the aperture in its frame" \
	"$events_py" "$T/one.rgb" "$T/none.rgb" 15 lit
t_py lanevideo-9 "and nothing in the sheet long before it" \
	"$events_py" "$T/one.rgb" "$T/none.rgb" 2 none

# ffmpeg missing: a PATH without it.
mkdir "$T/nopath"
t_error lanevideo-10 "no ffmpeg on PATH: one line saying how to install it" 1 \
	"lanevideo: ffmpeg: not found on PATH: install it (apt-get install ffmpeg)" \
	env PATH="$T/nopath" "$(command -v lanevideo)" "${common[@]}" --size 160x120 --fps 10 --duration 1 \
	-o "$T/missing.mp4" <"$T/few.ev"
t_eq lanevideo-11 "and no output file or temporary" "" "$(ls -A "$T" | grep -E 'missing|\.tmp\.' || true)"

if [ $have_ffmpeg = 1 ]; then
	t_run lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 1 --codec nosuchcodec -o "$T/bad.mp4" <"$T/few.ev"
	t_eq lanevideo-12 "a failing ffmpeg: status 1, its words prefixed, then the verdict" \
		"1 yes lanevideo: ffmpeg failed (exit status 1): no video written" \
		"$T_STATUS $(grep -q '^lanevideo: ffmpeg: .*nosuchcodec' "$T/err" && echo yes || echo no) $(tail -n 1 "$T/err")"
	t_eq lanevideo-13 "and no output file or temporary" "" "$(ls -A "$T" | grep -E 'bad\.mp4|\.tmp\.' || true)"
	t_run lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 1 --preset nosuchpreset -o "$T/bad2.mp4" <"$T/few.ev"
	t_eq lanevideo-25 "a preset x264 does not know fails the same way, leaving nothing" \
		"1 lanevideo: ffmpeg failed (exit status 1): no video written " \
		"$T_STATUS $(tail -n 1 "$T/err") $(ls -A "$T" | grep -E 'bad2|\.tmp\.' || true)"
else
	t_skip lanevideo-12 "a failing ffmpeg" "no ffmpeg"
	t_skip lanevideo-25 "a bad preset" "no ffmpeg"
	t_skip lanevideo-13 "no output after a failing ffmpeg" "no ffmpeg"
fi

t_run lanevideo --params "$T/gen.json" --min 0.1 --max 1 --start 0 --stop 1000 --size 160x120 --fps 10 \
	--duration 1 --raw --pix-fmt rgb24 <"$T/few.ev"
t_eq lanevideo-14 "a range too wide for one lanesheet is warned about (drift over half a pitch)" \
	"lanevideo: warning: wavelength range 0.1-1 nm too wide for one lanesheet: over the 1000 s shown the lanes of 0.1 and 1 nm slip 270 pitches apart (over half a pitch), so events do not follow the lanes drawn for 0.55 nm" \
	"$(head -n 1 "$T/err")"
t_eq lanevideo-15 "a narrow range at a slow pace gets no warning" "" \
	"$(lanevideo --params "$T/gen.json" --min 0.5 --max 0.505 --start 0 --stop 100 --size 160x120 --fps 10 \
		--duration 3 --raw --pix-fmt rgb24 <"$T/few.ev" 2>&1 >/dev/null)"
t_eq lanevideo-24 "lanes moving over a quarter pitch per frame are warned about (10 s of P = 16.7 s)" \
	"lanevideo: warning: the lanes move 0.6 pitches per frame: the motion will alias; lower --speedup or raise --fps" \
	"$(lanevideo --params "$T/gen.json" --min 0.5 --max 0.505 --start 0 --stop 100 --size 160x120 --fps 10 \
		--duration 1 --raw --pix-fmt rgb24 <"$T/few.ev" 2>&1 >/dev/null)"

# Parameters from the stream's own metadata (llgen's "generation").
llgen --params "$T/gen.json" --min 0.49 --max 0.51 --duration 100 --rate 5 --seed 1 >"$T/gen.ev"
lanevideo -q --size 320x240 --fps 10 --duration 1 --scale 25000 --raw --pix-fmt rgb24 <"$T/gen.ev" >"$T/g.rgb"
t_py lanevideo-16 "without --params the stream's generation metadata gives the lanes (20 px)" \
	"$period_py" "$T/g.rgb" 320 240 20

t_error lanevideo-17 "an odd frame size is a usage error" 2 \
	"lanevideo: --size: width and height must be even (H.264 yuv420p): '161x120' (see 'lanevideo --help')" \
	lanevideo --size 161x120 --raw --pix-fmt rgb24 <"$T/few.ev"
t_error lanevideo-18 "--speedup and --duration together are a usage error" 2 \
	"lanevideo: --speedup and --duration exclude each other (see 'lanevideo --help')" \
	lanevideo --speedup 2 --duration 3 --raw --pix-fmt rgb24 <"$T/few.ev"
t_error lanevideo-19 "no output named is a usage error" 2 \
	"lanevideo: give -o FILE.mp4 (or --raw for raw frames on stdout) (see 'lanevideo --help')" \
	lanevideo <"$T/few.ev"
t_error lanevideo-20 "an unreadable size is a usage error" 2 \
	"lanevideo: --size: expected WxH, 16 to 8192 pixels each: '100' (see 'lanevideo --help')" \
	lanevideo --size 100 --raw --pix-fmt rgb24 <"$T/few.ev"
t_error lanevideo-21 "an empty stream without a time range is a runtime error" 1 \
	"lanevideo: stdin: no time range (no tstart/tstop, no events): give --start and --stop" \
	lanevideo --raw --pix-fmt rgb24 <"$T/none.ev"
t_error lanevideo-22 "unsorted input is a runtime error" 1 "lanevideo: stdin: *" \
	lanevideo --raw --pix-fmt rgb24 < <(printf '5 0.5\n2 0.5\n' | tsv2ev --unsorted)
printf '{"lanes": {"pitch_m_per_nm": -1}}' >"$T/badgen.json"
t_error lanevideo-23 "bad generation parameters name the file and key" 1 \
	"lanevideo: $T/badgen.json: lanes.pitch_m_per_nm*" \
	lanevideo --params "$T/badgen.json" --raw --pix-fmt rgb24 <"$T/few.ev"

t_eq lanevideo-26 "a closed downstream pipe ends --raw quietly" "ok" \
	"$(lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw --pix-fmt rgb24 <"$T/few.ev" 2>"$T/pipe.err" | head -c 10 >/dev/null
	   s=${PIPESTATUS[0]}; { [ "$s" = 0 ] || [ "$s" = 141 ]; } && [ ! -s "$T/pipe.err" ] && echo ok || echo "status $s: $(cat "$T/pipe.err")")"

# The drawn lanes are llgen's: with no background, events arrive only while
# the aperture is inside a lane at their wavelength, so in the frames that
# hold an event the aperture's column (lanes vertical: family 0, heading 0)
# must show a lane.  The lanes are drawn from an event-free copy of the
# stream (same metadata: generation, lightlane.t0), 1 s per frame, pitch
# 64 px, no track over the column.
llgen --family 0 --background 0 --min 0.5 --max 0.5001 --rate 2 --duration 300 --seed 5 >"$T/lanes.ev"
wrange --min 5 --max 6 <"$T/lanes.ev" >"$T/empty.ev"
ev2tsv --no-meta --no-header <"$T/lanes.ev" | cut -f1 >"$T/lanes.times"
lanevideo -q --min 0.5 --max 0.5001 --start 0 --stop 300 --fps 10 --speedup 10 --size 128x96 \
	--scale 46875 --trail 0 --raw --pix-fmt rgb24 <"$T/empty.ev" >"$T/lanes.rgb"
t_py lanevideo-27 "frames holding an event show the aperture inside a drawn lane (>= 95 %, half the frames do)" '
import sys, numpy as np
w, h = 128, 96
a = np.fromfile(sys.argv[1], np.uint8).reshape(-1, h, w, 3).astype(float)
g = a[:, int(0.2 * h), w // 2 - 1: w // 2 + 1, 1].mean(axis=1)      # green at the aperture column
lane = g > 0.5 * (g.min() + g.max())
t = np.loadtxt(sys.argv[2], ndmin=1)
k = np.floor(t / 1.0).astype(int)
k = k[k < len(lane)]
hit, base = lane[k].mean(), lane.mean()
print("events", len(k), "in lane", hit, "frames in lane", base)
sys.exit(0 if len(k) > 100 and hit >= 0.95 and 0.35 < base < 0.65 else 1)' "$T/lanes.rgb" "$T/lanes.times"

# A header whose tstart/tstop describe a whole observation, of which the
# stream holds a 100 s cut (as in the shipped ACIS sample): the GTIs set the
# range shown, so 100 s at --speedup 10 and 10 fps is 100 frames, not 10,000.
printf '{"tstart":0,"tstop":10000,"gti":[[100,200]]}' >"$T/cut.json"
printf '150 0.5\n' | tsv2ev --meta "$T/cut.json" >"$T/cut.ev"
lanevideo --params "$T/gen.json" --min 0.4 --max 0.6 -q --size 16x16 --fps 10 --speedup 10 --raw --pix-fmt rgb24 \
	<"$T/cut.ev" >"$T/cut.rgb"
t_eq lanevideo-28 "the default time range follows the GTIs, not a wider tstart/tstop" \
	"$((100 * 16 * 16 * 3))" "$(wc -c <"$T/cut.rgb")"

# Lanes at an angle: across direction θ, so along a row the pattern repeats
# every p/cos θ (20 px / cos 60° = 40 px).  θ = 120° runs the other way
# along the rows (its across axis points left): the same period.
for th in 60 120; do
	sed "s/\"angle_deg\": 0/\"angle_deg\": $th/" "$T/gen.json" >"$T/gen$th.json"
	lanevideo --params "$T/gen$th.json" --min 0.4 --max 0.6 --start 0 --stop 100 -q --size 320x240 \
		--fps 10 --duration 1 --scale 25000 --raw --pix-fmt rgb24 <"$T/few.ev" >"$T/a$th.rgb"
done
t_py lanevideo-29 "lanes across 60 degrees repeat every 40 px along a row" \
	"$period_py" "$T/a60.rgb" 320 240 40
t_py lanevideo-30 "lanes across 120 degrees (mirrored walk) repeat every 40 px too" \
	"$period_py" "$T/a120.rgb" 320 240 40

# Neither --duration nor --speedup: the documented 60 s (at 10 fps, 600 frames).
lanevideo --params "$T/gen.json" --min 0.4 --max 0.6 -q --size 16x16 --fps 10 --raw --pix-fmt rgb24 <"$T/few.ev" >"$T/dflt.rgb"
t_eq lanevideo-31 "the default length is 60 s of video: 600 frames at 10 fps" \
	"$((600 * 16 * 16 * 3))" "$(wc -c <"$T/dflt.rgb")"

# The range selects the events drawn: an event at 0.8 nm outside 0.4-0.6
# leaves every frame (flashes and light curve) as with no event at all.
ev_from_text '51 0.8\n' >"$T/out.ev"
ev_from_text '51 nan\n' >"$T/nan.ev"
printf '{"min_wavelength": 0.4, "max_wavelength": 0.6}\n' >"$T/proc.json"
frames() { lanevideo --params "$T/gen.json" --start 0 --stop 100 -q --size 64x48 --fps 10 --duration 10 --raw --pix-fmt rgb24 "$@"; }
frames --min 0.4 --max 0.6 <"$T/none.ev" >"$T/sel_none.rgb"
frames --min 0.4 --max 0.6 <"$T/out.ev" >"$T/sel_out.rgb"
frames --min 0.4 --max 0.6 <"$T/one.ev" >"$T/sel_in.rgb"
frames --processing "$T/proc.json" <"$T/out.ev" >"$T/sel_proc.rgb"
frames --min 0.4 --max 0.6 <"$T/nan.ev" >"$T/sel_nan.rgb"
t_eq lanevideo-32 "an event outside --min/--max is not drawn; one inside is" "same differs" \
	"$(cmp -s "$T/sel_none.rgb" "$T/sel_out.rgb" && echo same || echo differs) $(cmp -s "$T/sel_none.rgb" "$T/sel_in.rgb" && echo same || echo differs)"
t_eq lanevideo-33 "the processing's range selects the same way" "same" \
	"$(cmp -s "$T/sel_none.rgb" "$T/sel_proc.rgb" && echo same || echo differs)"
t_eq lanevideo-34 "an event without a wavelength (one band, HRC) is drawn" "differs" \
	"$(cmp -s "$T/sel_none.rgb" "$T/sel_nan.rgb" && echo same || echo differs)"

# The light curve's labels: "counts/s" over the vertical axis (top left),
# "time since start (s)" centred under the time axis's tick labels, nothing
# at the panel's top right where the time label used to sit.  At 320x240
# the font is 7.33 px: the panel starts at row 182, its plot area spans rows
# 191-220, the tick labels end at row 229, the axis label lies in rows 231-239.
lanevideo "${common[@]}" --size 320x240 --fps 10 --duration 1 --raw --pix-fmt rgb24 <"$T/few.ev" | head -c $((320 * 240 * 3)) >"$T/label.rgb"
t_py lanevideo-35 "the time axis label sits under the tick labels, not over the panel's right" '
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.uint8).reshape(240, 320, 3).astype(int).sum(axis=2)
bg = a[239, 2]
def ink(r0, r1, c0, c1):
    return int((np.abs(a[r0:r1, c0:c1] - bg) > 60).sum())
under = ink(231, 240, 110, 210)
top_right = ink(183, 191, 200, 316)
top_left = ink(183, 191, 20, 70)
print("under", under, "top right", top_right, "top left", top_left)
sys.exit(0 if under > 30 and top_right == 0 and top_left > 10 else 1)' "$T/label.rgb"

# Geometry hex (DESIGN §5b): disks at the lattice points.  Spacing at 0.5 nm
# g = 3 exp(-0.5) = 1.8196 m; at --scale 0.05 m/px 36.39 px along a row and
# rows sqrt(3)/2 g = 31.52 px apart.
printf '{"lanes": {"geometry": "hex", "pitch_law": "exp", "alpha_m": 3, "lucretius_per_nm": -1},
 "telescope": {"speed_km_s": 0.001, "heading_deg": 0, "aperture_m": 1.2}}' >"$T/hex.json"
lanevideo --params "$T/hex.json" --min 0.49 --max 0.51 --start 0 --stop 100 -q --size 320x240 \
	--fps 10 --duration 1 --scale 0.05 --raw --pix-fmt rgb24 <"$T/none.ev" >"$T/hex.rgb"
t_py lanevideo-36 "hex: disks every g/scale = 36.4 px along a row, rows 31.5 px apart" '
import sys, numpy as np
w, h = 320, 240
a = np.fromfile(sys.argv[1], np.uint8)[: w * h * 3].reshape(h, w, 3).astype(float)
sheet = a[30:170]
dot = ((sheet[:, :, 2] > 150) & (sheet[:, :, 0] < 140)).astype(float)
def period(profile):
    p = profile - profile.mean()
    s = np.abs(np.fft.rfft(p * np.hanning(len(p))))
    k = int(np.argmax(s[2:])) + 2
    d = 0.5 * (s[k - 1] - s[k + 1]) / (s[k - 1] - 2 * s[k] + s[k + 1])
    return len(p) / (k + d)
rows = dot.sum(axis=1)
along = period(dot[int(np.argmax(rows))])
across = period(rows)
print("along", along, "across", across)
assert abs(along - 36.39) < 1 and abs(across - 31.52) < 1.5
' "$T/hex.rgb"

# yuv420p, what ffmpeg is sent: the Y plane, then U and V at half size,
# BT.601 limited range.  Checked against the rgb24 frames of the same run by
# the studio-swing equations in floating point (numpy): Y within 1 of each
# pixel's, U and V within 1 of those of each 2x2 block's mean colour.
lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw <"$T/few.ev" >"$T/y.yuv"
lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 3 --raw --pix-fmt rgb24 <"$T/few.ev" >"$T/y.rgb"
t_eq lanevideo-37 "--raw writes yuv420p by default: width*height*3/2 bytes per frame (30 frames)" \
	$((160 * 120 * 3 / 2 * 30)) "$(wc -c <"$T/y.yuv")"
t_py lanevideo-38 "yuv420p frames are the rgb24 frames by BT.601 limited range (Y, U, V within 1)" '
import sys, numpy as np
w, h = 160, 120
rgb = np.fromfile(sys.argv[1], np.uint8).reshape(-1, h, w, 3).astype(float)
yuv = np.fromfile(sys.argv[2], np.uint8).reshape(-1, h * w * 3 // 2).astype(float)
assert len(rgb) == len(yuv) == 30
r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
m = rgb.reshape(-1, h // 2, 2, w // 2, 2, 3).mean(axis=(2, 4))
r, g, b = m[..., 0], m[..., 1], m[..., 2]
u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
n, q = h * w, h * w // 4
dy = np.abs(yuv[:, :n] - y.reshape(-1, n)).max()
du = np.abs(yuv[:, n:n + q] - u.reshape(-1, q)).max()
dv = np.abs(yuv[:, n + q:] - v.reshape(-1, q)).max()
print("max |dY|", dy, "|dU|", du, "|dV|", dv, "colours", len(np.unique(rgb.reshape(-1, 3), axis=0)))
sys.exit(0 if dy <= 1 and du <= 1 and dv <= 1 and len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20 else 1)' \
	"$T/y.rgb" "$T/y.yuv"
if [ $have_ffmpeg = 1 ]; then
	t_eq lanevideo-39 "the MP4 says what it was sent: BT.601 (smpte170m), limited (tv) range" \
		"tv smpte170m" \
		"$(ffprobe -v error -select_streams v:0 -show_entries stream=color_range,color_space \
			-of default=nw=1:nk=1 "$T/v.mp4" | tr '\n' ' ' | sed 's/ $//')"
	# ffmpeg's own yuv420p -> rgb24 of the raw frames (tagged as lanevideo
	# tags them) gives back the colours lanevideo drew, up to chroma
	# subsampling at edges.
	ffmpeg -v error -f rawvideo -pix_fmt yuv420p -color_range tv -colorspace smpte170m -s 160x120 \
		-i "$T/y.yuv" -f rawvideo -pix_fmt rgb24 "$T/back.rgb"
	t_py lanevideo-40 "ffmpeg decodes the yuv420p frames to the rgb24 ones (median |d| <= 2, 99% <= 24)" '
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.uint8).astype(int)
b = np.fromfile(sys.argv[2], np.uint8).astype(int)
assert a.size == b.size
d = np.abs(a - b)
print("median", np.median(d), "p99", np.percentile(d, 99))
sys.exit(0 if np.median(d) <= 2 and np.percentile(d, 99) <= 24 else 1)' "$T/y.rgb" "$T/back.rgb"
else
	t_skip lanevideo-39 "the MP4's colour tags" "no ffmpeg"
	t_skip lanevideo-40 "ffmpeg decodes the yuv420p frames" "no ffmpeg"
fi
t_error lanevideo-41 "--pix-fmt is for --raw" 2 \
	"lanevideo: --pix-fmt is for --raw (ffmpeg is always sent yuv420p) (see 'lanevideo --help')" \
	lanevideo --pix-fmt rgb24 -o "$T/x.mp4" <"$T/few.ev"
t_error lanevideo-42 "an unknown --pix-fmt" 2 \
	"lanevideo: --pix-fmt: yuv420p or rgb24, not 'rgba' (see 'lanevideo --help')" \
	lanevideo --pix-fmt rgba --raw <"$T/few.ev"

# The yuv420p frames are kept from frame to frame and redrawn only where
# they change (the lanes, the overlay's rectangles); --no-cache draws every
# frame whole.  Both give the same bytes: vertical lanes (rows alike) with
# an odd light-curve panel top (320x246: row 187), lanes at 60 degrees and
# a second family at 150 (edges crossing, rows not alike) with an odd
# caption height (320x300: 17 rows), a diagonal track over dense events,
# and the hex lattice.
cat >"$T/two.json" <<'EOF2'
{ "lanes": { "pitch_m_per_nm": 1e6, "width_fraction": 0.4, "offset_cell_nm": 0.01,
             "families": [ { "angle_deg": 60, "weight": 1 }, { "angle_deg": 150, "weight": 0.5 } ] },
  "telescope": { "speed_km_s": 30, "heading_deg": 35, "aperture_m": 1.2 } }
EOF2
llgen --params "$T/two.json" --min 0.49 --max 0.51 --duration 100 --rate 40 --seed 3 >"$T/dense.ev"
both() {	# ID WHAT INPUT ARGS...: --raw with and without the cache
	local id=$1 what=$2 in=$3
	shift 3
	lanevideo -q --raw "$@" <"$in" >"$T/$id.c.yuv"
	lanevideo -q --raw --no-cache "$@" <"$in" >"$T/$id.w.yuv"
	t_eq "$id" "$what" "same $(wc -c <"$T/$id.w.yuv")" \
		"$(cmp -s "$T/$id.c.yuv" "$T/$id.w.yuv" && echo same || echo differs) $(wc -c <"$T/$id.c.yuv")"
}
both lanevideo-43 "cached frames are the whole frames: vertical lanes, odd panel top" "$T/few.ev" \
	--params "$T/gen.json" --min 0.4 --max 0.6 --start 0 --stop 100 --size 320x246 --fps 10 --duration 3 --scale 25000
both lanevideo-44 "... crossing families at 60 and 150 degrees, odd caption height, dense events, diagonal track" \
	"$T/dense.ev" --size 320x300 --fps 10 --duration 4 --scale 25000 --trail 1
both lanevideo-45 "... the hex lattice" "$T/none.ev" \
	--params "$T/hex.json" --min 0.49 --max 0.51 --start 0 --stop 100 --size 320x240 --fps 10 --duration 2 --scale 0.05
t_eq lanevideo-46 "--no-cache with --pix-fmt rgb24 (always drawn whole) is accepted" $((160 * 120 * 3 * 10)) \
	"$(lanevideo "${common[@]}" --size 160x120 --fps 10 --duration 1 --raw --pix-fmt rgb24 --no-cache <"$T/few.ev" | wc -c)"
both lanevideo-47 "... a frame so small that the light curve's plot overlaps the sheet (64x48)" "$T/gen.ev" \
	--size 64x48 --fps 10 --duration 3 --scale 25000

# Frames go to ffmpeg spliced from pictures drawn in turn (two at 1280x720,
# a frame being over the pipe's 1 MiB; five at 640x360), each drawn into
# again only once the pipe has given it all to ffmpeg: ffmpeg's raw video
# (--codec rawvideo, in Matroska) decodes to the --raw frames' bytes.
if [ $have_ffmpeg = 1 ]; then
	sent() {	# SIZE FPS DURATION: "same" when the MKV's frames are the --raw ones
		local a=(-q --size "$1" --fps "$2" --duration "$3" --scale 25000 --trail 1)
		lanevideo "${a[@]}" --codec rawvideo -o "$T/sent.mkv" <"$T/dense.ev" &&
			ffmpeg -nostdin -v error -i "$T/sent.mkv" -f rawvideo -pix_fmt yuv420p - >"$T/sent.yuv" &&
			lanevideo "${a[@]}" --raw <"$T/dense.ev" >"$T/raw.yuv"
		echo "$(cmp -s "$T/sent.yuv" "$T/raw.yuv" && echo same || echo differs) $(wc -c <"$T/sent.yuv")"
		rm -f "$T/sent.mkv" "$T/sent.yuv" "$T/raw.yuv"
	}
	t_eq lanevideo-48 "the frames ffmpeg is sent are the --raw frames: 1280x720 (12 frames)" \
		"same $((1280 * 720 * 3 / 2 * 12))" "$(sent 1280x720 10 1.2)"
	t_eq lanevideo-49 "... 640x360 (40 frames)" "same $((640 * 360 * 3 / 2 * 40))" "$(sent 640x360 10 4)"
else
	t_skip lanevideo-48 "the frames ffmpeg is sent are the --raw frames" "no ffmpeg"
	t_skip lanevideo-49 "... 640x360" "no ffmpeg"
fi
