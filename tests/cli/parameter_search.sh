#!/usr/bin/env bash
# parameter_search.sh: recovery of known parameters, resume after a kill,
# determinism, kept datasets, refine rows, Slurm script, bad input.
. "$(dirname "$0")/../lib.sh"

PS=parameter_search.sh

# mkws DIR DURATION RATE: a workspace whose dataset "truth" was drawn by
# llgen (seed 7) with pitch 3e5 m/nm and background 0.7 in 0.4-0.6 nm (crossing
# period 5 s at 0.5 nm); pipeline "t" (A = truth, B generated from g.json, whose
# own pitch 1e6 is wrong on purpose); processing "p": 2 bins, 0.5-10 s.
mkws() {
	local w=$1
	mkdir -p "$w"/meta/{fits,processing,generation,pipeline,search} "$w/data/ev"
	cat >"$w/meta/processing/p.json" <<-EOF
	{"min_wavelength": 0.4, "max_wavelength": 0.6, "wbins": {"count": 2, "scale": "lin"},
	 "timescales": {"min_s": 0.5, "max_s": 10, "count": 16}, "analyses": ["varstat"]}
	EOF
	cat >"$w/meta/generation/g.json" <<-EOF
	{"duration_s": $2, "rate_cps": $3, "background_fraction": 0.7,
	 "spectrum": {"kind": "flat", "min_nm": 0.4, "max_nm": 0.6},
	 "lanes": {"pitch_m_per_nm": 1e6, "offset_cell_nm": 1}}
	EOF
	llgen --params "$w/meta/generation/g.json" --seed 7 --pitch 3e5 -o "$w/data/ev/AAAAAAAA.ev"
	printf '{"path": "data/ev/AAAAAAAA.ev", "processing": "p"}\n' >"$w/meta/fits/truth.json"
	printf '{"A_fits_id": "truth", "generation": "g"}\n' >"$w/meta/pipeline/t.json"
}

# search_json NAME SAMPLES SEED KEEP [EXTRA]: a search over the pitch (log)
# and the background fraction.
search_json() {
	cat <<-EOF
	{"pipeline": "t", "samples": $2, "seed": $3, "keep": $4,
	 "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 1e5, "max": 1e6, "scale": "log"},
	                {"name": "background_fraction", "min": 0.5, "max": 0.9}]${5:-}}
	EOF
}

# rows CSV: the rows without the elapsed column, sorted by run.
rows() { grep -v '^#' "$1" | sed 1d | awk -F, -v OFS=, '{ NF--; print }' | sort -t, -k1,1; }

# --- a small workspace: kept datasets, refine rows, determinism ---------------
W=$T/small
mkws "$W" 40 1000
search_json s 6 3 2 ', "refine": {"max_evals": 4}' >"$W/meta/search/s.json"
t_run $PS -w "$W" -mode search --search s -j 2 -q --no-plot
t_eq parameter_search-1 "search: exit 0, six rows of the §4 columns" \
	"0 run,code,seed,lanes.pitch_m_per_nm,background_fraction,distance,n_terms,elapsed_s 6" \
	"$T_STATUS $(grep -v '^#' "$W/temp/parameter_search.csv" | head -n 1) $(rows "$W/temp/parameter_search.csv" | wc -l)"
t_eq parameter_search-2 "runs 1..6, each once, with the search's seed and the points of llsample" \
	"$(cd "$W" && llsample points s | awk -v OFS=, '{ print $1, 3, $2, $3 }' | sort -t, -k1,1)" \
	"$(rows "$W/temp/parameter_search.csv" | awk -F, -v OFS=, '{ print $1, $3, $4, $5 }')"
best=$(cd "$W" && llsample best s temp/parameter_search.csv -n 2 --codes | sort | tr '\n' ' ')
t_eq parameter_search-3 "the best 'keep' (2) datasets are on disk, the others removed" "$best" \
	"$(cd "$W" && ls data/ev | grep -v AAAAAAAA | sed 's/\.ev$//' | sort | tr '\n' ' ')"
c1=$(cd "$W" && llsample best s temp/parameter_search.csv --codes)
t_eq parameter_search-4 "a kept dataset's metadata names the pipeline, source, seed and values" \
	"t truth 3 $(cd "$W" && llsample best s temp/parameter_search.csv | cut -d, -f4)" \
	"$(cd "$W" && for k in generated.pipeline generated.source generated.seed generated.params.lanes.pitch_m_per_nm; do llws get meta/fits/$c1.json $k; done | tr '\n' ' ' | sed 's/ $//')"
t_check parameter_search-5 "the summary prints the best row and the command that regenerates it" \
	grep -q "^regenerate: llgen --params meta/generation/g.json --source out/t/A.0.source.ev --seed 3 --pitch " "$T/out"
# The regenerate command gives the kept dataset byte for byte.
(cd "$W" && eval "$(sed -n 's/^regenerate: //p' "$T/out" | sed 's| -o .*| -o '"$T"'/re.ev|')")
t_files_eq parameter_search-6 "the regenerate command draws the best dataset's events again, bit for bit" \
	<(ev2tsv --no-meta <"$W/data/ev/$c1.ev") <(ev2tsv --no-meta <"$T/re.ev")

t_run $PS -w "$W" -mode search --search s -q --no-plot
t_eq parameter_search-7 "a finished search run again adds no row" "0 6" \
	"$T_STATUS $(rows "$W/temp/parameter_search.csv" | wc -l)"
t_run $PS -w "$W" -mode refine --search s -q
t_eq parameter_search-8 "refine: exit 0, rows r1..r4 (the budget) after the search's rows" "0 r1 r2 r3 r4" \
	"$T_STATUS $(rows "$W/temp/parameter_search.csv" | cut -d, -f1 | grep '^r' | sort -V | tr '\n' ' ' | sed 's/ $//')"
t_eq parameter_search-9 "refine rows carry the same seed (common random numbers)" "3" \
	"$(rows "$W/temp/parameter_search.csv" | cut -d, -f3 | sort -u | tr '\n' ' ' | sed 's/ $//')"
t_check parameter_search-10 "the plots of the search: distance per parameter, best B's Fano over A's" \
	test -s "$W/out/t/plots/search_s.png" -a -s "$W/out/t/plots/search_s_fano.png"

W2=$T/small2
mkws "$W2" 40 1000
cp "$W/meta/search/s.json" "$W2/meta/search/"
$PS -w "$W2" -mode search --search s -j 1 -q --no-plot >/dev/null 2>&1
$PS -w "$W2" -mode refine --search s -q --no-plot >/dev/null 2>&1
t_files_eq parameter_search-11 "same seed and settings, -j 1 against -j 2: the same rows (elapsed aside)" \
	<(rows "$W/temp/parameter_search.csv") <(rows "$W2/temp/parameter_search.csv")

# --- resume after a kill of a -j 2 search ---------------------------------------
W3=$T/resume
mkws "$W3" 40 1000
search_json r 24 5 1 >"$W3/meta/search/r.json"
setsid $PS -w "$W3" -mode search --search r -j 2 -q --no-plot >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ "$(grep -vc '^#' "$W3/temp/parameter_search.csv" 2>/dev/null || echo 0)" -ge 6 ] && break
	sleep 0.1
done
kill -TERM -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
n_before=$(rows "$W3/temp/parameter_search.csv" | wc -l)
t_run $PS -w "$W3" -mode search --search r -j 2 -q --no-plot
t_eq parameter_search-12 "killed midway ($n_before of 24 rows) and restarted: every run once" \
	"0 $(seq 24 | sort | tr '\n' ' ')" \
	"$T_STATUS $(rows "$W3/temp/parameter_search.csv" | cut -d, -f1 | sort | tr '\n' ' ')"
t_check parameter_search-13 "after the restart every row is well-formed (llsample scan)" \
	llsample -w "$W3" scan r temp/parameter_search.csv
t_eq parameter_search-14 "the restart evaluated only what was missing" "yes" \
	"$([ "$n_before" -gt 0 ] && [ "$n_before" -lt 24 ] && echo yes || echo "no: $n_before rows before")"

# --- bad input: one line, nothing lost --------------------------------------------
cp "$W/temp/parameter_search.csv" "$T/before.csv"
printf '7,ABCDEFGH,3,300000,0.7,1.5' >>"$W/temp/parameter_search.csv"
cp "$W/temp/parameter_search.csv" "$T/torn.csv"
t_error parameter_search-15 "a torn last row on resume is one clear line" 1 \
	"$PS: $W/temp/parameter_search.csv:13: incomplete last row (an interrupted write?): remove that line to resume" \
	$PS -w "$W" -mode search --search s -n 8 -q
t_files_eq parameter_search-16 "... and the CSV is left exactly as it was" "$T/torn.csv" "$W/temp/parameter_search.csv"
cp "$T/before.csv" "$W/temp/parameter_search.csv"
sed -i '4s/^\([0-9]*\),[A-Z]*,/\1,nocode,/' "$W/temp/parameter_search.csv"
t_error parameter_search-17 "a malformed row on resume names the line" 1 \
	"$PS: $W/temp/parameter_search.csv:4: code: expected 8 upper-case letters, got 'nocode'" \
	$PS -w "$W" -mode search --search s -q
cp "$T/before.csv" "$W/temp/parameter_search.csv"
search_json bad 4 1 0 | sed 's/"min": 0.5, "max": 0.9/"min": 0.9, "max": 0.5/' >"$W/meta/search/bad1.json"
t_error parameter_search-18 "a range with min > max" 1 \
	"$PS: meta/search/bad1.json: parameters\\[1\\]: expected min <= max, got min 0.9 > max 0.5" \
	$PS -w "$W" -mode search --search bad1
search_json bad 4 1 0 | sed 's/background_fraction/lanes.colour/' >"$W/meta/search/bad2.json"
t_error parameter_search-19 "an unknown parameter name" 1 \
	"$PS: meta/search/bad2.json: parameters\\[1\\].name: expected a searchable generation key (*), not 'lanes.colour'" \
	$PS -w "$W" -mode search --search bad2
printf '{"A_fits_id": "gone", "generation": "g"}\n' >"$W/meta/pipeline/t2.json"
search_json bad 4 1 0 | sed 's/"pipeline": "t"/"pipeline": "t2"/' >"$W/meta/search/bad3.json"
t_error parameter_search-20 "a missing target dataset" 1 \
	"$PS: pipeline 't2': target dataset 'gone': no meta/fits/gone.json" $PS -w "$W" -mode search --search bad3
t_error parameter_search-21 "a missing search file" 1 \
	"$PS: search 'nosuch': no meta/search/nosuch.json; create_default_pipeline.sh writes meta/search/default.json, copy and edit it" $PS -w "$W" -mode search --search nosuch
t_error parameter_search-22 "a bad mode is a usage error" 2 \
	"$PS: -mode: expected search or refine, got 'find' (see '$PS --help')" $PS -w "$W" -mode find --search s
t_files_eq parameter_search-23 "after all the bad input the CSV is unchanged" "$T/before.csv" "$W/temp/parameter_search.csv"

# --- Slurm ------------------------------------------------------------------------
W4=$T/slurm
mkws "$W4" 40 1000
search_json q 5 2 0 >"$W4/meta/search/q.json"
t_run $PS -w "$W4" --slurm --search q --block-size 2 -q
t_eq parameter_search-24 "--slurm prints the script's name: an array of 3 tasks for 5 points in blocks of 2" \
	"0 temp/search/q/slurm.sh #SBATCH --array=0-2" \
	"$T_STATUS $(cat "$T/out") $(grep '^#SBATCH --array' "$W4/temp/search/q/slurm.sh")"
t_check parameter_search-25 "the Slurm script passes bash -n" bash -n "$W4/temp/search/q/slurm.sh"
for id in 2 0 1; do SLURM_ARRAY_TASK_ID=$id bash "$W4/temp/search/q/slurm.sh" >/dev/null 2>"$T/task.err" || break; done
t_eq parameter_search-26 "each array task run here (SLURM_ARRAY_TASK_ID=2,0,1) adds its block's rows" "1 2 3 4 5" \
	"$(rows "$W4/temp/parameter_search.csv" | cut -d, -f1 | sort -n | tr '\n' ' ' | sed 's/ $//')"

# --- recovery of known parameters ---------------------------------------------------
# A: pitch 3e5, background 0.7, seed 7.  The search (seed 11, another
# realisation) over pitch 1e5..1e6 (log) and 64 points + a refine must find
# a distance no worse than that of the truth drawn with the search's seed
# (+ 0.5), and the pitch within 5%.  ~85 evaluations of 200k events.
if [ "${LL_BUILD:-}" = "$T_ROOT/build" ]; then
	W5=$T/recovery
	mkws "$W5" 200 1000
	cat >"$W5/meta/search/rec.json" <<-EOF
	{"pipeline": "t", "samples": 64, "seed": 11, "keep": 1, "refine": {"max_evals": 20},
	 "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 1e5, "max": 1e6, "scale": "log"}]}
	EOF
	$PS -w "$W5" -mode search --search rec -j 2 -q --no-plot >/dev/null 2>"$T/rec.err" &&
		$PS -w "$W5" -mode refine --search rec -q --no-plot >/dev/null 2>>"$T/rec.err"
	t_eq parameter_search-28 "recovery: 64 search rows and up to 20 refine rows" "64 yes" \
		"$(rows "$W5/temp/parameter_search.csv" | grep -c '^[0-9]') $(n=$(rows "$W5/temp/parameter_search.csv" | grep -c '^r'); [ "$n" -ge 1 ] && [ "$n" -le 20 ] && echo yes || echo "no: $n")"
	best_row=$(cd "$W5" && llsample best rec temp/parameter_search.csv)
	d_true=$(cd "$W5" && llgen --params meta/generation/g.json --source out/t/A.0.source.ev --seed 11 --pitch 3e5 |
		wrange --min 0.4 --max 0.6 | wbin --n 2 --min 0.4 --max 0.6 | varstat --timescales 0.5:10:16 |
		evcompare out/t/A_varstat.csv - | tail -n 1 | cut -d, -f1)
	t_eq parameter_search-29 "recovery: best distance <= the truth's with the search's seed + 0.5" "yes" \
		"$(awk -v b="$(echo "$best_row" | cut -d, -f5)" -v t="$d_true" 'BEGIN { print (b + 0 <= t + 0.5 && t != "") ? "yes" : "no: best " b ", truth " t }')"
	t_near parameter_search-30 "recovery: the pitch is within 5% of 3e5" "$(echo "$best_row" | cut -d, -f4)" 3e5 15000
else
	for i in 28 29 30; do
		t_skip parameter_search-$i "recovery of known parameters" "about 85 evaluations: run against the plain build only"
	done
fi

# --- search names: the internal roles check them in the shell, like llws ---------
for bad in '../x' 'a..b' '.x' 'a b' "$(printf 'a%.0s' $(seq 65))"; do
	for role in main sample; do
		if [ "$role" = main ]; then
			t_run $PS -w "$W" -mode search --search "$bad"
		else
			t_run $PS -w "$W" --search "$bad" --sample 1 2e5 0.6
		fi
		printf '%s %s\n' "$T_STATUS" "$(cat "$T/err")"
	done
done >"$T/names.out"
t_eq parameter_search-31 "bad search names: 10 usage errors, each pair (main, internal role) the same line" \
	"10 10 5" \
	"$(wc -l <"$T/names.out") $(grep -c "^2 $PS: invalid search name '.*': expected \[A-Za-z0-9\]\[A-Za-z0-9_.-\]{0,63}, no '..' (see '$PS --help')$" "$T/names.out") $(cut -d' ' -f2- "$T/names.out" | uniq -d | grep -vc '^$')"
t_run $PS -w "$W" --search "$(printf 'a%.0s' $(seq 64))" --sample 1 2e5 0.6
t_eq parameter_search-32 "a 64-character name passes the internal check (then: no such search)" "1" "$T_STATUS"

# --- the seed's commands: no --search means "default"; what stderr says ----------
W6=$T/default
mkws "$W6" 40 1000
search_json default 4 3 0 ', "refine": {"max_evals": 3}' >"$W6/meta/search/default.json"
t_run $PS -w "$W6" -mode search --no-plot
t_eq parameter_search-44 "without --search the search 'default' runs: its four rows" "0 4" \
	"$T_STATUS $(rows "$W6/temp/parameter_search.csv" | wc -l)"
t_eq parameter_search-45 "stderr not a terminal: one summary line at the end" \
	"1 yes" "$(wc -l <"$T/err") $(grep -qE "^$PS: search 'default': 4 of 4 points done, best distance [0-9.e+-]+ \(run [1-4]\)$" "$T/err" && echo yes)"
t_run $PS -w "$W6" -mode refine --no-plot
t_eq parameter_search-46 "refine: one summary line saying why it stopped (the budget here)" \
	"0 1 yes" "$T_STATUS $(wc -l <"$T/err") $(grep -qE "^$PS: refine 'default': 3 evaluations, best distance [0-9.e+-]+ \(run (r[1-3]|[1-4])\); stopped: budget: all 3 evaluations allowed were made$" "$T/err" && echo yes)"
rm -f "$W6/temp/parameter_search.csv"
script -qec "$PS -w $W6 -mode search --no-plot -j 1" /dev/null </dev/null >"$T/tty.out" 2>&1
t_eq parameter_search-47 "on a terminal: a progress line per evaluation, then the summary" "4 1" \
	"$(tr -d '\r' <"$T/tty.out" | grep -cE "^$PS: [1-4]/4 done, best distance") $(tr -d '\r' <"$T/tty.out" | grep -c "^$PS: search 'default': 4 of 4 points done")"
t_error parameter_search-48 "a mistyped search name: the nearest one" 1 \
	"$PS: search 'defualt': no meta/search/defualt.json (did you mean 'default'?); create_default_pipeline.sh writes meta/search/default.json, copy and edit it" \
	$PS -w "$W6" -mode search --search defualt

# --- job arrays: sizes, messages (no cluster needed) ------------------------------
W6=$T/arrays
mkws "$W6" 40 1000
search_json big 2000 1 0 >"$W6/meta/search/big.json"
t_run env SLURM_CONF="$T/no-such-slurm.conf" $PS -w "$W6" --slurm --search big --block-size 1
t_eq parameter_search-33 "2000 points in blocks of 1 without a cluster to ask: Slurm's default MaxArraySize 1001, blocks grow, one line says so" \
	"0 #SBATCH --array=0-999|$PS: search 'big': 2000 points in blocks of 1 need 2000 array tasks, more than the cluster's MaxArraySize (1001): blocks of 2 points instead (1000 tasks)" \
	"$T_STATUS $(grep '^#SBATCH --array' "$W6/temp/search/big/slurm.sh")|$(cat "$T/err")"
mkdir -p "$T/failing"
printf '#!/bin/sh\nexit 3\n' >"$T/failing/evcompare"
chmod +x "$T/failing/evcompare"
search_json f 2 1 0 >"$W6/meta/search/f.json"
PATH="$T/failing:$PATH" $PS -w "$W6" --slurm --search f --csv temp/f.csv -q >/dev/null 2>&1
# (the job script carries the PATH it was written with)
t_error parameter_search-34 "an array task whose tool fails without a message (here evcompare) names it and its status" 1 \
	"$PS: evcompare failed (exit status 3)" env SLURM_ARRAY_TASK_ID=0 bash "$W6/temp/search/f/slurm.sh"

# --- a real one-node Slurm cluster ------------------------------------------------
. "$T_ROOT/tests/slurm_lib.sh"
# Slowed evaluations, so that array tasks and local runs truly overlap.
mkdir -p "$T/slow"
printf '#!/bin/sh\nsleep "${LL_TEST_SLOW:-0.4}"\nexec %s "$@"\n' "$(command -v llgen)" >"$T/slow/llgen"
chmod +x "$T/slow/llgen"
SLOW_PATH=$T/slow:$PATH
# rows_once CSV N: "ok" when runs 1..N are each there exactly once (and nothing else).
runs_once() {
	local got
	got=$(rows "$1" | cut -d, -f1 | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$(seq "$2" | tr '\n' ' ' | sed 's/ $//')" ] && echo ok || echo "runs: $got"
}
# submit WS SCRIPT: sbatch SCRIPT (relative to WS) and print the job id.
submit() { (cd "$1" && sbatch --parsable "$2") | cut -d';' -f1; }

cluster_ids="27 35 36 37 38 39 40 41 42 43"
if ! slurm_up 51; then
	for i in $cluster_ids; do
		t_skip parameter_search-$i "a real one-node Slurm cluster" "its daemons cannot start here: $SLURM_WHY"
	done
	exit 0
fi

# 8 points, blocks of 3: 3 tasks, in a workspace whose path has a space.
W7="$T/slurm ws"
mkws "$W7" 40 1000
search_json q 8 2 0 >"$W7/meta/search/q.json"
W8=$T/local
mkws "$W8" 40 1000
cp "$W7/meta/search/q.json" "$W8/meta/search/"
$PS -w "$W8" -mode search --search q -j 2 -q --no-plot >/dev/null 2>&1
script=$($PS -w "$W7" --slurm --search q --block-size 3 -q)
job=$(submit "$W7" "$script")
slurm_wait "$job" 120
t_files_eq parameter_search-27 "8 points through sbatch (3 array tasks) give the rows of a local run" \
	<(rows "$W8/temp/parameter_search.csv") <(rows "$W7/temp/parameter_search.csv")
t_eq parameter_search-35 "#SBATCH --chdir and --output are quoted: the tasks ran and logged in a path with a space" \
	"#SBATCH --chdir=\"$W7\" 3 0" \
	"$(grep '^#SBATCH --chdir' "$W7/$script") $(ls "$W7/temp/search/q/" | grep -c "^slurm-${job}_[0-2]\.out$") $(cat "$W7"/temp/search/q/slurm-*.out | wc -c)"
t_eq parameter_search-36 "the finished tasks leave no scratch behind" "" "$(ls -d "$W7"/temp/search/q/job.* 2>/dev/null)"

t_run $PS -w "$W6" --slurm --search big --block-size 1
t_eq parameter_search-37 "the cluster's MaxArraySize (51 here) read from scontrol: 50 tasks of 40 points" \
	"0 #SBATCH --array=0-49|$PS: search 'big': 2000 points in blocks of 1 need 2000 array tasks, more than the cluster's MaxArraySize (51): blocks of 40 points instead (50 tasks)" \
	"$T_STATUS $(grep '^#SBATCH --array' "$W6/temp/search/big/slurm.sh")|$(cat "$T/err")"

# A second submission while the first array runs: the same script submitted
# again waits in Slurm's queue (singleton); writing a new script waits for
# the running tasks (the search's lock).  12 points in 4 tasks of 3.
W9=$T/overlap1
mkws "$W9" 40 1000
search_json o 12 4 0 >"$W9/meta/search/o.json"
script=$(PATH=$SLOW_PATH $PS -w "$W9" --slurm --search o --block-size 3 -q)
job1=$(submit "$W9" "$script")
job2=$(submit "$W9" "$script")
# Until a task holds the search's lock.
for _ in $(seq 300); do ! flock -n -x "$W9/temp/search/o/lock" true && break; sleep 0.05; done
t_eq parameter_search-38 "while the first array runs, the same script submitted again waits (Dependency)" \
	"Dependency" "$(squeue -h -j "$job2" -o %r | sort -u | tr '\n' ' ' | sed 's/ $//')"
PATH=$SLOW_PATH $PS -w "$W9" --slurm --search o --block-size 3 >"$T/w.out" 2>"$T/w.err"
job3=$(submit "$W9" "$script")
t_eq parameter_search-39 "writing a new job script during the array waits for its tasks, saying so in one line" \
	"$PS: search 'o': waiting for its running Slurm array tasks (or another run) to finish (lock temp/search/o/lock)" \
	"$(cat "$T/w.err")"
slurm_wait "$job1" 120
slurm_wait "$job2" 120
slurm_wait "$job3" 120
t_eq parameter_search-40 "three overlapping submissions: every run exactly once, every row whole" "ok ok" \
	"$(runs_once "$W9/temp/parameter_search.csv" 12) $(llsample -w "$W9" scan o temp/parameter_search.csv >/dev/null && echo ok)"

# -mode search started right after sbatch (what the man page describes).
W10=$T/overlap2
mkws "$W10" 40 1000
search_json m 8 6 0 >"$W10/meta/search/m.json"
script=$(PATH=$SLOW_PATH $PS -w "$W10" --slurm --search m --block-size 2 -q)
job=$(submit "$W10" "$script")
PATH=$SLOW_PATH LL_TEST_SLOW=1 $PS -w "$W10" -mode search --search m -j 2 --no-plot >/dev/null 2>"$T/m.err"
slurm_wait "$job" 120
t_eq parameter_search-41 "-mode search right after sbatch: every run once, and one side waited for the other" "ok yes" \
	"$(runs_once "$W10/temp/parameter_search.csv" 8) $(cat "$T/m.err" "$W10"/temp/search/m/slurm-*.out | grep -q "(lock temp/search/m/lock)$" && echo yes)"

# A cancelled array: the next run redoes what its tasks left undone.
W11=$T/cancel
mkws "$W11" 40 1000
search_json c 8 8 0 >"$W11/meta/search/c.json"
script=$(PATH=$SLOW_PATH $PS -w "$W11" --slurm --search c --block-size 4 -q)
job=$(submit "$W11" "$script")
for _ in $(seq 300); do [ "$(rows "$W11/temp/parameter_search.csv" | wc -l)" -ge 2 ] && break; sleep 0.1; done
scancel "$job"
slurm_wait "$job" 60
n_before=$(rows "$W11/temp/parameter_search.csv" | wc -l)
t_eq parameter_search-42 "scancel midway leaves whole rows only ($n_before of 8)" "yes ok" \
	"$([ "$n_before" -ge 2 ] && [ "$n_before" -lt 8 ] && echo yes || echo "no: $n_before") $(llsample -w "$W11" scan c temp/parameter_search.csv >/dev/null && echo ok)"
$PS -w "$W11" -mode search --search c -q --no-plot >/dev/null 2>&1
t_eq parameter_search-43 "the next run evaluates what the cancelled tasks left: every run once, their scratch removed" "ok " \
	"$(runs_once "$W11/temp/parameter_search.csv" 8) $(ls -d "$W11"/temp/search/c/job.* 2>/dev/null)"
slurm_down
