#!/usr/bin/env bash
# searchplot: one panel per parameter, log scales from the search file, bad tables.
. "$(dirname "$0")/../lib.sh"

cd "$T" || exit 1
mkdir -p meta/search
cat >meta/search/s.json <<'EOF'
{"pipeline": "t", "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 1e5, "max": 1e7, "scale": "log"},
 {"name": "background_fraction", "min": 0, "max": 1}, {"name": "telescope.speed_km_s", "min": 10, "max": 50}]}
EOF
{
	echo '# meta: {"search":"s"}'
	echo 'run,code,seed,lanes.pitch_m_per_nm,background_fraction,telescope.speed_km_s,distance,n_terms,elapsed_s'
	echo '1,AAAAAAAA,1,1e5,0.1,20,40,48,0.2'
	echo '2,BBBBBBBB,1,1e6,0.5,30,2,48,0.2'
	echo '3,CCCCCCCC,1,5e6,0.9,40,300,48,0.2'
	echo 'r1,DDDDDDDD,1,9e5,0.45,31,1.5,48,0.2'
	echo 'r2,EEEEEEEE,1,9e5,0.45,31,,0,0.2'
} >s.csv
png_size() { "$T_PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24]))' "$1"; }
t_run searchplot -o s.png s.csv
t_eq searchplot-1 "three parameters: a 2x2 grid of 1000x700 panels" "0 2000 1400" "$T_STATUS $(png_size s.png)"
t_run searchplot --size 600x400 --search s -o one.png s.csv
t_eq searchplot-2 "--size sets one panel" "0 1200 800" "$T_STATUS $(png_size one.png)"
t_py searchplot-3 "the output is a colour PNG (RGB or RGBA) with image data" '
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": idat += body
    pos += 12 + n
assert ctype in (2, 6), ctype
assert len(idat) > 1000, len(idat)
' s.png
t_check searchplot-4 "the history is in the PNG text chunks" grep -a -q 'searchplot -o s.png s.csv' s.png
printf 'run,code,seed,distance\n1,AAAAAAAA,1,2\n' >short.csv
t_error searchplot-5 "a table without parameter columns" 1 \
	"searchplot: short.csv: expected the columns run,code,seed,PARAMETER...,distance,n_terms,elapsed_s" \
	searchplot -o x.png short.csv
{ head -n 2 s.csv; echo '1,AAAAAAAA,1,1e5,0.1,20,,0,0.2'; } >undef.csv
t_error searchplot-6 "no defined distance" 1 "searchplot: undef.csv: no row with a defined distance" \
	searchplot -o x.png undef.csv
t_eq searchplot-7 "no output file after an error" "absent" "$([ -e x.png ] && echo present || echo absent)"
t_error searchplot-8 "-o is required" 2 "searchplot: -o FILE is required (see 'searchplot --help')" searchplot s.csv
