#!/usr/bin/env bash
# llgen: Poisson statistics, spectra, lane periods, GTIs, reproducibility,
# metadata, --n, --explain, and parameter errors.
. "$(dirname "$0")/../lib.sh"

# Python prelude: read an LLEV stream into a numpy record array.
PY_READ='
import sys, json, struct, numpy as np
def read(path):
    raw = open(path, "rb").read()
    h = struct.unpack("<I", raw[8:12])[0]
    meta = json.loads(raw[12:12 + h])
    off = 12 + h
    off += (-off) % 8
    ev = np.frombuffer(raw[off:], dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")])
    return meta, ev
def ks_p(d, n):
    # Kolmogorov distribution, asymptotic with the Stephens correction.
    x = (np.sqrt(n) + 0.12 + 0.11 / np.sqrt(n)) * d
    k = np.arange(1, 101)
    return float(min(1.0, max(0.0, 2 * np.sum((-1.0) ** (k - 1) * np.exp(-2 * k * k * x * x)))))
def ks(sample, cdf):
    s = np.sort(sample); n = len(s); c = cdf(s)
    d = max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))
    return d, ks_p(d, n)
def chi2_crit(k, z=2.3263):
    # Wilson-Hilferty: the 1% upper point of chi-square with k degrees of freedom.
    return k * (1 - 2 / (9 * k) + z * np.sqrt(2 / (9 * k))) ** 3
'

DEF="$T_ROOT/meta/generation/default.json"

llgen --params "$DEF" --seed 11 </dev/null >"$T/def.ev"
t_check llgen-1 "the default model's stream passes wrange and evinfo" \
	bash -c "wrange --min 0.1 --max 1 <'$T/def.ev' | evinfo >/dev/null"
t_py llgen-2 "default model: count within 4 sigma of R * exposure, metadata complete" "$PY_READ
meta, ev = read(sys.argv[1])
n = len(ev)
assert abs(n - 1e5) < 4 * np.sqrt(1e5), n
assert meta['gti'] == [[0.0, 1000.0]] and meta['exposure'] == 1000 and meta['sorted'] is True
g = meta['generation']
assert g['seed'] == 11 and g['lanes']['pitch_m_per_nm'] == 6e6 and g['telescope']['speed_km_s'] == 30, g
assert abs(meta['lightlane']['periods_s'][0] - 110) < 1e-9, meta['lightlane']
assert {'program': 'llgen', 'seed': 11} in meta['seeds']
" "$T/def.ev"

llgen --params "$DEF" --seed 11 </dev/null >"$T/def2.ev"
llgen --params "$DEF" --seed 12 </dev/null >"$T/def3.ev"
t_eq llgen-3 "same seed, same bytes; another seed, other bytes" "same differ" \
	"$(cmp -s "$T/def.ev" "$T/def2.ev" && echo same || echo differ) $(cmp -s "$T/def.ev" "$T/def3.ev" && echo same || echo differ)"

# Background only: a Poisson process with rate R * S(lambda).
llgen --background 1 --rate 2000 --duration 100 --tstart 5e8 --seed 3 </dev/null >"$T/bg.ev"
t_py llgen-4 "background 1: counts per wavelength bin within 4 sigma of R*S*exposure" "$PY_READ
meta, ev = read(sys.argv[1])
edges = np.linspace(0.1, 1.0, 11)
counts, _ = np.histogram(ev['wavelength'].astype(float), edges)
expect = 2000 * 100 / 10
z = (counts - expect) / np.sqrt(expect)
assert np.all(np.abs(z) < 4), z
" "$T/bg.ev"
t_py llgen-5 "background 1: inter-arrival times pass KS against the exponential (1%)" "$PY_READ
meta, ev = read(sys.argv[1])
dt = np.diff(ev['time'] - 5e8)
d, p = ks(dt, lambda x: 1 - np.exp(-2000 * x))
assert p > 0.01, (d, p)
print(d, p)
" "$T/bg.ev"
t_py llgen-6 "flat spectrum passes KS against uniform (1%), events sorted inside the GTI" "$PY_READ
meta, ev = read(sys.argv[1])
d, p = ks(ev['wavelength'].astype(float), lambda x: (x - 0.1) / 0.9)
assert p > 0.01, (d, p)
t = ev['time']
assert np.all(np.diff(t) >= 0) and t[0] >= 5e8 and t[-1] < 5e8 + 100
" "$T/bg.ev"

llgen --background 1 --spectrum powerlaw --index -2.5 --min 0.2 --max 2 --rate 500 --duration 100 --seed 4 \
	</dev/null >"$T/pl.ev"
t_py llgen-7 "powerlaw spectrum passes KS against its CDF (1%)" "$PY_READ
meta, ev = read(sys.argv[1])
a1 = -1.5
cdf = lambda x: (x ** a1 - 0.2 ** a1) / (2 ** a1 - 0.2 ** a1)
d, p = ks(ev['wavelength'].astype(float), cdf)
assert p > 0.01, (d, p)
assert len(ev) > 40000
" "$T/pl.ev"

# A source stream: two GTIs and a lumpy spectrum.  Spectrum checks use
# --background 1: with lanes, a wavelength cell's count over a few periods
# depends on its lane phase.
{
	echo '# meta: {"dataset":"src","gti":[[100,200],[300,450]],"tstart":100,"tstop":450}'
	awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) {
		u = rand(); w = (u < 0.6) ? 0.3 + 0.02 * rand() : 0.5 + 0.4 * rand() * rand();
		printf "%.6f %.6f\n", 100 + i * 0.03, w } }'
} | tsv2ev >"$T/src.ev"
llgen --background 1 --source "$T/src.ev" --spectrum source --rate 400 --seed 5 >"$T/fromsrc.ev"
t_py llgen-8 "source spectrum reproduces the source histogram (chi-square, 1%); source GTIs used" "$PY_READ
_, src = read(sys.argv[1])
meta, ev = read(sys.argv[2])
edges = np.linspace(0.28, 0.92, 17)
ref, _ = np.histogram(src['wavelength'].astype(float), edges)
got, _ = np.histogram(ev['wavelength'].astype(float), edges)
keep = ref > 0
expect = ref[keep] / ref.sum() * len(ev)
chi2 = np.sum((got[keep] - expect) ** 2 / expect)
assert chi2 < chi2_crit(keep.sum() - 1), (chi2, chi2_crit(keep.sum() - 1))
assert got[~keep].sum() == 0
assert meta['gti'] == [[100.0, 200.0], [300.0, 450.0]] and meta['exposure'] == 250, meta['gti']
t = ev['time']
inside = ((t >= 100) & (t < 200)) | ((t >= 300) & (t < 450))
assert inside.all() and np.all(np.diff(t) >= 0)
assert abs(len(ev) - 400 * 250) < 4 * np.sqrt(400 * 250)
" "$T/src.ev" "$T/fromsrc.ev"

llgen --background 1 --seed 6 <"$T/src.ev" >"$T/stdin.ev"
t_py llgen-9 "a stream on stdin gives the GTIs, and the rate matches its count" "$PY_READ
_, src = read(sys.argv[1])
meta, ev = read(sys.argv[2])
assert meta['gti'] == [[100.0, 200.0], [300.0, 450.0]]
assert abs(meta['generation']['rate_cps'] - 3000 / 250) < 1e-9, meta['generation']['rate_cps']
assert meta['history'][0] == 'tsv2ev' and meta['generated_from'] == 'stdin'
" "$T/src.ev" "$T/stdin.ev"

printf '{"dataset":"m82","object":"M82","instrument":"ACIS","detnam":"ACIS-7","gti":[[100,200]]}' >"$T/idmeta.json"
printf '150 0.5\n' | tsv2ev --meta "$T/idmeta.json" | llgen --background 1 --seed 6 >"$T/id.ev"
t_eq llgen-26 "a model made from a source never passes for the observation" \
	'"model of m82" "lightlane model of M82" "llgen" null' \
	"$(for k in dataset object instrument detnam; do ev_meta $k <"$T/id.ev"; done | tr '\n' ' ' | sed 's/ $//')"

# One family, no background: v = 30 km/s, p = 6e6 m/nm * lambda, so P = 200 s/nm * lambda.
llgen --background 0 --family 0 --speed 30 --pitch 6e6 --width 0.5 --offset-cell 1 \
	--min 0.5 --max 0.81 --rate 200 --duration 2000 --seed 7 </dev/null >"$T/lane.ev"
t_py llgen-10 "one family: Rayleigh power of a narrow bin peaks at 1/P (2%); P scales with lambda (3%)" "$PY_READ
meta, ev = read(sys.argv[1])
t = ev['time']; w = ev['wavelength'].astype(float)
def peak(lo, hi):
    tt = t[(w >= lo) & (w < hi)]
    P = 200 * (lo + hi) / 2
    f = np.linspace(0.5 / P, 2.5 / P, 2001)
    z = np.zeros_like(f)
    for i in range(0, len(f), 200):
        ph = np.exp(2j * np.pi * np.outer(f[i:i + 200], tt))
        z[i:i + 200] = 2 / len(tt) * np.abs(ph.sum(axis=1)) ** 2
    return 1 / f[np.argmax(z)], P, z.max()
p1, e1, z1 = peak(0.500, 0.505)
p2, e2, z2 = peak(0.800, 0.805)
print(p1, e1, z1, p2, e2, z2)
assert abs(p1 / e1 - 1) < 0.02 and abs(p2 / e2 - 1) < 0.02, (p1, e1, p2, e2)
assert abs((p2 / p1) / (0.8025 / 0.5025) - 1) < 0.03
assert z1 > 100 and z2 > 100
" "$T/lane.ev"

llgen --n 12345 --seed 8 --family 0 --family 70:2 </dev/null >"$T/n.ev"
t_py llgen-11 "--n gives exactly N sorted events inside the GTI" "$PY_READ
meta, ev = read(sys.argv[1])
t = ev['time']
assert len(ev) == 12345 and np.all(np.diff(t) >= 0) and t[0] >= 0 and t[-1] < 1000
assert meta['lightlane']['exact_count'] is True and len(meta['generation']['lanes']['families']) == 2
" "$T/n.ev"

t_eq llgen-12 "--explain prints the crossing period per family and wavelength" \
	"0 0 1 30000 100 150 200 250 300" \
	"$(llgen --explain --min 0.5 --max 1.5 </dev/null | awk '$1 == "0" && NF == 9' | tr -s ' ' | sed 's/ $//')"

printf '{"lanes": {"pitch_m_per_nm": 1, "colour": 3}}' >"$T/unknown.json"
t_error llgen-13 "an unknown key in --params is an error naming file and key" 1 \
	"llgen: $T/unknown.json: lanes.colour: unknown key" llgen --params "$T/unknown.json"
printf '{"rate_cps": "fast"}' >"$T/type.json"
t_error llgen-14 "a wrong type is an error naming file and key" 1 \
	"llgen: $T/type.json: rate_cps: expected a number, got a string" llgen --params "$T/type.json"
printf '{"lanes": {"width_fraction": 1.5}}' >"$T/width.json"
t_error llgen-15 "width_fraction outside (0, 1] is an error" 1 \
	"llgen: $T/width.json: lanes.width_fraction: must be in (0, 1], got 1.5" llgen --params "$T/width.json"
printf '{"lanes": {"families": []}}' >"$T/empty.json"
t_error llgen-16 "an empty family list is an error" 1 \
	"llgen: $T/empty.json: lanes.families: must hold at least one family, got an empty list" \
	llgen --params "$T/empty.json"
printf '{"rate_cps": 0}' >"$T/rate.json"
t_error llgen-17 "rate_cps <= 0 is an error" 1 \
	"llgen: $T/rate.json: rate_cps: must be greater than 0, got 0" llgen --params "$T/rate.json"
printf '{"telescope": {"speed_km_s": -3}}' >"$T/speed.json"
t_error llgen-18 "a negative speed in the file is an error" 1 \
	"llgen: $T/speed.json: telescope.speed_km_s: must be >= 0, got -3" llgen --params "$T/speed.json"
t_error llgen-19 "a missing --params file is an error" 1 \
	"llgen: $T/none.json: unable to open $T/none.json: *" llgen --params "$T/none.json"
t_error llgen-20 "a negative --speed is a usage error" 2 \
	"llgen: --speed: must be >= 0, got '-1' (see 'llgen --help')" llgen --speed -1
t_error llgen-21 "--width 0 is a usage error" 2 \
	"llgen: --width: must be in (0, 1], got '0' (see 'llgen --help')" llgen --width 0
t_error llgen-22 "--min above --max is a usage error" 2 \
	"llgen: spectrum.min_nm: must be below spectrum.max_nm (1), got 2 (see 'llgen --help')" \
	llgen --min 2 </dev/null
t_error llgen-23 "a source spectrum without a source stream is a usage error" 2 \
	"llgen: spectrum kind 'source' needs a source stream on stdin or --source FILE (see 'llgen --help')" \
	llgen --spectrum source </dev/null
t_error llgen-24 "a bad source stream is a runtime error" 1 \
	"llgen: stdin: not an LLEV stream: magic is 'LLEX', expected 'LLEV'" \
	llgen < <(printf 'LLEX\1\0\20\0\0\0\0\0')
t_run llgen --rate 0 -o "$T/never.ev" </dev/null
t_eq llgen-25 "a usage error leaves no output file" "2 absent" \
	"$T_STATUS $([ -e "$T/never.ev" ] && echo present || echo absent)"

# A source whose events have wbins outside its edges is refused.
printf '{"wbins": {"edges": [0.1, 0.5, 1]}, "gti": [[0, 10]]}\n' >"$T/edges.json"
printf '1 0.2 0\n2 0.6 1\n3 0.7 5\n' | tsv2ev --meta "$T/edges.json" >"$T/outside.ev"
t_error llgen-36 "a source wbin outside the source's edges is an error naming the event" 1 \
	"llgen: stdin: event 2 has wbin 5 but the metadata wbins have 2 bins" llgen --seed 1 <"$T/outside.ev"

# DESIGN §4a: with a source that has "timedel", B's times are stamps of the
# source's frame grid.  The keys are set in (or, with null, removed from)
# the stream header here, whatever fits2ev records.
FRAMECHECK="$T_PY_FRAMES"'
inside = ((t[:, None] >= gti[:, 0]) & (t[:, None] < gti[:, 1])).any(axis=1)
print("events", len(t), "source", len(a), "worst offset", off.max() if len(t) else None)
'
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | ev_set_meta '{"timedel": null, "timepixr": null}' >"$T/acis_plain.ev"
	ev_set_meta '{"timedel": 0.44104, "timepixr": 0.5}' <"$T/acis_plain.ev" >"$T/acis.ev"
	llgen --seed 4 --source "$T/acis.ev" --min 0.1 --max 1 >"$T/model.ev"
	t_py llgen-27 "ACIS sample with timedel: every model time is a stamp of the source's grid, sorted, inside the GTIs" "$FRAMECHECK"'
n_band = ((a["wavelength"] >= 0.1) & (a["wavelength"] <= 1)).sum()
assert len(t) > 100 and on_grid.all() and inside.all() and (np.diff(t) >= 0).all()
# The count is matched to the source band within 4 sigma.
assert abs(len(t) - n_band) < 4 * np.sqrt(n_band), (len(t), n_band)
assert mb["timedel"] == 0.44104 and mb["gti"] == ma["gti"]
' "$T/acis.ev" "$T/model.ev"
	llgen --seed 4 --source "$T/acis.ev" --min 0.1 --max 1 --n 3000 >"$T/model_n.ev"
	t_py llgen-28 "--n with a framed source: exactly N times, all stamps, sorted, inside the GTIs" "$FRAMECHECK"'
assert len(t) == 3000 and on_grid.all() and inside.all() and (np.diff(t) >= 0).all()
' "$T/acis.ev" "$T/model_n.ev"
	llgen --seed 4 --source "$T/acis_plain.ev" --min 0.1 --max 1 >"$T/model_plain.ev"
	t_py llgen-29 "ACIS sample without timedel: model times stay continuous" "$FRAMECHECK"'
assert on_grid.mean() < 0.01 and inside.all(), on_grid.mean()
' "$T/acis_plain.ev" "$T/model_plain.ev"
else
	t_skip llgen-27 "llgen from a framed source" "fits2ev not built"
	t_skip llgen-28 "llgen --n from a framed source" "fits2ev not built"
	t_skip llgen-29 "llgen from a source without timedel" "fits2ev not built"
fi

# Generation files take the quantity strings docs/workspace.md promises.
printf '{"tstart": "1 ks", "duration_s": "10 s", "spectrum": {"min_nm": "2 angstrom", "max_nm": "1.5 keV"}, "telescope": {"speed_km_s": "30000 m/s"}}\n' >"$T/quant.json"
t_eq llgen-30 "quantity strings: 1 ks, 10 s, 2 angstrom, 1.5 keV and 30000 m/s are converted" \
	'[[1000,1010]] 10 0.2 0.82656 30' \
	"$(llgen --no-source --seed 1 --params "$T/quant.json" >"$T/quant.ev" && ev_meta gti <"$T/quant.ev" | sed 's/\.0//g') $(ev_meta generation <"$T/quant.ev" | "$T_PY" -c '
import json, sys
g = json.load(sys.stdin)
print("%g %g %.5g %g" % (g["duration_s"], g["spectrum"]["min_nm"], g["spectrum"]["max_nm"], g["telescope"]["speed_km_s"]))')"
printf '{"duration_s": "10 parsec"}\n' >"$T/badunit.json"
t_error llgen-31 "a quantity in a wrong unit is an error naming the key" 1 \
	"llgen: $T/badunit.json: duration_s: expected a time: a number in s, or \"VALUE UNIT\" with UNIT s, ms or ks, got \"10 parsec\"" \
	llgen --no-source --params "$T/badunit.json"
printf '{"telescope": {"speed_km_s": "-5 m/s"}}\n' >"$T/negspeed.json"
t_error llgen-32 "a quantity still obeys the key's range" 1 \
	"llgen: $T/negspeed.json: telescope.speed_km_s: must be >= 0, got -0.0050000000000000001" \
	llgen --no-source --params "$T/negspeed.json"
printf '{"duration_s": "0x10 s"}\n' >"$T/hexq.json"
t_error llgen-33 "a hexadecimal quantity is an error" 1 \
	"llgen: $T/hexq.json: duration_s: expected a time: a number in s, or \"VALUE UNIT\" with UNIT s, ms or ks, got \"0x10 s\"" \
	llgen --no-source --params "$T/hexq.json"

# The rate matched to a source counts only its events inside the GTIs (a
# level-1 file holds many outside), and all of them when it has no
# wavelengths (HRC: one band): 40 events in [0, 100) of which 30 inside
# [0, 60) -> 0.5 counts/s; with wavelengths only those in the band count.
printf '{"gti": [[0, 60]]}' >"$T/rmeta.json"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "%g nan\n", i * 2 + 0.5 }' | tsv2ev --meta "$T/rmeta.json" >"$T/nowave.ev"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "%g %g\n", i * 2 + 0.5, (i % 3 == 0) ? 2 : 0.5 }' |
	tsv2ev --meta "$T/rmeta.json" >"$T/wave.ev"
t_eq llgen-34 "a source without wavelengths: rate = its events inside the GTIs / exposure" "0.5" \
	"$(llgen --source "$T/nowave.ev" --seed 1 | ev_meta generation | "$T_PY" -c 'import json, sys; print(json.load(sys.stdin)["rate_cps"])')"
t_eq llgen-35 "with wavelengths: only the in-GTI events inside [min, max] count (20 of 30)" "0.3333333333" \
	"$(llgen --source "$T/wave.ev" --seed 1 | ev_meta generation | "$T_PY" -c 'import json, sys; print("%.10f" % json.load(sys.stdin)["rate_cps"])')"

# --- lanes.geometry "hex" (DESIGN §5b) ---------------------------------------
# Moving along a lattice row (heading 0, perp 0) at v, the aperture passes a
# lattice point every g/v: a narrow band is periodic at P = g(lambda)/v.  Two
# bands check the exp law g = alpha exp(lucretius lambda).
printf '{"seed": 5, "duration_s": 600, "rate_cps": 40, "background_fraction": 0.2,
 "lanes": {"geometry": "hex", "pitch_law": "exp", "alpha_m": 3, "lucretius_per_nm": -1},
 "telescope": {"speed_km_s": 0.001, "heading_deg": 0, "aperture_m": 1.2}}' >"$T/hex.json"
llgen --params "$T/hex.json" --min 0.2995 --max 0.3005 </dev/null >"$T/hex3.ev"
llgen --params "$T/hex.json" --min 0.7995 --max 0.8005 </dev/null >"$T/hex8.ev"
PY_Z2='
def z2(t, f):
    ph = 2 * np.pi * f * t
    return 2.0 / len(t) * (np.sum(np.cos(ph)) ** 2 + np.sum(np.sin(ph)) ** 2)
'
t_py llgen-37 "hex along a row: Z^2 of a narrow band is large at v/g and small at 0.97 and 1.03 times it, at 0.3 and 0.8 nm" "$PY_READ$PY_Z2
for path, lam in ((sys.argv[1], 0.3), (sys.argv[2], 0.8)):
    meta, ev = read(path)
    t = ev['time']
    p = 3 * np.exp(-lam) / 1.0          # g / v, v = 1 m/s
    on, lo, hi = z2(t, 1 / p), z2(t, 0.97 / p), z2(t, 1.03 / p)
    # 600 s hold >= 270 periods: 3% off drifts >= 8 cycles; Z^2 of a
    # Poisson process is chi2 with 2 dof (P(> 30) = 3e-7).
    assert on > 200 and lo < 30 and hi < 30, (lam, len(t), on, lo, hi)
    assert meta['generation']['lanes']['geometry'] == 'hex', meta['generation']
" "$T/hex3.ev" "$T/hex8.ev"

# A lattice far denser than the aperture (expected count > 1e4): isotropic,
# a Poisson process, Fano factor 1 within 4 sigma at every scale.
llgen --geometry hex --pitch-law exp --alpha 0.005 --lucretius -1 --aperture 1.2 --speed 0.001 \
	--duration 2000 --rate 50 --seed 9 </dev/null >"$T/iso.ev"
t_check llgen-38 "hex above the isotropic threshold: Fano 1 within 4 sigma (varstat)" \
	bash -c "varstat --timescales 0.1:100:7 <'$T/iso.ev' | awk -F, '
		/^#/ || \$1 == \"wbin\" { next }
		{ n++; z = \$10; if (z < -4 || z > 4) bad++ }
		END { exit !(n == 7 && !bad) }'"
t_eq llgen-39 "hex --explain: spacing, expected count and crossing periods" \
	"0.5 1.81959 1.57581 inf 1.81959 1.81959 0.3944" \
	"$(llgen --geometry hex --pitch-law exp --speed 0.001 --min 0.5 --max 1.5 --explain </dev/null |
		awk '$1 == "0.5" && NF == 7' | tr -s ' ' | sed 's/^ //; s/ $//')"
printf '{"lanes": {"geometry": "hexagon"}}' >"$T/geom.json"
t_error llgen-40 "an unknown geometry is an error" 1 \
	"llgen: $T/geom.json: lanes.geometry: expected \"strips\" or \"hex\", got \"hexagon\"" \
	llgen --params "$T/geom.json"
printf '{"lanes": {"geometry": "hex", "alpha_m": 0}}' >"$T/alpha.json"
t_error llgen-41 "alpha_m <= 0 is an error" 1 \
	"llgen: $T/alpha.json: lanes.alpha_m: must be greater than 0, got 0" llgen --params "$T/alpha.json"
printf '{"lanes": {"pitch_law": "exp"}}' >"$T/law.json"
t_error llgen-42 "the exp law without the hex geometry is an error" 1 \
	"llgen: $T/law.json: lanes.pitch_law: \"exp\" needs lanes.geometry \"hex\"" \
	llgen --params "$T/law.json"
printf '{"telescope": {"perp": "x"}}' >"$T/perp.json"
t_error llgen-43 "a non-number telescope.perp is an error" 1 \
	"llgen: $T/perp.json: telescope.perp: expected a number, got a string" llgen --params "$T/perp.json"
t_error llgen-44 "a lattice far sparser than the aperture is refused, not drawn forever" 1 \
	"llgen: lanes: hex lattice of spacing up to * too sparse to draw by thinning*" \
	llgen --geometry hex </dev/null
t_error llgen-45 "--geometry takes strips or hex" 2 \
	"llgen: --geometry: expected strips or hex, got 'round' (see 'llgen --help')" llgen --geometry round
t_eq llgen-46 "--explain still explains a lattice too sparse to draw, and says so" "0 1" \
	"$(llgen --geometry hex --explain </dev/null >"$T/sparse.txt"; echo $?) $(grep -c '^llgen would refuse to generate: lanes: hex lattice' "$T/sparse.txt")"
