#!/usr/bin/env bash
# A private Docker engine for tests and image builds: Debian's dockerd on a
# socket inside the repo, so it never touches (or needs) a system engine.
#
# usage: docker-engine.sh start|stop|status|env
#   start   start dockerd unless it already answers; wait until it does;
#           print DOCKER_HOST=unix://... (idempotent)
#   stop    stop the dockerd this script started (idempotent)
#   status  exit 0 when the engine answers
#   env     print DOCKER_HOST=unix://... (whether or not it runs)
#
# Environment: S1OPS_DOCKER_DIR (default <repo>/work/docker) holds the socket,
# the pid file and the log; S1OPS_DOCKER_ROOT (default <dir>/root) is dockerd's
# data root (images, layers); S1OPS_DOCKER_STORAGE (default overlay2) its
# storage driver. The engine has no bridge and no iptables rules: containers
# use no network or the host's (builds need `--network=host` for apt).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${S1OPS_DOCKER_DIR:-$repo/work/docker}
data_root=${S1OPS_DOCKER_ROOT:-$dir/root}
storage=${S1OPS_DOCKER_STORAGE:-overlay2}
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"
logfile="$dir/dockerd.log"
export DOCKER_HOST="unix://$sock"
docker_cli=/usr/bin/docker # Debian's client, the same version as its dockerd

log() { printf '[docker-engine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
answers() { [[ -S "$sock" ]] && "$docker_cli" version >/dev/null 2>&1; }
our_pid() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"; }

start() {
  if answers; then
    echo "DOCKER_HOST=$DOCKER_HOST"
    return
  fi
  command -v dockerd >/dev/null || {
    log "dockerd not found: install Debian's docker.io (make setup does)"
    exit 1
  }
  mkdir -p "$dir" "$data_root"
  if pid=$(our_pid); then
    log "dockerd (pid $pid) runs but does not answer yet"
  else
    rm -f "$sock" "$pidfile"
    log "starting dockerd on $sock (data root $data_root, storage $storage)"
    # setsid: the engine outlives the shell that started it, and a Ctrl-C
    # in that shell does not reach it.
    as_root setsid dockerd --host "unix://$sock" --data-root "$data_root" \
      --exec-root "$dir/exec" --pidfile "$pidfile" --iptables=false --ip-masq=false \
      --bridge=none --storage-driver="$storage" >"$logfile" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    if answers; then
      [[ $(id -u) -eq 0 ]] || as_root chmod 0666 "$sock"
      echo "DOCKER_HOST=$DOCKER_HOST"
      return
    fi
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; its log ($logfile) ends with:"
  tail -n 20 "$logfile" >&2 || true
  exit 1
}

stop() {
  local pid
  pid=$(our_pid) || return 0
  log "stopping dockerd (pid $pid)"
  as_root kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || {
      rm -f "$sock"
      return 0
    }
    sleep 0.5
  done
  log "dockerd (pid $pid) still runs after 30 s"
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  env) echo "DOCKER_HOST=$DOCKER_HOST" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 64
    ;;
esac
