#!/usr/bin/env bash
# wbin: [edge_i, edge_i+1) bins, the last closed, outsiders and NaN cut, edges
# in metadata, --n linear and --log edges, usage and input errors.
. "$(dirname "$0")/../lib.sh"

ev_from_text '1 0.05\n2 0.1\n3 0.15\n4 0.2\n5 nan\n6 0.3\n7 0.4\n8 0.45\n9 0.5\n10 0.6\n' >"$T/in.ev"

wbin --edges 0.1,0.2,0.4,0.5 <"$T/in.ev" | ev2tsv --no-meta --no-header >"$T/got"
printf '2\t0.1\t0\n3\t0.15\t0\n4\t0.2\t1\n6\t0.3\t1\n7\t0.4\t2\n8\t0.45\t2\n9\t0.5\t2\n' >"$T/want"
t_files_eq wbin-1 "bins are [e_i, e_i+1), the last closed; outside and NaN cut" "$T/want" "$T/got"

t_eq wbin-2 "the edges go into the metadata" '{"edges":[0.1,0.2,0.4,0.5]}' \
	"$(wbin --edges 0.1,0.2,0.4,0.5 <"$T/in.ev" | ev_meta wbins)"

t_py wbin-3 "--n 4 --min 0.1 --max 0.5 gives 4 linear edges" '
import json, sys
e = json.loads(sys.argv[1])["edges"]
want = [0.1, 0.2, 0.3, 0.4, 0.5]
assert len(e) == 5 and all(abs(a - b) < 1e-12 for a, b in zip(e, want)), e
' "$(wbin --n 4 --min 0.1 --max 0.5 <"$T/in.ev" | ev_meta wbins)"

wbin --n 4 --min 0.1 --max 0.5 <"$T/in.ev" | ev2tsv --no-meta --no-header | cut -f3 | paste -sd ' ' >"$T/got"
t_eq wbin-4 "--n linear bins assign the same indices as the edges" "0 0 1 2 3 3 3" "$(cat "$T/got")"

t_py wbin-5 "--log edges are geometric with exact end points" '
import json, sys, math
e = json.loads(sys.argv[1])["edges"]
assert e[0] == 0.1 and e[-1] == 1.0 and len(e) == 4, e
want = [0.1 * 10 ** (i / 3) for i in range(4)]
assert all(abs(a - b) <= 1e-12 * b for a, b in zip(e, want)), e
' "$(wbin --n 3 --log --min 0.1 --max 1 <"$T/in.ev" | ev_meta wbins)"

ev_from_text '1 0.1\n2 0.2\n3 0.2154\n4 0.4641\n5 0.4642\n6 0.99\n7 1\n8 1.01\n' |
	wbin --n 3 --log --min 0.1 --max 1 | ev2tsv --no-meta --no-header | cut -f3 | paste -sd ' ' >"$T/got"
t_eq wbin-6 "--log bins: edges 0.1, 0.2154, 0.4642, 1" "0 0 0 1 2 2 2" "$(cat "$T/got")"

# A bigger check against numpy: 20000 wavelengths, many on the edges.
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%d %s\n", i, (i % 3 == 0) ? (i % 41) / 40 : (i * 37 % 1000) / 997 }' |
	tsv2ev >"$T/many.ev"
wbin --n 40 --min 0 --max 1 <"$T/many.ev" >"$T/many.out.ev"
t_py wbin-7 "20000 events (a third on edges) binned as numpy bins them at float precision" '
import sys, numpy as np
def load(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    return np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
a, got = load(sys.argv[1]), load(sys.argv[2])
fe = np.linspace(0, 1, 41).astype(np.float32)
w = a["wavelength"]
keep = (w >= fe[0]) & (w <= fe[-1])
b = np.searchsorted(fe, w[keep], side="right") - 1
b[b == 40] = 39
assert len(got) == keep.sum(), (len(got), keep.sum())
assert (got["time"] == a["time"][keep]).all()
assert (got["wbin"] == b).all(), np.nonzero(got["wbin"] != b)[0][:10]
' "$T/many.ev" "$T/many.out.ev"

t_eq wbin-8 "an edge given as 0.6 keeps an event stored as 0.6 (float comparison)" "1" \
	"$(ev_from_text '1 0.6\n' | wbin --edges 0.3,0.6 | ev2tsv --no-meta --no-header | wc -l)"

t_error wbin-9 "--edges and --n together are a usage error" 2 \
	"wbin: --edges and --n are mutually exclusive (see 'wbin --help')" \
	wbin --edges 0.1,0.2 --n 3 --min 0.1 --max 1 <"$T/in.ev"
t_error wbin-10 "edges not strictly increasing are a usage error" 2 \
	"wbin: --edges: not strictly increasing: 0.2 after 0.2 (see 'wbin --help')" \
	wbin --edges 0.1,0.2,0.2 <"$T/in.ev"
t_error wbin-11 "a single edge is a usage error" 2 \
	"wbin: --edges: at least 2 edges are needed (see 'wbin --help')" wbin --edges 0.1 <"$T/in.ev"
t_error wbin-12 "--n 0 is a usage error" 2 \
	"wbin: --n: must be between 1 and 1000000: '0' (see 'wbin --help')" \
	wbin --n 0 --min 0.1 --max 1 <"$T/in.ev"
t_error wbin-13 "--min not below --max is a usage error" 2 \
	"wbin: --min 1 is not less than --max 1 (see 'wbin --help')" wbin --n 2 --min 1 --max 1 <"$T/in.ev"
t_error wbin-14 "--log with --min 0 is a usage error" 2 \
	"wbin: --log needs --min greater than 0: 0 (see 'wbin --help')" \
	wbin --n 2 --log --min 0 --max 1 <"$T/in.ev"
t_error wbin-15 "--n without --max is a usage error" 2 \
	"wbin: --n needs both --min and --max (see 'wbin --help')" wbin --n 2 --min 0.1 <"$T/in.ev"
t_error wbin-16 "no bins at all is a usage error" 2 \
	"wbin: give the bins with --edges or --n (see 'wbin --help')" wbin <"$T/in.ev"
t_error wbin-17 "--min with --edges is a usage error" 2 \
	"wbin: --min, --max and --log go with --n, not --edges (see 'wbin --help')" \
	wbin --edges 0.1,0.2 --min 0.1 <"$T/in.ev"
t_error wbin-18 "edges equal at float precision are a usage error" 2 \
	"wbin: edges 0.100000001 and 0.100000002 are equal at float precision (see 'wbin --help')" \
	wbin --edges 0.100000001,0.100000002 <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 7 )) "$T/in.ev" >"$T/trunc.ev"
t_error wbin-19 "a truncated stream names its byte offset" 1 \
	"wbin: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 9 of 16 bytes" \
	wbin --edges 0.1,0.5 <"$T/trunc.ev"
t_run wbin --edges 0.1,0.5 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq wbin-20 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] && echo present || echo absent)"
wbin --n 10 --min 0 --max 1 <"$T/many.ev" 2>"$T/pipe.err" | head -c 100 >/dev/null
st=${PIPESTATUS[0]}
t_eq wbin-21 "a closed downstream pipe ends quietly" "ok " \
	"$([ "$st" = 0 ] || [ "$st" = 141 ] && echo ok) $(cat "$T/pipe.err")"

# Edges above 0 are binned through a table of the wavelength's float bits
# (edges at 0 or below, as wbin-7's, through a search): every edge and the
# floats two steps either side, for edge sets that give coarse and fine
# tables and one with edges a float step apart, against numpy.
t_py wbin-22 "edges > 0 (the bit table): every edge and its float neighbours binned as numpy bins them" '
import subprocess, numpy as np
def stream(w):
    rec = np.zeros(len(w), dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")])
    rec["time"] = np.arange(len(w)); rec["wavelength"] = w; rec["wbin"] = -1
    meta = b"{}" + b" " * 6
    return b"LLEV" + np.array([1, 16], "<u2").tobytes() + np.array([len(meta)], "<u4").tobytes() + meta + rec.tobytes()
def load(b):
    h = int.from_bytes(b[8:12], "little")
    return np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
cases = [
    (["--edges", "0.1,0.19,0.28,0.37,0.46,0.55,0.64,0.73,0.82,0.91,1.0"], np.linspace(0.1, 1, 11)),
    (["--n", "1000", "--min", "0.1", "--max", "1"], np.linspace(0.1, 1, 1001)),
    (["--n", "40", "--log", "--min", "0.1", "--max", "1"], 0.1 * 10 ** (np.arange(41) / 40)),
    (["--edges", "0.2,0.2000001,0.2000002,0.5"], np.array([0.2, 0.2000001, 0.2000002, 0.5])),
]
for args, edges in cases:
    fe = edges.astype(np.float32)
    w = [np.float32(x) for x in (np.nan, 0.0, -0.0, 0.05, 1.5, 3e38)]
    for e in fe:
        lo = hi = e
        w.append(e)
        for _ in range(2):
            lo = np.nextafter(lo, np.float32(-1)); hi = np.nextafter(hi, np.float32(2))
            w += [lo, hi]
    w = np.array(w, dtype=np.float32)
    out = subprocess.run(["wbin"] + args, input=stream(w), capture_output=True, check=True).stdout
    got = load(out)
    keep = (w >= fe[0]) & (w <= fe[-1])
    b = np.searchsorted(fe, w[keep], side="right") - 1
    b[b == len(fe) - 1] = len(fe) - 2
    assert len(got) == keep.sum(), (args, len(got), keep.sum())
    assert (got["wavelength"].view("<u4") == w[keep].view("<u4")).all(), args
    assert (got["wbin"] == b).all(), (args, np.nonzero(got["wbin"] != b)[0][:10])
'
