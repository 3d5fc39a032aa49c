# shellcheck shell=bash
# shellcheck disable=SC2034 # SLURM_WHY is read by the tests that source this
# tests/slurm_lib.sh: sourced after tests/lib.sh by the tests that submit to
# a real Slurm: a private one-node cluster (munged, slurmctld, slurmd) on
# 127.0.0.1, its configuration, keys, spool and logs under $T/slurm, its
# own free ports, no cgroups and no accounting.
#
#   slurm_up || { t_skip ... "$SLURM_WHY"; }   start it; SLURM_CONF is exported
#   slurm_wait JOBID SECONDS                    wait until the job has left the queue
#   slurm_down                                  stop it (also run at exit)
#
# One cluster per machine at a time: slurm_up takes an exclusive flock on
# /tmp/lightlane-slurm.lock and keeps it until slurm_down, so the two
# scripts tests/run runs in parallel (or two checkouts) take turns.  The
# daemons are stopped by their PIDs at exit, on a signal, and by a watchdog
# when the test script itself is killed.

SLURM_DIR="$T/slurm"
SLURM_LOCK=/tmp/lightlane-slurm.lock
SLURM_WHY=""

# _slurm_alive PIDFILE NAME: the PID in PIDFILE is a live NAME process.
_slurm_alive() {
	local p
	[ -s "$1" ] || return 1
	p=$(cat "$1")
	[ -n "$p" ] && [ -r "/proc/$p/comm" ] && [ "$(cat "/proc/$p/comm")" = "$2" ]
}

# _slurm_pid_is PID NAME: PID is a live (not zombie) NAME process.
_slurm_pid_is() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
		! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# _slurm_free_ports N: N TCP ports free on 127.0.0.1 right now.
_slurm_free_ports() {
	"$T_PY" -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

_slurm_fail() {
	SLURM_WHY=$1
	slurm_down
	return 1
}

# slurm_up [MAX_ARRAY_SIZE]: start the cluster, wait (at most 60 s) until
# its node is idle.  Returns 1 with the reason in SLURM_WHY when the
# packages are missing or a daemon cannot start.
slurm_up() {
	local max_array=${1:-1001} d p ports node mem st deadline
	for p in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel flock; do
		command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
		command -v "$p" >/dev/null 2>&1 ||
			{ SLURM_WHY="$p is not installed (Debian: slurmctld slurmd slurm-client munge)"; return 1; }
	done
	[ "$(id -u)" = 0 ] || { SLURM_WHY="the daemons need root (munged and slurmd as root here)"; return 1; }
	exec 9>"$SLURM_LOCK" || { SLURM_WHY="cannot open $SLURM_LOCK"; return 1; }
	flock -w 600 9 || { SLURM_WHY="another test's cluster held $SLURM_LOCK for 600 s"; return 1; }
	d=$SLURM_DIR
	mkdir -p "$d/spool/ctld" "$d/spool/d" "$d/munge" "$d/log"
	trap 'slurm_down; rm -rf "$T"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	# A watchdog outlives a SIGKILLed test script and stops the daemons.
	(
		exec 9>&-
		while kill -0 $$ 2>/dev/null; do sleep 1; done
		_slurm_kill_all
		rm -rf "$T"
	) </dev/null >/dev/null 2>&1 &
	SLURM_WATCHDOG=$!

	# munged: a private key and socket, as root (it refuses root only for
	# some file owners; --force covers an old socket).
	chmod 0700 "$d/munge"
	dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 0400 "$d/munge/munge.key"
	munged --force --socket="$d/munge/socket" --key-file="$d/munge/munge.key" \
		--pid-file="$d/munge/munged.pid" --log-file="$d/log/munged.log" \
		--seed-file="$d/munge/seed" 9>&- >/dev/null 2>"$d/log/munged.err" ||
		{ _slurm_fail "munged did not start: $(head -n 1 "$d/log/munged.err")"; return 1; }
	for _ in $(seq 50); do [ -S "$d/munge/socket" ] && [ -s "$d/munge/munged.pid" ] && break; sleep 0.1; done
	_slurm_alive "$d/munge/munged.pid" munged || { _slurm_fail "munged did not start (see its log)"; return 1; }
	munge -S "$d/munge/socket" -n 2>/dev/null | unmunge -S "$d/munge/socket" >/dev/null 2>&1 ||
		{ _slurm_fail "munge round trip on the private socket failed"; return 1; }

	ports=$(_slurm_free_ports 2) || { _slurm_fail "cannot find free ports"; return 1; }
	node=$(hostname -s)
	mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
	mem=$(( ${mem:-1000} * 9 / 10 ))
	: >"$d/plugstack.conf"
	cat >"$d/slurm.conf" <<-EOF
	# a private test cluster (tests/slurm_lib.sh): one node, no cgroups, no accounting
	ClusterName=lltest
	SlurmctldHost=$node(127.0.0.1)
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$d/munge/socket
	MpiDefault=none
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	JobCompType=jobcomp/none
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	SchedulerType=sched/backfill
	SchedulerParameters=sched_interval=2
	SlurmdParameters=config_overrides
	ReturnToService=2
	SlurmctldPort=${ports% *}
	SlurmdPort=${ports#* }
	SlurmctldPidFile=$d/slurmctld.pid
	SlurmdPidFile=$d/slurmd.pid
	SlurmdSpoolDir=$d/spool/d
	StateSaveLocation=$d/spool/ctld
	SlurmctldLogFile=$d/log/slurmctld.log
	SlurmdLogFile=$d/log/slurmd.log
	PlugStackConfig=$d/plugstack.conf
	MailProg=/bin/true
	SlurmctldDebug=info
	SlurmdDebug=info
	SlurmctldTimeout=30
	SlurmdTimeout=30
	MessageTimeout=10
	InactiveLimit=0
	KillWait=2
	MinJobAge=60
	MaxArraySize=$max_array
	NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
	PartitionName=lltest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF="$d/slurm.conf"
	slurmctld -c -i -f "$SLURM_CONF" 9>&- >/dev/null 2>"$d/log/slurmctld.err" ||
		{ _slurm_fail "slurmctld did not start: $(head -n 1 "$d/log/slurmctld.err")"; return 1; }
	for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
	scontrol ping 2>/dev/null | grep -q UP ||
		{ _slurm_fail "slurmctld is not answering: $(grep -i error "$d/log/slurmctld.log" | head -n 1)"; return 1; }
	slurmd -f "$SLURM_CONF" -N "$node" 9>&- >/dev/null 2>"$d/log/slurmd.err" ||
		{ _slurm_fail "slurmd did not start: $(head -n 1 "$d/log/slurmd.err")"; return 1; }
	deadline=$(( $(date +%s) + 60 ))
	while :; do
		st=$(sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1)
		case $st in
		idle) break ;;
		inval*) _slurm_fail "node $node is '$st': the test's slurm.conf does not fit this host"; return 1 ;;
		esac
		[ "$(date +%s)" -lt "$deadline" ] ||
			{ _slurm_fail "node $node is '${st:-unknown}' after 60 s: $(grep -i error "$d/log/slurmd.log" | head -n 1)"; return 1; }
		sleep 0.2
	done
	return 0
}

# slurm_wait JOBID SECONDS: wait until JOBID (every task of an array) has
# left the queue; after SECONDS, cancel it and return 1.
slurm_wait() {
	local deadline=$(( $(date +%s) + $2 ))
	while [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			scancel "$1" 2>/dev/null
			return 1
		fi
		sleep 0.3
	done
}

# _slurm_kill_all: stop every process of this cluster by PID: the jobs'
# processes (they carry this cluster's SLURM_CONF in their environment,
# slurmstepd included), then slurmd, slurmctld, munged.
_slurm_kill_all() {
	local d=$SLURM_DIR f p name e
	[ -d "$d" ] || return 0
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}
		p=${p%/environ}
		[ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] || continue
		[ "$p" != "${SLURM_WATCHDOG:-}" ] || continue
		if tr "\\0" "\\n" 2>/dev/null <"$e" | grep -qxF "SLURM_CONF=$d/slurm.conf"; then
			name=$(cat "/proc/$p/comm" 2>/dev/null)
			case $name in slurmd|slurmctld) continue ;; esac
			kill -9 "$p" 2>/dev/null
		fi
	done
	for f in slurmd:slurmd.pid slurmctld:slurmctld.pid munged:munge/munged.pid; do
		name=${f%%:*}
		f=$d/${f#*:}
		_slurm_alive "$f" "$name" || continue
		# The daemon removes its PID file before it is gone: watch the PID.
		# Its state is thrown away: no need to wait for a slow save.
		p=$(cat "$f")
		kill "$p" 2>/dev/null
		for _ in $(seq 15); do _slurm_pid_is "$p" "$name" || break; sleep 0.1; done
		! _slurm_pid_is "$p" "$name" || kill -9 "$p" 2>/dev/null
	done
}

# slurm_down: cancel what is queued, stop the daemons, release the lock.
slurm_down() {
	[ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_DIR/slurm.conf" ] || { exec 9>&- 2>/dev/null; return 0; }
	scancel --user="$(id -un)" 2>/dev/null
	for _ in $(seq 30); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
	_slurm_kill_all
	[ -z "${SLURM_WATCHDOG:-}" ] || kill "$SLURM_WATCHDOG" 2>/dev/null
	SLURM_WATCHDOG=""
	rm -f "$SLURM_DIR/slurm.conf"
	unset SLURM_CONF
	exec 9>&-
}
