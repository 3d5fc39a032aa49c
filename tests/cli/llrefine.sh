#!/usr/bin/env bash
# llrefine: convergence on a known minimum, exact argv without a shell,
# evaluation budget, bounds, failures.
. "$(dirname "$0")/../lib.sh"

cd "$T" || exit 1
mkdir -p meta/search
cat >meta/search/q.json <<'EOF'
{"pipeline": "t", "refine": {"max_evals": 200, "xtol": 1e-6},
 "parameters": [{"name": "lanes.pitch_m_per_nm", "min": 1e5, "max": 1e7, "scale": "log"},
                {"name": "background_fraction", "min": 0, "max": 1}]}
EOF
# The objective: a quadratic bowl in log10(pitch) and background with its
# minimum at (10^6.5, 0.3); every call is logged with its exact argv.
cat >bowl.sh <<'EOF'
#!/bin/sh
printf '%s|' "$@" >>"${0%/*}/calls.log"; echo >>"${0%/*}/calls.log"
while [ "$1" != --run ]; do shift; done
shift 2
echo "noise line that is not the distance"
awk -v p="$1" -v b="$2" 'BEGIN { printf "%.17g\n", (log(p)/log(10) - 6.5)^2 + 4 * (b - 0.3)^2 }'
EOF
chmod +x bowl.sh

for a in bobyqa sbplx; do
	: >calls.log
	t_run llrefine --algorithm $a --start 2e5,0.8 q -- ./bowl.sh
	t_eq llrefine-$a-1 "$a: converges to the minimum (10^6.5, 0.3)" "0 yes" \
		"$T_STATUS $(sed -n 's/^values=//p' "$T/out" | awk '{ print (($1 / 3162277.66 - 1)^2 < 1e-4 && ($2 - 0.3)^2 < 1e-6) ? "yes" : "no: " $0 }')"
	t_eq llrefine-$a-2 "$a: one logged call per evaluation, numbered r1, r2, ..." \
		"$(sed -n 's/^evaluations=//p' "$T/out") r1 r2" \
		"$(wc -l <calls.log) $(cut -d'|' -f2 calls.log | head -n 2 | tr '\n' ' ' | sed 's/ $//')"
done

# Arguments reach the command exactly (no shell: spaces, quotes, $ intact).
: >calls.log
t_run llrefine --max-evals 3 --first 7 --start 1e6,0.5 q -- ./bowl.sh 'a b' '$HOME' "it's" '*'
t_eq llrefine-3 "the argv is passed verbatim, --first numbers the runs, --max-evals is the budget" \
	"a b|\$HOME|it's|*|--run|r7|1000000|0.5| evaluations=3" \
	"$(head -n 1 calls.log) $(grep "^evaluations=" "$T/out")"
t_eq llrefine-4 "every evaluation stays inside the ranges" "0" \
	"$(awk -F'|' '{ if ($7 < 1e5 || $7 > 1e7 || $8 < 0 || $8 > 1) n++ } END { print n + 0 }' calls.log)"

cat >fail.sh <<'EOF'
#!/bin/sh
echo "fail.sh: generation failed" >&2
exit 3
EOF
chmod +x fail.sh
t_run llrefine q -- ./fail.sh
t_eq llrefine-5 "a failing evaluation stops the refinement with status 1" \
	"1 fail.sh: generation failed|llrefine: ./fail.sh: evaluation r1 failed (exit status 3)" \
	"$T_STATUS $(tr '\n' '|' <"$T/err" | sed 's/|$//')"
printf '#!/bin/sh\necho "distance: twelve"\n' >words.sh
chmod +x words.sh
t_error llrefine-6 "output that is not a distance is one clear line" 1 \
	"llrefine: ./words.sh: evaluation r1: expected a distance on the last line of its output, got 'distance: twelve'" \
	llrefine q -- ./words.sh
t_error llrefine-7 "a start outside the range is a usage error" 2 \
	"llrefine: --start: background_fraction 1.5 must lie inside the search's range (see 'llrefine --help')" \
	llrefine --start 1e6,1.5 q -- ./bowl.sh
t_error llrefine-8 "a missing command is a usage error" 2 \
	"llrefine: missing '--' and the evaluation COMMAND after SEARCH (see 'llrefine --help')" llrefine q
t_error llrefine-9 "a missing search file" 1 \
	"llrefine: meta/search/none.json: no such search file" llrefine none -- ./bowl.sh
t_error llrefine-10 "a command not found" 1 \
	"llrefine: ./nosuch: cannot run: No such file or directory" llrefine q -- ./nosuch

# Why it stopped, in words.
t_run llrefine --max-evals 3 --start 1e6,0.5 q -- ./bowl.sh
t_eq llrefine-11 "the budget: reason says so" "reason=budget: all 3 evaluations allowed were made" \
	"$(grep '^reason=' "$T/out")"
t_run llrefine --algorithm bobyqa --start 2e5,0.8 q -- ./bowl.sh
t_eq llrefine-12 "the step tolerance: reason says so" \
	"reason=tolerance: the last step moved every parameter by less than xtol 1e-06 of its range" \
	"$(grep '^reason=' "$T/out")"
printf '#!/bin/sh\necho 5\n' >flat.sh
chmod +x flat.sh
t_run llrefine --max-evals 50 --start 1e6,0.5 q -- ./flat.sh
t_eq llrefine-13 "a flat distance: no point better than the start, said" "yes" \
	"$(grep -q '^reason=.*; no point was better than the start$' "$T/out" && echo yes)"
