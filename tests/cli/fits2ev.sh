#!/usr/bin/env bash
# fits2ev: every shared Chandra file against astropy (rows, TIME, wavelength),
# header facts and GTIs, TG_LAM / --wave-col / --filter / --meta, bad input.
. "$(dirname "$0")/../lib.sh"

# check.py JOBS: one astropy run for every comparison (astropy takes a second
# to import).  Each JOBS line "ID|KIND|FITS|STREAM|MODE|FILTER|COL" prints
# "ID ok" or "ID why".  KIND data: the stream (read with the dtype of DESIGN
# §3) holds exactly the EVENTS rows (NAXIS2), TIME bit for bit, and the
# wavelength as float32 of the double-precision conversion of column COL:
# MODE energy (1239.84198/E, E <= 0 -> NaN), kev, angstrom (/10), nm, none;
# FILTER is a numpy row selection on lower-case column names.  KIND meta: the
# metadata holds the EVENTS header facts and the GTI rows.
cat >"$T/check.py" <<'EOF'
import sys, json, numpy as np
from astropy.io import fits

def stream(path):
    with open(path, 'rb') as f:
        head = f.read(12)
        assert head[:4] == b'LLEV', head
        H = int.from_bytes(head[8:12], 'little')
        meta = json.loads(f.read(H))
    ev = np.fromfile(path, dtype=[('time','<f8'),('wavelength','<f4'),('wbin','<i4')], offset=12+H)
    return meta, ev

def check(kind, fitsname, streamname, mode, filt, col):
    meta, ev = stream(streamname)
    h = fits.open(fitsname)
    if kind == 'meta':
        e, g = h['EVENTS'].header, h['GTI'].data
        want = {"obs_id": str(e["OBS_ID"]), "object": e["OBJECT"], "instrument": e["INSTRUME"],
                "detnam": e["DETNAM"], "grating": e["GRATING"], "telescope": e["TELESCOP"],
                "mjdref": e["MJDREF"], "timesys": e["TIMESYS"], "tstart": e["TSTART"],
                "tstop": e["TSTOP"], "exposure": e["EXPOSURE"], "sorted": True,
                "gti": [[float(a), float(b)] for a, b in zip(g["START"], g["STOP"])]}
        for k, v in want.items():
            assert meta.get(k) == v, (k, meta.get(k), v)
        return
    d = h['EVENTS'].data
    if filt:
        d = d[eval(filt, {}, {n.lower(): d[n] for n in d.columns.names})]
    else:
        assert len(d) == h['EVENTS'].header['NAXIS2']
    cols = {n.lower(): n for n in d.columns.names}
    assert len(ev) == len(d), ('rows', len(ev), len(d))
    assert np.array_equal(ev['time'], np.asarray(d[cols['time']], dtype=np.float64)), 'TIME differs'
    if mode == 'none':
        want = np.full(len(d), np.nan, np.float32)
    else:
        v = np.asarray(d[cols[col.lower()]], dtype=np.float64)
        with np.errstate(divide='ignore', invalid='ignore'):
            w = {'energy': lambda: np.where(v > 0, 1239.84198 / v, np.nan),
                 'kev': lambda: np.where(v > 0, 1.23984198 / v, np.nan),
                 'angstrom': lambda: v / 10, 'nm': lambda: v}[mode]()
        want = w.astype(np.float32)
    assert np.array_equal(ev['wavelength'], want, equal_nan=True), 'wavelength differs'
    assert (ev['wbin'] == -1).all(), 'wbin is not -1'

for line in open(sys.argv[1]):
    id, kind, f, s, mode, filt, col = line.rstrip('\n').split('|')
    try:
        check(kind, f, s, mode, filt, col)
        print(id, 'ok')
    except Exception as e:
        print(id, repr(e))
EOF
: >"$T/jobs"
# job ID WHAT KIND FITS STREAM [MODE [FILTER [COL]]]: queue a check.py check.
job() {
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$1" "$3" "$4" "$5" "${6:-none}" "${7:-}" "${8:-}" >>"$T/jobs"
	printf '%s\t%s\n' "$1" "$2" >>"$T/jobnames"
}

i=0
for f in "$T_CHANDRA"/chandra_noener_test.fits "$T_CHANDRA"/chandra_test.fits "$T_CHANDRA"/hrc*.fits*; do
	name=$(basename "$f")
	case $name in
	hrc* | chandra_noener*) opt=--no-wavelength mode=none ;;
	*) opt= mode=energy ;;
	esac
	i=$((i + 1))
	# shellcheck disable=SC2086 # $opt is empty or one word
	fits2ev $opt "$f" >"$T/s$i.ev" 2>"$T/s$i.err"
	t_eq "fits2ev-$i" "$name reads (status 0, quiet)" "0 " "$? $(cat "$T/s$i.err")"
	job "fits2ev-$i.1" "$name: rows = NAXIS2, TIME and wavelength equal astropy's exactly" \
		data "$f" "$T/s$i.ev" "$mode" "" energy
done
t_eq fits2ev-6 "all five Chandra files were read" 5 "$i"

A="$T_CHANDRA/chandra_test.fits"
fits2ev "$A" >"$T/a.ev"
job fits2ev-7 "metadata holds the EVENTS header facts and the GTI rows" meta "$A" "$T/a.ev"
t_eq fits2ev-7.1 "dataset, source, wavelength_from and history" \
	"\"chandra_test\" \"$A\" {\"column\":\"energy\",\"unit\":\"ev\"} [\"fits2ev $A\"" \
	"$(for k in dataset source wavelength_from history; do ev_meta $k <"$T/a.ev"; done | tr '\n' ' ' | sed -E 's/(\["fits2ev [^"]*").*$/\1/')"

t_eq fits2ev-8 "a file without GTI extension and EXPOSURE has neither key" "null null" \
	"$(fits2ev --no-wavelength "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" | ev_meta gti) $(fits2ev --no-wavelength "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" | ev_meta exposure)"
t_eq fits2ev-9 "an integer OBS_ID keyword becomes a string" '"0"' \
	"$(fits2ev --no-wavelength "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" | ev_meta obs_id)"

# Fixtures built here: TG_LAM (Angstrom, lower-case name, beside ENERGY so the
# order of preference shows), other units, an unsorted and bad-time table.
"$T_PY" - "$T" <<'EOF'
import sys, numpy as np
from astropy.io import fits
T = sys.argv[1]
def write(name, cols, extname='EVENTS', gti=True):
    hdus = [fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name=extname)]
    if gti:
        hdus.append(fits.BinTableHDU.from_columns(
            [fits.Column('START', 'D', array=[0.0]), fits.Column('STOP', 'D', array=[100.0])], name='GTI'))
    fits.HDUList(hdus).writeto(f'{T}/{name}', overwrite=True)
t = np.array([1.0, 2.5, 3.0, 7.25])
write('fits_tglam.fits', [fits.Column('time', 'D', array=t),
      fits.Column('tg_lam', 'E', array=np.array([12.0, 6.5, 1.5, 24.8], np.float32)),
      fits.Column('energy', 'E', array=np.array([100, 200, 300, 400], np.float32))])
write('fits_units.fits', [fits.Column('TIME', 'D', array=t),
      fits.Column('LAM_NM', 'E', array=np.array([1.2, 0.65, 0.15, 2.48], np.float32)),
      fits.Column('EKEV', 'E', array=np.array([1.0, 2.0, 0.0, -3.0], np.float32)),
      fits.Column('ECHAN', 'J', array=np.array([1000, 2000, 3000, 4000], np.int32))])
write('fits_unsorted.fits', [fits.Column('TIME', 'D', array=np.array([1.0, 3.0, 2.0]))], gti=False)
write('fits_nantime.fits', [fits.Column('TIME', 'D', array=np.array([1.0, 2.0, np.nan]))])
write('fits_negtime.fits', [fits.Column('TIME', 'D', array=np.array([1.0, -2.0, 3.0]))])
write('fits_notime.fits', [fits.Column('ENERGY', 'E', array=np.array([1.0, 2.0], np.float32))])
write('fits_noevents.fits', [fits.Column('X', 'D', array=t)], extname='STUFF')
EOF

fits2ev "$T/fits_tglam.fits" >"$T/tg.ev"
job fits2ev-10 "TG_LAM (Angstrom) wins over ENERGY and becomes nm" \
	data "$T/fits_tglam.fits" "$T/tg.ev" angstrom "" tg_lam
t_eq fits2ev-11 "TG_LAM values in nm, metadata names the column" \
	'1.2 0.65 0.15 2.48 {"column":"tg_lam","unit":"angstrom"}' \
	"$(fits2ev "$T/fits_tglam.fits" | ev2tsv --no-meta --no-header | cut -f2 | tr '\n' ' ')$(fits2ev "$T/fits_tglam.fits" | ev_meta wavelength_from)"
fits2ev --wave-col lam_nm --wave-unit nm "$T/fits_units.fits" >"$T/u1.ev"
job fits2ev-12 "--wave-col LAM_NM --wave-unit nm" data "$T/fits_units.fits" "$T/u1.ev" nm "" LAM_NM
fits2ev --wave-col ekev --wave-unit kev "$T/fits_units.fits" >"$T/u2.ev"
job fits2ev-13 "--wave-col EKEV --wave-unit kev; E <= 0 gives NaN" \
	data "$T/fits_units.fits" "$T/u2.ev" kev "" EKEV
fits2ev --wave-col ECHAN --wave-unit ev "$T/fits_units.fits" >"$T/u3.ev"
job fits2ev-14 "--wave-col on an integer column (eV)" data "$T/fits_units.fits" "$T/u3.ev" energy "" ECHAN
fits2ev --wave-col ENERGY --wave-unit eV "$A" >"$T/u4.ev"
job fits2ev-15 "--wave-col ENERGY --wave-unit eV gives the default's values" data "$A" "$T/u4.ev" energy "" energy

fits2ev --filter 'energy > 500 && grade == 0' "$A" >"$T/f.ev"
job fits2ev-16 "--filter selects the rows astropy selects" \
	data "$A" "$T/f.ev" energy '(energy > 500) & (grade == 0)' energy
t_eq fits2ev-17 "--filter is recorded, GTIs still read" "\"energy > 500 && grade == 0\" $(ev_meta gti <"$T/a.ev")" \
	"$(ev_meta fits_filter <"$T/f.ev") $(ev_meta gti <"$T/f.ev")"

t_eq fits2ev-18 "time order is checked: an unsorted table says sorted false" "false 1 3 2 " \
	"$(fits2ev --no-wavelength "$T/fits_unsorted.fits" | ev_meta sorted) $(fits2ev --no-wavelength "$T/fits_unsorted.fits" | ev_times | tr '\n' ' ')"

# --meta: the dataset JSON.
printf '{"fits": "%s", "wave_col": "ekev", "wave_unit": "kev", "filter": "TIME > 2", "description": "x"}\n' \
	"$T/fits_units.fits" >"$T/units.json"
t_eq fits2ev-19 "--meta reads the file, wave_col, wave_unit and filter; dataset is the JSON name" \
	'2.5 0.61992097 3 nan 7.25 nan "units"' \
	"$(fits2ev --meta "$T/units.json" | ev2tsv --no-meta --no-header | tr '\t\n' '  ' | sed 's/ -1//g')$(fits2ev --meta "$T/units.json" | ev_meta dataset)"
printf '{"path": "%s", "no_wavelength": true}\n' "$A" >"$T/nw.json"
t_eq fits2ev-20 "--meta with path and no_wavelength" "null" "$(fits2ev --meta "$T/nw.json" | ev_meta wavelength_from)"
printf '{"fits": "%s", "wave_colum": "x"}\n' "$A" >"$T/bad.json"
t_error fits2ev-21 "an unknown --meta key is an error naming it" 1 \
	"fits2ev: $T/bad.json: wave_colum: unknown key" \
	fits2ev --meta "$T/bad.json"
printf '{"fits": "%s", "processing": "default", "description": "d", "generated": {"seed": 3}}\n' "$A" >"$T/ws.json"
t_eq fits2ev-23 "--meta accepts the keys other workspace tools read" '"ws"' \
	"$(fits2ev --meta "$T/ws.json" | ev_meta dataset)"
printf '{"fits": "%s", "processing": "a/b"}\n' "$A" >"$T/badproc.json"
t_error fits2ev-24 "--meta checks the workspace keys too" 1 \
	"fits2ev: $T/badproc.json: processing: expected a processing name (*), got \"a/b\"" \
	fits2ev --meta "$T/badproc.json"

# Numpy reads the stream with the documented dtype; also through -o.
fits2ev -o "$T/o.ev" "$A"
t_files_eq fits2ev-22 "-o writes the same bytes as stdout (but for history)" \
	<(ev2tsv --no-meta <"$T/a.ev") <(ev2tsv --no-meta <"$T/o.ev")

# Bad input: one line, status 1, nothing on stdout, no -o file left.
N="$T_CHANDRA/chandra_noener_test.fits"
t_error fits2ev-30 "no wavelength column: a clear error suggesting the options" 1 \
	"fits2ev: $N: EVENTS: no wavelength column (looked for TG_LAM, WAVELENGTH, ENERGY); use --no-wavelength or --wave-col COL --wave-unit UNIT" \
	fits2ev "$N"
printf 'this is not FITS\n' >"$T/not.fits"
t_error fits2ev-31 "a text file is not FITS" 1 \
	"fits2ev: $T/not.fits: not a FITS file: it does not start with SIMPLE" fits2ev -o "$T/x.ev" "$T/not.fits"
cp "$T_CHANDRA/hrcS_evt1_testfile.fits.gz" "$T/flip.fits.gz"
chmod u+w "$T/flip.fits.gz"
printf '\377\377\377\377\377\377\377\377' | dd of="$T/flip.fits.gz" bs=1 seek=400000 conv=notrunc 2>/dev/null
t_error fits2ev-32 "flipped bytes in a .gz: corrupt gzip" 1 \
	"fits2ev: $T/flip.fits.gz: corrupt gzip data (cfitsio: error uncompressing image)" \
	fits2ev --no-wavelength -o "$T/x.ev" "$T/flip.fits.gz"
head -c 1000000 "$T_CHANDRA/hrcS_evt1_testfile.fits.gz" >"$T/trunc.fits.gz"
t_error fits2ev-33 "a truncated .gz names where the rows should end" 1 \
	"fits2ev: $T/trunc.fits.gz: truncated or corrupt file: the EVENTS rows end at byte 5215474, the decompressed data has * bytes" \
	fits2ev --no-wavelength -o "$T/x.ev" "$T/trunc.fits.gz"
head -c 100000 "$A" >"$T/trunc.fits"
t_error fits2ev-34 "a truncated plain file" 1 \
	"fits2ev: $T/trunc.fits: truncated or corrupt file: the EVENTS rows end at byte 219584, the file has 100000 bytes" \
	fits2ev -o "$T/x.ev" "$T/trunc.fits"
t_error fits2ev-35 "no events table: none by name, HDUCLAS1 or a TIME column" 1 \
	"fits2ev: $T/fits_noevents.fits: no events table: no extension named EVENTS, none with HDUCLAS1 = EVENTS and no binary table with a TIME column" \
	fits2ev -o "$T/x.ev" "$T/fits_noevents.fits"
t_error fits2ev-36 "no TIME column" 1 "fits2ev: $T/fits_notime.fits: EVENTS: no TIME column" \
	fits2ev -o "$T/x.ev" "$T/fits_notime.fits"
t_error fits2ev-37 "a NaN time names its row" 1 "fits2ev: $T/fits_nantime.fits: EVENTS row 3: TIME is NaN" \
	fits2ev --no-wavelength -o "$T/x.ev" "$T/fits_nantime.fits"
t_error fits2ev-38 "a negative time names its row" 1 "fits2ev: $T/fits_negtime.fits: EVENTS row 2: TIME is negative" \
	fits2ev --no-wavelength -o "$T/x.ev" "$T/fits_negtime.fits"
t_error fits2ev-39 "a missing file" 1 "fits2ev: $T/nope.fits: cannot open: No such file or directory" \
	fits2ev -o "$T/x.ev" "$T/nope.fits"
t_error fits2ev-40 "a bad --filter expression" 1 "fits2ev: $A: --filter: *" \
	fits2ev -o "$T/x.ev" --filter 'nosuchcol > 3' "$A"
t_error fits2ev-41 "--wave-col naming no column" 1 "fits2ev: $A: EVENTS: no column lam (--wave-col)" \
	fits2ev --wave-col lam --wave-unit nm -o "$T/x.ev" "$A"
t_eq fits2ev-42 "no failed run left an output or temporary file" "" "$(ls -A "$T" | grep -E '^x\.ev|\.tmp\.' || true)"
t_error fits2ev-43 "an unknown option is a usage error" 2 \
	"fits2ev: unknown option '--bogus' (see 'fits2ev --help')" fits2ev --bogus "$A"
t_error fits2ev-44 "--wave-col without --wave-unit" 2 \
	"fits2ev: --wave-col energy needs --wave-unit angstrom|nm|ev|kev (see 'fits2ev --help')" \
	fits2ev --wave-col energy "$A"
t_error fits2ev-45 "a bad --wave-unit" 2 \
	"fits2ev: --wave-unit: unknown unit 'mm' (angstrom, nm, ev or kev, optionally after a scale: 14.6eV) (see 'fits2ev --help')" \
	fits2ev --wave-col energy --wave-unit mm "$A"
t_error fits2ev-46 "no input file" 2 \
	"fits2ev: no input: give a FITS file or --meta meta/fits/NAME.json (see 'fits2ev --help')" fits2ev

# A closed downstream pipe ends quietly.
fits2ev --no-wavelength "$T_CHANDRA/hrcS_evt1_testfile.fits.gz" 2>"$T/pipe.err" | head -c 100 >/dev/null
st=${PIPESTATUS[0]}
t_eq fits2ev-47 "| head -c 100 ends with status 0 or 141 and no message" "ok " \
	"$({ [ "$st" = 0 ] || [ "$st" = 141 ]; } && echo ok || echo "status $st") $(cat "$T/pipe.err")"

# Run the queued astropy checks, one line each.
"$T_PY" "$T/check.py" "$T/jobs" >"$T/jobs.out" 2>&1
while IFS=$'\t' read -r id what; do
	t_eq "$id" "$what" "$id ok" "$(grep -m 1 "^$id " "$T/jobs.out" || tail -n 3 "$T/jobs.out")"
done <"$T/jobnames"
