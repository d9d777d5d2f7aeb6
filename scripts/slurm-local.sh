#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for EcdPde's Slurm tests and for trying `--scheduler slurm`:
#   scripts/slurm-local.sh start    install slurm-wlm + munge with apt-get when missing (root), write a config under a
#                                   folder of its own, start munged, slurmctld and slurmd bound to 127.0.0.1 and wait
#                                   until `sinfo` shows the node idle; prints the SLURM_CONF to export
#   scripts/slurm-local.sh stop     stop exactly the daemons `start` started (their PID files), nothing else
#   scripts/slurm-local.sh status   whether they run, and `sinfo`/`squeue`
# The folder is ECDPDE_SLURM_DIR (default /tmp/ecdpde-slurm); munge uses its own key and socket there, so a munge or
# Slurm of the machine is left alone. Ports: ECDPDE_SLURM_PORTS="CTLD SLURMD" (default "6817 6818").
set -euo pipefail

DIR="${ECDPDE_SLURM_DIR:-/tmp/ecdpde-slurm}"
read -r CTLD_PORT SLURMD_PORT <<<"${ECDPDE_SLURM_PORTS:-6817 6818}"
CONF="$DIR/slurm.conf"
SOCKET="$DIR/munge/munge.socket"

fail() {
  echo "slurm-local: $*" >&2
  exit 1
}

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
    return
  fi
  [ "$(id -u)" -eq 0 ] || fail "slurm-wlm and munge are missing and installing them needs root (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q slurm-wlm munge >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge >/dev/null; } ||
    fail "apt-get could not install slurm-wlm and munge"
}

running() { # running NAME: the daemon whose PID file is DIR/NAME.pid is alive
  local pid
  pid="$(cat "$DIR/$1.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

write_config() {
  local host cpus mem
  host="$(hostname -s)"
  getent hosts "$host" | grep -q '^127\.' ||
    fail "$host does not resolve to the loopback (add '127.0.0.1 $host' to /etc/hosts); the cluster binds only there"
  cpus="$(nproc)"
  # real memory in MB, less a margin for the system
  mem="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster on the loopback for EcdPde's tests.
ClusterName=ecdpde-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$((mem / cpus))
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# bind to the address the host name resolves to (the loopback, checked below), never to every interface
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=10
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  running munged && return
  mkdir -p "$DIR/munge"
  chown munge:munge "$DIR/munge"
  chmod 755 "$DIR/munge" # clients need to reach the socket
  if [ ! -s "$DIR/munge/munge.key" ]; then
    dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1 count=1024 status=none
    chown munge:munge "$DIR/munge/munge.key"
    chmod 400 "$DIR/munge/munge.key"
  fi
  su -s /bin/sh munge -c "munged --socket='$SOCKET' --key-file='$DIR/munge/munge.key' \
      --pid-file='$DIR/munge/munged.pid' --log-file='$DIR/munge/munged.log' --seed-file='$DIR/munge/munged.seed'" ||
    fail "munged did not start (see $DIR/munge/munged.log)"
  cp "$DIR/munge/munged.pid" "$DIR/munged.pid"
}

start() {
  install_packages
  [ "$(id -u)" -eq 0 ] || fail "starting the cluster needs root (slurmd runs jobs as their users)"
  mkdir -p "$DIR"
  write_config
  start_munge
  export SLURM_CONF="$CONF"
  running slurmctld || slurmctld -f "$CONF" || fail "slurmctld did not start (see $DIR/log/slurmctld.log)"
  running slurmd || slurmd -f "$CONF" || fail "slurmd did not start (see $DIR/log/slurmd.log)"
  local host
  host="$(hostname -s)"
  for _ in $(seq 1 60); do
    if sinfo -h -N -n "$host" -o '%T' 2>/dev/null | grep -qx 'idle'; then
      echo "export SLURM_CONF=$CONF"
      return
    fi
    # a node left down by an earlier run comes back
    scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  fail "the node did not become idle within 60 s (see $DIR/log)"
}

stop_one() { # stop_one NAME: TERM, then KILL after 10 s, of the PID in DIR/NAME.pid
  local pid
  pid="$(cat "$DIR/$1.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/$1.pid"
}

kill_tree() { # kill_tree PID: the process and every descendant, by their ids
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do kill_tree "$child"; done
  kill -9 "$1" 2>/dev/null || true
}

stop() {
  [ -d "$DIR" ] || return 0
  if running slurmctld; then
    # cancel every job of this cluster and give their tasks KillWait to end
    SLURM_CONF="$CONF" scancel --quiet --user="$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do
      [ -z "$(SLURM_CONF="$CONF" squeue -h 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
  # job steps of this cluster still alive (slurmstepd carries this cluster's SLURM_CONF) end with their processes
  for pid in $(pgrep -x slurmstepd || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_CONF=$CONF"; then kill_tree "$pid"; fi
  done
}

status() {
  for d in munged slurmctld slurmd; do
    if running "$d"; then echo "$d: running (PID $(cat "$DIR/$d.pid"))"; else echo "$d: stopped"; fi
  done
  if running slurmctld; then
    SLURM_CONF="$CONF" sinfo
    SLURM_CONF="$CONF" squeue
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) fail "usage: $0 start|stop|status" ;;
esac
