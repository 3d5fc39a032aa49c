#!/usr/bin/python3
"""bench/gen_events.py N EVENTS.ev FITS.fits: the benchmark's input data.

EVENTS.ev is an LLEV v1 stream of N events: times sorted (a Poisson process
over 100 ks, some of it outside the three GTIs, as in a level-1 file),
wavelengths uniform in 0.1-1 nm, wbins 0..9 on ten equal bins whose edges are
in the metadata.  FITS.fits holds the same events as a Chandra-like event file
(EVENTS: TIME D, ENERGY E in eV; GTI: START, STOP) for fits2ev.  Fixed seed,
so every run benchmarks the same bytes.  Written with numpy and astropy
(Debian's, /usr/bin/python3)."""
import json
import os
import sys

import numpy as np

HC_EV_NM = 1239.84198


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen_events.py N EVENTS.ev FITS.fits")
    n = int(sys.argv[1])
    ev_path, fits_path = sys.argv[2], sys.argv[3]
    rng = np.random.default_rng(20261124)
    t0, span = 6.48e8, 1.0e5
    gti = [[t0, t0 + 30000.0], [t0 + 32000.0, t0 + 70000.0], [t0 + 71000.0, t0 + span]]
    edges = np.linspace(0.1, 1.0, 11)

    times = t0 + np.sort(rng.uniform(0.0, span, n))
    wave = rng.uniform(0.1, 1.0, n).astype(np.float32)
    wbin = np.clip(np.searchsorted(edges, wave.astype(np.float64), side="right") - 1, 0, 9)

    rec = np.empty(n, dtype=[("time", "<f8"), ("wavelength", "<f4"), ("wbin", "<i4")])
    rec["time"], rec["wavelength"], rec["wbin"] = times, wave, wbin
    meta = {
        "dataset": "bench", "source": "bench/gen_events.py", "instrument": "HRC",
        "timesys": "TT", "mjdref": 50814.0, "tstart": t0, "tstop": t0 + span,
        "gti": gti, "exposure": sum(b - a for a, b in gti),
        "wbins": {"edges": [float(e) for e in edges]}, "sorted": True,
        "history": ["bench/gen_events.py %d" % n],
    }
    text = json.dumps(meta, separators=(",", ":")).encode()
    text += b" " * ((-(12 + len(text))) % 8)
    tmp = ev_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"LLEV" + np.array([1, 16], "<u2").tobytes() + np.array([len(text)], "<u4").tobytes())
        f.write(text)
        rec.tofile(f)
    os.replace(tmp, ev_path)

    from astropy.io import fits
    cols = fits.ColDefs([
        fits.Column(name="TIME", format="D", unit="s", array=times),
        fits.Column(name="ENERGY", format="E", unit="eV", array=(HC_EV_NM / wave).astype(np.float32)),
    ])
    events = fits.BinTableHDU.from_columns(cols, name="EVENTS")
    g = np.array(gti)
    gti_hdu = fits.BinTableHDU.from_columns([
        fits.Column(name="START", format="D", unit="s", array=g[:, 0]),
        fits.Column(name="STOP", format="D", unit="s", array=g[:, 1]),
    ], name="GTI")
    for h in (events, gti_hdu):
        h.header["MJDREF"] = 50814.0
        h.header["TIMESYS"] = "TT"
        h.header["TSTART"] = t0
        h.header["TSTOP"] = t0 + span
    events.header["INSTRUME"] = "HRC"
    tmp = fits_path + ".tmp"
    fits.HDUList([fits.PrimaryHDU(), events, gti_hdu]).writeto(tmp, overwrite=True)
    os.replace(tmp, fits_path)


if __name__ == "__main__":
    main()
