#!/bin/sh
# parameter_search.sh: search the generation parameters so that a generated
# B mimics the variability of a pipeline's A (DESIGN §7): quasi-random
# search, nlopt refinement, Slurm job arrays; rows in temp/parameter_search.csv.
# Exit: 0 ok, 1 bad metadata, failed evaluation or I/O error, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog -mode search|refine [--search NAME] [-j N] [-n N] [-w DIR]
       $prog --slurm --search NAME [-n N] [--block-size M] [-o FILE] [-w DIR]
Find the generation parameters under which a B drawn by llgen looks like
the A dataset of a pipeline, as measured by evcompare (DESIGN §7).
meta/search/NAME.json names the pipeline, the parameters (dotted
generation keys) with their ranges and scales, the number of samples,
the seed and how many datasets to keep (man parameter_search.sh).

Every evaluation draws B with llgen --params (the pipeline's generation)
--source (A's source stream: its exposure, GTIs and spectrum) --seed (the
search's seed, the same for every evaluation: common random numbers) and
the sampled values, processes it with the B stages of pipelines/P.sh
(wrange, wbin, ...; the pipeline is written and run first when needed),
runs varstat with the processing's time scales and scores it against
out/P/A_varstat.csv.  Each evaluation appends one row
  run,code,seed,PARAMETER...,distance,n_terms,elapsed_s
to the CSV with one write under a lock.  Search rows have run 1, 2, ...
(point k of the seeded Halton sequence); refine rows have run r1, r2, ...
The best 'keep' datasets stay on disk as data/ev/CODE.ev with
meta/fits/CODE.json; the others are removed.

  -mode, --mode M      search: evaluate the points not yet in the CSV
                       (a killed search resumes where it stopped);
                       refine: start from the best row and run nlopt's
                       BOBYQA or Sbplx (llrefine) inside the ranges
  -s, --search NAME    the search (meta/search/NAME.json; default: default,
                       which create_default_pipeline.sh writes)
  -j, --jobs N         evaluations in parallel (xargs -P; default 1)
  -n N                 search: points 1..N (default the search's
                       samples); refine: evaluation budget (default
                       refine.max_evals)
  --csv FILE           the CSV (default temp/parameter_search.csv)
  --slurm              write an sbatch job-array script (one array task
                       per block of points, same CSV) and print its name
  --block-size M       points per array task (default 16; more when the
                       array would exceed the cluster's MaxArraySize)
  -o FILE              the Slurm script (default temp/search/NAME/slurm.sh)
  --no-plot            skip the plots of the search
  -q, --quiet          no progress on stderr (on a terminal: a line per
                       evaluation; otherwise one summary line at the end)
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

On a cluster the workspace must be on a filesystem the nodes share (with
flock locks), the programs on the same PATH on every node.  Array tasks
share temp/search/NAME/lock; a local -mode run or a new --slurm script
waits for running tasks (one line says so); two submissions of a script
never run at once (--dependency=singleton).

Internal (used by xargs, llrefine and Slurm tasks): --sample RUN VALUE...,
--eval --run rK VALUE... (prints the distance), --block B.

Example: $prog -mode search --search m82 -j 4 && $prog -mode refine --search m82
Exit status: 0 ok, 1 bad metadata, a failed evaluation or I/O error,
2 usage error.
EOF
}

case $0 in
/*) self=$0 ;;
*/*) self=$(pwd)/$0 ;;
*) self=$(command -v "$0") ;;
esac
ll_need llsample

# --- options --------------------------------------------------------------

mode='' search='' jobs=1 n='' csv=temp/parameter_search.csv slurm=0
block_size=16 slurm_out='' plot=1 quiet=0 role=main run='' block=''
ws_dir=${LL_WORKSPACE:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	--slurm) slurm=1 ;;
	--no-plot) plot=0 ;;
	-q|--quiet) quiet=1 ;;
	--sample) role=sample; shift; break ;;
	--eval) role=eval ;;
	--run)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		run=$2; shift; shift; break ;;
	-mode|--mode|-s|--search|-j|--jobs|-n|--csv|--block-size|-o|-w|--workspace|--block)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-mode|--mode) mode=$2 ;;
		-s|--search) search=$2 ;;
		-j|--jobs) jobs=$2 ;;
		-n) n=$2 ;;
		--csv) csv=$2 ;;
		--block-size) block_size=$2 ;;
		-o) slurm_out=$2 ;;
		--block) block=$2; role=block ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) usage_error "unexpected argument '$1'" ;;
	esac
	shift
done

whole() {
	case $2 in
	''|*[!0-9]*) usage_error "$1: not a whole number: '$2'" ;;
	esac
	[ "${#2}" -le 9 ] || usage_error "$1: too large: '$2'"
}
search=${search:-default}
# The internal roles run once per evaluation, where a process is ~10% of
# the time: the same rule as llws check-name, in the shell (the main role,
# which starts them, asks llws).
name_ok() {
	case $1 in
	''|[!A-Za-z0-9]*|*[!A-Za-z0-9_.-]*|*..*) return 1 ;;
	esac
	[ "${#1}" -le 64 ]
}
if [ "$role" = main ]; then
	llws check-name search "$search" 2>/dev/null
else
	name_ok "$search"
fi || usage_error "invalid search name '$search': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
case $role in
main)
	if [ "$slurm" = 0 ]; then
		case $mode in
		search|refine) ;;
		'') usage_error "missing -mode search|refine (or --slurm)" ;;
		*) usage_error "-mode: expected search or refine, got '$mode'" ;;
		esac
	fi ;;
eval) [ -n "$run" ] || usage_error "--eval needs --run rK VALUE..." ;;
esac
whole -j "$jobs"
[ "$jobs" -ge 1 ] || usage_error "-j: must be at least 1"
[ -z "$n" ] || whole -n "$n"
whole --block-size "$block_size"
[ "$block_size" -ge 1 ] || usage_error "--block-size: must be at least 1"
[ -z "$block" ] || whole --block "$block"

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
ws_abs=$(pwd)
unset LL_WORKSPACE
case $csv in /*) ;; *) csv=$ws_abs/$csv ;; esac

if [ "$role" = main ] && [ ! -f "meta/search/$search.json" ]; then
	near=$(llws closest search "$search" 2>/dev/null) && near=" (did you mean '$near'?)" || near=
	die "search '$search': no meta/search/$search.json$near; create_default_pipeline.sh writes meta/search/default.json, copy and edit it"
fi
work=temp/search/$search
env_file=$work/env.sh
# Scratch of the evaluations: one directory per Slurm array task, one for
# the local run (there is only one at a time: see lock_search).
case $role in
block) scratch=$work/job.${SLURM_ARRAY_JOB_ID:-pid$$}_$block ;;
*) scratch=$work/local ;;
esac

# --- keeping runs of one search apart -----------------------------------------

# lock_search shared|exclusive: lock temp/search/NAME/lock on descriptor 8
# (held until exit, inherited by the evaluations).  Slurm array tasks share
# it; a local -mode search or refine, and the writing of a new job script,
# take it alone, so they never evaluate the points of a running array, nor
# rewrite its env.sh or A's tables under it.  Waiting says so in one line.
# (Two submissions of one script are kept apart by Slurm itself:
# --dependency=singleton in the script.)
lock_search() {
	command -v flock >/dev/null 2>&1 ||
		die "flock: not found on PATH (util-linux): it keeps the runs of search '$search' apart"
	exec 8>>"$work/lock" || die "$work/lock: cannot open the search's lock file"
	if [ "$1" = shared ]; then
		ls_flag=-s ls_why="block $block waits for a local run or a new job script of the search to finish"
	else
		ls_flag=-x ls_why="waiting for its running Slurm array tasks (or another run) to finish"
	fi
	flock -n $ls_flag 8 && return 0
	[ "$quiet" = 1 ] || printf "%s: search '%s': %s (lock %s)\n" "$prog" "$search" "$ls_why" "$work/lock" >&2
	flock $ls_flag 8 || die "$work/lock: cannot lock"
}

# --- preparing: the pipeline's A side, once ---------------------------------

# prepare: check everything, make A's tables and write $env_file, which the
# evaluations (parallel jobs, Slurm tasks, llrefine's) source.
prepare() {
	mkdir -p "$work" temp || die "$work: cannot create the directory"
	err=$work/prepare.err
	llsample check "$search" >"$work/check" 2>"$err" || tool_error llsample "$err"
	. "./$work/check"
	pipe=meta/pipeline/$pipeline.json
	[ -f "$pipe" ] || die "search '$search': pipeline '$pipeline': no $pipe"
	llws validate "$pipe" 2>"$err" || tool_error llws "$err"
	a=$(llws get "$pipe" A_fits_id 2>"$err") || tool_error llws "$err"
	[ -f "meta/fits/$a.json" ] || die "pipeline '$pipeline': target dataset '$a': no meta/fits/$a.json"
	llws validate "meta/fits/$a.json" 2>"$err" || tool_error llws "$err"
	a_path=$(llws get "meta/fits/$a.json" path 2>/dev/null || llws get "meta/fits/$a.json" fits 2>/dev/null) ||
		die "meta/fits/$a.json: no path"
	[ -f "$a_path" ] || die "pipeline '$pipeline': target dataset '$a': $a_path: no such file"
	first=$(llws get "$pipe" B_filters.0 2>/dev/null) || first=generate
	[ "$first" = generate ] ||
		die "pipeline '$pipeline': B starts with '$first': a search needs B_filters starting with generate"
	gen=$(llws get "$pipe" generation 2>/dev/null) || gen=default
	[ -f "meta/generation/$gen.json" ] || die "pipeline '$pipeline': generation '$gen': no meta/generation/$gen.json"
	script=pipelines/$pipeline.sh
	processing=$(llws get "$pipe" processing 2>/dev/null || llws get "meta/fits/$a.json" processing 2>/dev/null || echo default)
	stale=0
	[ -f "$script" ] || stale=1
	for f in "$pipe" "meta/fits/$a.json" "meta/processing/$processing.json" "meta/generation/$gen.json"; do
		[ ! -f "$f" ] || [ ! "$f" -nt "$script" ] || stale=1
	done
	if [ "$stale" = 1 ]; then
		say "writing $script"
		llpipe "$pipe" >/dev/null 2>"$err" || tool_error llpipe "$err"
	fi
	o=out/$pipeline
	if [ ! -f "$o/A_varstat.csv" ] || [ ! -f "$o/A.0.source.ev" ] || [ "$script" -nt "$o/A_varstat.csv" ] ||
		[ "$a_path" -nt "$o/A_varstat.csv" ]; then
		say "running $script for A's tables"
		sh "$script" >"$work/pipeline.log" 2>&1 ||
			die "pipeline '$pipeline': $script failed: $(grep -v '^+' "$work/pipeline.log" | head -n 1)"
	fi
	[ -f "$o/A_varstat.csv" ] ||
		die "pipeline '$pipeline': no $o/A_varstat.csv: a search needs the varstat analysis"
	[ -f "$o/A.0.source.ev" ] || die "pipeline '$pipeline': no $o/A.0.source.ev (A's source stream)"
	# B's filters (its stages after llgen) and varstat flags, as llpipe
	# runs them: the search processes every B exactly like the pipeline's own B.
	llpipe --stages B "$pipe" >"$work/b_stages" 2>"$err" || tool_error llpipe "$err"
	sed 1d "$work/b_stages" >"$work/stages"
	llpipe --analyses B "$pipe" >"$work/analyses" 2>"$err" || tool_error llpipe "$err"
	vs=$(sed -n 's/^varstat //p' "$work/analyses")
	[ -n "$vs" ] || die "pipeline '$pipeline': B has no varstat analysis: a search needs it"
	{
		echo "# written by $prog for the search '$search'; remade on every run"
		echo "pipeline='$pipeline' a='$a' gen='$gen' seed='$seed' keep='$keep' samples='$samples'"
		echo "params='$params' algorithm='$algorithm' max_evals='$max_evals'"
		echo "O='$o'"
		echo "processing='$processing'"
		echo "# b_pipe: llgen | B's stages | varstat; a failing stage writes a line to \$fail"
		echo 'b_pipe() {'
		echo "	{ llgen --params 'meta/generation/$gen.json' --source \"\$O/A.0.source.ev\" --seed \"\$seed\" \$args 2>>\"\$err\" || echo \"llgen \$?\" >>\"\$fail\"; } |"
		[ "$keep" = 0 ] || echo "	{ tee \"\$raw\" || echo \"tee \$?\" >>\"\$fail\"; } |"
		while IFS= read -r line; do
			printf '\t{ %s 2>>"$err" || echo "%s $?" >>"$fail"; } |\n' "$line" "${line%% *}"
		done <"$work/stages"
		printf '\t{ varstat %s -o "$vs_out" 2>>"$err" || echo "varstat $?" >>"$fail"; }\n' "$vs"
		echo '}'
	} >"$env_file.tmp" && mv -f "$env_file.tmp" "$env_file" || die "$env_file: cannot write"
	# The CSV: created with its header once; an existing one must belong
	# to this search and be whole (llsample scan says exactly what is wrong).
	mkdir -p "$(dirname "$csv")" || die "$csv: cannot create the directory"
	if [ ! -s "$csv" ]; then
		llsample header "$search" >"$csv.tmp" 2>"$err" || tool_error llsample "$err"
		mv -f "$csv.tmp" "$csv"
	fi
	llsample scan "$search" "$csv" >"$work/scan" 2>"$err" || tool_error llsample "$err"
}

load_env() {
	[ -f "$env_file" ] || die "search '$search': no $env_file: run $prog -mode search first"
	. "./$env_file"
}

now() {
	date +%s.%N 2>/dev/null | sed 's/N$/0/'
}

# --- one evaluation ------------------------------------------------------------

# evaluate RUN VALUE...: draw, process, score, append the row; keep the
# dataset if it is among the best.  Prints the distance when role is eval.
evaluate() {
	run=$1
	shift
	err=$scratch/$run.err fail=$scratch/$run.fail vs_out=$scratch/$run.varstat.csv raw= t0=$scratch/$run.t0
	# Redirections, not rm and date: every process costs ~10% of an
	# evaluation.  t0's modification time is the start (llsample --since-file).
	: >"$t0"
	: >"$err"
	: >"$fail"
	args=$(llsample args "$search" --code "$run" -- "$@" 2>"$err") || tool_error llsample "$err"
	code=${args%% *}
	args=${args#* }
	[ "$keep" = 0 ] || raw=$scratch/$run.ev
	b_pipe
	if [ -s "$fail" ]; then
		msg=$(head -n 1 "$err")
		[ -n "$msg" ] || msg="$(head -n 1 "$fail") (exit status)"
		rm -f "$raw" "$vs_out"
		die "run $run: $msg"
	fi
	evcompare "$O/A_varstat.csv" "$vs_out" >"$scratch/$run.cmp" 2>"$err" || tool_error evcompare "$err"
	score=
	while IFS= read -r l; do
		case $l in
		'#'*|distance,*) ;;
		*) score=$l; break ;;
		esac
	done <"$scratch/$run.cmp"
	[ -n "$score" ] || die "run $run: evcompare printed no distance"
	line="$run,$code,$seed"
	for v; do line="$line,$v"; done
	# One process appends the row and, under the same lock, keeps RUN's
	# dataset when it is among the best 'keep' and removes those that
	# dropped out (data/ev/CODE.ev, meta/fits/CODE.json).
	llsample --since-file "$t0" record "$search" "$csv" "$line,$score" \
		${raw:+--dataset "$raw" --processing "$processing" --generation "$gen" --source "$a"} \
		2>"$err" || tool_error llsample "$err"
	rm -f "$vs_out" "$scratch/$run.cmp" "$err" "$fail" "$t0"
	[ "$role" != eval ] || printf '%s\n' "${score%,*}"
	if [ "$quiet" = 0 ] && [ -t 2 ] && [ "$role" = sample ]; then progress; fi
	return 0
}

progress() {
	llsample scan "$search" "$csv" >"$scratch/progress.$$" 2>/dev/null || return 0
	. "./$scratch/progress.$$"
	rm -f "$scratch/progress.$$"
	awk -v d="$done" -v n="${PS_TOTAL:-0}" -v d0="${PS_DONE0:-0}" -v t0="${PS_T0:-0}" -v t="$(now)" \
	    -v b="$best_distance" -v r="$best_run" -v p="$prog" 'BEGIN {
		eta = ""
		if (d > d0 && t0 > 0) eta = sprintf(", ETA %.0f s", (t - t0) / (d - d0) * (n - d))
		printf "%s: %d/%d done, best distance %s (run %s)%s\n", p, d, n, b, r, eta > "/dev/stderr"
	}'
}

# --- the Slurm job array ---------------------------------------------------------

# write_slurm_script: the sbatch script of the search (one array task per
# block of points) and its name on stdout.  Its tasks run this script with
# --block in the workspace, which the nodes must see at the same path.
write_slurm_script() {
	total=${n:-$samples}
	[ "$total" -ge 1 ] || die "search '$search': -n 0: no points to put in a job array"
	# sbatch reads "#SBATCH" values in double quotes, without escapes.
	case $ws_abs in
	*'"'*|*'\'*|*'
'*) die "$ws_abs: --slurm: a workspace path with a double quote, backslash or newline cannot go into an #SBATCH line" ;;
	esac
	blocks=$(((total + block_size - 1) / block_size))
	max_array=$(ll_slurm_max_array)
	if [ "$blocks" -gt "$max_array" ]; then
		wanted=$blocks asked=$block_size
		block_size=$(((total + max_array - 1) / max_array))
		blocks=$(((total + block_size - 1) / block_size))
		[ "$quiet" = 1 ] || printf "%s: search '%s': %s points in blocks of %s need %s array tasks, more than the cluster's MaxArraySize (%s): blocks of %s points instead (%s tasks)\n" \
			"$prog" "$search" "$total" "$asked" "$wanted" "$max_array" "$block_size" "$blocks" >&2
	fi
	out=${slurm_out:-$work/slurm.sh}
	# One job name per workspace and search: singleton keeps two
	# submissions from running at once (the second waits in the queue).
	job=llsearch-$search-$(printf '%s' "$ws_abs" | cksum | cut -d' ' -f1)
	log=$(printf '%s' "$ws_abs/$work" | sed 's/%/%%/g')
	{
		echo '#!/bin/bash'
		echo "# Slurm job array of the parameter search '$search', written by $prog."
		echo "# Submit with: sbatch $out   (each task evaluates $block_size points;"
		echo "# rows go to $csv with the same locked appends; rerun to fill gaps)."
		echo "# The workspace must be on a filesystem the nodes share (with flock),"
		echo "# and the programs on the PATH below on every node."
		echo "#SBATCH --job-name=$job"
		echo "#SBATCH --dependency=singleton"
		echo "#SBATCH --array=0-$((blocks - 1))"
		echo "#SBATCH --chdir=\"$ws_abs\""
		echo "#SBATCH --output=\"$log/slurm-%A_%a.out\""
		echo "#SBATCH --ntasks=1"
		echo "#SBATCH --cpus-per-task=1"
		echo 'set -eu'
		echo "export PATH=$(ll_quote "$PATH")"
		echo ": \"\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}\""
		echo "exec sh $(ll_quote "$self") -w $(ll_quote "$ws_abs") --search $(ll_quote "$search") --csv $(ll_quote "$csv") -n $total \\"
		echo "	--block-size $block_size --block \"\$SLURM_ARRAY_TASK_ID\""
	} >"$out.tmp" && mv -f "$out.tmp" "$out" && chmod +x "$out" || die "$out: cannot write the Slurm script"
	printf '%s\n' "$out"
}

# --- roles ---------------------------------------------------------------------

# The best row: its values and the command that draws its dataset again.
summary() {
	llsample scan "$search" "$csv" >"$work/scan" 2>"$work/scan.err" || tool_error llsample "$work/scan.err"
	. "./$work/scan"
	[ -n "$best_run" ] || die "search '$search': no row with a defined distance"
	row=$(llsample best "$search" "$csv" -n 1)
	set -f
	IFS=,
	# shellcheck disable=SC2086 # split the row on commas
	set -- $row
	IFS=' '
	set +f
	bcode=$2
	shift 3
	vals=''
	i=0
	for p in $params; do
		i=$((i + 1))
		eval "v=\${$i}"
		vals="$vals $v"
		printf '%s = %s\n' "$p" "$v"
	done
	printf 'best run %s: distance %s (%s rows), dataset %s%s\n' "$best_run" "$best_distance" \
		"$(($(grep -vc '^#' "$csv") - 1))" "$bcode" \
		"$([ -f "data/ev/$bcode.ev" ] && echo ' (kept: data/ev/'"$bcode"'.ev)' || :)"
	# shellcheck disable=SC2086
	printf 'regenerate: llgen --params meta/generation/%s.json --source %s/A.0.source.ev --seed %s %s -o data/ev/%s.ev\n' \
		"$gen" "$O" "$seed" "$(llsample args "$search" $vals)" "$bcode"
	[ "$plot" = 1 ] || return 0
	command -v searchplot >/dev/null 2>&1 || return 0
	mkdir -p "$O/plots"
	searchplot --search "$search" -o "$O/plots/search_$search.png" "$csv" 2>"$work/plot.err" ||
		tool_error searchplot "$work/plot.err"
	# The best B's Fano curves over A's: drawn again (same seed, same values).
	err=$work/best.err fail=$work/best.fail vs_out=$O/search_${search}_best_varstat.csv raw=/dev/null
	rm -f "$fail" "$err"
	# shellcheck disable=SC2086
	args=$(llsample args "$search" $vals)
	b_pipe
	[ ! -s "$fail" ] || die "best run $best_run: $(head -n 1 "$err")"
	llplot --kind fano --label "A: $a" --label "B: best of search $search (run $best_run)" \
		-o "$O/plots/search_${search}_fano.png" "$O/A_varstat.csv" "$vs_out" 2>"$err" ||
		tool_error llplot "$err"
	printf 'plots: %s/plots/search_%s.png %s/plots/search_%s_fano.png\n' "$O" "$search" "$O" "$search"
}

case $role in
sample)
	load_env
	evaluate "$@" || exit 255 ;;
eval)
	load_env
	evaluate "$run" "$@" ;;
block)
	[ -d "$work" ] || die "search '$search': no $work: write the job script with $prog --slurm"
	lock_search shared
	load_env
	total=${n:-$samples}
	from=$((block * block_size + 1))
	to=$((from + block_size - 1))
	[ "$to" -le "$total" ] || to=$total
	[ "$from" -le "$to" ] || exit 0
	mkdir -p "$scratch" || die "$scratch: cannot create the task's scratch directory"
	# The points are read under the lock: what a run before this task
	# (or one it waited for) wrote is skipped, what a killed task left
	# undone is redone.
	llsample points "$search" --from "$from" --to "$to" --skip "$csv" >"$scratch/block" 2>"$scratch/block.err" ||
		tool_error llsample "$scratch/block.err"
	while read -r r vals; do
		# shellcheck disable=SC2086
		evaluate "$r" $vals
	done <"$scratch/block"
	rm -rf "$scratch" ;;
main)
	mkdir -p "$work" || die "$work: cannot create the directory"
	lock_search exclusive
	prepare
	# Scratch left by killed evaluations and tasks (partial streams can
	# be large): under the exclusive lock nothing else is using it.
	rm -rf "$work"/job.* "$scratch" "$work"/[0-9]*.* "$work"/r[0-9]*.*
	mkdir -p "$scratch" || die "$scratch: cannot create the scratch directory"
	. "./$env_file"
	if [ "$slurm" = 1 ]; then
		write_slurm_script
		exit 0
	fi
	if [ "$mode" = search ]; then
		total=${n:-$samples}
		. "./$work/scan"
		export PS_TOTAL=$total PS_DONE0=$done PS_T0
		PS_T0=$(now)
		llsample points "$search" --to "$total" --skip "$csv" >"$work/todo" 2>"$work/todo.err" ||
			tool_error llsample "$work/todo.err"
		todo=$(wc -l <"$work/todo")
		say "search '$search': $todo of $total points to evaluate, $jobs in parallel"
		qflag=
		[ "$quiet" = 0 ] || qflag=-q
		if [ "$todo" -gt 0 ]; then
			# xargs runs the jobs; a failing evaluation exits 255, which stops it.
			xargs -P "$jobs" -L 1 sh "$self" -w "$ws_abs" --search "$search" --csv "$csv" $qflag --sample \
				<"$work/todo" || die "search '$search': an evaluation failed (rows so far are kept; rerun to resume)"
		fi
		rm -f "$work/todo" "$work/todo.err"
	else
		. "./$work/scan"
		[ -n "$best_run" ] || die "search '$search': no row with a defined distance in $csv: run -mode search first"
		row=$(llsample best "$search" "$csv" -n 1)
		start=$(printf '%s\n' "$row" | awk -F, -v np="$(echo $params | wc -w)" '{
			s = $4; for (i = 5; i < 4 + np; i++) s = s "," $i; print s }')
		say "refining from run $best_run (distance $best_distance)"
		qflag=
		[ "$quiet" = 0 ] || qflag=-q
		llrefine -w "$ws_abs" --start "$start" --first $((refined + 1)) ${n:+--max-evals "$n"} $qflag "$search" -- \
			sh "$self" -w "$ws_abs" --search "$search" --csv "$csv" -q --eval >"$work/refine.out" ||
			die "search '$search': refinement stopped by a failed evaluation (its rows are kept)"
		reason=$(sed -n 's/^reason=//p' "$work/refine.out")
		evals=$(sed -n 's/^evaluations=//p' "$work/refine.out")
	fi
	summary
	# One line at the end, terminal or not: what was done and where it stands.
	if [ "$quiet" = 0 ]; then
		if [ "$mode" = search ]; then
			printf "%s: search '%s': %s of %s points done, best distance %s (run %s)\n" \
				"$prog" "$search" "$done" "$total" "$best_distance" "$best_run" >&2
		else
			printf "%s: refine '%s': %s evaluations, best distance %s (run %s); stopped: %s\n" \
				"$prog" "$search" "$evals" "$best_distance" "$best_run" "$reason" >&2
		fi
	fi ;;
esac
