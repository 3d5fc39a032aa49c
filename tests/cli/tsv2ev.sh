#!/usr/bin/env bash
# tsv2ev and ev2tsv: the text bridge for custom filters.
. "$(dirname "$0")/../lib.sh"

printf '# a comment\ntime wavelength wbin\n10 0.5 2\n10.25,0.75,-1\n11\t nan\n12.5\n' | tsv2ev >"$T/a.ev"
ev2tsv --no-meta <"$T/a.ev" >"$T/got"
printf 'time\twavelength\twbin\n10\t0.5\t2\n10.25\t0.75\t-1\n11\tnan\t-1\n12.5\tnan\t-1\n' >"$T/want"
t_files_eq tsv2ev-1 "tabs, spaces and commas; missing wavelength is NaN, missing wbin -1; header skipped" "$T/want" "$T/got"

t_py tsv2ev-2 "numpy reads the stream with the documented dtype" '
import numpy as np, struct, sys
f = open(sys.argv[1], "rb"); head = f.read(12)
assert head[:4] == b"LLEV", head
H = struct.unpack("<I", head[8:12])[0]
assert (12 + H) % 8 == 0, H
a = np.fromfile(sys.argv[1], dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12+H)
assert list(a["time"]) == [10, 10.25, 11, 12.5], a
assert a["wavelength"][0] == np.float32(0.5) and np.isnan(a["wavelength"][2]), a
assert list(a["wbin"]) == [2, -1, -1, -1], a
' "$T/a.ev"

# Exact round trip, metadata included, through text.
"$T_PY" -c '
import numpy as np, sys
r = np.random.default_rng(1)
t = np.sort(r.uniform(1e8, 1e8 + 1000, 5000))
w = r.uniform(0.1, 1, 5000).astype(np.float32)
for a, b, c in zip(t, w, r.integers(-1, 5, 5000)):
    print(repr(float(a)), repr(float(b)), c)
' >"$T/many.txt"
printf '{"dataset":"x","gti":[[1e8,100001000.5]]}' >"$T/m.json"
tsv2ev --meta "$T/m.json" <"$T/many.txt" >"$T/many.ev"
ev2tsv <"$T/many.ev" | tsv2ev >"$T/back.ev"
t_eq tsv2ev-3 "ev2tsv | tsv2ev keeps every record bit for bit" \
	"$(tail -c 80000 "$T/many.ev" | md5sum)" "$(tail -c 80000 "$T/back.ev" | md5sum)"
t_eq tsv2ev-4 "--meta sets metadata; history grows by one entry" '[[100000000.0,100001000.5]] ["tsv2ev --meta '"$T"'/m.json","ev2tsv","tsv2ev"]' \
	"$(ev_meta gti <"$T/back.ev") $(ev_meta history <"$T/back.ev" | sed 's/","/","/g')"

t_eq tsv2ev-5 "empty input gives a header-only stream" "0" "$(tsv2ev </dev/null | ev2tsv --no-meta --no-header | wc -l)"
t_eq tsv2ev-6 "the stream is marked sorted" "true" "$(printf '1\n2\n' | tsv2ev | ev_meta sorted)"
t_eq tsv2ev-7 "--unsorted accepts disorder and says so" "false 2" \
	"$(printf '2\n1\n' | tsv2ev --unsorted | ev_meta sorted) $(printf '2\n1\n' | tsv2ev --unsorted | ev2tsv --no-meta --no-header | wc -l)"

t_error tsv2ev-8 "unsorted times are an error by default" 1 \
	"tsv2ev: stdin: line 2: time is earlier than the previous event's (input must be time-sorted) (or pass --unsorted)" \
	tsv2ev < <(printf '2\n1\n')
t_error tsv2ev-9 "a NaN time is an error naming the line" 1 "tsv2ev: stdin: line 2: time is NaN" \
	tsv2ev < <(printf '1\nnan\n')
t_error tsv2ev-10 "a negative time is an error" 1 "tsv2ev: stdin: line 1: time is negative" \
	tsv2ev < <(printf -- '-5 0.1\n')
t_error tsv2ev-11 "a non-numeric field is an error naming line and field" 1 \
	"tsv2ev: stdin: line 3: wavelength is not a number: 'abc'" tsv2ev < <(printf '1 0.1\n2 0.2\n3 abc\n')
t_error tsv2ev-12 "a fractional wbin is an error" 1 "tsv2ev: stdin: line 1: wbin is not an integer: '1.5'" \
	tsv2ev < <(printf '1 0.1 1.5\n')
t_error tsv2ev-13 "a bad --meta file is an error naming the file" 1 \
	"tsv2ev: $T/bad.json: not valid JSON: line 1: *" tsv2ev --meta "$T/bad.json" < <(printf '1\n') 3>&- \
	< <(printf '{"a":' >"$T/bad.json"; printf '1\n')
t_error tsv2ev-14 "too many fields is an error" 1 \
	"tsv2ev: stdin: line 1: expected at most 3 fields (time, wavelength, wbin)" tsv2ev < <(printf '1 2 3 4\n')
t_run tsv2ev -o "$T/part.ev" < <(printf '1\n2\nx\n')
t_eq tsv2ev-15 "a failed -o run leaves no file" "1 absent" "$T_STATUS $([ -e "$T/part.ev" ] && echo present || echo absent)"

t_error ev2tsv-1 "ev2tsv rejects a stream with an unsupported version" 1 \
	"ev2tsv: stdin: unsupported LLEV version 2 (this build reads version 1)" ev2tsv < <(printf 'LLEV\2\0\20\0\0\0\0\0')
t_error ev2tsv-2 "ev2tsv names a FITS file given as a stream" 1 \
	"ev2tsv: stdin: not an LLEV stream: this is a FITS file (convert it with fits2ev)" ev2tsv <"$T_SAMPLE/chandra_test.fits"
t_error ev2tsv-3 "ev2tsv rejects metadata that is not JSON" 1 \
	"ev2tsv: stdin: metadata is not valid JSON: * (byte offset 12)" ev2tsv < <(printf 'LLEV\1\0\20\0\10\0\0\0{"a":1  ')
t_error ev2tsv-4 "ev2tsv rejects a truncated header" 1 \
	"ev2tsv: stdin: truncated header at byte offset 18: metadata is 16 bytes" ev2tsv < <(printf 'LLEV\1\0\20\0\20\0\0\0{"a":1')
t_error ev2tsv-5 "ev2tsv rejects a header shorter than its prefix" 1 \
	"ev2tsv: stdin: truncated header at byte offset 7: the prefix is 12 bytes" ev2tsv < <(printf 'LLEV\1\0\20')
t_error ev2tsv-6 "ev2tsv rejects a record with a NaN time, naming its offset" 1 \
	"ev2tsv: stdin: bad event 1 at byte offset 32: time is NaN" \
	ev2tsv < <(printf 'LLEV\1\0\20\0\4\0\0\0{}  '; "$T_PY" -c '
import struct, sys; sys.stdout.buffer.write(struct.pack("<dfi", 1, 0.5, -1) + struct.pack("<dfi", float("nan"), 0.5, -1))')
t_error ev2tsv-7 "unknown option" 2 "ev2tsv: unknown option '-x' (see 'ev2tsv --help')" ev2tsv -x
ev2tsv <"$T/many.ev" | head -c 100 >/dev/null 2>"$T/pipe.err"
status=${PIPESTATUS[0]}
t_eq ev2tsv-8 "a closed downstream pipe ends quietly" "ok" \
	"$( { [ "$status" = 0 ] || [ "$status" = 141 ]; } && [ ! -s "$T/pipe.err" ] && echo ok || echo "status $status: $(cat "$T/pipe.err")")"
for p in tsv2ev ev2tsv; do
	t_check "$p-help" "$p --help prints usage and exits 0" $p --help
done
t_eq ev2tsv-9 "--version names the suite" "ev2tsv (Lightlane Studio) $T_VERSION" "$(ev2tsv --version)"
