#!/usr/bin/env bash
# gtifilter: [start, stop) intervals from the metadata, narrowed by --gti,
# metadata gti/exposure updated, unsorted input, usage and input errors.
. "$(dirname "$0")/../lib.sh"

echo '{"gti": [[10, 20], [30, 40]], "tstart": 0, "tstop": 50}' >"$T/meta.json"
printf '5 0.1\n10 0.2\n15 0.3\n20 0.4\n25 0.5\n30 0.6\n39.5 0.7\n40 0.8\n45 0.9\n' |
	tsv2ev --meta "$T/meta.json" >"$T/in.ev"

gtifilter <"$T/in.ev" | ev2tsv --no-meta --no-header | cut -f1 | paste -sd ' ' >"$T/got"
t_eq gtifilter-1 "events outside [start, stop) of the metadata GTIs are dropped" "10 15 30 39.5" "$(cat "$T/got")"
t_eq gtifilter-2 "metadata gti and exposure are those used" '[[10.0,20.0],[30.0,40.0]] 20.0' \
	"$(gtifilter <"$T/in.ev" >"$T/o.ev"; ev_meta gti <"$T/o.ev") $(ev_meta exposure <"$T/o.ev")"

gtifilter --gti 12:35,39:100 <"$T/in.ev" >"$T/n.ev"
t_eq gtifilter-3 "--gti narrows the metadata GTIs (intersection)" "15 30 39.5" \
	"$(ev_times <"$T/n.ev" | paste -sd ' ')"
t_eq gtifilter-4 "narrowed GTIs and their exposure go into the metadata" '[[12.0,20.0],[30.0,35.0],[39.0,40.0]] 14.0' \
	"$(ev_meta gti <"$T/n.ev") $(ev_meta exposure <"$T/n.ev")"

printf '5 0.1\n10 0.2\n15 0.3\n25 0.5\n' | tsv2ev >"$T/nogti.ev"
t_eq gtifilter-5 "without metadata GTIs --gti alone defines them" "10 15 | [[8.0,20.0]]" \
	"$(gtifilter --gti 8:20 <"$T/nogti.ev" >"$T/g.ev"; ev_times <"$T/g.ev" | paste -sd ' ') | $(ev_meta gti <"$T/g.ev")"

# Many GTIs, unsorted and sorted streams, checked with numpy.
awk 'BEGIN { printf "{\"gti\": ["; for (i = 0; i < 300; i++) printf "%s[%d, %d]", i ? "," : "", i * 100 + i % 7, i * 100 + 50 + i % 11; print "]}" }' >"$T/many.json"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%.2f 0.5\n", i * 0.3 }' | tsv2ev --meta "$T/many.json" >"$T/many.ev"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%.2f 0.5\n", (i * 7919 % 100000) * 0.3 }' |
	tsv2ev --unsorted --meta "$T/many.json" >"$T/unsorted.ev"
gtifilter --gti 1000:25000 <"$T/many.ev" >"$T/many.out.ev"
gtifilter --gti 1000:25000 <"$T/unsorted.ev" >"$T/unsorted.out.ev"
t_py gtifilter-6 "no event outside a GTI, none inside lost (sorted and unsorted input)" '
import sys, json, numpy as np
def load(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    return json.loads(b[12:12 + h]), np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
for src, out in [(sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])]:
    _, a = load(src)
    meta, got = load(out)
    g = np.array(meta["gti"])
    assert len(g) > 200 and g.min() >= 1000 and g.max() <= 25000, g
    inside = ((a["time"][:, None] >= g[:, 0]) & (a["time"][:, None] < g[:, 1])).any(axis=1)
    assert (got == a[inside]).all() and len(got) == inside.sum(), (len(got), inside.sum())
    assert abs(meta["exposure"] - (g[:, 1] - g[:, 0]).sum()) < 1e-9
' "$T/many.ev" "$T/many.out.ev" "$T/unsorted.ev" "$T/unsorted.out.ev"
t_eq gtifilter-7 "sorted stays as it was" "true false" \
	"$(ev_meta sorted <"$T/many.out.ev") $(ev_meta sorted <"$T/unsorted.out.ev")"

t_error gtifilter-8 "no GTI anywhere is an error suggesting --gti" 1 \
	"gtifilter: stdin: no GTI in the metadata: give the good time intervals with --gti START:STOP" \
	gtifilter <"$T/nogti.ev"
# The expected message is a glob: its brackets are escaped.
t_error gtifilter-9 "a malformed --gti is a usage error" 2 \
	"gtifilter: --gti: expected START:STOP\\[,START:STOP...\\] with START < STOP: '5:3' (see 'gtifilter --help')" \
	gtifilter --gti 5:3 <"$T/in.ev"
t_error gtifilter-10 "an unknown option is a usage error" 2 \
	"gtifilter: unknown option '--bogus' (see 'gtifilter --help')" gtifilter --bogus <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 1 )) "$T/in.ev" >"$T/trunc.ev"
t_error gtifilter-11 "a truncated stream names its byte offset" 1 \
	"gtifilter: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 15 of 16 bytes" \
	gtifilter <"$T/trunc.ev"
t_run gtifilter -o "$T/partial.ev" <"$T/trunc.ev"
t_eq gtifilter-12 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] && echo present || echo absent)"
t_run gtifilter -o "$T/partial2.ev" <"$T/nogti.ev"
t_eq gtifilter-13 "a missing GTI leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial2.ev" ] && echo present || echo absent)"
gtifilter <"$T/many.ev" 2>"$T/pipe.err" | head -c 100 >/dev/null
st=${PIPESTATUS[0]}
t_eq gtifilter-14 "a closed downstream pipe ends quietly" "ok " \
	"$([ "$st" = 0 ] || [ "$st" = 141 ] && echo ok) $(cat "$T/pipe.err")"

if command -v fits2ev >/dev/null 2>&1 && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter >"$T/sample.ev"
	t_py gtifilter-15 "on the shipped sample, the events kept are those astropy finds in the GTI extension" '
import sys, numpy as np
from astropy.io import fits
f = fits.open(sys.argv[1])
t = f["EVENTS"].data["TIME"]
g = np.array([f["GTI"].data["START"], f["GTI"].data["STOP"]]).T
want = np.sort(t[((t[:, None] >= g[:, 0]) & (t[:, None] < g[:, 1])).any(axis=1)])
b = open(sys.argv[2], "rb").read()
h = int.from_bytes(b[8:12], "little")
got = np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
assert len(got) == len(want) == 4608, (len(got), len(want))
assert (np.sort(got["time"]) == want).all()
' "$T_SAMPLE/chandra_test.fits" "$T/sample.ev"
else
	t_skip gtifilter-15 "on the shipped sample, the events kept are those astropy finds" "fits2ev is not built"
fi
t_error gtifilter-16 "a hexadecimal --gti bound is a usage error" 2 \
	"gtifilter: --gti: expected START:STOP\\[,START:STOP...\\] with START < STOP: '0x10:100' (see 'gtifilter --help')" \
	gtifilter --gti 0x10:100 <"$T/in.ev"

# A sorted stream is filtered a run per interval (binary search), an
# unsorted one event by event: 60000 events over several blocks, GTIs with
# edges on event times, between them and at block ends, some intervals
# holding no event, through both ways, against numpy.
t_py gtifilter-17 "sorted and unsorted streams of several blocks keep exactly the events numpy finds in [start, stop)" '
import subprocess, json, numpy as np
rng = np.random.default_rng(17)
n = 60000
t = np.sort(rng.uniform(0, 1000, n)).round(2)
gti = [[t[0], t[100]], [t[16383], t[16384]], [t[16384], t[20000] + 0.001], [500.0, 500.0 + 1e-9],
       [t[40000] - 0.001, t[40000]], [t[50000], 2000.0]]
gti = sorted(gti)
def stream(times, sorted_):
    rec = np.zeros(len(times), dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")])
    rec["time"] = times; rec["wavelength"] = 0.5; rec["wbin"] = -1
    meta = json.dumps({"gti": gti, "sorted": sorted_}).encode()
    meta += b" " * ((-(12 + len(meta))) % 8)
    return b"LLEV" + np.array([1, 16], "<u2").tobytes() + np.array([len(meta)], "<u4").tobytes() + meta + rec.tobytes()
def load(b):
    h = int.from_bytes(b[8:12], "little")
    return np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
g = np.array(gti)
for times, sorted_ in ((t, True), (np.concatenate([t[30000:], t[:30000]]), False)):
    got = load(subprocess.run(["gtifilter"], input=stream(times, sorted_), capture_output=True, check=True).stdout)
    inside = ((times[:, None] >= g[:, 0]) & (times[:, None] < g[:, 1])).any(axis=1)
    want = times[inside]
    assert len(got) == len(want), (sorted_, len(got), len(want))
    assert (got["time"] == want).all(), sorted_
'
