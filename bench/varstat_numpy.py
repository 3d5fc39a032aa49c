#!/usr/bin/python3
"""varstat_numpy.py STREAM MIN:MAX:COUNT [--no-frames]: the varstat table computed the
straightforward numpy way (np.bincount per time scale), as an independent
reference for tests/cli/varstat.sh and a baseline for the benchmark.

Same definitions as DESIGN §4 "varstat": bins [a + k dt, a + (k+1) dt) with
k = floor((t - a) / dt) < floor((b - a) / dt) inside each GTI [a, b); GTIs
from the metadata "gti", else [first, last event].  With "timedel" (§4a):
widths rounded to whole frames (scales below a frame and repeats dropped),
GTIs cut to whole frames of the grid anchored on the first event.
Prints the CSV rows (no comments) on stdout; undefined values empty."""
import sys

import numpy as np

from llev import read_stream


def fmt(v):
    if v is None or not np.isfinite(v):
        return ""
    return repr(float(v))


def stats_row(counts_per_gti):
    """counts_per_gti: list of integer arrays (full bins of each GTI)."""
    c = np.concatenate(counts_per_gti) if counts_per_gti else np.zeros(0)
    n = c.size
    out = dict(n_bins=n, mean=None, variance=None, fano=None, fano_err=None, z=None,
               nxs=None, nxs_err=None, allan=None)
    if n < 1:
        return out
    mean = c.mean()
    out["mean"] = mean
    diffs = [np.diff(x.astype(np.float64)) for x in counts_per_gti if x.size > 1]
    if n >= 2:
        var = c.var(ddof=1)
        out["variance"] = var
        if mean > 0:
            fano = var / mean
            fe = np.sqrt(2 / (n - 1))
            nxs = (var - mean) / mean ** 2
            out.update(fano=fano, fano_err=fe, z=(fano - 1) / fe, nxs=nxs,
                       nxs_err=np.sqrt(2 / (n * mean ** 2) + 4 * max(nxs, 0) / (n * mean)))
    if mean > 0 and diffs:
        d = np.concatenate(diffs)
        out["allan"] = np.mean(d ** 2) / (2 * mean)
    return out


def main():
    path, spec = sys.argv[1], sys.argv[2]
    lo, hi, count = spec.split(":")
    lo, hi, count = float(lo), float(hi), int(count)
    dts = [lo * (hi / lo) ** (i / (count - 1)) if count > 1 else lo for i in range(count)]
    dts[-1] = hi
    meta, ev = read_stream(path)
    t, w = ev["time"], ev["wbin"]
    tau = meta.get("timedel") if "--no-frames" not in sys.argv[3:] else None
    if tau and t.size:
        b0 = t[0] - meta.get("timepixr", 0.5) * tau
        dts = [max(1.0, np.rint(dt / tau)) * tau for dt in dts if dt >= tau * (1 - 1e-9)]
        dts = [dt for i, dt in enumerate(dts) if i == 0 or dt != dts[i - 1]]
    else:
        tau = None
    if meta.get("gti"):
        gtis = [tuple(g) for g in meta["gti"]]
        if tau:
            gtis = [(b0 + np.ceil((a - b0) / tau - 1e-6) * tau,
                     b0 + np.floor((b - b0) / tau + 1e-6) * tau) for a, b in gtis]
            gtis = [(a, b) for a, b in gtis if b > a]
    elif t.size and tau:
        gtis = [(b0 + np.floor((t[0] - b0) / tau) * tau,
                 b0 + (np.floor((t[-1] - b0) / tau) + 1) * tau)]
    elif t.size:
        gtis = [(t[0], t[-1])]
    else:
        gtis = []
    edges = (meta.get("wbins") or {}).get("edges")
    n_w = len(edges) - 1 if edges else (int(w.max()) + 1 if w.size and w.max() >= 0 else 0)
    # Per GTI, the events inside it, computed once.
    parts = []
    for a, b in gtis:
        sel = (t >= a) & (t < b)
        parts.append((a, b, t[sel] - a, w[sel]))
    rows = {}
    for dt in dts:
        per_w = [[] for _ in range(n_w + 1)]   # index n_w: all events
        for a, b, rel, ww in parts:
            f = (b - a) / dt; nfull = int(np.floor(f + 1e-9 * (f + 1)))  # as scan_whole_bins
            if nfull <= 0:
                continue
            k = np.floor(rel / dt).astype(np.int64)
            keep = k < nfull
            k, wk = k[keep], ww[keep]
            per_w[n_w].append(np.bincount(k, minlength=nfull))
            inb = wk >= 0
            both = np.bincount(wk[inb].astype(np.int64) * nfull + k[inb],
                               minlength=n_w * nfull).reshape(n_w, nfull) \
                if n_w else np.zeros((0, nfull), dtype=np.int64)
            for j in range(n_w):
                per_w[j].append(both[j])
        for j in range(n_w + 1):
            rows[(j, dt)] = stats_row(per_w[j])
    cols = ["n_bins", "mean", "variance", "fano", "fano_err", "z", "nxs", "nxs_err", "allan"]
    print("wbin,wmin_nm,wmax_nm,timescale_s," + ",".join(cols))
    for j in list(range(n_w)) + [n_w]:
        wb = -1 if j == n_w else j
        if edges:
            wmin, wmax = (edges[0], edges[-1]) if wb < 0 else (edges[j], edges[j + 1])
        else:
            wmin = wmax = None
        for dt in dts:
            r = rows[(j, dt)]
            print(",".join([str(wb), fmt(wmin), fmt(wmax), fmt(dt), str(r["n_bins"])] +
                           [fmt(r[c]) for c in cols[1:]]))


if __name__ == "__main__":
    main()
