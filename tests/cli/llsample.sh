#!/usr/bin/env bash
# llsample: seeded Halton points, llgen options, codes, the CSV protocol
# (scan, best, drop, locked appends), bad search files.
. "$(dirname "$0")/../lib.sh"

cd "$T" || exit 1
mkdir -p meta/search data/ev meta/fits
cat >meta/search/s.json <<'EOF'
{"pipeline": "t", "samples": 64, "seed": 9, "keep": 2,
 "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 1e5, "max": 1e7, "scale": "log"},
                {"name": "background_fraction", "min": 0.2, "max": 0.6},
                {"name": "spectrum.index", "min": -2, "max": 0}]}
EOF

t_eq llsample-1 "check prints the decoded search with its defaults" \
	"pipeline=t samples=64 seed=9 keep=2 params='lanes.pitch_m_per_nm background_fraction spectrum.index' algorithm=bobyqa max_evals=40 xtol=0.001" \
	"$(llsample check s | tr '\n' ' ' | sed 's/ $//')"
llsample points s >"$T/p.txt"
t_eq llsample-2 "64 points, runs 1..64, every value inside its range" "64 1 64 0" \
	"$(awk '{ n++; if ($2 < 1e5 || $2 > 1e7 || $3 < 0.2 || $3 > 0.6 || $4 < -2 || $4 > 0) bad++ }
	        NR == 1 { f = $1 } END { print n, f, $1, bad + 0 }' "$T/p.txt")"
# Halton in base 2 (the first parameter, log scale): 64 points rotated
# modulo 1 fill each eighth of the unit interval with 8 (+-1) points.
t_eq llsample-3 "the first coordinate is spread evenly: 7 to 9 points in each eighth (log scale)" "ok" \
	"$(awk '{ u = log($2 / 1e5) / log(100); c[int(u * 8)]++ }
	        END { s = "ok"; for (i = 0; i < 8; i++) if (c[i] < 7 || c[i] > 9) s = "bin " i ": " c[i]; print s }' "$T/p.txt")"
t_eq llsample-4 "the same seed gives the same points; --from/--to select runs" \
	"$(sed -n 3,5p "$T/p.txt")" "$(llsample points s --from 3 --to 5)"
sed 's/"seed": 9/"seed": 10/' meta/search/s.json >meta/search/s10.json
t_eq llsample-5 "another seed shifts every point" "0" \
	"$(llsample points s10 | paste -d' ' - "$T/p.txt" | awk '$2 == $6 || $3 == $7 { n++ } END { print n + 0 }')"
t_eq llsample-6 "args maps keys to llgen options, values verbatim (negative after --)" \
	"--pitch 2e6 --background 0.25 --index -1.5" "$(llsample args s -- 2e6 0.25 -1.5)"
t_error llsample-7 "args refuses a value outside the range" 1 \
	"llsample: meta/search/s.json: background_fraction: 0.7 must lie inside the search's range" \
	llsample args s -- 2e6 0.7 -1
code=$(llsample code s 17)
t_eq llsample-8 "codes are 8 letters, the same for the same run, another for another run" "yes yes" \
	"$([[ $code =~ ^[A-Z]{8}$ ]] && echo yes) $([ "$code" = "$(llsample code s 17)" ] && [ "$code" != "$(llsample code s r17)" ] && echo yes)"

# The CSV protocol.
llsample header s >s.csv
t_eq llsample-9 "the header row has the §4 columns" \
	"run,code,seed,lanes.pitch_m_per_nm,background_fraction,spectrum.index,distance,n_terms,elapsed_s" "$(sed -n 2p s.csv)"
# Two writers, 300 rows each, at once: no torn or interleaved rows.
for w in 0 1; do
	(for i in $(seq $((w * 300 + 1)) $((w * 300 + 300))); do
		llsample append s.csv "$i,ABCDEFGH,9,1e6,0.3,-1,$i.5,48,0.1"
	done) &
done
wait
t_eq llsample-10 "600 appends from two parallel writers: 600 whole rows, scan finds no fault" \
	"done=600 refined=0 best_run=1 best_distance=1.5" "$(llsample scan s s.csv | tr '\n' ' ' | sed 's/ $//')"
llsample append s.csv "r1,ABCDEFGH,9,1e6,0.3,-1,0.25,48,0.1"
llsample append s.csv "r2,QQQQQQQQ,9,1e6,0.3,-1,,0,0.1"
t_eq llsample-11 "refine rows count apart; best takes the smallest distance; undefined ones last" \
	"refined=2 r1,ABCDEFGH,9,1e6,0.3,-1,0.25,48,0.1" \
	"$(llsample scan s s.csv | grep refined) $(llsample best s s.csv)"
t_eq llsample-12 "points --skip leaves out the runs in the CSV" "601 602" \
	"$(llsample points s --to 602 --skip s.csv | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
: >data/ev/QQQQQQQQ.ev
t_eq llsample-13 "drop names the datasets on disk outside the best K" "QQQQQQQQ" "$(llsample drop s s.csv -n 1)"
t_run llsample --since 0 append s.csv "603,ABCDEFGH,9,1e6,0.3,-1,1,48"
t_eq llsample-14 "--since appends the elapsed seconds" "0 yes" \
	"$T_STATUS $(tail -n 1 s.csv | awk -F, '$9 > 1e9 { print "yes" }')"
cp s.csv whole.csv
printf '604,ABCD' >>s.csv
t_error llsample-15 "a torn last row is one line naming it" 1 \
	"llsample: s.csv:606: incomplete last row (an interrupted write?): remove that line to resume" llsample scan s s.csv
t_error llsample-16 "append refuses to write after a torn row" 1 \
	"llsample: s.csv: ends in an incomplete row (an interrupted write?): remove it first" \
	llsample append s.csv "605,ABCDEFGH,9,1e6,0.3,-1,1,48,0.1"
cp whole.csv s.csv
llsample append s.csv "5,ABCDEFGH,9,1e6,0.3,-1,1,48,0.1"
t_error llsample-17 "a run twice is an error" 1 "llsample: s.csv:606: run 5 appears twice" llsample scan s s.csv
t_error llsample-18 "a CSV of another search" 1 \
	"llsample: s.csv: holds the rows of the search 's', not of the search 's10': move it away to start this one" \
	llsample scan s10 s.csv

# Bad search files: one line "llsample: FILE: KEY: expected WHAT".
bad() { printf '%s\n' "$2" >"meta/search/$1.json"; }
bad b1 '{"pipeline": "t", "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 0, "max": 1, "scale": "log"}]}'
t_error llsample-19 "a log range must be positive" 1 \
	"llsample: meta/search/b1.json: parameters\\[0\\].min: expected a value llgen accepts: lanes.pitch_m_per_nm must be greater than 0" \
	llsample check b1
bad b2 '{"pipeline": "t", "parameters": [{"name": "background_fraction", "min": 0, "max": 1}], "sample": 3}'
t_error llsample-20 "an unknown key" 1 \
	"llsample: meta/search/b2.json: sample: expected one of pipeline, parameters, samples, seed, keep, refine, description" \
	llsample check b2
bad b3 '{"pipeline": "t", "parameters": [{"name": "background_fraction", "min": 0, "max": 1}, {"name": "background_fraction", "min": 0, "max": 1}]}'
t_error llsample-21 "a parameter twice" 1 \
	"llsample: meta/search/b3.json: parameters\\[1\\].name: expected each key once, 'background_fraction' is also parameters\\[0\\]" \
	llsample check b3
bad b4 '{"pipeline": "t", "parameters": [{"name": "background_fraction", "min": 0, "max": 1}], "refine": {"algorithm": "cobyla"}}'
t_error llsample-22 "an unknown optimiser" 1 \
	"llsample: meta/search/b4.json: refine.algorithm: expected \"bobyqa\" or \"sbplx\"" llsample check b4
bad b5 '{"pipeline": "t", "parameters": []}'
t_error llsample-23 "no parameters" 1 \
	"llsample: meta/search/b5.json: parameters: expected a list of 1 to 16 *" llsample check b5
bad b6 '{"pipeline": "t", "parameters": [{"name": "background_fraction", "min": 0, "max": 1}], "keep": -1}'
t_error llsample-24 "a negative keep" 1 \
	"llsample: meta/search/b6.json: keep: expected an integer in \\[0, 100000\\]" llsample check b6
t_error llsample-25 "an unknown command is a usage error" 2 \
	"llsample: unknown command 'sample' (see 'llsample --help')" llsample sample s
t_error llsample-26 "llws validate checks search files with the same rule" 1 \
	"llws: meta/search/b3.json: parameters\\[1\\].name: expected each key once, 'background_fraction' is also parameters\\[0\\]" \
	llws validate meta/search/b3.json

# record: the row, then, under the same lock, the best 'keep' (2) datasets.
mkdir -p meta/generation
printf '{"duration_s": 2, "rate_cps": 10}\n' >meta/generation/g.json
llsample header s >k.csv
rec() {
	llgen --params meta/generation/g.json --seed 1 -o raw.ev &&
		llsample record s k.csv "$1" --dataset raw.ev --processing p --generation g --source truth
}
rec "1,AAAAAAAB,9,1e6,0.3,-1,5,48,0.1"
rec "2,AAAAAAAC,9,1e6,0.3,-1,3,48,0.1"
rec "3,AAAAAAAD,9,1e6,0.3,-1,4,48,0.1"
rec "4,AAAAAAAE,9,1e6,0.3,-1,9,48,0.1"
t_eq llsample-27 "record: 4 rows; the best 2 datasets and their metadata stay, the others are gone" \
	"4 AAAAAAAC.ev AAAAAAAD.ev AAAAAAAC.json AAAAAAAD.json no-raw" \
	"$(llsample scan s k.csv | sed -n 's/^done=//p') $(ls data/ev meta/fits | grep '^AAAAAAA' | tr '\n' ' ')$([ -e raw.ev ] && echo raw || echo no-raw)"
t_eq llsample-28 "record: the kept dataset's metadata names the run, source, seed and llgen's generation" \
	"data/ev/AAAAAAAD.ev p truth 9 2 30 run 3 of the parameter search s" \
	"$(for k in path processing generated.source generated.seed generated.params.duration_s generated.params.telescope.speed_km_s description; do llws get meta/fits/AAAAAAAD.json $k; done | tr '\n' ' ' | sed 's/ $//')"
: >t0.stamp
sleep 0.2
llsample --since-file t0.stamp record s k.csv "5,AAAAAAAF,9,1e6,0.3,-1,8,48"
t_eq llsample-29 "record --since-file: elapsed_s from the file's time (0.2 s of sleep), without --dataset only the row" \
	"yes 5" "$(tail -n 1 k.csv | awk -F, '$9 >= 0.15 && $9 < 5 { print "yes" }') $(llsample scan s k.csv | sed -n 's/^done=//p')"
t_error llsample-30 "record --dataset without the other three is a usage error" 2 \
	"llsample: record: --dataset needs --processing, --generation and --source (see 'llsample --help')" \
	llsample record s k.csv "6,AAAAAAAG,9,1e6,0.3,-1,8,48,0.1" --dataset raw.ev

# The hex lattice's keys (DESIGN §5b) are searchable too.
cat >meta/search/hex.json <<'EOF2'
{"pipeline": "t", "samples": 8,
 "parameters": [{"name": "lanes.alpha_m", "min": 0.5, "max": 3, "scale": "log"},
                {"name": "lanes.lucretius_per_nm", "min": -2, "max": -1},
                {"name": "telescope.perp", "min": 0, "max": 1},
                {"name": "telescope.phase", "min": 0, "max": 1},
                {"name": "telescope.heading_rate_deg_s", "min": 0, "max": 0.1}]}
EOF2
t_eq llsample-31 "hex keys map to llgen's --alpha, --lucretius, --perp, --phase, --heading-rate" \
	"--alpha 1 --lucretius -1.5 --perp 0.5 --phase 0.25 --heading-rate 0.01" \
	"$(llsample args hex -- 1 -1.5 0.5 0.25 0.01)"
