#!/bin/sh
# pipelines/gold.sh: the pipeline "gold", written by llpipe 0.1.0 from
#   meta/pipeline/gold.json
#   meta/fits/sample.json
#   meta/processing/gold.json
# Remade by: llpipe meta/pipeline/gold.json
# (which replaces this file, as does make -f pipelines/all.mk).
# Run it from anywhere: it works in the workspace root above its own
# directory.
#
# Each stage is one program with its flags; its output stream is kept as
# out/gold/SLOT.K.LABEL.ev.  To add a filter of your own, define a shell
# function (or name a program) reading a stream on stdin and writing one
# on stdout, e.g.
#   every_other() { ev2tsv | awk '/^#/ || NR % 2' | tsv2ev; }
# and add a line "stage every_other every_other" where it belongs.
set -eu
cd "$(dirname -- "$0")/.."

O='out/gold'

# stage LABEL COMMAND...: run COMMAND on the slot's current stream and make
# its output, $O/SLOT.K.LABEL.ev, the current one.  Stages write files, not
# pipes, so a failing stage stops the script (set -e).
stage() {
	label=$1
	shift
	k=$((k + 1))
	next="$O/$slot.$k.$label.ev"
	if [ -n "$cur" ]; then
		"$@" <"$cur" >"$next.part"
	else
		"$@" </dev/null >"$next.part"
	fi
	mv -f "$next.part" "$next"
	cur=$next
}
# begin SLOT: start a slot with no stream; finish: its last stream is $O/SLOT.ev.
begin() {
	slot=$1
	k=-1
	cur=
}
finish() {
	ln -f "$cur" "$O/$slot.ev" 2>/dev/null || cp -f "$cur" "$O/$slot.ev"
}

rm -f "$O/.done" "$O"/A.[0-9]*.ev "$O"/B.[0-9]*.ev
mkdir -p "$O/plots"

# Slot A: dataset sample (data/sample.fits).
begin A
stage source fits2ev --meta 'meta/fits/sample.json'
stage gtifilter gtifilter
stage wrange wrange --min '0.2' --max '0.8'
stage wbin wbin --edges '0.2,0.3,0.5,0.8'
stage downsample downsample --fraction '0.5' --seed '7'
finish

# Slot B: a copy of A's source, dataset sample.
begin B
stage source cat "$O/A.0.source.ev"
stage poissonize poissonize --seed '7'
stage wrange wrange --min '0.2' --max '0.8'
stage wbin wbin --edges '0.2,0.3,0.5,0.8'
finish

# Analyses (processing gold).
varstat --timescales '0.5:200:8' -o "$O/A_varstat.csv" <"$O/A.ev"
lcurve --dt '50' -o "$O/A_lcurve.csv" <"$O/A.ev"
varstat --timescales '0.5:200:8' -o "$O/B_varstat.csv" <"$O/B.ev"
lcurve --dt '50' -o "$O/B_lcurve.csv" <"$O/B.ev"
evcompare -o "$O/compare.csv" "$O/A_varstat.csv" "$O/B_varstat.csv"

# Plots.
llplot --kind fano --label 'A: sample' --label 'B: copy of the source' -o "$O/plots/fano.png" \
	"$O/A_varstat.csv" "$O/B_varstat.csv"
llplot --kind nxs --label 'A: sample' --label 'B: copy of the source' -o "$O/plots/nxs.png" \
	"$O/A_varstat.csv" "$O/B_varstat.csv"
llplot --kind counts --label 'A: sample' --label 'B: copy of the source' -o "$O/plots/counts.png" \
	"$O/A_lcurve.csv" "$O/B_lcurve.csv"
llplot --kind lcurve --label 'A: sample' -o "$O/plots/lcurve_A.png" "$O/A_lcurve.csv"
llplot --kind lcurve --label 'B: copy of the source' -o "$O/plots/lcurve_B.png" "$O/B_lcurve.csv"

touch "$O/.done"
