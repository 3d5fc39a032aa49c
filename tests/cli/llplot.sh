#!/usr/bin/env bash
# llplot: every kind renders from hand-made tables of the exact schemas (and,
# when the analyzers are built, from real varstat output); PNGs decode, have
# the asked size, carry the history and show data inside the axes; PDF and
# SVG render; bad tables and paths fail with one line and leave no file.
. "$(dirname "$0")/../lib.sh"

meta='# meta: {"dataset":"hand","object":"Test source","obs_id":"123","wbins":{"edges":[0.1,0.4,0.7,1.0]},"history":["tsv2ev","wbin --n 3 --min 0.1 --max 1","analyzer"]}'
{ echo "$meta"; echo "wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,fano_err,z,nxs,nxs_err,allan"
  awk 'BEGIN { for (k = 0; k < 4; k++) { w = k == 3 ? -1 : k; lo = w == -1 ? 0.1 : 0.1 + 0.3 * w; hi = w == -1 ? 1 : lo + 0.3
	for (i = 0; i < 10; i++) { ts = 10 ^ (i * 0.4); n = int(4000 / ts); m = 0.5 * ts * (k + 1); fa = 1 + 0.02 * i * (k + 1)
		if (n < 2) { printf "%d,%g,%g,%g,%d,%g,,,,,,,\n", w, lo, hi, ts, n, m; continue }
		fe = sqrt(2 / (n - 1) + 1 / (n * m)); nx = (fa - 1) / m; ne = sqrt(2 / (n * m * m) + 4 * nx / (n * m))
		printf "%d,%g,%g,%g,%d,%g,%g,%g,%g,%g,%g,%g,%g\n", w, lo, hi, ts, n, m, fa * m, fa, fe, (fa - 1) / fe, nx, ne, fa } } }'
  echo "-1,0.1,1,5000,0,,,,,,,,"; } >"$T/vs.csv"
{ echo "$meta"; echo "wbin,time_start,time_stop,counts,exposure_s,rate,rate_err"
  awk 'BEGIN { for (w = 0; w < 3; w++) for (i = 0; i < 40; i++) { t = 1000 + i * 100; c = int(50 * (w + 1) + 20 * sin(i / 3 + w))
	if (i == 7) { print w "," t "," t + 100 ",0,0,," ; continue }
	printf "%d,%d,%d,%d,100,%g,%g\n", w, t, t + 100, c, c / 100, sqrt(c) / 100 } }'; } >"$T/lc.csv"
{ echo "$meta"; echo "wbin,freq_hz,power,power_err,n_avg"
  awk 'BEGIN { for (w = 0; w < 2; w++) for (i = 1; i <= 200; i++) { p = 2 + (i == 13 ? 15 : 0) + 0.5 * sin(i * 1.7 + w)
	printf "%d,%g,%g,%g,8\n", w, i * 1e-4, p, p / sqrt(8) } }'; } >"$T/psd.csv"
{ echo "$meta"; echo "# ks: D=0.012 p=0.41"; echo "wbin,dt_lo_s,dt_hi_s,count,expected"
  awk 'BEGIN { for (w = 0; w < 2; w++) for (i = 0; i < 30; i++) { lo = i * 0.5; r = 0.5 * (w + 1); e = 1000 * (exp(-r * lo) - exp(-r * (lo + 0.5)))
	printf "%d,%g,%g,%d,%g\n", w, lo, lo + 0.5, int(e + 0.5), e } }'; } >"$T/ia.csv"

# check_png FILE W H KIND: decodes, size W×H, History ends with the llplot
# command, and the middle of the axes holds coloured (data) pixels.
check_png='
import sys
from PIL import Image
f, w, h, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
im = Image.open(f); im.load()
assert im.size == (w, h), "size %r" % (im.size,)
hist = im.text.get("History", "")
assert ("llplot --kind " + kind) in hist.splitlines()[-1], "History: %r" % hist
assert len(hist.splitlines()) >= 2, "table history missing: %r" % hist
assert im.text.get("Software", "").startswith("llplot"), im.text
rgb = im.convert("RGB")
box = rgb.crop((int(0.15 * w), int(0.15 * h), int(0.85 * w), int(0.8 * h)))
coloured = sum(1 for p in box.getdata() if max(p) - min(p) > 60)
assert coloured > 300, "only %d coloured pixels inside the axes" % coloured
'
n=0
for spec in "fano vs.csv" "nxs vs.csv" "lcurve lc.csv" "psd psd.csv" "interarrival ia.csv" "counts lc.csv"; do
	set -- $spec
	n=$((n + 1))
	if llplot --kind "$1" "$T/$2" -o "$T/$1.png" 2>"$T/err"; then
		t_py "llplot-$n" "--kind $1 draws a PNG with data, size and history" "$check_png" "$T/$1.png" 1600 1000 "$1"
	else
		t_fail "llplot-$n" "--kind $1 draws a PNG with data, size and history" "$(cat "$T/err")"
	fi
done

llplot --kind fano "$T/vs.csv" "$T/vs.csv" --label A --label B --size 1200x750 -o "$T/ab.png" 2>"$T/err"
t_py llplot-7 "A and B overlaid at --size 1200x750, both histories kept" "$check_png
assert sum(1 for l in hist.splitlines() if l.startswith(\"[A] \")) == 3 and \"[B] analyzer\" in hist, hist
" "$T/ab.png" 1200 750 fano

llplot --kind psd "$T/psd.csv" -o "$T/p.pdf"
t_eq llplot-8 "a .pdf output is a PDF" "%PDF" "$(head -c 4 "$T/p.pdf")"
llplot --kind fano "$T/vs.csv" -o "$T/f.svg"
t_py llplot-9 "a .svg output is SVG XML with the history in <desc>" '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.tag.endswith("svg"), r.tag
d = [e for e in r if e.tag.endswith("desc")]
assert d and "llplot --kind fano" in d[0].text, d
' "$T/f.svg"

# Undefined values are skipped, not drawn as 0: a table whose only defined
# Fano factors are 2 gives an axis that does not reach down to 0.
{ echo "$meta"; echo "wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,fano_err,z,nxs,nxs_err,allan"
  echo "0,0.1,0.4,1,100,5,10,2,0.1,10,0.2,0.01,2"; echo "0,0.1,0.4,2,50,10,20,2,0.1,10,0.1,0.01,2"
  echo "0,0.1,0.4,4,1,20,,,,,,,"; } >"$T/nan.csv"
t_check llplot-10 "rows with empty fields are skipped" llplot --kind fano "$T/nan.csv" -o "$T/nan.png"
{ echo "$meta"; echo "wbin,wmin_nm,wmax_nm,timescale_s,n_bins,mean,variance,fano,fano_err,z,nxs,nxs_err,allan"
  echo "0,0.1,0.4,4,1,20,,,,,,,"; } >"$T/allnan.csv"
t_error llplot-11 "a table with no defined value is an error" 1 \
	"llplot: $T/allnan.csv: nothing to plot: no defined values" llplot --kind fano "$T/allnan.csv" -o "$T/x.png"
printf 'wbin,timescale_s\n0,1\n' >"$T/wrong.csv"
t_error llplot-12 "a table with wrong columns is an error" 1 \
	"llplot: $T/wrong.csv: missing column 'fano'" llplot --kind fano "$T/wrong.csv" -o "$T/x.png"
head -n 2 "$T/vs.csv" >"$T/norows.csv"
t_error llplot-13 "a table without rows is an error" 1 \
	"llplot: $T/norows.csv: empty table: no rows" llplot --kind fano "$T/norows.csv" -o "$T/x.png"
: >"$T/zero.csv"
t_error llplot-14 "an empty file is an error" 1 \
	"llplot: $T/zero.csv: empty table: no header row" llplot --kind fano "$T/zero.csv" -o "$T/x.png"
printf 'LLEV\1\0\20\0\0\0\0\0' >"$T/in.ev"
t_error llplot-15 "a binary (non-CSV) file is an error" 1 \
	"llplot: $T/in.ev:1: not a text file (NUL byte)" llplot --kind psd "$T/in.ev" -o "$T/x.png"
t_error llplot-16 "an unwritable output path is an error" 1 \
	"llplot: $T/no/such/dir/x.png: cannot create output file: No such file or directory" \
	llplot --kind fano "$T/vs.csv" -o "$T/no/such/dir/x.png"
t_eq llplot-17 "failed runs leave no output or temporary file" "" "$(ls -A "$T" | grep -E '^x\.png$|\.tmp\.' || true)"
t_error llplot-18 "an unknown --kind is a usage error" 2 \
	"llplot: --kind: unknown kind 'pie' (fano, nxs, lcurve, psd, interarrival, counts) (see 'llplot --help')" \
	llplot --kind pie "$T/vs.csv" -o "$T/x.png"
t_error llplot-19 "a missing -o is a usage error" 2 \
	"llplot: an output file is required (-o FILE) (see 'llplot --help')" llplot --kind fano "$T/vs.csv"
t_error llplot-20 "a bad --size is a usage error" 2 \
	"llplot: --size: expected WIDTHxHEIGHT, got '12' (see 'llplot --help')" \
	llplot --kind fano --size 12 "$T/vs.csv" -o "$T/x.png"
t_check llplot-21 "--help mentions every kind" sh -c 'llplot --help | grep -q "interarrival"'

# From real analyzer output, when the analyzers are built.
if command -v fits2ev >/dev/null && command -v varstat >/dev/null && command -v wbin >/dev/null; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wrange --min 0.1 --max 1 | wbin --n 3 --min 0.1 --max 1 |
		varstat --timescales 1:100:10 >"$T/real.csv"
	llplot --kind fano "$T/real.csv" -o "$T/real.png" 2>"$T/err"
	t_py llplot-22 "a Fano plot of the sample observation's varstat table" "$check_png
assert 'varstat --timescales 1:100:10' in hist, hist
" "$T/real.png" 1600 1000 fano
	llplot --kind nxs "$T/real.csv" -o "$T/realn.png" 2>"$T/err"
	t_py llplot-23 "an excess-variance plot of the same table" "$check_png" "$T/realn.png" 1600 1000 nxs
else
	t_skip llplot-22 "a Fano plot of the sample observation's varstat table" "fits2ev/wbin/varstat not built"
	t_skip llplot-23 "an excess-variance plot of the same table" "fits2ev/wbin/varstat not built"
fi
for k in lcurve psd interarrival; do
	n=$((n + 1))
	case $k in
	lcurve) args="--dt 100" ;;
	psd) args="--dt 1 --seg 256" ;;
	interarrival) args="" ;;
	esac
	id=llplot-$((n + 17))
	if command -v "$k" >/dev/null && command -v fits2ev >/dev/null; then
		# shellcheck disable=SC2086 # the option list is split on purpose
		if fits2ev "$T_SAMPLE/chandra_test.fits" | wrange --min 0.1 --max 1 | wbin --n 3 --min 0.1 --max 1 |
			$k $args >"$T/real-$k.csv" 2>"$T/err" && llplot --kind "$k" "$T/real-$k.csv" -o "$T/real-$k.png" 2>>"$T/err"; then
			t_py "$id" "a $k plot of the sample observation" "$check_png" "$T/real-$k.png" 1600 1000 "$k"
		else
			t_fail "$id" "a $k plot of the sample observation" "$(cat "$T/err")"
		fi
	else
		t_skip "$id" "a $k plot of the sample observation" "$k not built"
	fi
done
