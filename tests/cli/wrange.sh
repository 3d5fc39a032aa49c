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
ev_from_text '1 nan\n2 nan\n3 nan\n' >"$T/nowave.ev"
t_run wrange --min 0.1 --max 1 <"$T/nowave.ev"
t_eq wrange-13 "a stream without wavelengths (HRC): nothing kept, exit 0 and one warning saying why" \
	"0 0 wrange: warning: none of the 3 events has a wavelength: all dropped (a dataset without wavelengths, such as HRC's, is one band: leave out wrange and wbin)" \
	"$T_STATUS $(ev2tsv --no-meta --no-header <"$T/out" | wc -l) $(cat "$T/err")"
t_run wrange --min 0.1 --max 1 <"$T/in.ev"
t_eq wrange-14 "one NaN among wavelengths: no warning" "0 " "$T_STATUS $(cat "$T/err")"
