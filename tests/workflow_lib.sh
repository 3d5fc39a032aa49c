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
