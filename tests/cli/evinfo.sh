#!/usr/bin/env bash
# evinfo: exact counts per wbin and text summary on a fixture, --json keys,
# exposure sources, empty stream, unsorted input, bad wbins, errors.
. "$(dirname "$0")/../lib.sh"

cat >"$T/meta.json" <<'JSON'
{"dataset": "fixture", "obs_id": 1234, "object": "Test star", "instrument": "ACIS",
 "mjdref": 50814.0, "timesys": "TT", "gti": [[100, 150], [160, 210]]}
JSON
printf '100 0.1\n101 0.25\n102 nan\n103 0.3\n120.5 0.12\n130 0.9\n200 0.55\n' |
	tsv2ev --meta "$T/meta.json" >"$T/raw.ev"
wbin --edges 0.1,0.2,0.5,1 <"$T/raw.ev" >"$T/in.ev"

evinfo <"$T/in.ev" >"$T/got"
cat >"$T/want" <<'EOF2'
events         6
first time     100.000000 s
last time      200.000000 s
span           100.000000 s
gtis           2
exposure       100.000 s (from metadata GTIs)
mean rate      0.06 counts/s
sorted         yes
wavelength     0.1 .. 0.9 nm
no wavelength  0
wbins          3 bins
    wbin  wmin_nm       wmax_nm             events
       0  0.1           0.2                      2
       1  0.2           0.5                      2
       2  0.5           1                        2
dataset        fixture
obs_id         1234
object         Test star
instrument     ACIS
mjdref         50814.0
timesys        TT
history        tsv2ev --meta TMP/meta.json
               wbin --edges 0.1,0.2,0.5,1
EOF2
sed -i "s|TMP|$T|" "$T/want"
t_files_eq evinfo-1 "text summary of a binned fixture, exact" "$T/want" "$T/got"

evinfo --json <"$T/in.ev" >"$T/j.json"
t_py evinfo-2 "--json parses and carries the exact counts and keys" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["events"] == 6 and j["unbinned"] == 0 and j["wbins_assigned"] is True, j
assert [(b["wbin"], b["count"], b["wmin_nm"], b["wmax_nm"]) for b in j["wbins"]] == \
    [(0, 2, 0.1, 0.2), (1, 2, 0.2, 0.5), (2, 2, 0.5, 1.0)], j["wbins"]
assert (j["first_time"], j["last_time"], j["span_s"]) == (100, 200, 100), j
assert (j["gti_count"], j["exposure_s"], j["exposure_from"]) == (2, 100, "gti"), j
assert abs(j["rate_cps"] - 0.06) < 1e-15 and j["sorted"] is True, j
assert (j["wavelength_min_nm"], j["wavelength_max_nm"], j["wavelength_nan"]) == (0.1, 0.9, 0), j
assert (j["dataset"], j["obs_id"], j["object"], j["instrument"], j["detnam"], j["mjdref"], j["timesys"]) == \
    ("fixture", 1234, "Test star", "ACIS", None, 50814.0, "TT"), j
assert len(j["history"]) == 2, j["history"]
' "$T/j.json"

t_py evinfo-3 "unbinned stream: NaN counted, every event wbin -1" '
import json, sys
j = json.loads(sys.argv[1])
assert (j["events"], j["unbinned"], j["wbins"], j["wbins_assigned"], j["wavelength_nan"]) == (7, 7, [], False, 1), j
' "$(evinfo --json <"$T/raw.ev")"

printf '5 0.1\n9 0.2\n7 0.3\n' | tsv2ev --unsorted --meta <(echo '{"tstart": 0, "tstop": 20}') >"$T/uns.ev"
t_py evinfo-4 "tstart/tstop without GTIs not used: exposure the events span; unsorted seen; first/last are earliest/latest" '
import json, sys
j = json.loads(sys.argv[1])
assert (j["exposure_s"], j["exposure_from"], j["gti_count"], j["rate_cps"]) == (4, "events", 0, 0.75), j
assert (j["sorted"], j["first_time"], j["last_time"], j["span_s"]) == (False, 5, 9, 4), j
' "$(evinfo --json <"$T/uns.ev")"

t_py evinfo-5 "exposure from the event span when metadata has neither" '
import json, sys
j = json.loads(sys.argv[1])
assert (j["exposure_s"], j["exposure_from"], j["rate_cps"]) == (4, "events", 0.75), j
' "$(printf '1 0.1\n2 0.1\n5 0.1\n' | tsv2ev | evinfo --json)"

t_py evinfo-6 "an empty stream gives zero counts, not an error" '
import json, sys
j = json.loads(sys.argv[1])
assert (j["events"], j["first_time"], j["span_s"], j["rate_cps"], j["wavelength_min_nm"]) == (0, None, None, None, None), j
' "$(tsv2ev </dev/null | evinfo --json)"
t_eq evinfo-7 "an empty stream in text says 0 events" "events         0" "$(tsv2ev </dev/null | evinfo | head -n 1)"

t_py evinfo-8 "wbins set by a custom filter without edges are counted" '
import json, sys
j = json.loads(sys.argv[1])
assert [(b["wbin"], b["count"], b["wmin_nm"]) for b in j["wbins"]] == [(0, 1, None), (1, 0, None), (2, 2, None)], j
assert j["unbinned"] == 1, j
' "$(printf '1 0.1 2\n2 0.1 0\n3 0.1 -1\n4 0.1 2\n' | tsv2ev | evinfo --json)"

printf '1 0.1 0\n2 0.1 3\n' | tsv2ev --meta <(echo '{"wbins": {"edges": [0.1, 0.2, 0.3]}}') >"$T/badbin.ev"
t_error evinfo-9 "a wbin beyond the metadata edges is an error" 1 \
	"evinfo: stdin: event 1: wbin 3 is outside the 2 bins of the metadata edges" evinfo <"$T/badbin.ev"
t_error evinfo-10 "a wbin above the limit is an error" 1 \
	"evinfo: stdin: event 0: wbin 1000000 is above the limit of 1000000 bins" \
	sh -c 'printf "1 0.1 1000000\n" | tsv2ev | evinfo'
t_error evinfo-11 "an unknown option is a usage error" 2 \
	"evinfo: unknown option '--bogus' (see 'evinfo --help')" evinfo --bogus <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 2 )) "$T/in.ev" >"$T/trunc.ev"
t_error evinfo-12 "a truncated stream names its byte offset" 1 \
	"evinfo: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 14 of 16 bytes" \
	evinfo <"$T/trunc.ev"
t_run evinfo -o "$T/partial.txt" <"$T/trunc.ev"
t_eq evinfo-13 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.txt" ] && echo present || echo absent)"
evinfo --json -o "$T/o.json" <"$T/in.ev"
t_files_eq evinfo-14 "-o writes what stdout gets" "$T/j.json" "$T/o.json"

if command -v fits2ev >/dev/null 2>&1 && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	t_eq evinfo-15 "the shipped sample holds 4612 events" "4612" \
		"$(fits2ev "$T_SAMPLE/chandra_test.fits" | evinfo --json | "$T_PY" -c 'import json,sys; print(json.load(sys.stdin)["events"])')"
else
	t_skip evinfo-15 "the shipped sample holds 4612 events" "fits2ev is not built"
fi

# The stowed HRC-I background has no GTI; its TSTART..TSTOP (15,088 s) holds
# 2.2 ks without events.
if command -v fits2ev >/dev/null && [ -f "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" ]; then
	t_py evinfo-16 "no GTI (stowed background): exposure is the events span, 12873.2 s, not TSTOP - TSTART" '
import json, sys
j = json.loads(sys.argv[1])
assert j["exposure_from"] == "events" and j["exposure_s"] == j["span_s"], j
assert abs(j["exposure_s"] - 12873.232207) < 1e-5, j["exposure_s"]
' "$(fits2ev --no-wavelength "$T_CHANDRA/hrcf383576042N002_evt1.fits.gz" | evinfo --json)"
else
	t_skip evinfo-16 "no GTI (stowed background): exposure is the events span" "fits2ev is not built"
fi
# -o FIFO (the stdio path of atomic output): written through, the FIFO stays.
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/fifo.txt" &
reader=$!
fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/sample.ev"
timeout 20 evinfo -o "$T/fifo" <"$T/sample.ev"; st=$?
wait "$reader"
t_eq evinfo-17 "-o FIFO: the summary goes through the FIFO, which stays a FIFO" "0 fifo same" \
	"$st $([ -p "$T/fifo" ] && echo fifo || echo replaced) $(evinfo <"$T/sample.ev" | cmp -s - "$T/fifo.txt" && echo same || echo differ)"

# The wavelength range is found several events at a time; of equal values
# the first seen is the one reported, which only -0 and +0 tell apart.
t_eq evinfo-18 "wavelength range: of -0 and +0 the first seen is reported, in either order" \
	"0 .. 0.5 nm|-0 .. 0.5 nm" \
	"$(ev_from_text '1 0\n2 -0\n3 0.5\n4 0.25\n5 nan\n' | evinfo | sed -n 's/^wavelength  *//p')|$(ev_from_text '1 -0\n2 0\n3 0.5\n4 0.25\n5 nan\n' | evinfo | sed -n 's/^wavelength  *//p')"
