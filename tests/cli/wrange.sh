#!/usr/bin/env bash
# wrange: inclusive bounds, NaN dropped, order kept, usage and input errors.
. "$(dirname "$0")/../lib.sh"

ev_from_text '1 0.1\n2 0.2\n3 nan\n4 0.5\n5 0.6\n6 0.7\n7 0.05\n' >"$T/in.ev"

wrange --min 0.2 --max 0.6 <"$T/in.ev" | ev2tsv --no-meta --no-header >"$T/got"
printf '2\t0.2\t-1\n4\t0.5\t-1\n5\t0.6\t-1\n' >"$T/want"
t_files_eq wrange-1 "bounds are inclusive, NaN and outside events dropped, order kept" "$T/want" "$T/got"

t_eq wrange-2 "history records the command line" '["tsv2ev","wrange --min 0.2 --max 0.6"]' \
	"$(wrange --min 0.2 --max 0.6 <"$T/in.ev" | ev_meta history)"

wrange --min 0.2 --max 0.6 -o "$T/o.ev" <"$T/in.ev"
wrange --min 0.2 --max 0.6 <"$T/in.ev" >"$T/got.ev"
t_eq wrange-3 "-o writes the same records as stdout" "$(ev2tsv --no-meta <"$T/got.ev" 2>&1)" "$(ev2tsv --no-meta <"$T/o.ev")"

t_error wrange-4 "--min above --max is a usage error" 2 \
	"wrange: --min 2 is greater than --max 1 (see 'wrange --help')" wrange --min 2 --max 1 <"$T/in.ev"
t_error wrange-5 "a non-numeric bound is a usage error" 2 \
	"wrange: --min: not a finite number: 'abc' (see 'wrange --help')" wrange --min abc --max 1 <"$T/in.ev"
t_error wrange-6 "an unknown option is a usage error" 2 \
	"wrange: unknown option '--bogus' (see 'wrange --help')" wrange --bogus <"$T/in.ev"
t_error wrange-7 "a missing option value is a usage error" 2 \
	"wrange: option '--max' needs a value (see 'wrange --help')" wrange --min 1 --max <"$T/in.ev"
t_error wrange-8 "wrong magic is a runtime error" 1 \
	"wrange: stdin: not an LLEV stream: magic is 'LLEX', expected 'LLEV'" wrange --min 0 --max 1 < <(printf 'LLEX\1\0\20\0\0\0\0\0')
t_error wrange-9 "empty input is a runtime error" 1 \
	"wrange: stdin: empty input: no LLEV header" wrange --min 0 --max 1 </dev/null
head -c $(( $(wc -c <"$T/in.ev") - 3 )) "$T/in.ev" >"$T/trunc.ev"
t_run wrange --min 0 --max 1 <"$T/trunc.ev"
t_eq wrange-10 "a truncated last record names its byte offset" \
	"1 wrange: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 13 of 16 bytes" \
	"$T_STATUS $(cat "$T/err")"
t_run wrange --min 0 --max 1 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq wrange-11 "a failed run leaves no output file" "absent" "$([ -e "$T/partial.ev" ] && echo present || echo absent)"
t_eq wrange-12 "no temporary file is left behind" "" "$(ls -A "$T" | grep '\.tmp\.' || true)"

# Numbers are decimal: strtod's hexadecimal (0x10 = 16 nm), inf and nan are
# not what anyone typing a wavelength means.
t_error wrange-13 "a hexadecimal --max is a usage error" 2 \
	"wrange: --max: not a decimal number: '0x10' (see 'wrange --help')" wrange --min 0 --max 0x10 <"$T/in.ev"
t_error wrange-14 "--max inf is a usage error" 2 \
	"wrange: --max: not a finite number: 'inf' (see 'wrange --help')" wrange --min 0 --max inf <"$T/in.ev"
t_error wrange-15 "a --min with a leading blank is a usage error" 2 \
	"wrange: --min: not a decimal number: ' 0.1' (see 'wrange --help')" wrange --min ' 0.1' --max 1 <"$T/in.ev"

# -o FILE keeps what FILE is (temporary FIFO, links and device node of our
# own; never the system's /dev/null).  Readers and writers run under
# `timeout`, so a FIFO replaced by a regular file fails instead of hanging.
# Compared as text without the metadata: the history holds the -o name.
wrange --min 0.2 --max 0.6 <"$T/in.ev" | ev2tsv --no-meta >"$T/want.txt"
same() { ev2tsv --no-meta <"$1" 2>/dev/null | cmp -s "$T/want.txt" - && echo same || echo differ; }
mkfifo "$T/fifo"
ln -s fifo "$T/fifo.link"
timeout 20 cat "$T/fifo" >"$T/fifo.got" &
reader=$!
timeout 20 wrange --min 0.2 --max 0.6 -o "$T/fifo" <"$T/in.ev"; st=$?
wait "$reader"
t_eq wrange-16 "-o FIFO: the stream goes through the FIFO, which stays a FIFO" "0 fifo same" \
	"$st $([ -p "$T/fifo" ] && echo fifo || echo replaced) $(same "$T/fifo.got")"
timeout 20 cat "$T/fifo" >"$T/link.got" &
reader=$!
timeout 20 wrange --min 0.2 --max 0.6 -o "$T/fifo.link" <"$T/in.ev"; st=$?
wait "$reader"
t_eq wrange-17 "-o LINK to a FIFO: written through, link and FIFO left alone" "0 link fifo same" \
	"$st $([ -L "$T/fifo.link" ] && echo link || echo replaced) $([ -p "$T/fifo" ] && echo fifo || echo replaced) $(same "$T/link.got")"
printf 'old' >"$T/real.ev"
chmod 640 "$T/real.ev"
ln -s real.ev "$T/real.link"
wrange --min 0.2 --max 0.6 -o "$T/real.link" <"$T/in.ev"; st=$?
t_eq wrange-18 "-o LINK to a regular file: the target is replaced whole, the link stays, the mode is kept" \
	"0 link same 640 none" \
	"$st $([ -L "$T/real.link" ] && echo link || echo replaced) $(same "$T/real.ev") $(stat -c %a "$T/real.ev") $(ls -A "$T" | grep -c '\.tmp\.' | sed 's/^0$/none/')"
ln -s new.ev "$T/dangling.link"
wrange --min 0.2 --max 0.6 -o "$T/dangling.link" <"$T/in.ev"; st=$?
t_eq wrange-19 "-o dangling LINK: its target is created, the link stays" "0 link same" \
	"$st $([ -L "$T/dangling.link" ] && echo link || echo replaced) $(same "$T/new.ev")"
# A character device of our own (root only): the node must stay a device.
if mknod "$T/null" c 1 3 2>/dev/null; then
	wrange --min 0.2 --max 0.6 -o "$T/null" <"$T/in.ev"; st=$?
	t_eq wrange-20 "-o CHARDEV: written through, the device node stays" "0 chardev" \
		"$st $([ -c "$T/null" ] && echo chardev || echo replaced)"
else
	t_skip wrange-20 "-o on a character device node" "mknod needs root"
fi
mkdir "$T/adir"
t_error wrange-21 "-o DIRECTORY is an error before any work" 1 \
	"wrange: $T/adir: cannot write output: is a directory" wrange --min 0 --max 1 -o "$T/adir" <"$T/in.ev"

ev_from_text '1 nan\n2 nan\n3 nan\n' >"$T/nowave.ev"
t_run wrange --min 0.1 --max 1 <"$T/nowave.ev"
t_eq wrange-22 "a stream without wavelengths (HRC): nothing kept, exit 0 and one warning saying why" \
	"0 0 wrange: warning: none of the 3 events has a wavelength: all dropped (a dataset without wavelengths, such as HRC's, is one band: leave out wrange and wbin)" \
	"$T_STATUS $(ev2tsv --no-meta --no-header <"$T/out" | wc -l) $(cat "$T/err")"
t_run wrange --min 0.1 --max 1 <"$T/in.ev"
t_eq wrange-23 "one NaN among wavelengths: no warning" "0 " "$T_STATUS $(cat "$T/err")"

# The range test works on the bits of |w| (the reader passes only w >= 0,
# -0 and NaN): zeros of either sign, bounds at or below 0, the smallest
# and largest floats.
ev_from_text '1 -0\n2 0\n3 nan\n4 1e-45\n5 0.5\n6 3.4e38\n' >"$T/zeros.ev"
for r in "-1 0" "-2 -1" "0 0" "-0 -0" "1e-45 1e-45" "0.5 1e39" "-1 1e39"; do
	set -- $r
	printf '%s:%s ' "$r" "$(wrange --min "$1" --max "$2" <"$T/zeros.ev" | ev2tsv --no-meta --no-header | cut -f1 | paste -sd,)"
done >"$T/got"
t_eq wrange-24 "zeros of either sign, bounds at and below 0, the float extremes" \
	"-1 0:1,2 -2 -1: 0 0:1,2 -0 -0:1,2 1e-45 1e-45:4 0.5 1e39:5,6 -1 1e39:1,2,4,5,6 " "$(cat "$T/got")"
