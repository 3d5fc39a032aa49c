#!/usr/bin/env bash
# ev2fits: round trip fits2ev | ev2fits | fits2ev, what astropy sees in the
# file, stdout output, wbin and metadata kept, bad input leaves nothing.
. "$(dirname "$0")/../lib.sh"

A="$T_SAMPLE/chandra_test.fits"
H="$T_CHANDRA/hrcS_evt1_testfile.fits.gz"

fits2ev "$A" >"$T/a.ev"
ev2fits -o "$T/a.fits" <"$T/a.ev"
t_eq ev2fits-1 "ev2fits -o writes a file" "0 yes" "$? $([ -s "$T/a.fits" ] && echo yes)"
fits2ev "$T/a.fits" >"$T/b.ev"
t_files_eq ev2fits-2 "fits2ev | ev2fits | fits2ev gives identical records (ACIS, energies)" \
	<(ev2tsv --no-meta <"$T/a.ev") <(ev2tsv --no-meta <"$T/b.ev")
t_eq ev2fits-3 "the records are byte-identical too" \
	"$(tail -c +"$(( $(wc -c <"$T/a.ev") - 4612 * 16 + 1 ))" "$T/a.ev" | cksum)" \
	"$(tail -c +"$(( $(wc -c <"$T/b.ev") - 4612 * 16 + 1 ))" "$T/b.ev" | cksum)"

fits2ev --no-wavelength "$H" | ev2fits -o "$T/h.fits"
fits2ev "$T/h.fits" >"$T/h2.ev"
t_files_eq ev2fits-4 "round trip of an HRC file without wavelengths (NaN kept)" \
	<(fits2ev --no-wavelength "$H" | ev2tsv --no-meta) <(ev2tsv --no-meta <"$T/h2.ev")

# The metadata travels in LLMETA: everything but the keys fits2ev re-derives.
t_py ev2fits-5 "metadata survives the round trip; history continues" '
import json, sys
a, b = (json.loads(open(f).read().split("\n")[0][len("# meta: "):]) for f in sys.argv[1:3])
for k in ("obs_id", "object", "instrument", "detnam", "grating", "telescope", "mjdref",
          "timesys", "tstart", "tstop", "exposure", "gti", "sorted"):
    assert a.get(k) == b.get(k), (k, a.get(k), b.get(k))
assert b["wavelength_from"] == {"column": "WAVELENGTH", "unit": "nm"}, b["wavelength_from"]
h = b["history"]
assert h[0].startswith("fits2ev ") and h[1].startswith("ev2fits -o ") and h[2].startswith("fits2ev "), h
' <(ev2tsv <"$T/a.ev") <(ev2tsv <"$T/b.ev")

t_py ev2fits-6 "astropy opens the file: EVENTS (TIME D, WAVELENGTH E, WBIN J) and GTI, keys and HISTORY" '
import sys, json, numpy as np
from astropy.io import fits
h = fits.open(sys.argv[1])
assert [x.name for x in h] == ["PRIMARY", "EVENTS", "GTI"], [x.name for x in h]
e = h["EVENTS"]
assert e.columns.names == ["TIME", "WAVELENGTH", "WBIN"] and e.columns.formats == ["1D", "1E", "1J"]
assert e.columns["WAVELENGTH"].unit == "nm" and e.columns["TIME"].unit == "s"
src = fits.open(sys.argv[2])
s = src["EVENTS"]
assert np.array_equal(e.data["TIME"], s.data["time"])
assert np.array_equal(e.data["WAVELENGTH"], (1239.84198 / s.data["energy"].astype("f8")).astype("f4"))
assert (e.data["WBIN"] == -1).all()
for k in ("OBS_ID", "OBJECT", "INSTRUME", "DETNAM", "TELESCOP", "TIMESYS", "MJDREF", "TSTART", "TSTOP", "EXPOSURE"):
    assert e.header[k] == s.header[k], (k, e.header[k], s.header[k])
assert np.array_equal(h["GTI"].data["START"], src["GTI"].data["START"])
assert np.array_equal(h["GTI"].data["STOP"], src["GTI"].data["STOP"])
hist = [str(c) for c in e.header["HISTORY"]]
assert hist[0] == "fits2ev " + sys.argv[2] and hist[1].startswith("ev2fits -o "), hist
assert json.loads(e.header["LLMETA"])["obs_id"] == "10027"
' "$T/a.fits" "$A"

# Without -o the FITS file goes to stdout.
ev2fits <"$T/a.ev" >"$T/stdout.fits"
t_files_eq ev2fits-7 "without -o: FITS on stdout with the same records" \
	<(ev2tsv --no-meta <"$T/a.ev") <(fits2ev "$T/stdout.fits" | ev2tsv --no-meta)
t_eq ev2fits-8 "no temporary is left in TMPDIR" "" \
	"$(TMPDIR=$T ev2fits <"$T/a.ev" >/dev/null; ls -A "$T" | grep '\.tmp\.' || true)"

# wbin and metadata the FITS header has no card for (wbins edges) come back.
ev_from_text '1 0.15 0\n2 0.35 1\n3 0.25 0\n3.5 nan -1\n' >"$T/w.ev"
ev2fits -o "$T/w.fits" <"$T/w.ev"
t_eq ev2fits-9 "WBIN is written and read back; no GTI, TSTART/TSTOP from the events" \
	"$(printf '1\t0.15\t0\n2\t0.35\t1\n3\t0.25\t0\n3.5\tnan\t-1\n') 1.0 3.5 0" \
	"$(fits2ev "$T/w.fits" | ev2tsv --no-meta --no-header) $("$T_PY" -c '
import sys; from astropy.io import fits
h = fits.open(sys.argv[1]); print(h[1].header["TSTART"], h[1].header["TSTOP"], len(h["GTI"].data))' "$T/w.fits")"

ev_from_text '' >"$T/empty.ev"
ev2fits -o "$T/empty.fits" <"$T/empty.ev"
t_eq ev2fits-10 "an empty stream gives a valid file with 0 rows" "0 0" \
	"$? $(fits2ev "$T/empty.fits" | ev2tsv --no-meta --no-header | wc -l)"

# Bad input: status 1, one line, no output file.
head -c $(( $(wc -c <"$T/a.ev") - 5 )) "$T/a.ev" >"$T/trunc.ev"
t_error ev2fits-11 "a truncated stream is an error naming the byte offset" 1 \
	"ev2fits: stdin: truncated record at byte offset $(( $(wc -c <"$T/a.ev") - 16 )): 11 of 16 bytes" \
	ev2fits -o "$T/bad.fits" <"$T/trunc.ev"
t_error ev2fits-12 "a FITS file on stdin is not a stream" 1 \
	"ev2fits: stdin: not an LLEV stream: this is a FITS file (convert it with fits2ev)" \
	ev2fits -o "$T/bad.fits" <"$A"
t_error ev2fits-13 "a truncated stream without -o sends nothing to stdout" 1 \
	"ev2fits: stdin: truncated record at byte offset *" ev2fits <"$T/trunc.ev"
t_eq ev2fits-14 "no output or temporary file is left behind" "" "$(ls -A "$T" | grep -E '^bad\.fits|\.tmp\.' || true)"
t_error ev2fits-15 "an operand is a usage error" 2 "ev2fits: unexpected argument 'x.fits' (see 'ev2fits --help')" \
	ev2fits x.fits <"$T/a.ev"
t_error ev2fits-16 "an unknown option is a usage error" 2 \
	"ev2fits: unknown option '--bogus' (see 'ev2fits --help')" ev2fits --bogus <"$T/a.ev"

# -o FIFO: cfitsio writes a scratch file, which is copied through the FIFO;
# the FIFO stays a FIFO and no scratch file is left in TMPDIR.
mkdir "$T/tmpdir"
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/fifo.fits" &
reader=$!
TMPDIR="$T/tmpdir" timeout 20 ev2fits -o "$T/fifo" <"$T/a.ev"; st=$?
wait "$reader"
t_eq ev2fits-17 "-o FIFO: the FITS file goes through the FIFO, which stays a FIFO; no scratch left" \
	"0 fifo same 0" \
	"$st $([ -p "$T/fifo" ] && echo fifo || echo replaced) $(fits2ev "$T/fifo.fits" 2>/dev/null | ev2tsv --no-meta | cmp -s - <(ev2tsv --no-meta <"$T/a.ev") && echo same || echo differ) $(ls -A "$T/tmpdir" | wc -l)"
