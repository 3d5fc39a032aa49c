#!/usr/bin/env bash
# chunkvar: every row against an independent numpy implementation on real
# data, exact answers on a hand-made stream, chunks inside GTIs, frames,
# random chunks, errors.
. "$(dirname "$0")/../lib.sh"
REF="$T_ROOT/tests/chunkvar_numpy.py"

# rows FILE: the table's rows without comments and header.
rows() { grep -v '^#' "$1" | tail -n +2; }

# cmp_rows A B TOL: numeric cells equal to TOL relative, empty cells alike.
cmp_rows() {
	"$T_PY" - "$1" "$2" "$3" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1]))); b = list(csv.reader(open(sys.argv[2]))); tol = float(sys.argv[3])
if len(a) != len(b) or not a:
    sys.exit(f"{len(a)} rows vs {len(b)}")
bad = 0
for i, (x, y) in enumerate(zip(a, b), 1):
    for c, (u, v) in enumerate(zip(x, y)):
        if (u == "") != (v == "") or (u and abs(float(u) - float(v)) >
                                      tol * max(abs(float(u)), abs(float(v))) + 1e-12):
            print(f"row {i} col {c}: '{u}' vs '{v}'"); bad += 1
sys.exit(1 if bad else 0)
PY
}

fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter | wrange --min 0.1 --max 1 |
	wbin --n 3 --min 0.1 --max 1 >"$T/a.ev"
chunkvar --widths 1:30:4 --no-frames <"$T/a.ev" >"$T/a.csv"
rows "$T/a.csv" >"$T/a.rows"
"$T_PY" "$REF" "$T/a.ev" $(rows "$T/a.csv" | cut -d, -f4 | sort -u -g) >"$T/a.ref"
t_check chunkvar-1 "M82 sample, 3 wbins and all events, 4 widths: every row equals numpy's (1e-9)" \
	cmp_rows "$T/a.rows" "$T/a.ref" 1e-9
t_eq chunkvar-2 "the header is DESIGN §4's schema" \
	"wbin,wmin_nm,wmax_nm,width_s,chunk,time_start,mean,variance,ev,ev_smooth,fano_local,fano_global,adjacent,adjacent_smooth,odd_even" \
	"$(grep -v '^#' "$T/a.csv" | head -1)"

# Two GTIs of 10 s and 6.5 s, 1 s bins, K 4: GTI 1 has chunks [0,4) [4,8)
# (bins 8, 9 in none), GTI 2 one chunk [100,104) (bins 104, 105 in none).
# Counts: bins 0..7 = 1 3 1 3 | 0 0 0 0, bins 8..9 = 5 5, GTI 2 = 2 2 2 2, 1 1.
printf '# meta: {"gti":[[0,10],[100,106.5]],"sorted":true}\n' >"$T/h.txt"
"$T_PY" - >>"$T/h.txt" <<'PY'
counts = {0: 1, 1: 3, 2: 1, 3: 3, 8: 5, 9: 5, 100: 2, 101: 2, 102: 2, 103: 2, 104: 1, 105: 1}
for b, c in sorted(counts.items()):
    for i in range(c):
        print(b + 0.1 + 0.1 * i)
PY
tsv2ev <"$T/h.txt" >"$T/h.ev"
chunkvar --widths 1:1:1 --chunk 4 <"$T/h.ev" >"$T/h.csv"
# lambda = 28 events / 16 full bins = 1.75; chunk 0: S2 4/3, differences 2 -2 2
# (variance 16/3), alternate means 1 and 3.
cat >"$T/h.want" <<'EOF2'
-1,,,1,0,0,2,1.3333333333333333,-0.816496580927726,-0.5773502691896257,-0.33333333333333337,-0.2380952380952381,1.1547005383792517,0.816496580927726,1.414213562373095
-1,,,1,1,4,0,0,,,,-1,,,
-1,,,1,2,100,2,0,-1.4142135623730951,-1,-1,-1,-2,-1.4142135623730951,0
EOF2
t_check chunkvar-3 "hand-made stream: exact rows, empty bins as zeros, no chunk across a GTI gap or past a GTI's whole chunks" \
	cmp_rows "$T/h.want" <(rows "$T/h.csv") 1e-12

ev_set_meta '{"timedel": 3.0, "timepixr": 0.5}' <"$T/a.ev" >"$T/f.ev"
chunkvar --widths 1:10:5 --chunk 4 <"$T/f.ev" >"$T/f.csv"
t_eq chunkvar-4 "with timedel 3 s: widths in whole frames, those below a frame dropped with a note" \
	"3 6 9|# note: 2 widths below one frame (3 s) dropped" \
	"$(rows "$T/f.csv" | cut -d, -f4 | sort -u -g | tr '\n' ' ' | sed 's/ $//')|$(grep '^# note: 2 widths' "$T/f.csv")"

chunkvar --widths 1:5:3 --chunks 5 --seed 3 <"$T/a.ev" >"$T/r1.csv"
chunkvar --widths 1:5:3 --chunks 5 --seed 3 <"$T/a.ev" >"$T/r2.csv"
chunkvar --widths 1:5:3 <"$T/a.ev" >"$T/all.csv"
t_py chunkvar-5 "--chunks 5: five distinct chunks of each (wbin, width), rows of the full table, in order; same seed, same table" '
import csv, sys, collections
def rows(p): return [r for r in csv.reader(l for l in open(p) if not l.startswith("#"))][1:]
r1, r2, full = rows(sys.argv[1]), rows(sys.argv[2]), rows(sys.argv[3])
assert r1 == r2, "same seed gave different tables"
assert set(map(tuple, r1)) <= set(map(tuple, full)), "a row not in the full table"
g = collections.defaultdict(list)
for r in r1: g[(r[0], r[3])].append(int(r[4]))
assert len(g) == 12 and all(len(v) == 5 and v == sorted(set(v)) for v in g.values()), g
' "$T/r1.csv" "$T/r2.csv" "$T/all.csv"
t_eq chunkvar-6 "the seed is recorded in the metadata" '"seeds":[{"program":"chunkvar","seed":3}]' \
	"$(head -1 "$T/r1.csv" | grep -o '"seeds":\[[^]]*\]')"

# Without GTIs: the events' span, with a note.
printf '1.5\n2.5\n3.5\n4.5\n9.5\n' | tsv2ev >"$T/n.ev"
chunkvar --widths 1:1:1 --chunk 2 <"$T/n.ev" >"$T/n.csv"
t_eq chunkvar-7 "no GTI: bins over the events' span (4 chunks of 2 s in 8 s), with a note" "4 1" \
	"$(rows "$T/n.csv" | wc -l) $(grep -c "^# note: .*GTI" "$T/n.csv")"

t_error chunkvar-8 "--widths is required" 2 \
	"chunkvar: --widths MIN:MAX:COUNT is required (see 'chunkvar --help')" chunkvar <"$T/a.ev"
t_error chunkvar-9 "a chunk of one bin is a usage error" 2 \
	"chunkvar: --chunk: must be 2 to 100000 bins, got 1 (see 'chunkvar --help')" \
	chunkvar --widths 1:2:2 --chunk 1 <"$T/a.ev"
printf '2\n1\n' | tsv2ev --unsorted >"$T/u.ev"
t_error chunkvar-10 "unsorted input is refused" 1 "chunkvar: *sorted*" chunkvar --widths 1:1:1 <"$T/u.ev"
t_error chunkvar-11 "a malformed --widths is a usage error" 2 \
	"chunkvar: --widths: expected MIN:MAX:COUNT, got '1:2' (see 'chunkvar --help')" \
	chunkvar --widths 1:2 <"$T/a.ev"
