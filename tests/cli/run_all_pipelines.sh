#!/usr/bin/env bash
# run_all_pipelines.sh: every pipeline (or the named ones) run through
# llpipe --make and make -j, up-to-date ones left alone, errors.
. "$(dirname "$0")/../lib.sh"
. "$T_ROOT/tests/workflow_lib.sh"

P=run_all_pipelines.sh
wf_need "$P-0" llws llpipe llgen fits2ev varstat
W=$T/ws
wf_workspace "$W"
cd "$W" || exit 1
create_fits_metadata.sh --file data/sample/chandra_test.fits -n sample >/dev/null
printf '{"timescales": {"min_s": 2, "max_s": 200, "count": 5}, "analyses": ["varstat"]}\n' >meta/processing/quick.json

t_run $P --help
t_eq "$P-1" "--help exits 0 with the usage line and an example" "0 usage: $P [-j N] [-k] [-w DIR] [PIPELINE...] yes" \
	"$T_STATUS $(head -n 1 "$T/out") $(grep -q '^Example: ' "$T/out" && echo yes)"
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) $T_VERSION" "$($P --version)"
t_run $P
t_eq "$P-3" "no pipelines: nothing to do, status 0" "0 " "$T_STATUS $(cat "$T/out" "$T/err")"

create_pipeline.sh -n p1 -a sample --pp quick >/dev/null
create_pipeline.sh -n p2 -a sample --pp quick --b-filters copysource,gtifilter,poissonize >/dev/null
t_run $P -j 2 -w "$W"
t_eq "$P-4" "both pipelines run, their directories on stdout" "0 out/p1/ out/p2/ yes yes" \
	"$T_STATUS $(tr '\n' ' ' <"$T/out")$([ -f out/p1/.done ] && [ -s out/p1/compare.csv ] && echo yes) $([ -f out/p2/.done ] && [ -s out/p2/B_varstat.csv ] && echo yes)"
t_eq "$P-5" "the make file is llpipe's" "# pipelines/all.mk: written by llpipe --make.  From the workspace root:" \
	"$(head -n 1 pipelines/all.mk)"
rm out/p1/A.ev
t_run $P
t_eq "$P-6" "up-to-date pipelines are not run again" "0 absent" \
	"$T_STATUS $([ -e out/p1/A.ev ] && echo present || echo absent)"
printf '{"timescales": {"min_s": 2, "max_s": 100, "count": 4}, "analyses": ["varstat"]}\n' >meta/processing/quick.json
touch -d '+2 seconds' meta/processing/quick.json
rm -rf out/p2
t_run $P p1
t_eq "$P-7" "a changed processing reruns; a named pipeline runs alone" "0 out/p1/ 4 absent" \
	"$T_STATUS $(cat "$T/out") $(wf_rows out/p1/A_varstat.csv | awk -F, '$1 == 0' | wc -l) $([ -e out/p2 ] && echo present || echo absent)"

t_error "$P-8" "an unknown pipeline name: the nearest existing one and what creates one" 1 \
	"$P: pipeline 'p3': no meta/pipeline/p3.json (did you mean 'p1'?); create_pipeline.sh -n p3 -a DATASET (or create_default_pipeline.sh) creates it" $P p3
t_error "$P-9" "-j must be a positive number" 2 "$P: --jobs: not a positive whole number: '0' (see '$P --help')" $P -j 0
t_error "$P-10" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus
printf '{"A_fits_id": "sample", "bogus": 1}\n' >meta/pipeline/p3.json
t_error "$P-11" "a bad pipeline stops everything before running: llpipe's reason" 1 \
	"$P: meta/pipeline/p3.json: bogus: *" $P
rm meta/pipeline/p3.json
t_error "$P-12" "not a workspace" 1 "$P: $T: not a workspace (no meta/ directory)" $P -w "$T"

# --- one workspace, one writer --------------------------------------------
# A gtifilter that takes 2 s (and says when it starts) holds a run inside its
# stages, writing out/p1/A.1.gtifilter.ev.part, while a second run starts.
# Temporary files go to $T/tmp.
mkdir -p "$T/slow" "$T/tmp"
real_varstat=$(command -v varstat)
wf_slow_gtifilter "$T/slow" "$T/busy"
cp out/p1/A_varstat.csv "$T/p1_want.csv"
# busy_soon: until the first run is inside its slow stage (at most 30 s);
# the marker is removed before each first run starts.
busy_soon() { wf_wait_for "$T/busy"; }
# leftovers: *.part, temporary files and directories a run may leave.
leftovers() { (find "$W" -name '*.part' -o -path '*/temp/make_var_analysis*'; ls -A "$T/tmp") | LC_ALL=C sort; }
rm -rf out "$T/busy"
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P p1 >"$T/first.out" 2>"$T/first.err" &
first=$!
busy_soon
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P p1 >"$T/second.out" 2>"$T/second.err"
second=$?
wait "$first"
t_eq "$P-19" "a second run on a busy workspace waits for the first, then both succeed" \
	"0 0 out/p1/ out/p1/ 1" \
	"$? $second $(cat "$T/first.out" "$T/second.out" | tr '\n' ' ')$(grep -c "^$P: waiting for another run to finish with this workspace (it holds the lock on meta/; --no-wait refuses instead)$" "$T/second.err")"
t_eq "$P-20" "... the results are complete and right, and nothing stray is left" "yes yes " \
	"$([ -f out/p1/.done ] && echo yes) $(cmp -s "$T/p1_want.csv" out/p1/A_varstat.csv && echo yes) $(leftovers)"

rm -rf out "$T/busy"
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P p1 >/dev/null 2>&1 &
first=$!
busy_soon
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 make_var_analysis.sh -p p1 >"$T/second.out" 2>"$T/second.err"
second=$?
wait "$first"
t_eq "$P-21" "make_var_analysis.sh -p beside a run waits too: both succeed, nothing stray" \
	"0 0 out/p1/plots/ yes yes " \
	"$? $second $(cat "$T/second.out") $([ -f out/p1/.done ] && echo yes) $(cmp -s "$T/p1_want.csv" out/p1/A_varstat.csv && echo yes) $(leftovers)"

rm -rf out "$T/busy"
PATH=$T/slow:$PATH TMPDIR=$T/tmp timeout 60 $P p1 >/dev/null 2>&1 &
first=$!
busy_soon
t_error "$P-22" "--no-wait refuses a busy workspace with one line" 1 \
	"$P: $(pwd -P): another run is writing this workspace (it holds the lock on meta/)" \
	timeout 60 $P --no-wait p2
wait "$first"
t_eq "$P-23" "... and runs nothing" "0 absent" "$? $([ -e out/p2 ] && echo present || echo absent)"

# A run started from inside a run on the same workspace (here by a stage
# program) does not wait for its own parent.
printf '#!/bin/sh\n[ -n "${NESTED-}" ] || NESTED=1 make_var_analysis.sh -a sample --pp quick >/dev/null || exit\nexec %s "$@"\n' \
	"$real_varstat" >"$T/slow/varstat"
chmod +x "$T/slow/varstat"
rm -rf out
PATH=$T/slow:$PATH TMPDIR=$T/tmp t_run timeout 60 $P p1
t_eq "$P-24" "a nested make_var_analysis.sh inside a run does not deadlock" "0 out/p1/ yes" \
	"$T_STATUS $(cat "$T/out") $([ -f out/sample__quick/plots/fano.png ] && [ -f out/p1/.done ] && echo yes)"

# --- Slurm: one array task per pipeline that needs running --------------------------
rm -rf out pipelines
touch -d '1 minute ago' meta/processing/quick.json
create_pipeline.sh -n p2 -a sample --pp quick --b-filters copysource,gtifilter,poissonize >/dev/null
create_pipeline.sh -n p3 -a sample --pp quick >/dev/null
create_pipeline.sh -n p4 -a sample --pp quick --b-filters copysource,gtifilter,poissonize >/dev/null
$P -j 1 p1 >/dev/null 2>&1
rm out/p1/A.ev
t_run $P --slurm -j 1
t_eq "$P-13" "--slurm: a job array of the 3 out-of-date pipelines (p1 is up to date), -j as a % throttle" \
	"0 temp/slurm/pipelines.sh #SBATCH --array=0-2%1 p2 p3 p4|$P: 3 of 4 pipeline(s) to run: a job array of 3 task(s); submit with: sbatch temp/slurm/pipelines.sh" \
	"$T_STATUS $(cat "$T/out") $(grep '^#SBATCH --array' temp/slurm/pipelines.sh) $(sed -n "/<<'EOF'$/,/^EOF$/p" temp/slurm/pipelines.sh | sed '1d;$d' | tr '\n' ' ' | sed 's/ $//')|$(cat "$T/err")"
t_check "$P-14" "the Slurm script passes bash -n" bash -n temp/slurm/pipelines.sh

. "$T_ROOT/tests/slurm_lib.sh"
# MaxArraySize 2: three pipelines to run make task 0 run two of them.
if ! slurm_up 2; then
	for i in 15 16 17 18; do
		t_skip "$P-$i" "a real one-node Slurm cluster" "its daemons cannot start here: $SLURM_WHY"
	done
	exit 0
fi
# slurm_job: the job id in the summary line of $T/err.
slurm_job() { sed -n 's/.*: Slurm job \([0-9][0-9]*\) ran .*/\1/p' "$T/err"; }
t_run $P --slurm --submit
job=$(slurm_job)
t_eq "$P-15" "--submit on the cluster (MaxArraySize 2): p2, p3, p4 ran in 2 tasks, their directories on stdout, a summary" \
	"0 out/p2/ out/p3/ out/p4/ |$P: 3 pipelines to run, more than the cluster's MaxArraySize (2): 2 array tasks run several each
$P: Slurm job ${job:-?} ran 3 pipeline(s): 3 ok, 0 failed; 1 up to date" \
	"$T_STATUS $(tr '\n' ' ' <"$T/out")|$(cat "$T/err")"
t_eq "$P-16" "the tasks left what make leaves; the up-to-date p1 was not run" "yes yes absent" \
	"$([ -f out/p2/.done ] && [ -s out/p2/B_varstat.csv ] && [ -f out/p4/.done ] && echo yes) $([ -f out/p3/.done ] && [ -s out/p3/compare.csv ] && echo yes) $([ -e out/p1/A.ev ] && echo present || echo absent)"
t_run $P --slurm --submit
t_eq "$P-17" "run again: nothing to submit" "0 |$P: all 4 pipeline(s) are up to date: nothing to run on Slurm" \
	"$T_STATUS $(cat "$T/out")|$(cat "$T/err")"
# A stage failing on the nodes (the job script carries the PATH it was
# written with): the summary names the pipeline, its task and its log.
mkdir -p "$T/failing"
printf '#!/bin/sh\necho "varstat: broken on purpose" >&2\nexit 1\n' >"$T/failing/varstat"
chmod +x "$T/failing/varstat"
rm -rf out/p3
PATH=$T/failing:$PATH t_run $P --slurm --submit p3
job=$(slurm_job)
t_eq "$P-18" "a pipeline failing in its task: status 1, named with its task and log, counted in the summary" \
	"1 |$P: pipeline 'p3' failed (exit status 2) in Slurm task ${job:-?}_0: see temp/slurm/pipelines-${job:-?}_0.out
$P: Slurm job ${job:-?} ran 1 pipeline(s): 0 ok, 1 failed; 0 up to date yes" \
	"$T_STATUS $(cat "$T/out")|$(cat "$T/err") $(grep -q 'varstat: broken on purpose' "temp/slurm/pipelines-${job:-?}_0.out" && echo yes)"
slurm_down
