#!/usr/bin/env bash
# interarrival: exact small histogram, numpy agreement, KS on Poisson data.
. "$(dirname "$0")/../lib.sh"

printf '{"gti":[[0,10],[20,30]],"wbins":{"edges":[0.1,0.2,0.3]}}' >"$T/e.json"
printf '0 0.15 0\n1 0.15 0\n1.5 0.25 1\n3.5 0.15 0\n21 0.15 0\n21.2 0.15 0\n' |
	tsv2ev --meta "$T/e.json" >"$T/e.ev"
interarrival --bins 2 --max 4 <"$T/e.ev" | grep -v '^#' >"$T/e.csv"
# wbin 0: gaps 1, 2.5, 0.2 (none across the GTI hole); rate 5/20 s.
# all: gaps 1, 0.5, 2, 0.2; rate 6/20 s.
"$T_PY" -c '
import math
def row(w, lo, hi, c, n, r):
    e = n * (math.exp(-r * lo) - math.exp(-r * hi))
    s = repr(e).removesuffix(".0")
    return f"{w},{lo:g},{hi:g},{c},{s}"
print("wbin,dt_lo_s,dt_hi_s,count,expected")
print(row(0, 0, 2, 2, 3, 0.25)); print(row(0, 2, 4, 1, 3, 0.25))
print(row(1, 0, 2, 0, 0, 0.05)); print(row(1, 2, 4, 0, 0, 0.05))
print(row(-1, 0, 2, 3, 4, 0.3)); print(row(-1, 2, 4, 1, 4, 0.3))' >"$T/e.want"
t_files_eq interarrival-1 "hand-made stream: exact histogram and expected counts" "$T/e.want" "$T/e.csv"

"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(9)
t = np.sort(np.concatenate([rng.uniform(0, 5000, 10000), rng.uniform(6000, 8000, 4000)]))
wb = rng.integers(0, 2, t.size)
with open(d + "/p.txt", "w") as f:
    for x, w in zip(t, wb):
        f.write(f"{x!r} 0.5 {w}\n")
json.dump({"gti": [[0, 5000], [6000, 8000]], "wbins": {"edges": [0.1, 0.2, 0.3]}}, open(d + "/p.json", "w"))
PY
tsv2ev --meta "$T/p.json" "$T/p.txt" >"$T/p.ev"
interarrival --bins 20 <"$T/p.ev" >"$T/p.csv"
t_py interarrival-2 "Poisson data: counts equal numpy, KS p-value above 0.001, D equals scipy-free numpy KS" '
import csv, sys, re, numpy as np
t, w = np.loadtxt(sys.argv[2], usecols=(0, 2), unpack=True)
lines = open(sys.argv[1]).read().splitlines()
rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
ks = [l for l in lines if l.startswith("# ks: ")]
assert len(ks) == 3, ks
for wb, kl in zip([0, 1, -1], ks):
    sel = (w == wb) if wb >= 0 else np.ones(t.size, bool)
    gaps = np.concatenate([np.diff(t[sel & (t >= a) & (t < b)]) for a, b in [(0, 5000), (6000, 8000)]])
    rate = sel.sum() / 7000
    r = [x for x in rows if int(x["wbin"]) == wb]
    hi = float(r[-1]["dt_hi_s"]); assert abs(hi - 5 / rate) < 1e-9 * hi
    c, _ = np.histogram(gaps, bins=20, range=(0, hi))
    assert [int(x["count"]) for x in r] == list(c), wb
    g = np.sort(gaps); cdf = 1 - np.exp(-rate * g); n = g.size
    d = max((cdf - np.arange(n) / n).max(), (np.arange(1, n + 1) / n - cdf).max())
    f = dict(kv.split("=") for kv in kl[6:].split())
    assert int(f["wbin"]) == wb and int(f["n"]) == n and abs(float(f["D"]) - d) < 1e-12, (kl, d)
    assert float(f["p"]) > 0.001, kl
' "$T/p.csv" "$T/p.txt"
t_error interarrival-3 "--bins 0 is a usage error" 2 \
	"interarrival: --bins must be 1 to 1000000, got 0 (see 'interarrival --help')" interarrival --bins 0 <"$T/e.ev"
t_error interarrival-4 "an unsorted stream is refused" 1 \
	"interarrival: stdin: input is not time-sorted (metadata says \"sorted\": false); sort it first" \
	interarrival < <(printf '2 0.5 0\n1 0.5 0\n' | tsv2ev --unsorted)
t_error interarrival-5 "an unwritable output path is one clear line" 1 "interarrival: $T/nodir/x.csv:*" \
	interarrival -o "$T/nodir/x.csv" <"$T/e.ev"


# The ACIS sample (TIMEDEL 0.44104 s): events of one frame share a time, so
# the exponential rejects a steady source; the frame-grid model does not.
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/acis0.ev"
	ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' <"$T/acis0.ev" >"$T/acis.ev"
	ev_set_meta '{"timedel": null, "timepixr": null}' <"$T/acis0.ev" >"$T/acis_free.ev"
	ks_p() { grep '^# ks: wbin=-1 ' "$1" | sed 's/.* p=//'; }
	interarrival <"$T/acis.ev" >"$T/acis.csv"
	t_py interarrival-6 "ACIS sample with timedel: KS does not reject Poisson on the frame grid (p > 0.05)" '
import sys; assert float(sys.argv[1]) > 0.05, sys.argv[1]' "$(ks_p "$T/acis.csv")"
	interarrival <"$T/acis_free.ev" >"$T/free.csv"
	interarrival --no-frames <"$T/acis.ev" >"$T/nof.csv"
	t_py interarrival-7 "without timedel or with --no-frames: the exponential rejects it (p < 1e-10)" '
import sys; assert all(float(p) < 1e-10 for p in sys.argv[1:]), sys.argv[1:]' "$(ks_p "$T/free.csv")" "$(ks_p "$T/nof.csv")"
else
	for i in 6 7; do t_skip interarrival-$i "ACIS sample with timedel" "fits2ev not built"; done
fi

# Simulated frame data: a Poisson process of 0.8 events per 2 s frame, each
# event stamped at its frame's middle; and a periodic one (one event every
# other frame) on the same grid, which must be rejected.
"$T_PY" - "$T" <<'PY'
import json, sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(21); tau = 2.0
for name, t in [("fp", np.sort(rng.uniform(1000, 21000, 8000))),
                ("fr", 1000 + np.arange(0, 20000, 2 * tau) + 0.3)]:
    t = 1000 + (np.floor((t - 1000) / tau) + 0.5) * tau
    with open(f"{d}/{name}.txt", "w") as f:
        for x in t:
            f.write(f"{x!r} 0.5 0\n")
json.dump({"gti": [[1000, 21000]], "timedel": tau, "timepixr": 0.5}, open(d + "/f.json", "w"))
PY
tsv2ev --meta "$T/f.json" "$T/fp.txt" | interarrival --bins 6 --max 12 >"$T/fp.csv"
t_py interarrival-8 "Poisson on a frame grid: counts equal numpy, expected = n*(F(hi-1) - F(lo-1)) of the frame-gap CDF, KS p > 0.01" '
import csv, math, sys, numpy as np
lines = open(sys.argv[1]).read().splitlines()
rows = [r for r in csv.DictReader(l for l in lines if not l.startswith("#")) if r["wbin"] == "-1"]
t = np.loadtxt(sys.argv[2], usecols=0); j = np.rint(np.diff(t) / 2.0)
mu = t.size / 20000 * 2.0
F = lambda k: 0.0 if k < 0 else 1 + math.expm1(-mu) / mu * math.exp(-mu * k)
assert len(rows) == 6
for b, r in enumerate(rows):
    lo, hi = float(r["dt_lo_s"]), float(r["dt_hi_s"])
    assert (lo, hi) == (2.0 * b, 2.0 * b + 2), r
    assert int(r["count"]) == int((j == b).sum()), (r, int((j == b).sum()))
    want = j.size * (F(b) - F(b - 1))
    assert abs(float(r["expected"]) - want) < 1e-9 * want, (r, want)
ks = [l for l in lines if l.startswith("# ks: wbin=-1 ")][0]
assert float(ks.split("p=")[1]) > 0.01, ks
' "$T/fp.csv" "$T/fp.txt"
tsv2ev --meta "$T/f.json" "$T/fr.txt" | interarrival >"$T/fr.csv"
t_py interarrival-9 "one event every other frame on the same grid: rejected (p < 1e-10)" '
import sys; p = float(sys.argv[1].split("p=")[1]); assert p < 1e-10, sys.argv[1]' \
	"$(grep '^# ks: wbin=-1 ' "$T/fr.csv")"
