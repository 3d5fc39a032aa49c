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
# The default size is a book column, 89 x 62 mm at 300 dpi (1051 x 732
# pixels); power spectra and inter-arrival times of two bins have two
# panels, 28 + 2 x 30 mm tall.
for spec in "fano vs.csv 732" "nxs vs.csv 732" "lcurve lc.csv 732" "psd psd.csv 1039" "interarrival ia.csv 1039" \
	"counts lc.csv 732"; do
	set -- $spec
	n=$((n + 1))
	if llplot --kind "$1" "$T/$2" -o "$T/$1.png" 2>"$T/err"; then
		t_py "llplot-$n" "--kind $1 draws a PNG with data, size and history" "$check_png" "$T/$1.png" 1051 "$3" "$1"
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
	"llplot: --kind: unknown kind 'pie' (fano, nxs, lcurve, psd, interarrival, counts, heatmap, chunkhist, chunkmap) (see 'llplot --help')" \
	llplot --kind pie "$T/vs.csv" -o "$T/x.png"
t_error llplot-19 "a missing -o is a usage error" 2 \
	"llplot: an output file is required (-o FILE) (see 'llplot --help')" llplot --kind fano "$T/vs.csv"
t_error llplot-20 "a bad --size is a usage error" 2 \
	"llplot: --size: expected WIDTHxHEIGHT (pixels or with mm, cm, in, pt), got '12' (see 'llplot --help')" \
	llplot --kind fano --size 12 "$T/vs.csv" -o "$T/x.png"
t_check llplot-21 "--help mentions every kind" sh -c 'llplot --help | grep -q "interarrival"'

# From real analyzer output, when the analyzers are built.
if command -v fits2ev >/dev/null && command -v varstat >/dev/null && command -v wbin >/dev/null; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wrange --min 0.1 --max 1 | wbin --n 3 --min 0.1 --max 1 |
		varstat --timescales 1:100:10 >"$T/real.csv"
	llplot --kind fano "$T/real.csv" -o "$T/real.png" 2>"$T/err"
	t_py llplot-22 "a Fano plot of the sample observation's varstat table" "$check_png
assert 'varstat --timescales 1:100:10' in hist, hist
" "$T/real.png" 1051 732 fano
	llplot --kind nxs "$T/real.csv" -o "$T/realn.png" 2>"$T/err"
	t_py llplot-23 "an excess-variance plot of the same table" "$check_png" "$T/realn.png" 1051 732 nxs
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
			# shellcheck disable=SC2046 # width and height as two words
			t_py "$id" "a $k plot of the sample observation" "$check_png" "$T/real-$k.png" \
				$(case $k in psd | interarrival) echo 1051 1748 ;; *) echo 1051 732 ;; esac) "$k"
		else
			t_fail "$id" "a $k plot of the sample observation" "$(cat "$T/err")"
		fi
	else
		t_skip "$id" "a $k plot of the sample observation" "$k not built"
	fi
done

# --- Figures for print (issue 15) --------------------------------------------
# Real tables from the shipped sample: A and its Poisson control B, and a
# C made of A's first half (other bins, other counts), through the analyzers.
# The figures' own checks want tables binned as asked: the frame time is
# taken out of A's metadata here (llplot-39 puts it back in a table to test
# the frame-quantised drawing).
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | wrange --min 0.1 --max 1 | wbin --n 3 --min 0.1 --max 1 |
	ev_set_meta '{"timedel": null, "timepixr": null}' >"$T/a.ev"
poissonize --seed 1 <"$T/a.ev" >"$T/b.ev"
gtifilter --gti 339469168.5:339469640 <"$T/a.ev" >"$T/c.ev"
for s in a b c; do
	varstat --timescales 1:400:14 <"$T/$s.ev" >"$T/${s}_vs.csv"
	lcurve --dt 100 <"$T/$s.ev" >"$T/${s}_lc.csv"
	psd --dt 1 --seg 256 <"$T/$s.ev" >"$T/${s}_psd.csv"
	interarrival <"$T/$s.ev" >"$T/${s}_ia.csv"
done

# pdf_check FILE W_PT H_PT: the page is exactly W x H points and no text
# is smaller than 7 pt (text sizes from the content's text matrices).
pdf_check='
import re, sys, zlib, math
d = open(sys.argv[1], "rb").read()
w, h = float(sys.argv[2]), float(sys.argv[3])
boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", d)
assert len(boxes) == 1, boxes
x0, y0, x1, y1 = map(float, boxes[0])
assert abs(x1 - x0 - w) < 0.01 and abs(y1 - y0 - h) < 0.01, (boxes, w, h)
sizes = []
for m in re.finditer(rb"stream\r?\n(.*?)endstream", d, re.S):
    try:
        t = zlib.decompress(m.group(1))
    except zlib.error:
        continue
    for a, b, c, e in re.findall(rb"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) [-\d.]+ [-\d.]+ Tm", t):
        sizes.append(math.hypot(float(a), float(b)))
assert sizes, "no text found"
assert min(sizes) >= 6.99, "text of %.2f pt" % min(sizes)
'
llplot --kind fano "$T/a_vs.csv" "$T/b_vs.csv" --size 89mmx60mm -o "$T/col.pdf"
t_py llplot-27 "--size 89mmx60mm: a PDF page of exactly 252.28 x 170.08 pt, text at least 7 pt" \
	"$pdf_check" "$T/col.pdf" 252.28346 170.07874
llplot --kind psd "$T/a_psd.csv" "$T/b_psd.csv" --size 3.5inx2.2in -o "$T/psd.pdf"
t_py llplot-28 "--size 3.5inx2.2in: 252 x 158.4 pt, power-spectrum panels with text at least 7 pt" \
	"$pdf_check" "$T/psd.pdf" 252 158.4
llplot --kind lcurve "$T/a_lc.csv" --size 89mmx60mm --dpi 300 -o "$T/col.png"
t_py llplot-29 "--size 89mmx60mm --dpi 300: a PNG of 1051 x 709 pixels that says 300 dpi" '
import sys
from PIL import Image
im = Image.open(sys.argv[1])
assert im.size == (1051, 709), im.size
assert all(abs(v - 300) < 0.5 for v in im.info["dpi"]), im.info.get("dpi")
' "$T/col.png"
t_error llplot-30 "-o with an extension llplot does not write is a usage error" 2 \
	"llplot: -o: '$T/x.jpg': llplot writes .png, .pdf or .svg (see 'llplot --help')" \
	llplot --kind fano "$T/a_vs.csv" -o "$T/x.jpg"
t_eq llplot-31 "and writes no file" "" "$(ls -A "$T" | grep -E '^x\.jpg' || true)"

# --min-bins: the plotted points are exactly the rows with n_bins >= N.
min_bins_check='
import csv, sys
table, dump, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [r for r in csv.DictReader(l for l in open(table) if not l.startswith("#"))]
want = sorted((float(r["timescale_s"]), float(r["fano"])) for r in rows
              if r["fano"] != "" and int(r["n_bins"]) >= n)
pts = [r for r in csv.DictReader(open(dump)) if r["kind"] == "points" and r["y"] != ""
       and r["label"] == ""]
got = sorted((float(r["x"]), float(r["y"])) for r in pts)
assert len(got) == len(want), (len(got), len(want))
assert all(abs(a[0] - b[0]) < 1e-6 * a[0] and abs(a[1] - b[1]) < 1e-8 for a, b in zip(got, want)), (got, want)
assert any(int(r["n_bins"]) < n and r["fano"] != "" for r in rows), "the table has no short rows to leave out"
'
llplot --kind fano "$T/a_vs.csv" -o "$T/mb.png" --dump "$T/mb.csv"
t_py llplot-32 "fano: points of fewer than 10 bins (the default) are not drawn" \
	"$min_bins_check" "$T/a_vs.csv" "$T/mb.csv" 10
llplot --kind fano "$T/a_vs.csv" -o "$T/mb.png" --min-bins 60 --dump "$T/mb.csv"
t_py llplot-33 "--min-bins 60 leaves out the points of fewer than 60 bins" \
	"$min_bins_check" "$T/a_vs.csv" "$T/mb.csv" 60

# Power spectra: log rebinning by 1.1 (the default) and 1.3, against an
# independent grouping; error bars P/sqrt(n_avg k); detection levels from
# the Poisson form of the chi-squared tail.
psd_check='
import csv, math, sys
import numpy as np
table, dump, c = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = [r for r in csv.DictReader(l for l in open(table) if not l.startswith("#"))]
wbins = []
for r in rows:
    if int(r["wbin"]) not in wbins and int(r["wbin"]) != -1:
        wbins.append(int(r["wbin"]))
wbins.append(-1)
pts = list(csv.DictReader(open(dump)))
def level(n, p):
    # n P ~ chi2(2n): P(chi2(2n) > 2x) = P(Poisson(x) <= n - 1), bisected
    def tail(x):
        return sum(math.exp(-x + k * math.log(x) - math.lgamma(k + 1)) for k in range(n))
    lo, hi = 1e-9, n + 12 * math.sqrt(n) + 60
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) > p else (lo, mid)
    return (lo + hi) / n
for panel, wb in enumerate(wbins):
    f = np.array([float(r["freq_hz"]) for r in rows if int(r["wbin"]) == wb])
    p = np.array([float(r["power"]) for r in rows if int(r["wbin"]) == wb])
    m = float([r["n_avg"] for r in rows if int(r["wbin"]) == wb][0])
    g = np.floor(np.log(f / f[0]) / np.log(c) + 1e-9).astype(int)
    want = [(f[g == j].mean(), p[g == j].mean(), m * (g == j).sum()) for j in np.unique(g)]
    got = [r for r in pts if r["panel"] == str(panel) and r["series"] == "0"]
    assert len(got) == len(want), (panel, len(got), len(want))
    for r, (fx, px, n) in zip(got, want):
        assert abs(float(r["x"]) - fx) < 1e-9 * fx and abs(float(r["y"]) - px) < 1e-8 * px, (r, fx, px)
        assert abs(float(r["yhi"]) - px - px / math.sqrt(n)) < 1e-8 * px, (r, n)
    lev = [r for r in pts if r["panel"] == str(panel) and r["label"] == "99% single trial"]
    assert panel > 0 or len(lev) == len(want), (len(lev), len(want))
    for r, (fx, px, n) in list(zip(lev, want))[::7]:
        assert abs(float(r["y"]) - level(int(n), 0.01)) < 1e-6, (r, n, level(int(n), 0.01))
'
llplot --kind psd "$T/a_psd.csv" "$T/b_psd.csv" -o "$T/psd.png" --dump "$T/psd.csv"
t_py llplot-34 "psd: the rebinned spectrum (factor 1.1) has the documented points, errors and 99% level" \
	"$psd_check" "$T/a_psd.csv" "$T/psd.csv" 1.1
llplot --kind psd "$T/a_psd.csv" --rebin 1.3 -o "$T/psd.png" --dump "$T/psd.csv"
t_py llplot-35 "psd --rebin 1.3: fewer, wider bins, as documented" \
	"$psd_check" "$T/a_psd.csv" "$T/psd.csv" 1.3
t_eq llplot-36 "psd: one panel per wavelength bin (3 bins and all events)" "0 1 2 3" \
	"$(awk -F, 'NR > 1 { print $1 }' "$T/psd.csv" | sort -u | tr '\n' ' ' | sed 's/ $//')"

# pdf_text FILE: the strings the PDF shows.
pdf_text='
import re, sys, zlib
d = open(sys.argv[1], "rb").read()
for m in re.finditer(rb"stream\r?\n(.*?)endstream", d, re.S):
    try:
        t = zlib.decompress(m.group(1))
    except zlib.error:
        continue
    for s in re.findall(rb"\((.*?)\)\s*Tj", t):
        print(s.decode("latin1").replace("\\(", "(").replace("\\)", ")"))
'
llplot --kind psd "$T/a_psd.csv" -o "$T/psd.pdf"
"$T_PY" -c "$pdf_text" "$T/psd.pdf" >"$T/psd.txt"
t_check llplot-37 "psd: dt, segment length and n_avg in the caption" \
	grep -q "dt = 1 s;  segments of 256 s;  n_avg = 3 segments" "$T/psd.txt"
sed 's/"mjdref":50814.0,/"mjdref":50814.0,"timedel":0.44104,/' "$T/a_ia.csv" >"$T/a_ia_frames.csv"
llplot --kind interarrival "$T/a_ia_frames.csv" -o "$T/ia.pdf" --dump "$T/ia.csv"
"$T_PY" -c "$pdf_text" "$T/ia.pdf" >"$T/ia.txt"
ks=$(grep '^# ks: wbin=0 ' "$T/a_ia.csv" | sed 's/.* D=\([0-9.]*\) p=\(.*\)/\1 \2/')
t_check llplot-38 "interarrival: the KS statistic and p-value of each bin on the figure" \
	grep -q "D = $(printf '%.3f' "${ks% *}"), p = $(printf '%.1e' "${ks#* }")" "$T/ia.txt"
t_py llplot-39 "interarrival with a frame time: one bin per whole frame, counts kept" '
import csv, sys
pts = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "steps"]
rows = [r for r in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#"))]
tau = 0.44104
for r in pts:
    k = float(r["x"]) / tau
    assert abs(k - round(k)) < 1e-9, r
for wb, panel in (("0", "0"), ("-1", "3")):
    total = sum(float(r["count"]) for r in rows if r["wbin"] == wb)
    drawn = [r for r in pts if r["panel"] == panel and r["series"] == "0"]
    assert abs(sum(float(r["y"]) for r in drawn) - total) < 1e-9, (wb, total)
' "$T/ia.csv" "$T/a_ia.csv"
llplot --kind lcurve "$T/a_lc.csv" -o "$T/lc.pdf"
"$T_PY" -c "$pdf_text" "$T/lc.pdf" >"$T/lc.txt"
t_check llplot-40 "lcurve: the time axis gives T0 as MJD (TT) and UTC" \
	grep -q "T0 = MJD 54743.04130 (TT) = 2008-10-04 00:58:23 UTC" "$T/lc.txt"

# A Poisson band per table when they differ (C: half of A's time, so
# other bins and counts), one when they do not (B is A's Poisson control).
llplot --kind fano "$T/a_vs.csv" "$T/b_vs.csv" -o "$T/f.png" --dump "$T/f.csv"
llplot --kind fano "$T/a_vs.csv" "$T/c_vs.csv" -o "$T/f2.png" --dump "$T/f2.csv"
t_eq llplot-41 "fano: one Poisson band for A and its control, one per table for A and C" "1 2" \
	"$(for f in f f2; do awk -F, '$4 == "band" { print $2 }' "$T/$f.csv" | sort -u | wc -l; done | tr '\n' ' ' | sed 's/ $//')"

# Counts spectrum: rate per nm, from the lcurve table independently.
llplot --kind counts "$T/a_lc.csv" "$T/c_lc.csv" -o "$T/sp.png" --dump "$T/sp.csv"
t_py llplot-42 "counts: each bin's counts over its exposure and width (counts/s/nm)" '
import csv, json, sys
lines = open(sys.argv[1]).read().splitlines()
edges = json.loads(lines[0][len("# meta: "):])["wbins"]["edges"]
rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
pts = [r for r in csv.DictReader(open(sys.argv[2])) if r["series"] == "0"]
assert len(pts) == 3, pts
for b, r in enumerate(pts):
    c = sum(float(x["counts"]) for x in rows if x["wbin"] == str(b))
    e = sum(float(x["exposure_s"]) for x in rows if x["wbin"] == str(b))
    want = c / e / (edges[b + 1] - edges[b])
    assert abs(float(r["y"]) - want) < 1e-9 * want, (r, want)
    assert abs(float(r["xlo"]) - edges[b]) < 1e-12 and abs(float(r["xhi"]) - edges[b + 1]) < 1e-12, r
' "$T/a_lc.csv" "$T/sp.csv"

# The book's kinds from real tables: not blank.  chunkvar tables do not
# exist yet; the fixture computes DESIGN §4's seven chunk metrics with numpy
# from the real light curves (widths 1, 2, 4, 8 s, chunks of 12 bins).
cat >"$T/chunkgen.py" <<'PY'
import json, sys
import numpy as np
widths = [float(w) for w in sys.argv[1].split(",")]
K = int(sys.argv[2])
meta, rows = None, []
for line in sys.stdin:
    if line.startswith("# meta: "):
        meta = json.loads(line[8:])
    elif not line.startswith("#") and not line.startswith("time"):
        t, w, b = line.split("\t")
        rows.append((float(t), int(b)))
ev = np.array(rows)
edges, gtis = meta["wbins"]["edges"], meta["gti"]
meta["history"].append("chunkvar --widths %s --chunk %d" % (sys.argv[1], K))
print("# meta: " + json.dumps(meta))
print("wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,ev_smooth,"
      "fano_local,fano_global,adjacent,adjacent_smooth,odd_even")
fmt = lambda v: "" if v is None or not np.isfinite(v) else repr(float(v))
sgnsqrt = lambda x: np.sign(x) * np.sqrt(abs(x))
for wb in list(range(len(edges) - 1)) + [-1]:
    times = ev[:, 0] if wb == -1 else ev[ev[:, 1] == wb, 0]
    lo, hi = (edges[0], edges[-1]) if wb == -1 else (edges[wb], edges[wb + 1])
    for w in widths:
        series = []
        for a, b in gtis:
            n = int(np.floor((b - a) / w))
            series.append((a, np.histogram(times, bins=a + w * np.arange(n + 1))[0]))
        lam = np.concatenate([c for _, c in series]).mean()
        j = 0
        for a, counts in series:
            for k in range(len(counts) // K):
                c = counts[k * K:(k + 1) * K].astype(float)
                mu, s2 = c.mean(), c.var(ddof=1)
                vals = [None] * 7
                if mu > 0:
                    e = sgnsqrt(s2 - mu)
                    adj = sgnsqrt(np.diff(c).var(ddof=1) - 2 * mu)
                    mo, me = c[1::2].mean(), c[0::2].mean()
                    den = np.sqrt(mo / len(c[1::2]) + me / len(c[0::2]))
                    vals = [e, e / np.sqrt(mu), (s2 - mu) / mu, (s2 - lam) / lam, adj,
                            adj / np.sqrt(mu), abs(mo - me) / den if den > 0 else None]
                print("%d,%s,%s,%s,%d,%s,%s,%s,%s" % (wb, fmt(lo), fmt(hi), fmt(w), j, fmt(a + k * K * w),
                      fmt(mu), fmt(s2), ",".join(fmt(v) for v in vals)))
                j += 1
PY
for s in a b; do ev2tsv <"$T/$s.ev" | "$T_PY" "$T/chunkgen.py" 1,2,4,8 12 >"$T/${s}_cv.csv"; done
# not_blank FILE MIN_COLOURED MIN_COLOURS: enough coloured pixels, and
# enough distinct colours (a map is many shades, not one fill).
not_blank='
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = list(im.crop((int(0.1 * w), int(0.15 * h), int(0.9 * w), int(0.9 * h))).getdata())
coloured = sum(1 for p in px if max(p) - min(p) > 60)
colours = len(set(p for p in px if max(p) - min(p) > 60))
assert coloured >= int(sys.argv[2]), "only %d coloured pixels" % coloured
assert colours >= int(sys.argv[3]), "only %d colours" % colours
'
n=43
for spec in "heatmap a_lc.csv b_lc.csv:20000:40" "chunkhist a_cv.csv b_cv.csv:3000:2" \
	"chunkmap a_cv.csv b_cv.csv:20000:3" "counts a_lc.csv b_lc.csv:2000:2"; do
	args=${spec%%:*} limits=${spec#*:}
	set -- $args
	kind=$1
	shift
	if llplot --kind "$kind" "$T/$1" "$T/$2" --size 89mmx80mm -o "$T/$kind.png" 2>"$T/err"; then
		t_py "llplot-$n" "--kind $kind draws real tables at column width" "$not_blank" \
			"$T/$kind.png" "${limits%:*}" "${limits#*:}"
	else
		t_fail "llplot-$n" "--kind $kind draws real tables at column width" "$(cat "$T/err")"
	fi
	n=$((n + 1))
done
t_py llplot-47 "chunkmap: each cell is the share of its chunks in the table's top 1%" '
import csv, sys
import numpy as np
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
v = np.array([float(r["fano_local"]) for r in rows if r["fano_local"] != "" and r["wbin"] != "-1"])
q = np.quantile(v, 0.99)
cells = [r for r in csv.DictReader(open(sys.argv[2])) if r["panel"] == "0" and r["kind"] == "cells"]
assert len(cells) == 12, len(cells)
for c in cells:
    sel = [r for r in rows if r["wbin"] != "-1" and r["fano_local"] != "" and
           abs(float(r["wmin_nm"]) - float(c["xlo"])) < 1e-9 and
           float(c["ylo"]) < float(r["width_s"]) < float(c["yhi"])]
    want = 100.0 * sum(float(r["fano_local"]) >= q for r in sel) / len(sel)
    assert abs(float(c["y"]) - want) < 1e-9, (c, want)
' "$T/a_cv.csv" "$(llplot --kind chunkmap "$T/a_cv.csv" -o "$T/cm.png" --dump "$T/cm.csv" && echo "$T/cm.csv")"
t_error llplot-48 "--metric is only for the chunk kinds" 2 \
	"llplot: --metric: only for chunkhist and chunkmap (see 'llplot --help')" \
	llplot --kind fano --metric ev "$T/a_vs.csv" -o "$T/x.png"
t_error llplot-49 "a chunk table without its columns is an error" 1 \
	"llplot: $T/a_vs.csv: missing column 'width_s'" \
	llplot --kind chunkhist "$T/a_vs.csv" -o "$T/x.png"
gtifilter --gti 339469168.5:339469500,339469700:339470100 <"$T/a.ev" | lcurve --dt 50 >"$T/gap_lc.csv"
llplot --kind heatmap "$T/gap_lc.csv" -o "$T/gap.png" --dump "$T/gap.csv"
t_py llplot-50 "heatmap: the time between two GTIs holds no cell (a white gap), the GTIs are covered" '
import csv, sys
cells = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "cells" and r["y"] != ""]
t0 = 339469168.5
for c in cells:
    lo, hi = float(c["xlo"]), float(c["xhi"])
    assert hi <= 339469500 - t0 + 1e-6 or lo >= 339469700 - t0 - 1e-6, c
cover = sum(float(c["xhi"]) - float(c["xlo"]) for c in cells) / 3
assert abs(cover - (331.5 + 400)) < 1e-6, cover
' "$T/gap.csv"
t_error llplot-51 "a print size too small for 7 pt text is a usage error" 2 \
	"llplot: --size: a print size from 30mmx20mm to 40inx40in, got '20mmx10mm' (see 'llplot --help')" \
	llplot --kind fano --size 20mmx10mm "$T/a_vs.csv" -o "$T/x.png"
t_error llplot-52 "mixed units in --size are a usage error" 2 \
	"llplot: --size: unknown or mixed units in '89mmx600' (px, mm, cm, in, pt) (see 'llplot --help')" \
	llplot --kind fano --size 89mmx600 "$T/a_vs.csv" -o "$T/x.png"
llplot --kind fano --size 8.9x6cm "$T/a_vs.csv" -o "$T/cm.pdf"
t_py llplot-53 "a unit on the height alone holds for both: 8.9x6cm is 252.28 x 170.08 pt" \
	"$pdf_check" "$T/cm.pdf" 252.28346 170.07874

# chunkhist bins by Rice's rule, 2 n^(1/3) for the table with the fewest
# values (10 to 40): narrower bins alias the few values a metric of small
# counts takes into a comb of full and empty bins.
llplot --kind chunkhist --metric fano_local,odd_even "$T/a_cv.csv" "$T/b_cv.csv" -o "$T/ch.png" --dump "$T/ch.csv"
t_py llplot-54 "chunkhist: ceil(2 n^(1/3)) bins (10..40) per metric, n the fewest finite values of a table" '
import csv, math, sys
from collections import Counter
rows = lambda f: list(csv.DictReader(l for l in open(f) if not l.startswith("#")))
a, b = rows(sys.argv[1]), rows(sys.argv[2])
got = Counter((r["panel"], r["series"]) for r in csv.DictReader(open(sys.argv[3])))
for p, m in enumerate(["fano_local", "odd_even"]):
    n = min(sum(1 for r in t if r[m] != "") for t in (a, b))
    want = min(40, max(10, math.ceil(2 * n ** (1 / 3))))
    for s in ("0", "1"):
        assert got[(str(p), s)] == want, (m, s, got[(str(p), s)], want)
' "$T/a_cv.csv" "$T/b_cv.csv" "$T/ch.csv"

# With a frame time psd bins in whole frames: the caption gives the dt and
# segment length used (from the table's frequencies), not the ones asked.
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | psd --dt 0.5 --seg 256 >"$T/framed_psd.csv"
llplot --kind psd "$T/framed_psd.csv" -o "$T/framed_psd.pdf"
"$T_PY" -c "$pdf_text" "$T/framed_psd.pdf" >"$T/framed_psd.txt"
t_check llplot-55 "psd of framed data: the caption says the whole-frame dt and segment used" \
	grep -q "dt = 0.44104 s;  segments of 255.803 s" "$T/framed_psd.txt"

# The interarrival expectation is named for what interarrival used: with
# the stream's timedel ("# note: frames:") a Poisson process seen on the
# frame grid, with --no-frames (or no timedel) the exponential.
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | wrange --min 0.1 --max 1 | wbin --n 3 --min 0.1 --max 1 \
	>"$T/framed.ev"
interarrival <"$T/framed.ev" >"$T/framed_ia.csv"
interarrival --no-frames <"$T/framed.ev" >"$T/free_ia.csv"
caption_of() { llplot --kind interarrival "$@" -o "$T/cap.pdf" && "$T_PY" -c "$pdf_text" "$T/cap.pdf" | tr '\n' ' '; }
caption_of "$T/framed_ia.csv" >"$T/framed_cap.txt"
caption_of "$T/free_ia.csv" >"$T/free_cap.txt"
t_py llplot-56 "interarrival with timedel: the caption names the frame-grid model, not the exponential" '
import sys
t = " ".join(open(sys.argv[1]).read().split())
assert "dotted: the expectation of a Poisson process seen on the 0.441 s frame grid" in t, t
assert "test against that frame-grid model" in t and "exponential" not in t, t
' "$T/framed_cap.txt"
t_py llplot-57 "interarrival --no-frames: the caption says the exponential" '
import sys
t = " ".join(open(sys.argv[1]).read().split())
assert "dotted: the exponential expectation" in t and "test against the exponential" in t, t
assert "frame grid" not in t and "frame-grid" not in t, t
' "$T/free_cap.txt"
llplot --kind interarrival "$T/framed_ia.csv" "$T/framed_ia.csv" -o "$T/x.png" --dump "$T/framed2.csv"
llplot --kind interarrival "$T/framed_ia.csv" "$T/free_ia.csv" -o "$T/x.png" --dump "$T/mixed2.csv"
t_eq llplot-58 "interarrival, two tables: the legend names the frame-grid expectation, or each table's" \
	"frame-grid expectation|expectation" \
	"$(for f in framed2 mixed2; do awk -F, '$3 ~ /expectation/ { print $3 }' "$T/$f.csv" | sort -u; done |
		tr '\n' '|' | sed 's/|$//')"

# One tick label form for the log y axes of a figure's panels: wbin 1 of
# this table reaches 10^6 (10^k labels), so wbin 0's axis (up to a few
# hundred, plain 1, 10, 100 on its own) labels its decades as 10^k too.
{ echo "$meta"; echo "wbin,dt_lo_s,dt_hi_s,count,expected"
  awk 'BEGIN { for (w = 0; w < 2; w++) for (i = 0; i < 30; i++) { lo = i * 0.5; n = w ? 1e6 : 1000; e = n * (exp(-lo) - exp(-lo - 0.5))
	printf "%d,%g,%g,%d,%g\n", w, lo, lo + 0.5, int(e + 0.5), e } }'; } >"$T/ia_big.csv"
llplot --kind interarrival "$T/ia_big.csv" -o "$T/big.pdf"
"$T_PY" -c "$pdf_text" "$T/big.pdf" >"$T/big.txt"
t_py llplot-59 "panels of one figure: every log y axis labels its decades as 10^k when one needs it" '
import sys
lines = [l.strip() for l in open(sys.argv[1])]
assert lines.count("10") >= 8, lines
for plain in ("100", "1000", "10000", "100000"):
    assert plain not in lines, (plain, lines)
' "$T/big.txt"

# psd: the legend above the axes whatever the data, so the A and B figures
# of an analysis have it in the same place: also for a spectrum that
# leaves the corners of the axes free (flat, near 2), where a legend
# would otherwise go inside.
for v in flat spread; do
	{ echo "$meta"; echo "wbin,freq_hz,power,power_err,n_avg"
	  awk -v v=$v 'BEGIN { for (w = 0; w < 2; w++) for (i = 1; i <= 200; i++) {
		p = v == "flat" ? 2 + 0.2 * sin(i * 1.7 + w) : (i % 2 ? 0.03 : 2.5)
		printf "%d,%g,%g,%g,8\n", w, i * 1e-4, p, p / sqrt(8) } }'; } >"$T/psd_$v.csv"
	llplot --kind psd --rebin 1 --yrange 0.01:10 "$T/psd_$v.csv" -o "$T/psd_$v.png"
done
t_py llplot-60 "psd: the legend goes above the axes (its grey frame above the first axes) for any data" '
import sys
from PIL import Image
def legend_above(f):
    im = Image.open(f).convert("L")
    w, h = im.size
    px = im.load()
    top = next(y for y in range(h) if sum(1 for x in range(w) if px[x, y] < 60) > 0.6 * w)
    return any(sum(1 for x in range(w) if 140 <= px[x, y] <= 170) > 0.3 * w for y in range(top))
got = [legend_above(f) for f in sys.argv[1:]]
assert got == [True, True], got
' "$T/psd_flat.png" "$T/psd_spread.png"

# An x title sits close under its tick labels (room for superscript
# exponents only on an axis that has them): in a grid of small panels
# (chunkhist) a title further down reads as the next panel's.
llplot --kind fano "$T/a_vs.csv" -o "$T/gap.png"
t_py llplot-61 "the x title is less than 1.2 tick-label heights below the tick labels" '
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("L")
w, h = im.size
px = im.load()
bottom = max(y for y in range(h) if sum(1 for x in range(w) if px[x, y] < 60) > 0.4 * w)
ink = [any(px[x, y] < 128 for x in range(w)) for y in range(bottom + 1, h)]
runs, y = [], 0
while y < len(ink):
    if ink[y]:
        s = y
        while y < len(ink) and ink[y]:
            y += 1
        runs.append((s, y))
    y += 1
# tick marks, tick labels, the title
assert len(runs) == 3, runs
labels, title = runs[1], runs[2]
assert title[0] - labels[1] < 1.2 * (labels[1] - labels[0]), runs
' "$T/gap.png"

# chunkhist names each table once in the caption, with its line style
# (its small panels have no legend).
llplot --kind chunkhist "$T/a_cv.csv" "$T/b_cv.csv" -o "$T/chcap.pdf"
"$T_PY" -c "$pdf_text" "$T/chcap.pdf" | tr '\n' ' ' >"$T/chcap.txt"
t_py llplot-62 "chunkhist: each table once in the caption, with its line style" '
import re, sys
t = " ".join(open(sys.argv[1]).read().split())
for style in ("blue solid", "orange dashed"):
    m = re.search(r"\b([AB](?:: [^;()]*)?) \(" + style + r"\)", t)
    assert m, (style, t)
    assert t.count(m.group(1)) == 1, (m.group(1), t)
' "$T/chcap.txt"
