#!/usr/bin/env bash
# psd: Leahy powers against numpy's rfft, Poisson level, a periodic signal's
# peak and false-alarm probability, errors.
. "$(dirname "$0")/../lib.sh"

"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(3)
gti = [[0.0, 1000.0], [1100.0, 1290.0], [1300.0, 4000.0]]
t = np.sort(np.concatenate([rng.uniform(a, b, rng.poisson(3 * (b - a))) for a, b in gti]))
wb = rng.integers(0, 3, t.size)
with open(d + "/p.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} 0.5 {w}\n")
json.dump({"gti": gti, "wbins": {"edges": [0.1, 0.2, 0.3, 0.4]}}, open(d + "/p.json", "w"))
# 40% modulated at 0.125 Hz, by thinning a 4 c/s process
t = np.sort(rng.uniform(0, 4000, 16000))
t = t[rng.random(t.size) < 0.5 * (1 + 0.4 * np.sin(2 * np.pi * 0.125 * t))]
with open(d + "/s.txt", "w") as f:
    for x in t:
        f.write(f"{x!r} 0.5 0\n")
PY
tsv2ev --meta "$T/p.json" "$T/p.txt" >"$T/p.ev"
tsv2ev "$T/s.txt" >"$T/s.ev"

psd --dt 0.5 --seg 64 <"$T/p.ev" >"$T/p.csv"
t_py psd-1 "Leahy powers equal numpy rfft of the binned segments to 1e-4" '
import csv, sys, numpy as np
t, w = np.loadtxt(sys.argv[2], usecols=(0, 2), unpack=True)
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
gti = [[0.0, 1000.0], [1100.0, 1290.0], [1300.0, 4000.0]]
dt, seg = 0.5, 64.0; nb = 128
got = {}
for r in rows:
    got.setdefault(int(r["wbin"]), []).append((float(r["freq_hz"]), float(r["power"]), float(r["power_err"]), int(r["n_avg"])))
for wb in [0, 1, 2, -1]:
    sel = (w == wb) if wb >= 0 else np.ones(t.size, bool)
    acc = np.zeros(nb // 2 - 1); m = 0
    for a, b in gti:
        for j in range(int((b - a) // seg)):
            s0 = a + j * seg
            x = t[sel & (t >= s0) & (t < s0 + seg)]
            if x.size == 0: continue
            c = np.bincount(np.minimum(((x - s0) / dt).astype(int), nb - 1), minlength=nb)
            acc += 2 * np.abs(np.fft.rfft(c)[1:nb // 2]) ** 2 / x.size; m += 1
    p = acc / m
    g = got[wb]
    assert len(g) == nb // 2 - 1
    for j, (f, pw, pe, n) in enumerate(g):
        assert abs(f - (j + 1) / seg) < 1e-12 and n == m, (f, n, m)
        assert abs(pw - p[j]) <= 1e-4 * p[j], (wb, j, pw, p[j])
        assert abs(pe - pw / m ** 0.5) <= 1e-12 * pw
' "$T/p.csv" "$T/p.txt"
t_py psd-2 "Poisson data: the mean Leahy power is 2 within 3*2/sqrt(M*W)" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
for wb in ["0", "1", "2", "-1"]:
    r = [x for x in rows if x["wbin"] == wb]
    m, wn = int(r[0]["n_avg"]), len(r)
    mean = sum(float(x["power"]) for x in r) / wn
    assert abs(mean - 2) < 3 * 2 / (m * wn) ** 0.5, (wb, mean, m, wn)
' "$T/p.csv"
psd --dt 0.5 --seg 64 --peaks <"$T/s.ev" >"$T/s.csv"
t_py psd-3 "a 0.125 Hz modulation: the peak is there with false-alarm probability < 1e-6" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert [r["wbin"] for r in rows] == ["0", "-1"], rows
for r in rows:
    assert float(r["freq_hz"]) == 0.125 and float(r["false_alarm_prob"]) < 1e-6, r
' "$T/s.csv"
psd --dt 0.5 --seg 64 --peaks <"$T/p.ev" >"$T/pp.csv"
t_py psd-4 "Poisson data: peak false-alarm probabilities are not small" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert len(rows) == 4 and all(float(r["false_alarm_prob"]) > 0.001 for r in rows), rows
' "$T/pp.csv"
t_eq psd-5 "header rows are the DESIGN schemas" "wbin,freq_hz,power,power_err,n_avg wbin,freq_hz,power,false_alarm_prob" \
	"$(sed -n 2p "$T/p.csv") $(sed -n 2p "$T/pp.csv")"
printf '{"gti":[[0,10]],"wbins":{"edges":[0.1,0.2,0.3]}}' >"$T/e.json"
printf '1 0.15 0\n' | tsv2ev --meta "$T/e.json" >"$T/e.ev"
t_eq psd-6 "a wbin with no events: empty power and false-alarm fields" "1,,," \
	"$(psd --dt 1 --seg 4 --peaks <"$T/e.ev" | grep '^1,')"
t_error psd-7 "--seg not an even multiple of --dt is a usage error" 2 \
	"psd: --seg must be an even multiple of --dt, at least 4 bins (got 3.5 bins) (see 'psd --help')" \
	psd --dt 2 --seg 7 <"$T/p.ev"
t_error psd-8 "--dt and --seg are required" 2 "psd: --dt S and --seg S are required (see 'psd --help')" \
	psd --dt 1 <"$T/p.ev"
t_error psd-9 "an unwritable output path is one clear line" 1 "psd: $T/nodir/x.csv:*" \
	psd --dt 1 --seg 8 -o "$T/nodir/x.csv" <"$T/p.ev"


# The ACIS sample (TIMEDEL 0.44104 s): 0.5 s bins alias the 2.267 Hz frame
# rate to 0.535 Hz; whole-frame bins see white noise.
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/acis0.ev"
	ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' <"$T/acis0.ev" >"$T/acis.ev"
	ev_set_meta '{"timedel": null, "timepixr": null}' <"$T/acis0.ev" >"$T/acis_free.ev"
	psd --dt 0.5 --seg 256 --peaks <"$T/acis.ev" >"$T/acis.csv"
	t_py psd-10 "ACIS sample with timedel, --dt 0.5 --seg 256 --peaks: no peak with false-alarm probability < 1e-3" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert len(rows) == 1 and float(rows[0]["false_alarm_prob"]) > 1e-3, rows
' "$T/acis.csv"
	t_eq psd-11 "the widths used are whole frames, in a note" \
		"# note: dt 0.5 s is 1 frames: 0.44104 s; seg 256 s is 580 such bins: 255.8032 s" \
		"$(grep '^# note: dt' "$T/acis.csv")"
	psd --dt 0.5 --seg 256 <"$T/acis.ev" | grep -v '^#' | sed -n 2p | cut -d, -f2 >"$T/f1"
	t_near psd-12 "frequencies are j/255.8032 Hz" "$(cat "$T/f1")" "$(awk 'BEGIN { printf "%.15g", 1 / 255.8032 }')" 1e-15
	psd --dt 0.5 --seg 256 --peaks <"$T/acis_free.ev" >"$T/free.csv"
	psd --dt 0.5 --seg 256 --peaks --no-frames <"$T/acis.ev" >"$T/nof.csv"
	t_py psd-13 "without timedel or with --no-frames: the frame rate aliased to 2.2674 - 2 Hz, false-alarm probability < 1e-6" '
import csv, sys
for p in sys.argv[1:]:
    r = list(csv.DictReader(l for l in open(p) if not l.startswith("#")))[0]
    assert abs(float(r["freq_hz"]) - (1 / 0.44104 - 2)) < 0.005 and float(r["false_alarm_prob"]) < 1e-6, (p, r)
' "$T/free.csv" "$T/nof.csv"
else
	for i in 10 11 12 13; do t_skip psd-$i "ACIS sample with timedel" "fits2ev not built"; done
fi
printf '1 0.5 0\n2 0.5 0\n4.5 0.5 1\n6 0.5 1\n9.5 0.5 1\n' | tsv2ev | psd --dt 1 --seg 4 >"$T/nogti.csv"
t_eq psd-14 "no GTI: one GTI from the first event to the last (two whole segments), with a note" \
	"# note: no GTI in the metadata: one GTI from the first event to the last|2" \
	"$(grep '^# note' "$T/nogti.csv")|$(grep '^-1,' "$T/nogti.csv" | cut -d, -f5)"
