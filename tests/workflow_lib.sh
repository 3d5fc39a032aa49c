# shellcheck shell=bash
# tests/workflow_lib.sh: sourced after tests/lib.sh by the workflow tools'
# tests (tests/cli/*.sh of bin/*.sh): a fresh workspace and a skip guard.

# wf_need ID PROGRAM...: skip the whole script (one skip line) while a
# program it drives is not built yet.
wf_need() {
	local id=$1 p
	shift
	for p in "$@"; do
		if ! command -v "$p" >/dev/null; then
			t_skip "$id" "workflow tests" "$p is not built"
			exit 0
		fi
	done
}

# wf_workspace DIR: a workspace holding the checkout's default processing and
# generation, and the shipped sample FITS (a symbolic link) under data/sample/.
wf_workspace() {
	mkdir -p "$1/meta/processing" "$1/meta/generation" "$1/data/sample"
	cp "$T_ROOT/meta/processing/default.json" "$1/meta/processing/"
	cp "$T_ROOT/meta/generation/default.json" "$1/meta/generation/"
	ln -s "$T_SAMPLE/chandra_test.fits" "$1/data/sample/chandra_test.fits"
}

# wf_tree DIR: every path under DIR, sorted (what a step left behind).
wf_tree() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort); }

# wf_rows FILE: the data rows of a table, without its "#" comment lines.
wf_rows() { grep -v '^#' "$1"; }

# wf_slow_gtifilter DIR MARKER: DIR/gtifilter, which creates MARKER, waits
# 2 s and runs the real gtifilter: with DIR first on PATH, a run stays busy
# in its first stage while a second one starts.
wf_slow_gtifilter() {
	mkdir -p "$1"
	printf '#!/bin/sh\n: >"%s"\nsleep 2\nexec %s "$@"\n' "$2" "$(command -v gtifilter)" >"$1/gtifilter"
	chmod +x "$1/gtifilter"
}

# wf_wait_for FILE: until FILE exists (at most 30 s); false when it never does.
wf_wait_for() {
	local _
	for _ in $(seq 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
