#!/usr/bin/env bash
# tthinning: exact per-bin counts, order kept, random rounding of the
# target, frame-aligned bins, GTIs of the whole bins, Fano <= 1 on real
# data, reproducibility, usage and input errors.
. "$(dirname "$0")/../lib.sh"

# Bins of 4 s in [0, 10]: [0,4) holds 5, [4,8) holds 3; 9.5 is in no whole
# bin.  Mean 8/2 = 4 exactly: bin 0 keeps 4 of its 5, bin 1 all 3.
printf '%s\n' '# meta: {"gti": [[0, 10]]}' '0.1 0.1' '0.2 0.2' '0.3 0.3' '0.4 0.4' '2.5 0.5' \
	'4.1 0.6' '4.2 0.7' '5.5 0.8' '9.5 0.9' | tsv2ev >"$T/in.ev"
tthinning --dt 4 --seed 1 <"$T/in.ev" >"$T/o.ev"
t_eq tthinning-1 "an integer mean: bin k keeps min(c_k, mean); the partial bin is dropped" "4 3 0" \
	"$(ev_times <"$T/o.ev" | awk '{ n[int($1 / 4)]++ } END { print n[0] + 0, n[1] + 0, n[2] + 0 }')"
t_check tthinning-2 "the kept events are a subset of the input, in order, records unchanged" \
	bash -c "ev2tsv --no-meta --no-header <'$T/o.ev' >'$T/o.txt'; ev2tsv --no-meta --no-header <'$T/in.ev' >'$T/i.txt';
		sort -c -n '$T/o.txt' && [ \$(grep -cxFf '$T/i.txt' '$T/o.txt') -eq 7 ]"
t_eq tthinning-3 "GTIs become the whole bins; exposure; the thinning and its seed recorded" \
	'[[0.0,8.0]] 8.0 {"dt_s":4.0,"mean_count":4.0,"n_bins":2} [{"program":"tthinning","seed":1}]' \
	"$(for k in gti exposure thinning seeds; do ev_meta $k <"$T/o.ev"; done | tr '\n' ' ' | sed 's/ $//')"

# Counts 5, 0, 1 in three bins of 1 s: mean 2 exactly, so 2, 0, 1 are kept
# whatever the seed.
printf '%s\n' '# meta: {"gti": [[0, 3]]}' 0.1 0.2 0.3 0.4 0.5 2.5 | sed '2,$s/$/ 0.5/' | tsv2ev >"$T/b.ev"
t_eq tthinning-4 "bins below the mean keep all their events (seeds 1..20)" "2 0 1" \
	"$(for s in $(seq 1 20); do tthinning --dt 1 --seed $s <"$T/b.ev" | ev_times |
		awk '{ n[int($1)]++ } END { print n[0] + 0, n[1] + 0, n[2] + 0 }'; done | sort -u)"
# Counts 3, 3, 0, 0: mean 1.5, targets 1 or 2 (each with probability 1/2):
# the first two bins keep 1 or 2, and over 400 seeds about half keep 2.
printf '%s\n' '# meta: {"gti": [[0, 4]]}' 0.1 0.2 0.3 1.1 1.2 1.3 | sed '2,$s/$/ 0.5/' | tsv2ev >"$T/c.ev"
for s in $(seq 1 400); do tthinning --dt 1 --seed $s <"$T/c.ev" | ev_times |
	awk '{ n[int($1)]++ } END { print n[0] + 0, n[1] + 0 }'; done >"$T/c.txt"
t_check tthinning-5 "a mean of 1.5: targets 1 or 2 per bin, 2 in 50% of bins within 4 sigma (n = 800)" \
	awk '{ for (i = 1; i <= 2; i++) { if ($i != 1 && $i != 2) bad++; two += $i == 2 } }
		END { exit !(!bad && NR == 400 && two > 400 - 4 * sqrt(200) && two < 400 + 4 * sqrt(200)) }' "$T/c.txt"

# Frames (DESIGN 4a): timedel 1, stamps at frame middles (timepixr 0.5).
# --dt 2.4 is rounded to 2 frames; the GTI [0.2, 10] holds whole frames
# from 1 to 10: bins [1,3), [3,5), [5,7), [7,9) holding 3, 1, 2, 2 (mean 2).
printf '%s\n' '# meta: {"gti": [[0.2, 10]], "timedel": 1, "timepixr": 0.5}' \
	0.5 1.5 1.5 2.5 3.5 5.5 6.5 7.5 8.5 9.5 | sed '2,$s/$/ 0.5/' | tsv2ev >"$T/f.ev"
tthinning --dt 2.4 --seed 2 <"$T/f.ev" >"$T/fo.ev"
t_eq tthinning-6 "frames: whole-frame width, edges on frame boundaries, GTI of the whole bins" \
	'[[1.0,9.0]] 2.0 2 1 2 2' \
	"$(ev_meta gti <"$T/fo.ev") $(ev_meta thinning <"$T/fo.ev" | sed 's/.*"dt_s":\([0-9.]*\).*/\1/') $(ev_times <"$T/fo.ev" |
		awk '{ n[int(($1 - 1) / 2)]++ } END { print n[0] + 0, n[1] + 0, n[2] + 0, n[3] + 0 }')"
t_eq tthinning-7 "--no-frames: bins of exactly --dt from the GTI start" '[[0.2,9.799999999999999]]' \
	"$(tthinning --dt 2.4 --no-frames --seed 2 <"$T/f.ev" | ev_meta gti)"

# Real data: ACIS sample, 10 s asked: 23 frames of 0.44104 s, 93 bins in the
# GTI cut to whole bins.  Every bin keeps at most its target, so
# the counts' spread at 10 s falls far below Poisson: Fano <= 1, and below
# it by more than 2 standard errors.
fits2ev "$T_SAMPLE/chandra_test.fits" | gtifilter >"$T/real.ev"
tthinning --dt 10 --seed 4 <"$T/real.ev" >"$T/thin.ev"
t_check tthinning-8 "real data: output Fano factor at the bin width <= 1 (z < -2, varstat)" \
	bash -c "varstat --timescales 10:10:1 <'$T/thin.ev' | awk -F, '
		/^#/ || \$1 == \"wbin\" { next }
		{ n++; ok = \$5 == 93 && \$8 <= 1 && \$10 < -2 }
		END { exit !(n == 1 && ok) }'"
tthinning --dt 10 --seed 4 <"$T/real.ev" >"$T/thin2.ev"
t_files_eq tthinning-9 "same seed, same bytes" "$T/thin.ev" "$T/thin2.ev"

t_error tthinning-10 "no --dt is a usage error" 2 \
	"tthinning: give the bin width with --dt S (see 'tthinning --help')" tthinning <"$T/in.ev"
t_error tthinning-11 "--dt 0 is a usage error" 2 \
	"tthinning: --dt: must be greater than 0: '0' (see 'tthinning --help')" tthinning --dt 0 <"$T/in.ev"
ev_from_text '1 0.5\n' >"$T/nogti.ev"
t_error tthinning-12 "a stream without GTIs is a runtime error" 1 \
	"tthinning: stdin: no GTI in the metadata to lay the bins in: give the good time intervals with gtifilter --gti START:STOP first" \
	tthinning --dt 1 <"$T/nogti.ev"
t_error tthinning-13 "no whole bin in the GTIs is a runtime error" 1 \
	"tthinning: stdin: no whole bin of 11 s fits in any GTI" tthinning --dt 11 <"$T/in.ev"
printf '%s\n' '# meta: {"gti": [[0, 10]]}' '3 0.5' '1 0.5' | tsv2ev --unsorted >"$T/uns.ev"
t_error tthinning-14 "unsorted input is a runtime error" 1 \
	"tthinning: stdin: input is not time-sorted (metadata says \"sorted\": false); sort it first" \
	tthinning --dt 1 <"$T/uns.ev"
t_run tthinning --dt 11 -o "$T/never.ev" <"$T/in.ev"
t_eq tthinning-15 "a failed run leaves no output file" "1 absent" \
	"$T_STATUS $([ -e "$T/never.ev" ] && echo present || echo absent)"
