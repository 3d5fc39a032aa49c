# shellcheck shell=sh
# ll_common.sh: the shell setup every workflow tool sources (never runs):
# its name and the suite's version, how it reports errors, progress and
# temporary files, and where the suite's programs are.  One copy, so the
# tools cannot drift apart in how they say things.
#
# A tool finds it next to its own real path (a checkout's bin/, an
# install's bin/, the target of a symlink), else on PATH, with these two
# lines before anything else:
#   ll_dir=$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || echo "$0")")
#   if [ -f "$ll_dir/ll_common.sh" ]; then . "$ll_dir/ll_common.sh"; else command . ll_common.sh || exit 1; fi
# ll_dir is then the directory holding ll_common.sh, and, after it, the
# version file that make writes (bin/ll_version.sh, from mk/config.mk's
# LL_VERSION), ll_workspace_lock.sh and the programs of a checkout.
#
# Defines: prog, version, die, usage_error, say, tool_error, ll_tmpdir,
# ll_need.

# Found on PATH, not next to the tool (the tool was copied elsewhere):
# ll_dir becomes the PATH directory that has it.
if [ ! -f "${ll_dir:-.}/ll_common.sh" ]; then
	ll_path=$PATH:
	while [ -n "$ll_path" ]; do
		ll_dir=${ll_path%%:*}
		ll_path=${ll_path#*:}
		[ ! -f "${ll_dir:-.}/ll_common.sh" ] || break
	done
	ll_dir=${ll_dir:-.}
	unset ll_path
fi

prog=${0##*/}

# The version is mk/config.mk's LL_VERSION, which make writes into
# ll_version.sh next to this file (and make install installs with it).
if [ -f "$ll_dir/ll_version.sh" ]; then
	# shellcheck source=/dev/null # written by make
	. "$ll_dir/ll_version.sh"
else
	printf '%s: %s: not found (run make)\n' "$prog" "$ll_dir/ll_version.sh" >&2
	exit 1
fi
# shellcheck disable=SC2034,SC2154 # for the tools; ll_version is make's
version=$ll_version

# die MESSAGE: one line on stderr, exit 1.
die() {
	printf '%s: %s\n' "$prog" "${1:-failed without saying why (a bug: please report it)}" >&2
	exit 1
}

# usage_error MESSAGE: one line on stderr pointing at --help, exit 2.
usage_error() {
	printf "%s: %s (see '%s --help')\n" "$prog" "$1" "$prog" >&2
	exit 2
}

# say MESSAGE: a progress line on stderr, only when it is a terminal and
# the tool was not told to be quiet (quiet=1).
say() {
	[ "${quiet:-0}" = 0 ] && [ -t 2 ] || return 0
	printf '%s: %s\n' "$prog" "$1" >&2
}

# tool_error TOOL [FILE]: die with the first line of TOOL's message in FILE
# (default $tmp/err), TOOL's name replaced by ours; a tool that died
# without one (killed, not found) is named with its exit status.  Call it
# right after the failed command, so that $? is still that command's.
tool_error() {
	te_status=$?
	te_file=${2:-$tmp/err}
	te_msg=$(sed -n "1s/^$1: //p" "$te_file" 2>/dev/null)
	[ -n "$te_msg" ] ||
		te_msg="$1 failed (exit status $te_status)$(sed -n '1s/^/: /p' "$te_file" 2>/dev/null)"
	die "$te_msg"
}

# ll_tmpdir PARENT: tmp becomes a new private directory under PARENT,
# removed when the tool exits; SIGINT, SIGTERM and SIGHUP end the tool
# with 130, 143 and 129 (so the removal runs).  A tool with more to clean
# up sets its own EXIT trap afterwards, removing $tmp too.
ll_tmpdir() {
	tmp=$(mktemp -d "$1/$prog.XXXXXX") || die "$1: cannot create a temporary directory"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# ll_need PROGRAM: PROGRAM must be on PATH; a checkout's programs are next
# to this file (bin/), so that directory is added when it is not.
ll_need() {
	command -v "$1" >/dev/null 2>&1 || PATH=$ll_dir:$PATH
	command -v "$1" >/dev/null 2>&1 || die "$1: not found on PATH (run make)"
}

# ll_slurm_max_array: for the tools that submit job arrays, the cluster's
# MaxArraySize (Slurm's default 1001 when no configuration or controller
# answers).
ll_slurm_max_array() {
	sm=''
	if command -v scontrol >/dev/null 2>&1 && [ -f "${SLURM_CONF:-/etc/slurm/slurm.conf}" ]; then
		sm=$(timeout 20 scontrol show config 2>/dev/null |
			sed -n 's/^MaxArraySize *= *\([0-9][0-9]*\).*/\1/p')
	fi
	echo "${sm:-1001}"
}

# ll_quote WORD: WORD quoted for the shell (for scripts written for Slurm).
ll_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
