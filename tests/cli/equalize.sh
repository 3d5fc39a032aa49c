#!/usr/bin/env bash
# equalize: every wbin raised to the largest count by balanced duplicates,
# originals all present, output time-sorted (also from unsorted input),
# seeded; wbin -1 rules, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# Bins of 1000, 300, 70 and 7 events (bin 0 the largest), interleaved in time.
awk 'BEGIN { for (i = 0; i < 1377; i++) {
	b = i < 1000 ? 0 : i < 1300 ? 1 : i < 1370 ? 2 : 3
	print (i * 7919) % 1381, 0.1 + b / 10, b } }' | sort -n >"$T/in.txt"
tsv2ev <"$T/in.txt" >"$T/in.ev"
ev2tsv --no-meta --no-header <"$T/in.ev" >"$T/in.tsv"

equalize --seed 7 <"$T/in.ev" >"$T/out.ev"
ev2tsv --no-meta --no-header <"$T/out.ev" >"$T/out.txt"
t_eq equalize-1 "every wbin holds the largest count (1000)" "1000 0|1000 1|1000 2|1000 3" \
	"$(cut -f3 "$T/out.txt" | sort -n | uniq -c | awk '{ print $1, $2 }' | paste -sd '|')"
t_check equalize-2 "the output is time-sorted" sort -c -s -g -k1,1 "$T/out.txt"
t_eq equalize-3 "every output event is an input event, and every input event is there" "" \
	"$(diff <(sort -u "$T/out.txt") <(sort -u "$T/in.tsv"))"
# Balanced: 1000 from 300 is 3 or 4 copies; from 70, 14 or 15; from 7, 142 or 143.
t_eq equalize-4 "copies are balanced: floor(M/n) or one more per event" \
	"0 1 1000|1 3 200|1 4 100|2 14 50|2 15 20|3 142 1|3 143 6" \
	"$(sort "$T/out.txt" | uniq -c | awk '{ n[$4 " " $1]++ } END { for (k in n) print k, n[k] }' |
	   sort -n -k1,1 -k2,2 | paste -sd '|')"
equalize --seed 7 <"$T/in.ev" >"$T/again.ev"
t_check equalize-5 "the same seed gives identical bytes" cmp "$T/out.ev" "$T/again.ev"
equalize --seed 8 <"$T/in.ev" >"$T/other.ev"
t_check equalize-6 "another seed duplicates other events" eval '! cmp -s "$T/out.ev" "$T/other.ev"'
t_eq equalize-7 "the seed, the count and sortedness are recorded" '[{"program":"equalize","seed":7}] 1000 true' \
	"$(ev_meta seeds <"$T/out.ev") $(ev_meta equalize_count <"$T/out.ev") $(ev_meta sorted <"$T/out.ev")"

# Unsorted input, with equal times: sorted output, ties in input order.
printf '5 0.5 0\n1 0.1 1\n3 0.3 0\n1 0.2 0\n' | tsv2ev --unsorted >"$T/unsorted.ev"
equalize --seed 1 <"$T/unsorted.ev" >"$T/u.ev"
t_eq equalize-8 "unsorted input gives sorted output, ties in input order, copies beside originals" \
	"1 0.1 1|1 0.1 1|1 0.1 1|1 0.2 0|3 0.3 0|5 0.5 0 true" \
	"$(ev2tsv --no-meta --no-header <"$T/u.ev" | tr '\t' ' ' | paste -sd '|') $(ev_meta sorted <"$T/u.ev")"
t_eq equalize-9 "a stream without bins (all wbin -1) is one bin and passes unchanged" \
	"$(ev_from_text '1 0.1\n2 0.2\n' | ev2tsv --no-meta)" "$(ev_from_text '1 0.1\n2 0.2\n' | equalize --seed 1 | ev2tsv --no-meta)"
t_eq equalize-10 "an empty stream gives an empty stream" "0" \
	"$(tsv2ev </dev/null | equalize --seed 1 | ev2tsv --no-meta --no-header | wc -l)"
t_error equalize-11 "wbin -1 beside assigned bins is an error" 1 \
	"equalize: stdin: 2 of 3 events have no wavelength bin (wbin -1): run wbin first" \
	equalize --seed 1 < <(ev_from_text '1 0.1 -1\n2 0.2 -1\n3 0.3 4\n')

t_error equalize-12 "an unknown option is a usage error" 2 \
	"equalize: unknown option '--n' (see 'equalize --help')" equalize --n 3 <"$T/in.ev"
t_error equalize-13 "a missing seed value is a usage error" 2 \
	"equalize: option '--seed' needs a value (see 'equalize --help')" equalize --seed <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 9 )) "$T/in.ev" >"$T/trunc.ev"
t_error equalize-14 "a truncated stream is an error naming the byte offset" 1 \
	"equalize: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 7 of 16 bytes" \
	equalize --seed 1 <"$T/trunc.ev"
t_run equalize --seed 1 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq equalize-15 "a failed run leaves no output file and no temporary" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] || ls -A "$T" | grep -q '\.tmp\.' && echo present || echo absent)"

# A wbin outside the metadata edges is an error, as in the analyzers.
printf '{"wbins": {"edges": [0.1, 0.5, 1]}}\n' >"$T/edges.json"
printf '1 0.2 0\n2 0.6 1\n3 0.7 1\n4 0.3 7\n' | tsv2ev --meta "$T/edges.json" >"$T/outside.ev"
t_error equalize-16 "a wbin outside the stream's edges is an error naming the event" 1 \
	"equalize: stdin: event 3 has wbin 7 but the metadata wbins have 2 bins" equalize --seed 1 <"$T/outside.ev"
