#!/usr/bin/env bash
# chandrashift: e_k takes t(k+1), first and last dropped, across blocks;
# short streams, the "already applied" guard, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# The correction is for HRC streams: the inputs say so.
printf '{"instrument": "HRC"}\n' >"$T/hrc.json"
printf '10 0.1\n11 0.2\n12 0.3\n13 0.4\n14 0.5\n' | tsv2ev --meta "$T/hrc.json" >"$T/in.ev"
chandrashift <"$T/in.ev" | ev2tsv --no-meta --no-header >"$T/got"
printf '12\t0.2\t-1\n13\t0.3\t-1\n14\t0.4\t-1\n' >"$T/want"
t_files_eq chandrashift-1 "times 10..14 give e1,e2,e3 with times 12,13,14" "$T/want" "$T/got"

for n in 0 1 2; do
	head -n "$n" <<-EOF | tsv2ev --meta "$T/hrc.json" >"$T/short.ev"
	10 0.1
	11 0.2
	EOF
	t_eq "chandrashift-$((2 + n))" "$n input events give an empty stream (header only)" \
		"0 time	wavelength	wbin" \
		"$(chandrashift <"$T/short.ev" | { ev2tsv --no-meta; echo "$?"; } | tac | paste -sd ' ')"
done

t_eq chandrashift-5 "the metadata records the correction" "true" \
	"$(chandrashift <"$T/in.ev" | ev_meta chandrashift)"
t_eq chandrashift-6 "sorted is kept as it was" "true" \
	"$(chandrashift <"$T/in.ev" | ev_meta sorted)"

# Longer than one block (65536 events): the carried event must join blocks.
# Printed with %.10g so that the text is what ev2tsv prints for the same values.
awk 'BEGIN { OFMT = "%.10g"; t = 1000
	for (i = 0; i < 200000; i++) { t += (i * 7919 % 13) / 10; print t, 0.1 + (i % 997) / 1000, i % 5 } }' >"$T/long.txt"
tsv2ev --meta "$T/hrc.json" <"$T/long.txt" >"$T/long.ev"
chandrashift <"$T/long.ev" >"$T/long.out.ev"
t_py chandrashift-7 "200000 events across blocks match a numpy implementation" '
import sys, numpy as np
def load(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    return np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
a, got = load(sys.argv[1]), load(sys.argv[2])
want = a[1:-1].copy()
want["time"] = a["time"][2:]
assert len(got) == 199998, len(got)
assert (got == want).all(), "records differ"
' "$T/long.ev" "$T/long.out.ev"
awk '{ t[NR] = $1; w[NR] = $2; b[NR] = $3 }
	END { for (k = 2; k < NR; k++) printf "%s\t%s\t%s\n", t[k + 1], w[k], b[k] }' "$T/long.txt" >"$T/long.want"
chandrashift <"$T/long.ev" | ev2tsv --no-meta --no-header >"$T/long.got"
t_files_eq chandrashift-8 "the same 200000 events match an awk implementation" "$T/long.want" "$T/long.got"

t_error chandrashift-9 "a stream already corrected is refused" 1 \
	"chandrashift: stdin: the HRC time-tag correction was already applied (metadata \"chandrashift\": true); use --force to apply it again" \
	sh -c 'chandrashift <"$1" | chandrashift' sh "$T/in.ev"
chandrashift <"$T/in.ev" | chandrashift --force | ev2tsv --no-meta --no-header >"$T/twice"
printf '14\t0.3\t-1\n' >"$T/want2"
t_files_eq chandrashift-10 "--force applies it again (e2 takes the time of e3, which was t4)" "$T/want2" "$T/twice"

t_error chandrashift-11 "an unknown option is a usage error" 2 \
	"chandrashift: unknown option '--bogus' (see 'chandrashift --help')" chandrashift --bogus <"$T/in.ev"
t_error chandrashift-12 "an operand is a usage error" 2 \
	"chandrashift: unexpected argument 'x' (see 'chandrashift --help')" chandrashift x <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 5 )) "$T/in.ev" >"$T/trunc.ev"
t_error chandrashift-13 "a truncated stream names its byte offset" 1 \
	"chandrashift: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 11 of 16 bytes" \
	chandrashift <"$T/trunc.ev"
t_run chandrashift -o "$T/partial.ev" <"$T/trunc.ev"
t_eq chandrashift-14 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] && echo present || echo absent)"

chandrashift <"$T/long.ev" 2>"$T/pipe.err" | head -c 100 >/dev/null
st=${PIPESTATUS[0]}
t_eq chandrashift-15 "a closed downstream pipe ends quietly" "ok " \
	"$([ "$st" = 0 ] || [ "$st" = 141 ] && echo ok) $(cat "$T/pipe.err")"

# Blocks of 1, 2 and 2 events (a pipe fed slowly): the carry starts at e0.
hdr=$(( 12 + $(od -An -tu4 -j8 -N4 "$T/in.ev") ))
{ head -c $((hdr + 16)) "$T/in.ev"; sleep 0.3; tail -c +$((hdr + 17)) "$T/in.ev" | head -c 32; sleep 0.3
  tail -c +$((hdr + 49)) "$T/in.ev"; } | chandrashift | ev2tsv --no-meta --no-header >"$T/slow"
t_files_eq chandrashift-16 "the same result when blocks hold 1 and 2 events" "$T/want" "$T/slow"

# Only for HRC (DESIGN §4a): an ACIS stream, a model and a stream that names
# no instrument are refused unless --force.
if command -v fits2ev >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" >"$T/acis.ev"
	t_error chandrashift-17 "the ACIS sample is refused" 1 \
		"chandrashift: stdin: instrument 'ACIS' is not HRC, and the HRC time-tag correction would shift its times; use --force to apply it anyway" \
		chandrashift <"$T/acis.ev"
	t_eq chandrashift-18 "--force shifts the ACIS sample: N-2 events, e_k with t(k+1)" "ok" \
		"$(paste <(ev_times <"$T/acis.ev" | tail -n +3) <(chandrashift --force <"$T/acis.ev" | ev_times) |
			awk '$1 != $2 { bad++ } END { print (NR > 100 && bad == 0) ? "ok" : "bad " bad " of " NR }')"
else
	t_skip chandrashift-17 "ACIS sample refused" "fits2ev not built"
	t_skip chandrashift-18 "ACIS sample with --force" "fits2ev not built"
fi
t_error chandrashift-19 "a stream without an instrument is refused" 1 \
	"chandrashift: stdin: the metadata names no instrument, and the HRC time-tag correction is for HRC only; use --force to apply it anyway" \
	chandrashift < <(ev_from_text '10 0.1\n11 0.2\n12 0.3\n')
t_eq chandrashift-20 "HRC-S and HRC-I spellings are HRC; --force takes a model" "12 12 12" \
	"$(for m in 'hrc-s:' 'HRC-I:' 'llgen:--force'; do
		printf '10 0.1\n11 0.2\n12 0.3\n' | tsv2ev --meta <(printf '{"instrument": "%s"}' "${m%%:*}") |
			chandrashift ${m#*:} | ev_times; done | paste -sd ' ')"
