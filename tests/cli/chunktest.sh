#!/usr/bin/env bash
# chunktest: hand-made tables with known answers; against scipy (binomial
# test, Clopper-Pearson, two-sample KS) on realistic chunk tables made by an
# independent numpy implementation of the seven metrics from real data and
# its poissonized control; the concentration fit; usage and input errors.
. "$(dirname "$0")/../lib.sh"

H='wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,ev_smooth,fano_local,fano_global,adjacent,adjacent_smooth,odd_even'
# A: wbin 0 odd_even 1, (empty), 3; wbin 1 odd_even 4.  B: wbin 0 0, 1.5.
printf '%s\n' '# meta: {"dataset": "a"}' "$H" '0,0.1,0.2,10,0,0,1,1,1,1,1,1,1,1,1' \
	'0,0.1,0.2,10,1,0,1,1,2,2,2,2,2,2,' '0,0.1,0.2,10,2,0,1,1,3,3,3,3,3,3,3' \
	'1,0.2,0.4,10,0,0,1,1,4,4,4,4,4,4,4' >"$T/a.csv"
printf '%s\n' "$H" '0,0.1,0.2,10,0,0,1,1,0,0,0,0,0,0,0' '0,0.1,0.2,10,1,0,1,1,1.5,1.5,1.5,1.5,1.5,1.5,1.5' >"$T/b.csv"
chunktest --metric odd_even "$T/a.csv" "$T/b.csv" >"$T/ab.csv"
# q = 0 + 0.95 * 1.5; x = 1 of 2; p = 1 - 0.95^2; CI: 1 - sqrt(0.975), sqrt(0.975);
# KS: D = 1/2, p = 1 (n = 2 and 2); the empty field is no chunk.
t_eq chunktest-1 "hand-made tables: quantile, exceedances, exact p, Clopper-Pearson, means, medians, KS" \
	"odd_even,0,2,2,1.4249999999999998,1,0.5,0.0975,0.012579117093425053,0.9874208829065749,2,0.75,2,0.75,0.5,1
odd_even,1,1,0,,,,,,,4,,4,,," "$(grep -v '^#' "$T/ab.csv" | sed 1d)"
t_eq chunktest-2 "the header is the documented schema" \
	"metric,wbin,n_a,n_b,q,x,frac,p_binom,ci_lo,ci_hi,mean_a,mean_b,median_a,median_b,ks_d,ks_p" \
	"$(grep -v '^#' "$T/ab.csv" | head -n 1)"
t_eq chunktest-3 "all seven metrics by default, wbins ascending" \
	"ev:0 ev:1 ev_smooth:0 ev_smooth:1 fano_local:0 fano_local:1 fano_global:0 fano_global:1 adjacent:0 adjacent:1 adjacent_smooth:0 adjacent_smooth:1 odd_even:0 odd_even:1" \
	"$(chunktest "$T/a.csv" "$T/b.csv" | grep -v '^#' | sed 1d | cut -d, -f1,2 | tr ',\n' ': ' | sed 's/ $//')"
t_eq chunktest-4 "--percentile 0.5: q is B's median, x counts A's chunks >= q" "0.75,2,1" \
	"$(chunktest --metric odd_even --percentile 0.5 "$T/a.csv" "$T/b.csv" | grep '^odd_even,0,' | cut -d, -f5-7)"

# Realistic tables: the ACIS sample in 4 wbins (A) and its Poisson control
# (B), chunk statistics by numpy (DESIGN §4 formulas), K = 12, widths 1, 3
# and 8 s, bins from the GTI start.
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | wrange --min 0.1 --max 1.5 |
	wbin --n 4 --log --min 0.1 --max 1.5 >"$T/A.ev"
poissonize --seed 3 <"$T/A.ev" >"$T/B.ev"
CHUNKS_PY='
import sys, json, struct, numpy as np
def read(path):
    raw = open(path, "rb").read()
    h = struct.unpack("<I", raw[8:12])[0]
    meta = json.loads(raw[12:12 + h]); off = 12 + h; off += (-off) % 8
    return meta, np.frombuffer(raw[off:], dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")])
def fmt(v):
    return "" if not np.isfinite(v) else repr(float(v))
meta, ev = read(sys.argv[1])
a, b = meta["gti"][0]
edges = meta["wbins"]["edges"] if isinstance(meta.get("wbins"), dict) else None
out = open(sys.argv[2], "w")
out.write("wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,ev_smooth,fano_local,fano_global,adjacent,adjacent_smooth,odd_even\n")
K = 12
for w in (0, 1, 2, 3, -1):
    t = ev["time"] if w < 0 else ev["time"][ev["wbin"] == w]
    lo, hi = ("", "") if w < 0 else (repr(edges[w]), repr(edges[w + 1]))
    for width in (1.0, 3.0, 8.0):
        nb = int(np.floor((b - a) / width))
        c_all = np.histogram(t, a + width * np.arange(nb + 1))[0].astype(float)
        lam = c_all.mean()
        for j in range(nb // K):
            c = c_all[j * K:(j + 1) * K]
            mu, s2 = c.mean(), c.var(ddof=1)
            if mu == 0:
                vals = [np.nan] * 7
            else:
                ev_ = np.sign(s2 - mu) * np.sqrt(abs(s2 - mu))
                x = np.diff(c).var(ddof=1) - 2 * mu
                adj = np.sign(x) * np.sqrt(abs(x))
                mo, me = c[1::2].mean(), c[0::2].mean()
                oe = abs(mo - me) / np.sqrt(mo / len(c[1::2]) + me / len(c[0::2]))
                vals = [ev_, ev_ / np.sqrt(mu), (s2 - mu) / mu, (s2 - lam) / lam, adj, adj / np.sqrt(mu), oe]
            out.write(",".join([str(w), lo, hi, repr(width), str(j), repr(a + j * K * width), fmt(mu), fmt(s2)] + [fmt(v) for v in vals]) + "\n")
'
"$T_PY" -c "$CHUNKS_PY" "$T/A.ev" "$T/A.csv"
"$T_PY" -c "$CHUNKS_PY" "$T/B.ev" "$T/B.csv"
chunktest "$T/A.csv" "$T/B.csv" >"$T/AB.csv"
chunktest --percentile 0.01 --width 3 "$T/A.csv" "$T/B.csv" >"$T/AB3.csv"
SCIPY_PY='
import sys, numpy as np, csv
from scipy import stats
def load(path):
    rows = [r for r in csv.DictReader(l for l in open(path) if not l.startswith("#"))]
    return rows
def num(s):
    return float(s) if s != "" else np.nan
def close(x, y, rel=1e-9, abs_=1e-300):
    return (np.isnan(x) and np.isnan(y)) or abs(x - y) <= abs_ + rel * abs(y)
A, B, R = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
P, width = float(sys.argv[4]), (float(sys.argv[5]) if len(sys.argv) > 5 else None)
def values(T, metric, w):
    v = [num(r[metric]) for r in T if int(r["wbin"]) == w and (width is None or float(r["width_s"]) == width)]
    return np.sort(np.array([x for x in v if np.isfinite(x)]))
checked = small_p = 0
for r in R:
    m, w = r["metric"], int(r["wbin"])
    va, vb = values(A, m, w), values(B, m, w)
    assert int(r["n_a"]) == len(va) and int(r["n_b"]) == len(vb), r
    q = np.quantile(vb, 1 - P)
    x = int(np.sum(va >= q))
    bt = stats.binomtest(x, len(va), P, alternative="greater")
    ci = stats.binomtest(x, len(va), P).proportion_ci(confidence_level=0.95, method="exact")
    ks = stats.ks_2samp(va, vb, method="exact")
    got = {k: num(r[k]) for k in r if k not in ("metric", "wbin")}
    want = dict(q=q, x=x, frac=x / len(va), p_binom=bt.pvalue, ci_lo=ci.low, ci_hi=ci.high,
                mean_a=va.mean(), mean_b=vb.mean(), median_a=np.median(va), median_b=np.median(vb),
                ks_d=ks.statistic, ks_p=ks.pvalue)
    for k, v in want.items():
        tol = 1e-7 if k in ("ci_lo", "ci_hi") else 1e-9
        assert close(got[k], v, tol), (m, w, k, got[k], v)
    checked += 1
    small_p += bt.pvalue < 1e-3 or ks.pvalue < 1e-3
print("rows checked", checked, "with a small p", small_p)
assert checked == 35
'
t_py chunktest-5 "real A against its Poisson control: every row matches scipy (binomtest, Clopper-Pearson, ks_2samp exact, numpy quantile/median)" \
	"$SCIPY_PY" "$T/A.csv" "$T/B.csv" "$T/AB.csv" 0.05
t_py chunktest-6 "the same with --percentile 0.01 --width 3" "$SCIPY_PY" "$T/A.csv" "$T/B.csv" "$T/AB3.csv" 0.01 3
t_py chunktest-7 "concentration lines: weighted least-squares index of the top 1% over wavelength, with z" '
import sys, numpy as np, csv, re
def load(path):
    return [r for r in csv.DictReader(l for l in open(path) if not l.startswith("#"))]
def fit(T, metric):
    rows = [r for r in T if int(r["wbin"]) >= 0 and r[metric] != ""]
    v = np.array([float(r[metric]) for r in rows])
    thr = np.quantile(v, 0.99)
    xs, ys, ws = [], [], []
    for w in sorted({int(r["wbin"]) for r in rows}):
        sel = [r for r in rows if int(r["wbin"]) == w]
        top = sum(float(r[metric]) >= thr for r in sel)
        if top:
            xs.append(np.log(np.sqrt(float(sel[0]["wmin_nm"]) * float(sel[0]["wmax_nm"]))))
            ys.append(np.log(top / len(sel))); ws.append(top)
    xs, ys, ws = map(np.array, (xs, ys, ws))
    if len(xs) < 2:
        return int(np.sum(v >= thr)), np.nan, np.nan
    mx, my = np.average(xs, weights=ws), np.average(ys, weights=ws)
    sxx = np.sum(ws * (xs - mx) ** 2)
    return int(np.sum(v >= thr)), np.sum(ws * (xs - mx) * (ys - my)) / sxx, 1 / np.sqrt(sxx)
A, B = load(sys.argv[1]), load(sys.argv[2])
lines = [l for l in open(sys.argv[3]) if l.startswith("# concentration:")]
assert len(lines) == 7, lines
defined = 0
for l in lines:
    kv = dict(re.findall(r"(\w+)=(\S*)", l))
    na, ba, sa = fit(A, kv["metric"]); nb, bb, sb = fit(B, kv["metric"])
    z = (ba - bb) / np.sqrt(sa ** 2 + sb ** 2)
    defined += np.isfinite(z)
    for k, v in (("n_top_a", na), ("b_a", ba), ("sigma_a", sa), ("n_top_b", nb), ("b_b", bb), ("sigma_b", sb), ("z", z)):
        got = float(kv[k]) if kv[k] != "" else np.nan
        assert (np.isnan(got) and np.isnan(v)) or abs(got - v) <= 1e-9 * max(1, abs(v)), (kv["metric"], k, kv[k], v)
print("metrics with a defined z:", defined)
assert defined >= 3
' "$T/A.csv" "$T/B.csv" "$T/AB.csv"

t_error chunktest-8 "one operand is a usage error" 2 \
	"chunktest: expected two tables, A.csv and B.csv (see 'chunktest --help')" chunktest "$T/a.csv"
t_error chunktest-9 "--percentile outside (0, 1) is a usage error" 2 \
	"chunktest: --percentile: expected a tail fraction in (0, 1), got '5' (see 'chunktest --help')" \
	chunktest --percentile 5 "$T/a.csv" "$T/b.csv"
t_error chunktest-10 "an unknown metric is a usage error" 2 \
	"chunktest: --metric: expected ev, ev_smooth, fano_local, fano_global, adjacent, adjacent_smooth or odd_even, got 'fano' (see 'chunktest --help')" \
	chunktest --metric fano "$T/a.csv" "$T/b.csv"
printf 'wbin,wmin_nm,wmax_nm,width_s\n0,0.1,0.2,10\n' >"$T/short.csv"
t_error chunktest-11 "a table without the metric columns is a runtime error" 1 \
	"chunktest: $T/short.csv: missing column 'ev'" chunktest "$T/a.csv" "$T/short.csv"
sed 's/^0,0.1,0.2,10,2/0,0.1,0.2,10,x/; s/^1,0.2,0.4,10,0,0,1,1,4/1,0.2,0.4,10,0,0,1,1,four/' "$T/a.csv" >"$T/bad.csv"
t_error chunktest-12 "a non-number in a metric column names file, line and column" 1 \
	"chunktest: $T/bad.csv:6: column 'ev': not a number: 'four'" chunktest "$T/bad.csv" "$T/b.csv"
t_error chunktest-13 "a missing file is a runtime error" 1 \
	"chunktest: $T/none.csv: *" chunktest "$T/none.csv" "$T/b.csv"
sed 's/^1,0.2/1.5,0.2/' "$T/a.csv" >"$T/wb.csv"
t_error chunktest-14 "a non-integer wbin is a runtime error" 1 \
	"chunktest: $T/wb.csv:6: wbin: expected an integer >= -1, got '1.5'" chunktest "$T/wb.csv" "$T/b.csv"
