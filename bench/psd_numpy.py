#!/usr/bin/python3
"""psd_numpy.py STREAM DT SEG [OUT.csv]: the psd table (psd --dt DT --seg SEG)
computed the plain numpy way, the benchmark's anchor for psd.

Same definitions as psd(1) on a stream without timedel: GTIs from the
metadata "gti" (sorted, overlapping ones merged), else one from the first
event to the last; segments [a + k SEG, a + (k+1) SEG) wholly inside a GTI
[a, b); counts in SEG/DT bins of DT seconds, the segment's mean taken out,
np.fft.rfft per segment; P_j = 2|a_j|^2 / N_photons for j = 1 .. SEG/DT/2 - 1,
averaged over the segments holding photons of that wbin (rows of each wbin,
then of all events as wbin -1).  Writes the same CSV rows, numbers as
Python's repr (the shortest text that reads back exactly, which is what
psd's tables hold), to OUT.csv or stdout."""
import sys

import numpy as np

from llev import read_stream


def merged(gtis):
    out = []
    for a, b in sorted(gtis):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def main():
    path, dt, seg = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    nb = int(round(seg / dt))
    seg = nb * dt
    meta, ev = read_stream(path)
    t, w = ev["time"], ev["wbin"]
    gtis = merged(meta["gti"]) if meta.get("gti") else [[t[0], t[-1]]]

    # Each event's segment row (-1: in none) and bin within it.
    row = np.full(t.size, -1, dtype=np.int64)
    idx = np.zeros(t.size, dtype=np.int64)
    n_rows = 0
    for a, b in gtis:
        n_seg = int(np.floor((b - a) / seg))
        while n_seg > 0 and n_seg * seg > b - a:
            n_seg -= 1
        lo, hi = np.searchsorted(t, [a, a + n_seg * seg])
        k = np.floor((t[lo:hi] - a) / seg).astype(np.int64)
        ok = k < n_seg
        i = np.minimum(((t[lo:hi] - (a + k * seg)) / dt).astype(np.int64), nb - 1)
        row[lo:hi] = np.where(ok, n_rows + k, -1)
        idx[lo:hi] = i
        n_rows += n_seg

    inside = row >= 0
    flat = row[inside] * nb + idx[inside]
    wb = w[inside]
    n_freq = nb // 2 - 1
    freq = (np.arange(1, n_freq + 1) / seg).tolist()
    wbins = sorted(int(x) for x in np.unique(w[w >= 0]))
    out = open(sys.argv[4], "w") if len(sys.argv) > 4 else sys.stdout
    out.write("wbin,freq_hz,power,power_err,n_avg\n")
    for wbin in wbins + [-1]:
        sel = flat if wbin < 0 else flat[wb == wbin]
        counts = np.bincount(sel, minlength=n_rows * nb).reshape(n_rows, nb).astype(np.float64)
        n_ph = counts.sum(axis=1)
        used = n_ph > 0
        c = counts[used]
        c -= (n_ph[used] / nb)[:, None]
        spec = np.fft.rfft(c, axis=1)[:, 1:n_freq + 1]
        m = int(used.sum())
        power = (2 * (spec.real ** 2 + spec.imag ** 2) / n_ph[used][:, None]).sum(axis=0) / m
        err = power / np.sqrt(m)
        out.write("".join("%d,%r,%r,%r,%d\n" % (wbin, f, p, e, m)
                          for f, p, e in zip(freq, power.tolist(), err.tolist())))
    out.close()


if __name__ == "__main__":
    main()
