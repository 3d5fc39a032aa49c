#!/usr/bin/python3
"""chunkvar_numpy.py STREAM WIDTH... [--chunk K] [--frames TAU PIXR]: an
independent implementation of chunkvar's table (DESIGN §4 "Chunk
variability") with numpy, for tests: the light curve of each wbin (and of all
events, wbin -1) in the full bins of each GTI, chunks of K bins, the seven
metrics.  Prints the CSV rows (no comments) in chunkvar's row order."""
import json, struct, sys
import numpy as np

args = sys.argv[1:]
k = 12
if "--chunk" in args:
    i = args.index("--chunk"); k = int(args[i + 1]); del args[i:i + 2]
path, widths = args[0], [float(w) for w in args[1:]]
raw = open(path, "rb").read()
h = struct.unpack("<I", raw[8:12])[0]
meta = json.loads(raw[12:12 + h])
ev = np.frombuffer(raw, offset=12 + h, dtype=[("time", "<f8"), ("wavelength", "<f4"), ("wbin", "<i4")])
t = ev["time"]
gti = meta.get("gti") or [[t[0], t[-1]]]
edges = (meta.get("wbins") or {}).get("edges")
nw = len(edges) - 1 if edges else 0


def fmt(x):
    return "" if x is None or not np.isfinite(x) else repr(float(x))


def ssqrt(x):
    return np.sign(x) * np.sqrt(abs(x))


def metrics(c, lam):
    mu = c.mean(); s2 = c.var(ddof=1)
    out = dict(mean=mu, variance=s2)
    out["fano_global"] = (s2 - lam) / lam if lam > 0 else None
    if mu > 0:
        out["ev"] = ssqrt(s2 - mu); out["ev_smooth"] = out["ev"] / np.sqrt(mu)
        out["fano_local"] = (s2 - mu) / mu
        out["adjacent"] = ssqrt(np.diff(c).var(ddof=1) - 2 * mu)
        out["adjacent_smooth"] = out["adjacent"] / np.sqrt(mu)
        ce, co = c[0::2], c[1::2]
        out["odd_even"] = abs(co.mean() - ce.mean()) / np.sqrt(co.mean() / co.size + ce.mean() / ce.size)
    return out


names = ["ev", "ev_smooth", "fano_local", "fano_global", "adjacent", "adjacent_smooth", "odd_even"]
for wb in list(range(nw)) + [-1]:
    sel = t if wb < 0 else t[ev["wbin"] == wb]
    lo, hi = ((edges[wb], edges[wb + 1]) if wb >= 0 else (edges[0], edges[-1])) if edges else (None, None)
    for w in widths:
        curves = []
        for a, b in gti:
            f = (b - a) / w; n = int(np.floor(f + 1e-9 * (f + 1)))  # as scan_whole_bins
            idx = np.floor((sel[(sel >= a) & (sel < b)] - a) / w).astype(np.int64)
            curves.append((a, np.bincount(idx[idx < n], minlength=n)[:n]))
        total = sum(int(c.sum()) for _, c in curves); nbins = sum(c.size for _, c in curves)
        lam = total / nbins if nbins else float("nan")
        j = 0
        for a, c in curves:
            for q in range(c.size // k):
                m = metrics(c[q * k:(q + 1) * k].astype(float), lam)
                row = [str(wb), fmt(lo), fmt(hi), fmt(w), str(j), fmt(a + q * k * w),
                       fmt(m["mean"]), fmt(m["variance"])] + [fmt(m.get(x)) for x in names]
                print(",".join(row)); j += 1
