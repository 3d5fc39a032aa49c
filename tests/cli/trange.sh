#!/usr/bin/env bash
# trange: the window measured from the first GTI start, half-open, GTIs
# clipped, order kept, metadata, usage and input errors.
. "$(dirname "$0")/../lib.sh"

printf '%s\n' '# meta: {"gti": [[100, 110], [120, 130]], "tstart": 90, "tstop": 140}' \
	'100 0.5' '101 0.6' '105 0.7' '111 0.8' '121 0.5' '125 0.4' '129.5 0.3' | tsv2ev >"$T/in.ev"

trange --start 1 --stop 25 <"$T/in.ev" | ev2tsv --no-meta --no-header >"$T/got"
printf '101\t0.6\t-1\n105\t0.7\t-1\n111\t0.8\t-1\n121\t0.5\t-1\n' >"$T/want"
t_files_eq trange-1 "keeps T0+start <= t < T0+stop (T0 = first GTI start), outside-GTI events too" \
	"$T/want" "$T/got"
t_eq trange-2 "GTIs clipped to the window, exposure their total, tstart/tstop narrowed" \
	'[[101.0,110.0],[120.0,125.0]] 14.0 101.0 125.0' \
	"$(trange --start 1 --stop 25 <"$T/in.ev" >"$T/o.ev"; for k in gti exposure tstart tstop; do ev_meta $k <"$T/o.ev"; done | tr '\n' ' ' | sed 's/ $//')"
t_eq trange-3 "the window is recorded with its reference time" \
	'{"start_s":1.0,"stop_s":25.0,"reference":100.0}' "$(ev_meta time_window <"$T/o.ev")"
t_eq trange-4 "without --stop the window runs to the end of the data" \
	"121 125 129.5 | [[121.0,130.0]] 140" \
	"$(trange --start 21 <"$T/in.ev" >"$T/s.ev"; ev_times <"$T/s.ev" | tr '\n' ' '; echo "| $(ev_meta gti <"$T/s.ev") $(ev_meta tstop <"$T/s.ev")")"
printf '# meta: {"gti": [[0, 10]]}\n3 0.5\n1 0.5\n2 0.5\n' | tsv2ev --unsorted >"$T/uns.ev"
t_eq trange-5 "unsorted input: order kept" "3 2" "$(trange --start 1.5 --stop 5 <"$T/uns.ev" | ev_times | tr '\n' ' ' | sed 's/ $//')"

t_error trange-6 "--stop not above --start is a usage error" 2 \
	"trange: --stop (5 s) must be above --start (5 s) (see 'trange --help')" trange --start 5 --stop 5 <"$T/in.ev"
t_error trange-7 "a negative --start is a usage error" 2 \
	"trange: --start: must be >= 0 s, got '-1' (see 'trange --help')" trange --start -1 <"$T/in.ev"
t_error trange-8 "a non-numeric --stop is a usage error" 2 \
	"trange: --stop: not a finite number: 'x' (see 'trange --help')" trange --stop x <"$T/in.ev"
t_error trange-9 "a window past the GTIs is a runtime error" 1 \
	"trange: stdin: the window 40-50 s after the first GTI start holds no good time (the GTIs end 30 s after it)" \
	trange --start 40 --stop 50 <"$T/in.ev"
ev_from_text '1 0.5\n' >"$T/nogti.ev"
t_error trange-10 "a stream without GTIs is a runtime error" 1 \
	"trange: stdin: no GTI in the metadata to measure the window from: give the good time intervals with gtifilter --gti START:STOP first" \
	trange --stop 5 <"$T/nogti.ev"
t_error trange-11 "empty input is a runtime error" 1 \
	"trange: stdin: empty input: no LLEV header" trange --stop 5 </dev/null
t_run trange --start 40 --stop 50 -o "$T/never.ev" <"$T/in.ev"
t_eq trange-12 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/never.ev" ] && echo present || echo absent)"

# Real data: the ACIS sample's first 300 s hold the events of its first 300 s.
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter >"$T/real.ev"
t_py trange-13 "on real data: the kept events are exactly those of [T0+200, T0+500)" '
import sys, json, struct, numpy as np
def read(path):
    raw = open(path, "rb").read()
    h = struct.unpack("<I", raw[8:12])[0]
    meta = json.loads(raw[12:12 + h]); off = 12 + h; off += (-off) % 8
    return meta, np.frombuffer(raw[off:], dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")])
m0, a = read(sys.argv[1]); m1, b = read(sys.argv[2])
t0 = m0["gti"][0][0]
want = a[(a["time"] >= t0 + 200) & (a["time"] < t0 + 500)]
assert len(b) == len(want) > 1000 and np.array_equal(b, want), (len(b), len(want))
assert m1["gti"] == [[t0 + 200, t0 + 500]] and abs(m1["exposure"] - 300) < 1e-6
' "$T/real.ev" <(trange --start 200 --stop 500 <"$T/real.ev")
# -o onto something that is not a regular file (a FIFO here; /dev/null alike)
# writes through it: renaming a temporary over it would replace it by a file.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fromfifo" &
trange --start 1 --stop 25 -o "$T/fifo" <"$T/in.ev"
wait
t_eq trange-14 "-o onto a FIFO writes through it and leaves it a FIFO" "fifo 4" \
	"$([ -p "$T/fifo" ] && echo fifo || echo replaced) $(ev_times <"$T/fromfifo" | wc -l)"
