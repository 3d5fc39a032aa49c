#!/usr/bin/env bash
# varstat: every column against a numpy implementation of the same
# definitions, Poisson statistics, undefined values, errors.
. "$(dirname "$0")/../lib.sh"
REF="$T_ROOT/bench/varstat_numpy.py"

# cmp_tables A B TOL: numeric CSV cells equal to TOL relative, empty cells alike.
cmp_tables() {
	"$T_PY" - "$1" "$2" "$3" <<'PY'
import csv, sys
def rows(p):
    return list(csv.reader(l for l in open(p) if not l.startswith('#')))
a, b, tol = rows(sys.argv[1]), rows(sys.argv[2]), float(sys.argv[3])
if a[0] != b[0] or len(a) != len(b):
    sys.exit(f"header/rows differ: {a[0]} x {len(a)} vs {b[0]} x {len(b)}")
bad = 0
for i, (x, y) in enumerate(zip(a[1:], b[1:]), 2):
    for col, u, v in zip(a[0], x, y):
        if (u == "") != (v == "") or (u and abs(float(u) - float(v)) >
                                      tol * max(abs(float(u)), abs(float(v))) + 1e-300):
            print(f"row {i} {col}: '{u}' vs '{v}'"); bad += 1
sys.exit(1 if bad else 0)
PY
}

# Clustered (non-Poisson) events in three GTIs, some outside them, 4 wbins
# of which wbin 3 has no events; the 50 s GTI is shorter than the long scales.
"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(11)
gti = [[100.0, 1100.5], [1200.0, 1250.0], [1300.0, 3000.25]]
edges = [0.1, 0.2, 0.4, 0.7, 1.0]
t = np.concatenate([rng.uniform(a, b, rng.poisson(2 * (b - a))) for a, b in gti] +
                   [rng.uniform(0, 4000, 300), 1500 + rng.normal(0, 5, 400)])
t = np.sort(t); wb = rng.integers(0, 3, t.size)
with open(d + "/a.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} {0.15 + 0.2 * w} {w}\n")
json.dump({"gti": gti, "wbins": {"edges": edges}}, open(d + "/a.json", "w"))
json.dump({"tstart": 50.0, "tstop": 3999.5}, open(d + "/b.json", "w"))
# Poisson: uniform times, 5 wbins
t = np.sort(rng.uniform(0, 20000, 40000)); wb = rng.integers(0, 5, t.size)
with open(d + "/p.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} 0.5 {w}\n")
json.dump({"gti": [[0, 9000], [9500, 20000]], "wbins": {"edges": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}},
          open(d + "/p.json", "w"))
PY
tsv2ev --meta "$T/a.json" "$T/a.txt" >"$T/a.ev"
tsv2ev --meta "$T/b.json" "$T/a.txt" >"$T/b.ev"
tsv2ev "$T/a.txt" >"$T/c.ev"
tsv2ev --meta "$T/p.json" "$T/p.txt" >"$T/p.ev"

varstat --timescales 0.5:1000:12 <"$T/a.ev" >"$T/a.csv"
"$T_PY" "$REF" "$T/a.ev" 0.5:1000:12 >"$T/a.ref"
t_check varstat-1 "metadata GTIs and wbins: every column equals numpy to 1e-9" cmp_tables "$T/a.csv" "$T/a.ref" 1e-9
varstat --timescales 0.3:3000:7 <"$T/b.ev" >"$T/b.csv"
"$T_PY" "$REF" "$T/b.ev" 0.3:3000:7 >"$T/b.ref"
t_check varstat-2 "tstart/tstop without GTIs are not used (one GTI [first, last event]): equals numpy to 1e-9" cmp_tables "$T/b.csv" "$T/b.ref" 1e-9
varstat --timescales 0.3:3000:7 <"$T/c.ev" >"$T/c.csv"
"$T_PY" "$REF" "$T/c.ev" 0.3:3000:7 >"$T/c.ref"
t_check varstat-3 "[first, last event] without any metadata: equals numpy to 1e-9" cmp_tables "$T/c.csv" "$T/c.ref" 1e-9

t_eq varstat-4 "header row is the DESIGN schema" \
	"wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,fano_err,z,nxs,nxs_err,allan" \
	"$(grep -v '^#' "$T/a.csv" | head -n 1)"
t_eq varstat-5 "a wbin with no events: mean and variance 0, the rest empty" \
	"3,0.7,1,0.5,5501,0,0,,,,,," "$(grep '^3,' "$T/a.csv" | head -n 1)"
varstat --timescales 2000:5000:2 <"$T/a.ev" >"$T/long.csv"
t_eq varstat-6 "a time scale longer than every GTI: n_bins 0, every statistic empty" \
	"-1,0.1,1,5000,0,,,,,,,," "$(grep '^-1,' "$T/long.csv" | tail -n 1)"
t_eq varstat-7 "the first row of the table carries the metadata and history" \
	'["tsv2ev --meta '"$T"'/a.json '"$T"'/a.txt","varstat --timescales 2000:5000:2"]' \
	"$(head -n 1 "$T/long.csv" | sed 's/^# meta: //' | "$T_PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["history"], separators=(",", ":")))')"

varstat --timescales 1:1000:10 <"$T/p.ev" >"$T/p.csv"
t_py varstat-8 "Poisson data: Fano and Allan within 4 sigma of 1 at every scale with >= 30 bins" '
import csv, sys, math
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
n_checked = 0
for r in rows:
    n = int(r["n_bins"])
    if n < 30: continue
    m = float(r["mean"]); fe = float(r["fano_err"])
    ae = math.sqrt(3 / (n - 1) + 1 / (n * m))
    assert abs(float(r["fano"]) - 1) < 4 * fe, r
    assert abs(float(r["allan"]) - 1) < 4 * ae, r
    n_checked += 1
assert n_checked >= 50, n_checked
' "$T/p.csv"
"$T_PY" "$REF" "$T/p.ev" 1:1000:10 >"$T/p.ref"
t_check varstat-9 "Poisson stream: equals numpy to 1e-9" cmp_tables "$T/p.csv" "$T/p.ref" 1e-9

if command -v fits2ev >/dev/null && command -v wbin >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wrange --min 0.1 --max 1 |
		wbin --n 3 --min 0.1 --max 1 >"$T/s.ev"
	varstat --timescales 1:500:8 <"$T/s.ev" >"$T/s.csv"
	"$T_PY" "$REF" "$T/s.ev" 1:500:8 >"$T/s.ref"
	t_check varstat-10 "shipped Chandra sample: equals numpy to 1e-9" cmp_tables "$T/s.csv" "$T/s.ref" 1e-9
else
	t_skip varstat-10 "shipped Chandra sample: equals numpy to 1e-9" "fits2ev or wbin not built"
fi

# An unsorted stream whose metadata does not say so: the reader stops at the
# first event that goes back in time.
"$T_PY" - "$T/uns.ev" <<'PY'
import sys, numpy as np
meta = b'{}'; meta += b' ' * ((-(12 + len(meta))) % 8)
rec = np.zeros(3, dtype=[('time', '<f8'), ('wavelength', '<f4'), ('wbin', '<i4')])
rec['time'] = [1.0, 3.0, 2.0]
with open(sys.argv[1], 'wb') as f:
    f.write(b'LLEV' + (1).to_bytes(2, 'little') + (16).to_bytes(2, 'little') +
            len(meta).to_bytes(4, 'little') + meta)
    rec.tofile(f)
PY
t_error varstat-11 "an unsorted stream is an error naming the event" 1 \
	"varstat: stdin: bad event 2 at byte offset 48: time is earlier than the previous event's (input must be time-sorted)" \
	varstat --timescales 1:10:2 <"$T/uns.ev"
t_error varstat-12 "a stream marked unsorted is refused at once" 1 \
	"varstat: stdin: input is not time-sorted (metadata says \"sorted\": false); sort it first" \
	varstat --timescales 1:10:2 < <(printf '2 0.5 0\n1 0.5 0\n' | tsv2ev --unsorted)
t_error varstat-13 "--timescales is required" 2 \
	"varstat: --timescales MIN:MAX:COUNT is required (see 'varstat --help')" varstat <"$T/a.ev"
t_error varstat-14 "a malformed --timescales is a usage error" 2 \
	"varstat: --timescales: expected MIN:MAX:COUNT, got '1:10' (see 'varstat --help')" \
	varstat --timescales 1:10 <"$T/a.ev"
t_error varstat-15 "MAX below MIN is a usage error" 2 \
	"varstat: --timescales: MAX 1 is smaller than MIN 10 (see 'varstat --help')" \
	varstat --timescales 10:1:3 <"$T/a.ev"
t_error varstat-16 "an unwritable output path is one clear line" 1 \
	"varstat: $T/no/such/dir/x.csv:*" varstat --timescales 1:10:2 -o "$T/no/such/dir/x.csv" <"$T/a.ev"
head -c 100 "$T/a.ev" >"$T/trunc.ev"
t_run varstat --timescales 1:10:2 -o "$T/partial.csv" <"$T/trunc.ev"
t_eq varstat-17 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.csv" ] && echo present || echo absent)"


# The ACIS sample (TIMEDEL 0.44104 s, TIMEPIXR 0.5 in its header): every
# event of a frame carries one time, which free bins count as variability.
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/acis0.ev"
	ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' <"$T/acis0.ev" >"$T/acis.ev"
	ev_set_meta '{"timedel": null, "timepixr": null}' <"$T/acis0.ev" >"$T/acis_free.ev"
	varstat --timescales 0.05:50:31 <"$T/acis.ev" >"$T/acis.csv"
	t_py varstat-18 "ACIS sample with timedel: all-events |z| < 4 at every scale from 0.05 to 50 s asked" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
rows = [r for r in rows if r["wbin"] == "-1"]
assert len(rows) >= 15, len(rows)
bad = [(r["timescale_s"], r["z"]) for r in rows if abs(float(r["z"])) >= 4]
assert not bad, bad
' "$T/acis.csv"
	t_py varstat-19 "ACIS sample: every scale a whole number of 0.44104 s frames (1e-9 relative), none repeated" '
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
w = [float(r["timescale_s"]) for r in rows if r["wbin"] == "-1"]
assert len(set(w)) == len(w), w
for x in w:
    k = round(x / 0.44104)
    assert k >= 1 and abs(x - k * 0.44104) <= 1e-9 * x, x
' "$T/acis.csv"
	t_eq varstat-20 "scales below one frame are dropped with a note, repeats after rounding too" \
		"# note: 10 time scales below one frame (0.44104 s) dropped|# note: 2 time scales dropped: the same whole number of frames as the scale before" \
		"$(grep '^# note: .*dropped' "$T/acis.csv" | paste -sd'|')"
	"$T_PY" "$REF" "$T/acis.ev" 0.05:50:31 >"$T/acis.ref"
	t_check varstat-21 "ACIS sample with timedel: equals numpy (whole frames, frame-cut GTIs) to 1e-9" \
		cmp_tables "$T/acis.csv" "$T/acis.ref" 1e-9
	varstat --timescales 0.05:50:31 <"$T/acis_free.ev" >"$T/free.csv"
	varstat --no-frames --timescales 0.05:50:31 <"$T/acis.ev" >"$T/nof.csv"
	t_py varstat-22 "the same events without timedel, or with --no-frames: z > 50 at 0.05 s (the clock), as before" '
import csv, sys
for p in sys.argv[1:]:
    rows = list(csv.DictReader(l for l in open(p) if not l.startswith("#")))
    r = [r for r in rows if r["wbin"] == "-1"][0]
    assert float(r["timescale_s"]) == 0.05 and float(r["z"]) > 50, (p, r)
' "$T/free.csv" "$T/nof.csv"
	t_eq varstat-23 "--no-frames: the same table as without timedel" \
		"$(grep -v '^#' "$T/free.csv")" "$(grep -v '^#' "$T/nof.csv")"
else
	for i in 18 19 20 21 22 23; do t_skip varstat-$i "ACIS sample with timedel" "fits2ev not built"; done
fi

# fano_err = sqrt(2/(n-1)) is the scatter of the Fano factor of Poisson
# counts at any mean count: 200 poissonized realisations of a real HRC file,
# scales chosen for 0.05, 0.5, 5 and 50 counts per bin.
if command -v fits2ev >/dev/null && command -v poissonize >/dev/null && command -v gtifilter >/dev/null &&
	[ -f "$T_SAMPLE/hrcS_evt1_testfile.fits.gz" ]; then
	fits2ev --no-wavelength "$T_SAMPLE/hrcS_evt1_testfile.fits.gz" | gtifilter >"$T/hrc.ev"
	rate=$(evinfo --json <"$T/hrc.ev" | "$T_PY" -c 'import json,sys; print(json.load(sys.stdin)["rate_cps"])')
	scales=$(awk -v r="$rate" 'BEGIN { printf "%.9g:%.9g:4", 0.05 / r, 50 / r }')
	for k in $(seq 1 200); do
		poissonize --seed "$k" <"$T/hrc.ev" | varstat --timescales "$scales" | grep '^-1,'
	done >"$T/calib.csv"
	t_py varstat-24 "200 Poisson realisations at 0.05-50 counts/bin: fano_err within 10% of the Fano scatter, no |z| > 4" '
import sys, numpy as np
a = np.genfromtxt(sys.argv[1], delimiter=",")
assert a.shape == (800, 13), a.shape
for dt in np.unique(a[:, 3]):
    r = a[a[:, 3] == dt]
    mean, fano, err, z = r[:, 5].mean(), r[:, 7], r[:, 8], r[:, 9]
    ratio = err.mean() / fano.std(ddof=1)
    print(f"dt {dt:.4g} s: {mean:.3g} counts/bin, fano_err / scatter {ratio:.3f}, max |z| {abs(z).max():.2f}")
    assert 0.9 < ratio < 1.1, ratio
    assert abs(z).max() < 4
    assert abs(mean / (0.05 * 10 ** round(np.log10(mean / 0.05))) - 1) < 0.02, mean
' "$T/calib.csv"
else
	t_skip varstat-24 "fano_err calibration" "fits2ev, gtifilter or poissonize not built"
fi

# The stowed HRC-I background has no GTI: TSTART..TSTOP holds 2.2 ks
# without events, which read as variability (Fano 49.5 at 100 s).
if command -v fits2ev >/dev/null && [ -f "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" ]; then
	fits2ev --no-wavelength "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" | varstat --timescales 100:100:1 >"$T/bg.csv"
	t_py varstat-25 "no GTI (stowed background): Fano at 100 s < 2 over the events span (128 bins)" '
import csv, sys
r = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#"))][0]
assert float(r["fano"]) < 2 and int(r["n_bins"]) == 128, r
' "$T/bg.csv"
	t_eq varstat-26 "no GTI: a note says so" "# note: no GTI in the metadata: one GTI from the first event to the last" \
		"$(grep '^# note: no GTI' "$T/bg.csv")"
else
	t_skip varstat-25 "no GTI (stowed background)" "fits2ev not built"
	t_skip varstat-26 "no GTI: a note" "fits2ev not built"
fi

t_error varstat-27 "a scale with more bins than exact indices (1e-17 s) is a usage error" 2 \
	"varstat: --timescales: 1e-17 s makes over 2^53 bins of the GTIs (see 'varstat --help')" \
	varstat --timescales 1e-17:1e-17:1 <"$T/a.ev"
t_error varstat-28 "1e-300:1e300:3 is a usage error" 2 \
	"varstat: --timescales: 1e-300 s makes over 2^53 bins of the GTIs (see 'varstat --help')" \
	varstat --timescales 1e-300:1e300:3 <"$T/a.ev"
t_error varstat-29 "the same without GTIs (over the events' span)" 2 \
	"varstat: --timescales: 1e-17 s makes over 2^53 bins of the events' span (see 'varstat --help')" \
	varstat --timescales 1e-17:1e-17:1 <"$T/c.ev"
printf '0 0.5 0\n1 0.5 0\n2 0.5 0\n3 0.5 0\n' | tsv2ev --meta <(echo '{"gti": [[0, 2], [2, 4]]}') >"$T/touch.ev"
t_eq varstat-30 "touching GTIs are merged: a bin may span their common edge" "-1,,,4,1,4,,,,,,," \
	"$(varstat --timescales 4:4:1 <"$T/touch.ev" | grep '^-1,')"

# Many wbins that the events bring (no metadata edges), 30 of them first
# seen in the last third: the table grows past the 32 slots whose bins
# varstat shares, mid-stream.  With edges, the same 41 slots from the start.
"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(31)
gti = [[10.0, 700.0], [700.5, 1500.0], [1600.0, 2400.125]]
t = np.sort(np.concatenate([rng.uniform(0, 2500, 30000), 900 + rng.normal(0, 20, 3000),
                            np.round(rng.uniform(0, 2500, 2000))]))
wb = np.where(t < 1700, rng.integers(-1, 10, t.size), rng.integers(-1, 40, t.size))
with open(d + "/m.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} 0.5 {w}\n")
json.dump({"gti": gti}, open(d + "/m.json", "w"))
json.dump({"gti": gti, "wbins": {"edges": [0.1 + 0.025 * i for i in range(41)]}},
          open(d + "/me.json", "w"))
PY
tsv2ev --meta "$T/m.json" "$T/m.txt" >"$T/m.ev"
tsv2ev --meta "$T/me.json" "$T/m.txt" >"$T/me.ev"
varstat --timescales 0.25:1000:15 <"$T/m.ev" >"$T/m.csv"
"$T_PY" "$REF" "$T/m.ev" 0.25:1000:15 >"$T/m.ref"
t_check varstat-31 "40 wbins without edges, 30 first seen late (past 32 slots mid-stream): equals numpy to 1e-9" \
	cmp_tables "$T/m.csv" "$T/m.ref" 1e-9
varstat --timescales 0.25:1000:15 <"$T/me.ev" >"$T/me.csv"
t_eq varstat-32 "the same events with metadata edges: the same table but for wmin_nm and wmax_nm" \
	"$(grep -v '^#' "$T/m.csv" | cut -d, -f1,4-)" "$(grep -v '^#' "$T/me.csv" | cut -d, -f1,4-)"
