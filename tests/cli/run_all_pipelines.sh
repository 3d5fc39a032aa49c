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
t_eq "$P-2" "--version names the suite" "$P (Lightlane Studio) 0.1.0" "$($P --version)"
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

t_error "$P-8" "an unknown pipeline name" 1 "$P: pipeline 'p3': no meta/pipeline/p3.json" $P p3
t_error "$P-9" "-j must be a positive number" 2 "$P: --jobs: not a positive whole number: '0' (see '$P --help')" $P -j 0
t_error "$P-10" "an unknown option is a usage error" 2 "$P: unknown option '--bogus' (see '$P --help')" $P --bogus
printf '{"A_fits_id": "sample", "bogus": 1}\n' >meta/pipeline/p3.json
t_error "$P-11" "a bad pipeline stops everything before running: llpipe's reason" 1 \
	"$P: meta/pipeline/p3.json: bogus: *" $P
rm meta/pipeline/p3.json
t_error "$P-12" "not a workspace" 1 "$P: $T: not a workspace (no meta/ directory)" $P -w "$T"
