#!/usr/bin/env bash
# Keep one cluster component running, as a service manager would (systemd's
# Restart=always): scripts/cluster.sh starts each Airflow component under it.
#
#   scripts/supervise.sh NAME PID_FILE COMMAND...
#
# Runs COMMAND; when it exits (a crash, a lost database, a SIGKILL) starts it
# again after RESTART_DELAY_S, saying so on stderr (the component's log).
# PID_FILE holds the running COMMAND's pid. SIGTERM/SIGINT stop the command and
# then this loop: that is how `scripts/cluster.sh stop` ends a component.
set -uo pipefail

name=$1 pid_file=$2
shift 2
RESTART_DELAY_S=${S1OPS_RESTART_DELAY_S:-5}
stopping=0 child=0

stop() {
  stopping=1
  ((child)) && kill -TERM "$child" 2>/dev/null
}
trap stop TERM INT

say() { printf '[supervise %s] %s: %s\n' "$(date +%H:%M:%S)" "$name" "$*" >&2; }

while ((!stopping)); do
  "$@" &
  child=$!
  echo "$child" >"$pid_file"
  # `wait` returns early when a trapped signal arrives: wait again for the exit.
  while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=0
  rm -f "$pid_file"
  ((stopping)) && break
  say "exited with status $status; starting it again in ${RESTART_DELAY_S} s"
  sleep "$RESTART_DELAY_S" &
  wait $!
done
say "stopped"
