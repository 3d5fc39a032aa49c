# shellcheck shell=sh
# ll_workspace_lock.sh: sourced (not run) by the workflow tools that write a
# workspace's pipelines/, temp/ and out/ (run_all_pipelines.sh,
# make_var_analysis.sh).  Two such runs on one workspace would write and
# rename the same out/NAME/*.part files under each other, so each holds the
# workspace's lock, an flock(1) lock on its meta/ directory (no lock file
# to leave behind), for as long as it runs.
#
# ws_lock PROG WAIT: from the workspace root, take the lock on file
# descriptor 9, which the run keeps (and its children inherit) until it
# exits.  WAIT is "wait" (say so once on stderr, then wait as long as the
# other run takes) or "no-wait" (one line on stderr, exit 1).  A run started
# by a run that holds this workspace's lock (make rules calling
# make_var_analysis.sh) is told so by LL_WORKSPACE_LOCK in its environment
# and does not wait for its own parent.
ws_lock() {
	_ws_root=$(pwd -P)
	[ "${LL_WORKSPACE_LOCK-}" != "$_ws_root" ] || return 0
	command -v flock >/dev/null 2>&1 ||
		{ printf '%s: flock: not found on PATH (util-linux), needed to lock the workspace\n' "$1" >&2; exit 1; }
	# 'command': a failed redirection must not end the shell before the message.
	{ command exec 9<meta; } 2>/dev/null ||
		{ printf '%s: meta: cannot open the directory to lock the workspace\n' "$1" >&2; exit 1; }
	if ! flock -n 9; then
		if [ "$2" = no-wait ]; then
			printf '%s: %s: another run is writing this workspace (it holds the lock on meta/)\n' \
				"$1" "$_ws_root" >&2
			exit 1
		fi
		printf '%s: waiting for another run to finish with this workspace (it holds the lock on meta/; --no-wait refuses instead)\n' \
			"$1" >&2
		flock 9 || { printf '%s: meta: cannot lock the workspace\n' "$1" >&2; exit 1; }
	fi
	LL_WORKSPACE_LOCK=$_ws_root
	export LL_WORKSPACE_LOCK
}
