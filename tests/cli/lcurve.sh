#!/usr/bin/env bash
# lcurve: counts against numpy, partial GTI-end bins, rates and errors.
. "$(dirname "$0")/../lib.sh"

"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(5)
gti = [[10.0, 355.5], [400.0, 1000.0]]
t = np.sort(rng.uniform(0, 1100, 5000)); wb = rng.integers(0, 3, t.size)
with open(d + "/a.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} 0.5 {w}\n")
json.dump({"gti": gti, "wbins": {"edges": [0.1, 0.2, 0.3, 0.4]}}, open(d + "/a.json", "w"))
PY
tsv2ev --meta "$T/a.json" "$T/a.txt" >"$T/a.ev"
lcurve --dt 20 <"$T/a.ev" >"$T/a.csv"
t_py lcurve-1 "counts per bin and wbin equal numpy's histogram, exposures and rates as documented" '
import csv, json, sys, numpy as np
t, w = np.loadtxt(sys.argv[2], usecols=(0, 2), unpack=True)
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
gti = [[10.0, 355.5], [400.0, 1000.0]]
want = []
for wb in [0, 1, 2, -1]:
    sel = (w == wb) if wb >= 0 else np.ones(t.size, bool)
    for a, b in gti:
        edges = list(np.arange(a, b, 20.0)) + [b]
        c, _ = np.histogram(t[sel & (t >= a) & (t < b)], bins=edges)
        for lo, hi, k in zip(edges[:-1], edges[1:], c):
            want.append((wb, lo, hi, k))
assert len(rows) == len(want), (len(rows), len(want))
for r, (wb, lo, hi, k) in zip(rows, want):
    e = float(r["exposure_s"])
    assert int(r["wbin"]) == wb and abs(float(r["time_start"]) - lo) < 1e-9 and abs(float(r["time_stop"]) - hi) < 1e-9, r
    assert int(r["counts"]) == k, (r, k)
    assert abs(e - (hi - lo)) < 1e-9, r
    assert abs(float(r["rate"]) - k / e) <= 1e-12 * k / e, r
    assert abs(float(r["rate_err"]) - max(k, 1) ** 0.5 / e) < 1e-12, r
' "$T/a.csv" "$T/a.txt"
t_eq lcurve-2 "the last bin of a GTI is cut at its end" "0,350,355.5,5.5" \
	"$(grep '^0,350,' "$T/a.csv" | cut -d, -f1-3,5)"
t_eq lcurve-3 "header row is the DESIGN schema" "wbin,time_start,time_stop,counts,exposure_s,rate,rate_err" \
	"$(sed -n 2p "$T/a.csv")"
printf '1 0.5 0\n2 0.5 0\n4.5 0.5 1\n' | tsv2ev >"$T/b.ev"
lcurve --dt 2 <"$T/b.ev" | grep -v '^#' >"$T/b.csv"
printf '%s\n' wbin,time_start,time_stop,counts,exposure_s,rate,rate_err \
	0,1,3,2,2,1,0.7071067811865476 0,3,4.5,0,1.5,0,0.6666666666666666 \
	1,1,3,0,2,0,0.5 1,3,4.5,1,1.5,0.6666666666666666,0.6666666666666666 \
	-1,1,3,2,2,1,0.7071067811865476 -1,3,4.5,1,1.5,0.6666666666666666,0.6666666666666666 >"$T/b.want"
t_files_eq lcurve-4 "no GTI: bins from the first to the last event, exact table" "$T/b.want" "$T/b.csv"
t_error lcurve-5 "--dt is required" 2 "lcurve: --dt S is required (see 'lcurve --help')" lcurve <"$T/a.ev"
t_error lcurve-6 "a non-positive --dt is a usage error" 2 "lcurve: --dt*" lcurve --dt -1 <"$T/a.ev"
t_error lcurve-7 "an unsorted stream is refused" 1 \
	"lcurve: stdin: input is not time-sorted (metadata says \"sorted\": false); sort it first" \
	lcurve --dt 1 < <(printf '2 0.5 0\n1 0.5 0\n' | tsv2ev --unsorted)
t_error lcurve-8 "an unwritable output path is one clear line" 1 \
	"lcurve: $T/nodir/x.csv:*" lcurve --dt 10 -o "$T/nodir/x.csv" <"$T/a.ev"


# Frames: the ACIS sample with its TIMEDEL 0.44104 s.
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" |
		ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' >"$T/acis.ev"
	lcurve --dt 10 <"$T/acis.ev" >"$T/acis.csv"
	t_py lcurve-9 "with timedel: bins of 23 whole frames on the grid of the first event, counts equal numpy" '
import csv, json, sys, numpy as np
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
t = np.loadtxt(sys.argv[2], usecols=0, comments="#", skiprows=2)
tau = 0.44104; b0 = t[0] - 0.5 * tau
a, b = 339469168.43071508, 339470113.76719141
fa, fb = b0 + np.ceil((a - b0) / tau) * tau, b0 + np.floor((b - b0) / tau) * tau
k = np.floor((t - fa) / (23 * tau)); keep = (t >= fa) & (t < fb)
c = np.bincount(k[keep].astype(int))
assert len(rows) == len(c) and len(rows) == int(np.ceil(round((fb - fa) / tau) / 23)), (len(rows), len(c))
for i, r in enumerate(rows):
    lo, hi = float(r["time_start"]), float(r["time_stop"])
    for x in lo, hi:
        q = (x - b0) / tau; assert abs(q - round(q)) < 1e-6, (r, q)
    assert abs(lo - (fa + i * 23 * tau)) < 1e-6 and int(r["counts"]) == c[i], (r, c[i])
    assert i + 1 == len(rows) or abs(hi - lo - 23 * tau) < 1e-6, r
assert abs(float(rows[-1]["time_stop"]) - fb) < 1e-6
' "$T/acis.csv" <(ev2tsv <"$T/acis.ev")
	t_eq lcurve-10 "the width used, in a note" "# note: dt 10 s is 23 frames: 10.14392 s" \
		"$(grep '^# note: dt' "$T/acis.csv")"
	t_eq lcurve-11 "--no-frames: bins of 10 s from the GTI start" "339469168.4307151,339469178.4307151" \
		"$(lcurve --dt 10 --no-frames <"$T/acis.ev" | grep -v '^#' | sed -n 2p | cut -d, -f2,3)"
else
	for i in 9 10 11; do t_skip lcurve-$i "ACIS sample with timedel" "fits2ev not built"; done
fi
t_eq lcurve-12 "no GTI: a note says the bins span the events" \
	"# note: no GTI in the metadata: one GTI from the first event to the last" "$(lcurve --dt 2 <"$T/b.ev" | grep '^# note')"
