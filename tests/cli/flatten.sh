#!/usr/bin/env bash
# flatten: every non-empty wbin thinned to the smallest count, a subsequence
# of the input, uniform choice, seeded; wbin -1 rules, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# Four bins of 2000, 1200, 700 and 300 events (bin 3 the smallest), times
# 0,1,2,... so every record is distinct.  Bin 0 holds its events in two
# halves of 1000, to check that the choice is uniform over positions.
awk 'BEGIN { for (i = 0; i < 4200; i++) {
	b = i < 2000 ? 0 : i < 3200 ? 1 : i < 3900 ? 2 : 3
	print i, 0.1 + b / 10, b } }' >"$T/ordered.txt"
# Interleave bins in time: sort by a hash of the index, then renumber times.
awk '{ print ($1 * 7919) % 4201, $2, $3 }' "$T/ordered.txt" | sort -n |
	awk '{ print NR - 1, $2, $3 }' >"$T/in.txt"
tsv2ev <"$T/in.txt" >"$T/in.ev"

flatten --seed 7 <"$T/in.ev" >"$T/out.ev"
ev2tsv --no-meta --no-header <"$T/out.ev" >"$T/out.txt"
t_eq flatten-1 "every non-empty wbin holds the smallest count (300)" "300 0|300 1|300 2|300 3" \
	"$(cut -f3 "$T/out.txt" | sort -n | uniq -c | awk '{ print $1, $2 }' | paste -sd '|')"

ev2tsv --no-meta --no-header <"$T/in.ev" >"$T/in.tsv"
t_eq flatten-2 "every output event is an input event, in input order" "1200 1200" \
	"$(awk 'NR == FNR { want[n++] = $0; next } k < n && $0 == want[k + 0] { k++ } END { print n, k + 0 }' "$T/out.txt" "$T/in.tsv")"

# Bin 0's first 1000 events (in time) against its last 1000: the kept count
# from the first half is hypergeometric, mean 150, sd sqrt(300*.5*.5*1700/1999) = 8.0.
first=$(awk 'NR == FNR { if ($3 == 0 && ++n <= 1000) first[$1] = 1; next } $3 == 0 && ($1 in first) { k++ } END { print k + 0 }' "$T/in.tsv" "$T/out.txt")
t_near flatten-3 "the kept events of a bin are spread uniformly (within 4 sd)" "$first" 150 32

flatten --seed 7 <"$T/in.ev" >"$T/again.ev"
t_check flatten-4 "the same seed gives identical bytes" cmp "$T/out.ev" "$T/again.ev"
flatten --seed 8 <"$T/in.ev" >"$T/other.ev"
t_check flatten-5 "another seed gives another subset" eval '! cmp -s "$T/out.ev" "$T/other.ev"'
t_eq flatten-6 "the seed and the count are recorded" '[{"program":"flatten","seed":7}] 300 true' \
	"$(ev_meta seeds <"$T/out.ev") $(ev_meta flatten_count <"$T/out.ev") $(ev_meta sorted <"$T/out.ev")"
t_eq flatten-7 "an unseeded run records the seed it drew, and repeats with it" "yes" \
	"$(flatten <"$T/in.ev" >"$T/u.ev"; s=$(ev_meta seeds <"$T/u.ev" | sed 's/.*"seed"://; s/}.*//')
	   [ "$(flatten --seed "$s" <"$T/in.ev" | ev2tsv --no-meta)" = "$(ev2tsv --no-meta <"$T/u.ev")" ] && echo yes || echo no)"

ev_from_text '1 0.1\n2 0.2\n3 0.3\n' >"$T/nobins.ev"
t_eq flatten-8 "a stream without bins (all wbin -1) is one bin and passes unchanged" \
	"$(ev2tsv --no-meta <"$T/nobins.ev")" "$(flatten --seed 1 <"$T/nobins.ev" | ev2tsv --no-meta)"
t_eq flatten-9 "an empty stream gives an empty stream" "0 0" \
	"$(tsv2ev </dev/null | flatten --seed 1 | ev2tsv --no-meta --no-header | wc -l) $?"
ev_from_text '1 0.1 0\n2 0.2 -1\n3 0.3 1\n4 0.3 1\n' >"$T/mixed.ev"
t_error flatten-10 "wbin -1 beside assigned bins is an error" 1 \
	"flatten: stdin: 1 of 4 events have no wavelength bin (wbin -1): run wbin first" \
	flatten --seed 1 <"$T/mixed.ev"
ev_from_text '1 0.1 5\n2 0.2 2147483647\n3 0.3 5\n4 0.3 2147483647\n5 0.3 5\n' >"$T/huge.ev"
t_eq flatten-11 "huge wbin values are bins like any other" "2 2" \
	"$(flatten --seed 1 <"$T/huge.ev" | ev2tsv --no-meta --no-header | awk '$3 == 5 { a++ } $3 != 5 { b++ } END { print a, b }')"

t_error flatten-12 "an operand is a usage error" 2 \
	"flatten: unexpected argument 'x' (see 'flatten --help')" flatten x <"$T/in.ev"
t_error flatten-13 "a bad seed is a usage error" 2 \
	"flatten: --seed: not a non-negative integer: '-3' (see 'flatten --help')" flatten --seed -3 <"$T/in.ev"
head -c $(( $(wc -c <"$T/in.ev") - 5 )) "$T/in.ev" >"$T/trunc.ev"
t_error flatten-14 "a truncated stream is an error naming the byte offset" 1 \
	"flatten: stdin: truncated record at byte offset $(( $(wc -c <"$T/in.ev") - 16 )): 11 of 16 bytes" \
	flatten --seed 1 <"$T/trunc.ev"
t_run flatten --seed 1 -o "$T/partial.ev" <"$T/trunc.ev"
t_eq flatten-15 "a failed run leaves no output file and no temporary" "1 absent" \
	"$T_STATUS $([ -e "$T/partial.ev" ] || ls -A "$T" | grep -q '\.tmp\.' && echo present || echo absent)"

# Real data: the shipped Chandra sample, when fits2ev and wbin are built.
if command -v fits2ev >/dev/null && command -v wbin >/dev/null && [ -f "$T_SAMPLE/chandra_test.fits" ]; then
	fits2ev "$T_SAMPLE/chandra_test.fits" | wbin --n 4 --min 0.1 --max 1 >"$T/real.ev"
	smallest=$(ev2tsv --no-meta --no-header <"$T/real.ev" | cut -f3 | sort | uniq -c | sort -n | awk 'NR == 1 { print $1 }')
	t_eq flatten-16 "Chandra sample in 4 wbins: each bin at the smallest count" \
		"$smallest $smallest $smallest $smallest" \
		"$(flatten --seed 1 <"$T/real.ev" | ev2tsv --no-meta --no-header | cut -f3 | sort | uniq -c | awk '{ print $1 }' | paste -sd ' ')"
else
	t_skip flatten-16 "Chandra sample through flatten" "fits2ev or wbin not built"
fi

# A wbin outside the metadata edges is an error, as in the analyzers.
printf '{"wbins": {"edges": [0.1, 0.5, 1]}}\n' >"$T/edges.json"
printf '1 0.2 0\n2 0.6 1\n3 0.7 2\n4 0.3 0\n' | tsv2ev --meta "$T/edges.json" >"$T/outside.ev"
t_error flatten-17 "a wbin outside the stream's edges is an error naming the event" 1 \
	"flatten: stdin: event 2 has wbin 2 but the metadata wbins have 2 bins" flatten --seed 1 <"$T/outside.ev"
printf '1 0.2 0\n2 0.6 1\n3 0.7 1\n4 0.3 0\n' | tsv2ev --meta "$T/edges.json" >"$T/inside.ev"
t_eq flatten-18 "wbins inside the edges pass" "4" \
	"$(flatten --seed 1 <"$T/inside.ev" | ev2tsv --no-meta --no-header | wc -l)"
