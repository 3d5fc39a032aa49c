#!/usr/bin/env bash
# Tables (common/table.c): every table program writes ECSV when -o names a
# .ecsv file, which astropy reads with units, types, empty fields masked and
# the history in its metadata; the same rows as the CSV; our readers take it.
. "$(dirname "$0")/../lib.sh"

fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | wrange --min 0.1 --max 1 |
	wbin --n 2 --min 0.1 --max 1 >"$T/a.ev"
n=0
for cmd in "varstat --timescales 0.05:50:4" "lcurve --dt 100" "psd --dt 1 --seg 128" "psd --dt 1 --seg 128 --peaks" \
	"interarrival --bins 10"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # the command line is meant to split
	$cmd <"$T/a.ev" -o "$T/t$n.ecsv" && $cmd <"$T/a.ev" -o "$T/t$n.csv"
	t_py "tables-$n" "$cmd -o T.ecsv: astropy reads the rows of the CSV with units, types and history" '
import csv, sys, numpy as np
from astropy.table import Table
import astropy.units as u
t = Table.read(sys.argv[1], format="ascii.ecsv")
rows = list(csv.reader(l for l in open(sys.argv[2]) if not l.startswith("#")))
assert t.colnames == rows[0], (t.colnames, rows[0])
assert len(t) == len(rows) - 1 and len(t) > 0, len(t)
units = {"wmin_nm": u.nm, "timescale_s": u.s, "time_start": u.s, "counts": u.ct, "freq_hz": u.Hz,
         "dt_lo_s": u.s, "rate": u.ct / u.s, "exposure_s": u.s}
for c, want in units.items():
    if c in t.colnames:
        assert t[c].unit == want, (c, t[c].unit)
assert t["wbin"].dtype.kind == "i", t["wbin"].dtype
for c in t.colnames:
    col = [r[rows[0].index(c)] for r in rows[1:]]
    mask = np.ma.getmaskarray(t[c])
    assert list(mask) == [x == "" for x in col], c
    got = np.ma.filled(t[c].astype(float), np.nan)
    want = np.array([float(x) if x else np.nan for x in col])
    assert np.array_equal(got, want, equal_nan=True), c
assert t.meta["history"][-1].startswith(sys.argv[3]), t.meta["history"]
assert t.meta["obs_id"] == "10027"
' "$T/t$n.ecsv" "$T/t$n.csv" "${cmd%% *}"
done

varstat --timescales 1:1:1 <"$T/a.ev" >"$T/v.csv"
varstat --timescales 1:1:1 -o "$T/v.ecsv" <"$T/a.ev"
t_eq tables-6 "evcompare reads ECSV as it reads CSV" "$(evcompare "$T/v.csv" "$T/v.csv" | tail -1)" \
	"$(evcompare "$T/v.ecsv" "$T/v.csv" | tail -1)"

# Notes (comments given at open) go into the ECSV metadata too.
printf '1.5\n2.5\n3.5\n4.5\n9.5\n' | tsv2ev | varstat --timescales 1:2:2 -o "$T/n.ecsv"
t_py tables-7 "notes are in the ECSV metadata for astropy users" '
import sys
from astropy.table import Table
t = Table.read(sys.argv[1])
assert any("GTI" in c for c in t.meta["comments"]), t.meta
' "$T/n.ecsv"
