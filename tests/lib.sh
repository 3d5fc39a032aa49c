# tests/lib.sh: sourced by every tests/cli/*.sh.
#
# Each check prints one line, "ok ID - what" or "not ok ID - what", followed by
# "# " lines saying why; tests/run counts them.  IDs are PROGRAM-N, so a
# failure points at one line of one script.  Programs are found on PATH,
# which tests/run sets to the build under test.
set -u

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_DATA="$T_ROOT/tests/data"
T_CHANDRA="$T_DATA/chandra"   # real event files with their PROVENANCE.md
T_OTHER="$T_DATA/other"       # other OGIP missions (NICER, RXTE)
T_SAMPLE="$T_ROOT/data/sample"
# The suite's version, from the one place it is written.
T_VERSION=$(sed -n 's/^LL_VERSION *:= *//p' "$T_ROOT/mk/config.mk")
# Debian's python3 with numpy/astropy, not whatever python3 is first on PATH.
T_PY=/usr/bin/python3
# The script's scratch directory; T_KEEP=1 keeps it for a look after a failure.
T=$(mktemp -d "${TMPDIR:-/tmp}/lltest.XXXXXX")
trap '[ -n "${T_KEEP:-}" ] || rm -rf "$T"' EXIT

t_pass() { printf 'ok %s - %s\n' "$1" "$2"; }
t_skip() { printf 'skip %s - %s: %s\n' "$1" "$2" "$3"; }
t_fail() {
	printf 'not ok %s - %s\n' "$1" "$2"
	shift 2
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# t_check ID WHAT CMD...: passes when CMD exits 0.
t_check() {
	local id=$1 what=$2
	shift 2
	if "$@" >"$T/check.out" 2>"$T/check.err"; then
		t_pass "$id" "$what"
	else
		t_fail "$id" "$what" "command failed (status $?): $*" "$(head -c 2000 "$T/check.err")"
	fi
}

# t_eq ID WHAT EXPECTED ACTUAL
t_eq() {
	if [ "$3" = "$4" ]; then
		t_pass "$1" "$2"
	else
		t_fail "$1" "$2" "expected: $3" "actual:   $4"
	fi
}

# t_files_eq ID WHAT EXPECTED_FILE ACTUAL_FILE
t_files_eq() {
	if cmp -s "$3" "$4"; then
		t_pass "$1" "$2"
	else
		t_fail "$1" "$2" "$(diff "$3" "$4" | head -20)"
	fi
}

# t_run CMD...: run CMD (stdin as given), keep stdout in $T/out, stderr in
# $T/err, status in $T_STATUS.
t_run() {
	"$@" >"$T/out" 2>"$T/err"
	T_STATUS=$?
}

# t_error ID WHAT STATUS 'EXACT STDERR' CMD...: CMD must exit STATUS, print
# exactly one stderr line equal to EXACT (a '*' glob pattern), and write
# nothing to stdout.
t_error() {
	local id=$1 what=$2 status=$3 msg=$4
	shift 4
	t_run "$@"
	local err lines
	err=$(cat "$T/err")
	lines=$(wc -l <"$T/err")
	if [ "$T_STATUS" != "$status" ]; then
		t_fail "$id" "$what" "expected status $status, got $T_STATUS" "stderr: $err"
	# shellcheck disable=SC2053 # the message is a glob on purpose
	elif [[ $err != $msg ]] || [ "$lines" -ne 1 ]; then
		t_fail "$id" "$what" "expected stderr: $msg" "actual stderr:   $err"
	elif [ -s "$T/out" ]; then
		t_fail "$id" "$what" "stdout is not empty ($(wc -c <"$T/out") bytes)"
	else
		t_pass "$id" "$what"
	fi
}

# t_near ID WHAT A B TOL: |A - B| <= TOL
t_near() {
	if awk -v a="$3" -v b="$4" -v t="$5" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; then
		t_pass "$1" "$2"
	else
		t_fail "$1" "$2" "expected $4 +- $5, got $3"
	fi
}

# t_py ID WHAT SCRIPT [ARGS...]: a Python (numpy/astropy) assertion script;
# passes when it exits 0, its output is the failure explanation.
t_py() {
	local id=$1 what=$2 script=$3
	shift 3
	if "$T_PY" -c "$script" "$@" >"$T/py.out" 2>&1; then
		t_pass "$id" "$what"
	else
		t_fail "$id" "$what" "$(tail -n 15 "$T/py.out")"
	fi
}

# ev_from_text TEXT: an LLEV stream from "time wavelength wbin" lines.
ev_from_text() { printf '%b' "$1" | tsv2ev; }

# ev_set_meta JSON: the stream on stdin with the metadata keys of the JSON
# object set (a null value removes the key), records untouched; e.g. to give
# a stream a frame time, or take it away: '{"timedel": null}'.
ev_set_meta() {
	"$T_PY" -c '
import json, struct, sys
b = sys.stdin.buffer.read()
h = struct.unpack("<I", b[8:12])[0]
meta = json.loads(b[12:12 + h])
for k, v in json.loads(sys.argv[1]).items():
    if v is None:
        meta.pop(k, None)
    else:
        meta[k] = v
m = json.dumps(meta).encode()
m += b" " * (-(12 + len(m)) % 8)
sys.stdout.buffer.write(b[:8] + struct.pack("<I", len(m)) + m + b[12 + h:])' "$1"
}

# T_PY_FRAMES: a Python prelude for checks of a stream B drawn from a
# source A on the ACIS sample's frame grid (tau 0.44104 s): A and B read
# from argv[1], argv[2]; t, gti, off (each time's distance from a stamp, in
# frames) and on_grid set for the script that follows.
T_PY_FRAMES='
import sys, json, numpy as np
def load(p):
    b = open(p, "rb").read()
    h = int.from_bytes(b[8:12], "little")
    return json.loads(b[12:12 + h]), np.frombuffer(b, dtype=[("time","<f8"),("wavelength","<f4"),("wbin","<i4")], offset=12 + h)
ma, a = load(sys.argv[1]); mb, b = load(sys.argv[2])
tau = 0.44104; t0 = a["time"][0]; t = b["time"]
gti = np.array(ma["gti"], dtype=float)
off = np.abs((t - t0) / tau - np.round((t - t0) / tau))
on_grid = off < 1e-6
'

# ev_times: print the times of the stream on stdin, one per line.
ev_times() { ev2tsv --no-meta --no-header | cut -f1; }

# ev_meta KEY: print metadata KEY (compact JSON) of the stream on stdin,
# read straight from the header (no program of ours in between).
ev_meta() {
	"$T_PY" -c '
import json, struct, sys
head = sys.stdin.buffer.read(12)
n = struct.unpack("<I", head[8:12])[0]
meta = json.loads(sys.stdin.buffer.read(n))
print(json.dumps(meta.get(sys.argv[1]), separators=(",", ":")))' "$1"
}
