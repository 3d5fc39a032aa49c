#!/bin/sh
# run_all_pipelines.sh: write pipelines/all.mk with llpipe --make and run
# every pipeline of the workspace (or the named ones) under make -j.
# Exit: 0 ok, 1 bad pipeline or a failed run, 2 usage error.
set -eu

# The suite's shell setup (prog, version, die, usage_error, say, ...):
# next to this script's real path, else on PATH.
ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
# shellcheck source=bin/ll_common.sh
if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi

usage() {
	cat <<EOF
usage: $prog [-j N] [-k] [-w DIR] [PIPELINE...]
       $prog --slurm [--submit] [-j N] [-o FILE] [-w DIR] [PIPELINE...]
Run the pipelines of the workspace: llpipe --make writes pipelines/all.mk
(one target out/NAME/.done per meta/pipeline/NAME.json, depending on the
JSON files it names, its input data and the programs it runs), then
make -j N -f pipelines/all.mk runs those that are out of date, N at a
time.  A pipeline whose results are up to date is not run again.  With
PIPELINE names, only those are brought up to date.  Prints the output
directory out/NAME/ of each pipeline run.

  -j, --jobs N         run N pipelines at once (default: the number of CPUs)
  -k, --keep-going     go on with the other pipelines after one fails
  --slurm              instead of make, write an sbatch job array with one
                       task per pipeline that is out of date (the same rule:
                       make -q on pipelines/all.mk) and print its name;
                       -j N runs at most N tasks at once (default no limit)
  --submit             with --slurm: submit it, wait for it, and print the
                       output directory of each pipeline that ran and a
                       summary (the failed ones on stderr, status 1)
  -o FILE              the Slurm script (default temp/slurm/pipelines.sh)
  --no-wait            refuse (exit 1) while another run holds the workspace
                       instead of waiting for it to finish
  -w, --workspace DIR  the workspace (default: \$LL_WORKSPACE, else .)
  --help, --version

A cluster needs the workspace on a filesystem its nodes share, at the
same path, and the programs on the nodes' PATH (the script exports the
PATH it was written with).

Example: $prog -j 4 && ls out/*/plots/
         $prog --slurm --submit   (on a Slurm login node)
Exit status: 0 ok, 1 bad pipeline or a failed run, 2 usage error.
EOF
}

# shellcheck source=bin/ll_workspace_lock.sh
. "$ll_dir/ll_workspace_lock.sh"
# shellcheck source=bin/ll_workspace.sh
. "$ll_dir/ll_workspace.sh"
ll_need llpipe

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
keep=''
slurm=0 submit=0 slurm_out='' throttle=''
ws_dir=${LL_WORKSPACE:-.}
lock_wait='wait'
names=''
while [ $# -gt 0 ]; do
	case $1 in
	--help) usage; exit 0 ;;
	--no-wait) lock_wait=no-wait ;;
	--version) printf '%s (Lightlane Studio) %s\n' "$prog" "$version"; exit 0 ;;
	-k|--keep-going) keep=-k ;;
	--slurm) slurm=1 ;;
	--submit) slurm=1 submit=1 ;;
	-j|--jobs|-w|--workspace|-o)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-j|--jobs) jobs=$2 throttle=$2 ;;
		-o) slurm_out=$2 ;;
		*) ws_dir=$2 ;;
		esac
		shift ;;
	-j[0-9]*) jobs=${1#-j} throttle=${1#-j} ;;
	-?*) usage_error "unknown option '$1'" ;;
	*)
		llws check-name pipeline "$1" 2>/dev/null ||
			usage_error "invalid pipeline name '$1': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'"
		names="$names $1" ;;
	esac
	shift
done
case $jobs in
''|0|*[!0-9]*) usage_error "--jobs: not a positive whole number: '$jobs'" ;;
esac

[ -d "$ws_dir" ] || die "$ws_dir: no such workspace directory"
cd "$ws_dir" || die "$ws_dir: cannot enter the workspace directory"
unset LL_WORKSPACE
[ -d meta ] || die "$ws_dir: not a workspace (no meta/ directory)"
ws_lock "$prog" "$lock_wait"

all=$(llws list pipeline)
if [ -z "$all" ]; then
	say "no pipelines in meta/pipeline/"
	exit 0
fi
# Names are checked words (no blanks, no globs), so they split safely.
for n in $names; do
	[ -f "meta/pipeline/$n.json" ] || missing pipeline pipeline "$n"
done
[ -n "$names" ] || names=$all

# --- Slurm: one array task per pipeline to run -------------------------------

# run_on_slurm: the pipelines of $names that make would run (make -q says
# which), as a job array; with --submit, run it and report.
run_on_slurm() {
	todo='' n_todo=0 n_all=0
	for n in $names; do
		n_all=$((n_all + 1))
		st=0
		make -q -f pipelines/all.mk "out/$n/.done" >/dev/null 2>"$err" || st=$?
		case $st in
		0) ;;
		1) todo="$todo $n" n_todo=$((n_todo + 1)) ;;
		*) die "pipeline '$n': make -q -f pipelines/all.mk: $(sed -n '1s/^make: //p' "$err")" ;;
		esac
	done
	if [ "$n_todo" = 0 ]; then
		printf '%s: all %s pipeline(s) are up to date: nothing to run on Slurm\n' "$prog" "$n_all" >&2
		return 0
	fi
	ws_abs=$(pwd)
	case $ws_abs in
	*'"'*|*'\'*|*'
'*) die "$ws_abs: --slurm: a workspace path with a double quote, backslash or newline cannot go into an #SBATCH line" ;;
	esac
	tasks=$n_todo
	max_array=$(ll_slurm_max_array)
	if [ "$tasks" -gt "$max_array" ]; then
		tasks=$max_array
		printf "%s: %s pipelines to run, more than the cluster's MaxArraySize (%s): %s array tasks run several each\n" \
			"$prog" "$n_todo" "$max_array" "$tasks" >&2
	fi
	out=${slurm_out:-temp/slurm/pipelines.sh}
	mkdir -p temp/slurm "$(dirname "$out")" || die "temp/slurm: cannot create the directory"
	# One job name per workspace: singleton keeps two submissions from
	# running the same pipelines at once (the second waits in the queue).
	job=llpipes-$(printf '%s' "$ws_abs" | cksum | cut -d' ' -f1)
	log=$(printf '%s' "$ws_abs" | sed 's/%/%%/g')/temp/slurm
	{
		echo '#!/bin/bash'
		echo "# Slurm job array written by $prog: task I runs the pipelines on"
		echo "# lines I+1, I+1+$tasks, ... below with make -f pipelines/all.mk (which writes"
		echo "# pipelines/NAME.sh again and runs it), and leaves NAME's exit status"
		echo "# in temp/slurm/pipelines-JOB/NAME.status.  The workspace must be on a"
		echo "# filesystem the nodes share; the programs on the PATH below on every node."
		echo "#SBATCH --job-name=$job"
		echo "#SBATCH --dependency=singleton"
		echo "#SBATCH --array=0-$((tasks - 1))${throttle:+%$throttle}"
		echo "#SBATCH --chdir=\"$ws_abs\""
		echo "#SBATCH --output=\"$log/pipelines-%A_%a.out\""
		echo "#SBATCH --ntasks=1"
		echo "#SBATCH --cpus-per-task=1"
		echo 'set -u'
		echo "export PATH=$(ll_quote "$PATH")"
		echo ": \"\${SLURM_ARRAY_TASK_ID:?not a Slurm array task}\""
		echo 'status_dir=temp/slurm/pipelines-${SLURM_ARRAY_JOB_ID:-$$}'
		echo 'mkdir -p "$status_dir" || exit 1'
		echo 'status=0'
		echo "for name in \$(awk -v i=\"\$SLURM_ARRAY_TASK_ID\" '(NR - 1) % $tasks == i' <<'EOF'"
		for n in $todo; do echo "$n"; done
		echo 'EOF'
		echo '); do'
		echo '	if make -s -f pipelines/all.mk "out/$name/.done"; then s=0; else s=$?; status=1; fi'
		echo '	echo "$s" >"$status_dir/$name.status"'
		echo 'done'
		echo 'exit "$status"'
	} >"$out.tmp" && mv -f "$out.tmp" "$out" && chmod +x "$out" || die "$out: cannot write the Slurm script"
	if [ "$submit" = 0 ]; then
		printf '%s: %s of %s pipeline(s) to run: a job array of %s task(s); submit with: sbatch %s\n' \
			"$prog" "$n_todo" "$n_all" "$tasks" "$out" >&2
		printf '%s\n' "$out"
		return 0
	fi
	command -v sbatch >/dev/null 2>&1 || die "sbatch: not found on PATH (Slurm's client commands): cannot submit $out"
	id=$(sbatch --parsable "$out" 2>"$err") || die "sbatch $out failed: $(head -n 1 "$err")"
	id=${id%%;*}
	say "Slurm job $id: $n_todo pipeline(s) in $tasks task(s); waiting for it"
	slurm_wait "$id"
	n_ok=0 n_failed=0 i=0
	for n in $todo; do
		task=$((i % tasks))
		i=$((i + 1))
		f=temp/slurm/pipelines-$id/$n.status
		task_log=temp/slurm/pipelines-${id}_$task.out
		if [ ! -f "$f" ]; then
			n_failed=$((n_failed + 1))
			printf "%s: pipeline '%s': no result from Slurm task %s_%s (cancelled or killed?): see %s\n" \
				"$prog" "$n" "$id" "$task" "$task_log" >&2
		elif [ "$(cat "$f")" = 0 ]; then
			n_ok=$((n_ok + 1))
			printf 'out/%s/\n' "$n"
		else
			n_failed=$((n_failed + 1))
			printf "%s: pipeline '%s' failed (exit status %s) in Slurm task %s_%s: see %s\n" \
				"$prog" "$n" "$(cat "$f")" "$id" "$task" "$task_log" >&2
		fi
	done
	printf '%s: Slurm job %s ran %s pipeline(s): %s ok, %s failed; %s up to date\n' \
		"$prog" "$id" "$n_todo" "$n_ok" "$n_failed" "$((n_all - n_todo))" >&2
	[ "$n_failed" = 0 ]
}

# slurm_wait ID: until job ID (every task) has left the queue.  squeue
# lists pending and running jobs only, also after Slurm forgot the job.
slurm_wait() {
	sw_fail=0
	while :; do
		if sw_list=$(squeue -h -o %F 2>"$err"); then
			sw_fail=0
			printf '%s\n' "$sw_list" | grep -qx "$1" || return 0
		else
			sw_fail=$((sw_fail + 1))
			[ "$sw_fail" -lt 10 ] || die "squeue failed while waiting for Slurm job $1: $(head -n 1 "$err")"
		fi
		sleep 1
	done
}

ll_tmpdir "${TMPDIR:-/tmp}"
err=$tmp/err
llpipe --make >/dev/null 2>"$err" || tool_error llpipe "$err"

if [ "$slurm" = 1 ]; then
	run_on_slurm
	exit
fi

set --
for n in $names; do
	set -- "$@" "out/$n/.done"
done
say "running $# pipeline(s), $jobs at a time"
# The pipelines' own progress stays on stderr; make's command echo is noise.
make -s ${keep:+"$keep"} -j "$jobs" -f pipelines/all.mk "$@" >&2 ||
	die "make -f pipelines/all.mk failed (the messages above say which pipeline)"
for n in $names; do
	printf 'out/%s/\n' "$n"
done
