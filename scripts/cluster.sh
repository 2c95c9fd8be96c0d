#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: Airflow's production shape on this one machine.
#
#   scripts/cluster.sh start [REQUEST_FILE]   # default $S1OPS_CONFIG, else config/S1Processor.example.cfg
#   scripts/cluster.sh stop
#   scripts/cluster.sh status
#
# PostgreSQL (Debian's, a private cluster made by initdb) and Redis (Debian's
# redis-server), both bound to 127.0.0.1 with their data under the cluster
# folder; Airflow's api-server, scheduler, dag-processor and triggerer; N Celery
# workers, each its own process with its own --celery-hostname, --concurrency and
# --queues from the request file's [Airflow] celery_concurrency / celery_queues.
# The database is migrated, the pools created, and the UI's login printed.
# Each Airflow component and worker runs under scripts/supervise.sh, which starts
# it again when it exits (a crash, a database outage, a kill), as systemd's
# Restart=always would. Idempotent: what runs already is left running. `stop` stops what `start`
# started (pid files under the cluster folder, and every process carrying
# S1OPS_CLUSTER=<folder> in its environment: OTB children leave the groups).
#
# Settings (environment): S1OPS_CLUSTER_DIR (<repo>/work/cluster),
# S1OPS_CLUSTER_WORKERS (2), and on the first start only (then kept in
# <folder>/cluster.json with the generated passwords): S1OPS_CLUSTER_PG_PORT
# (5433), S1OPS_CLUSTER_REDIS_PORT (6380), S1OPS_CLUSTER_API_PORT (8080).
# A shell (or a worker) gets the same Airflow environment with
# `source scripts/airflow-env.sh --cluster`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(realpath -m "${S1OPS_CLUSTER_DIR:-$repo/work/cluster}")
run="$dir/run"
logs="$dir/logs"
py="$repo/.venv/bin/python"
workers=${S1OPS_CLUSTER_WORKERS:-2}
# Airflow components, in start order (workers are worker1..N).
COMPONENTS=(api-server scheduler dag-processor triggerer)
STOP_GRACE_S=30
START_TIMEOUT_S=${S1OPS_CLUSTER_START_TIMEOUT:-300}

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

pg_bin() {
  local version
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
  [[ -n $version && -x /usr/lib/postgresql/$version/bin/initdb ]] \
    || die "PostgreSQL is not installed (Debian's postgresql package): run make setup"
  echo "/usr/lib/postgresql/$version/bin"
}

# PostgreSQL refuses to run as root: then its own files belong to the postgres user.
pg_user() { if [[ $(id -u) -eq 0 ]]; then echo "${S1OPS_CLUSTER_PG_USER:-postgres}"; else id -un; fi; }
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u "$(pg_user)" -- "$@"); else (cd / && "$@"); fi
}

setting() { PYTHONPATH="$repo/plugins" "$py" -m s1ops_airflow.environment --cluster "$dir" --get "$1"; }

cluster_env() {
  [[ -f $dir/cluster.json ]] || die "no cluster in $dir (scripts/cluster.sh start)"
  eval "$(PYTHONPATH="$repo/plugins" "$py" -m s1ops_airflow.environment --cluster "$dir" --print-env)"
  export PATH="$repo/.venv/bin:$PATH" LC_NUMERIC=C
}

# alive NAME: its process runs (a zombie left unreaped does not count).
alive() {
  local pid
  [[ -f $run/$1.pid ]] && pid=$(cat "$run/$1.pid") && kill -0 "$pid" 2>/dev/null \
    && [[ $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]
}

pg_running() { as_pg "$(pg_bin)/pg_ctl" status -D "$dir/pg/data" >/dev/null 2>&1; }

redis_ping() {
  redis-cli -h 127.0.0.1 -p "$(setting redis_port)" --no-auth-warning \
    -a "$(setting redis_password)" ping 2>/dev/null | grep -q PONG
}

start_postgres() {
  local bin data port password
  bin=$(pg_bin)
  data="$dir/pg/data"
  port=$(setting pg_port)
  password=$(setting pg_password)
  if [[ ! -f $data/PG_VERSION ]]; then
    log "initdb: a private PostgreSQL cluster in $data"
    rm -rf "$dir/pg" && mkdir -p "$data" && chmod 700 "$data"
    (umask 077 && setting pg_password >"$dir/pg/pwfile")
    [[ $(id -u) -eq 0 ]] && chown -R "$(pg_user)" "$dir/pg"
    as_pg "$bin/initdb" -D "$data" -U airflow --pwfile="$dir/pg/pwfile" \
      --auth=scram-sha-256 -E UTF8 --locale=C >"$logs/initdb.log" 2>&1 \
      || die "initdb failed (as user $(pg_user): its folders must be reachable); see $logs/initdb.log"
    rm -f "$dir/pg/pwfile"
  fi
  if ! pg_running; then
    log "PostgreSQL on 127.0.0.1:$port"
    as_pg "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$dir/pg/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$data" >/dev/null \
      || die "PostgreSQL did not start; see $dir/pg/postgres.log"
  fi
  if ! PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U airflow -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'airflow'" | grep -q 1; then
    PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U airflow airflow
  fi
}

start_redis() {
  command -v redis-server >/dev/null || die "redis-server is not installed: run make setup"
  redis_ping && return
  local port
  port=$(setting redis_port)
  log "Redis on 127.0.0.1:$port"
  mkdir -p "$dir/redis"
  # The password goes through stdin's config, not the command line (ps shows that).
  printf 'requirepass %s\n' "$(setting redis_password)" | redis-server - --bind 127.0.0.1 \
    --port "$port" --dir "$dir/redis" --daemonize yes --pidfile "$run/redis.pid" \
    --logfile "$logs/redis.log" --protected-mode yes >/dev/null
  for _ in $(seq 50); do redis_ping && return; sleep 0.2; done
  die "Redis did not answer; see $logs/redis.log"
}

started_now=()  # the components this `start` started (not those already running)

# start_airflow NAME COMMAND...: in a session of its own (stop kills the group),
# started again whenever it exits (scripts/supervise.sh, a service manager's job).
# NAME.pid holds the supervisor's pid, NAME.main.pid the component's.
start_airflow() {
  local name=$1
  shift
  if alive "$name"; then return; fi
  started_now+=("$name")
  # Where this start's part of the log begins (see crashed).
  stat -c %s "$logs/$name.log" >"$run/$name.log-offset" 2>/dev/null || echo 0 >"$run/$name.log-offset"
  setsid bash "$repo/scripts/supervise.sh" "$name" "$run/$name.main.pid" "$@" \
    >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}

# crashed NAME: whether the component exited since this start (its supervisor said so).
crashed() {
  local offset
  offset=$(cat "$run/$1.log-offset" 2>/dev/null || echo 0)
  tail -c "+$((offset + 1))" "$logs/$1.log" 2>/dev/null | grep -q "\] $1: exited with status"
}

wait_healthy() {
  local url=$1 deadline=$((SECONDS + START_TIMEOUT_S)) answer
  while ((SECONDS < deadline)); do
    for name in "${COMPONENTS[@]}" $(seq -f 'worker%g' 1 "$workers"); do
      alive "$name" || die "$name exited; see $logs/$name.log"
    done
    for name in "${started_now[@]}"; do
      crashed "$name" && die "$name exited while starting; see $logs/$name.log"
    done
    answer=$(curl -sf "$url/api/v2/monitor/health" 2>/dev/null || true)
    if [[ -n $answer ]] && "$py" -c '
import json, sys
health = json.loads(sys.argv[1])
parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
sys.exit(any(health.get(p, {}).get("status") != "healthy" for p in parts))' "$answer"; then
      local ready=0
      for i in $(seq 1 "$workers"); do
        grep -q "worker$i@.* ready\." "$logs/worker$i.log" 2>/dev/null && ready=$((ready + 1))
      done
      ((ready == workers)) && return
    fi
    sleep 2
  done
  die "the cluster is not healthy after ${START_TIMEOUT_S} s; see $logs"
}

cmd_start() {
  local cfg=${1:-${S1OPS_CONFIG:-$repo/config/S1Processor.example.cfg}}
  [[ -f $cfg ]] || die "no request file $cfg"
  cfg=$(realpath "$cfg")
  local started=$SECONDS
  mkdir -p "$run" "$logs"
  if [[ -f $run/request-file ]] && [[ $(cat "$run/request-file") != "$cfg" ]] \
    && alive scheduler; then
    die "the cluster runs with $(cat "$run/request-file"): scripts/cluster.sh stop first"
  fi
  echo "$cfg" >"$run/request-file"
  PYTHONPATH="$repo/plugins" "$py" -m s1ops_airflow.environment --cluster "$dir" --cluster-init \
    "pg_port=${S1OPS_CLUSTER_PG_PORT:-5433}" "redis_port=${S1OPS_CLUSTER_REDIS_PORT:-6380}" \
    "api_port=${S1OPS_CLUSTER_API_PORT:-8080}"
  # Every process started from here on carries the mark (see `stop`).
  export S1OPS_CLUSTER="$dir"
  start_postgres
  start_redis
  cluster_env
  export S1OPS_CONFIG="$cfg"
  mkdir -p "$AIRFLOW_HOME"
  # Migrated once per Airflow version (20 s even when nothing is to do); the stamp
  # lives with the database's files, so a new database is migrated again.
  local stamp
  stamp="$dir/pg/migrated-$(python -c 'from importlib.metadata import version
print(version("apache-airflow"))')"
  if [[ ! -f $stamp ]]; then
    log "airflow db migrate"
    airflow db migrate >"$logs/migrate.log" 2>&1 || die "airflow db migrate failed; see $logs/migrate.log"
    touch "$stamp"
  fi
  python -m s1ops_airflow.environment --pools "$cfg" >>"$logs/migrate.log" 2>&1 \
    || die "the pools of $cfg could not be created; see $logs/migrate.log"
  local concurrency queues host
  concurrency=$(python -c 'import sys; from s1ops.config.request import load_config
print(load_config(sys.argv[1]).airflow.celery_concurrency)' "$cfg")
  queues=$(python -c 'import sys; from s1ops.config.request import load_config
print(",".join(load_config(sys.argv[1]).airflow.celery_queues))' "$cfg")
  start_airflow api-server airflow api-server --host 127.0.0.1 --port "$(setting api_port)" --workers 1
  start_airflow scheduler airflow scheduler
  start_airflow dag-processor airflow dag-processor
  start_airflow triggerer airflow triggerer
  host=$(hostname -f 2>/dev/null || hostname)
  for i in $(seq 1 "$workers"); do
    # On one machine the workers share the host name: each task instance records
    # the Celery name of the worker that ran it instead.
    S1OPS_CELERY_HOSTNAME="worker$i@$host" \
      AIRFLOW__CORE__HOSTNAME_CALLABLE=s1ops_airflow.environment.worker_hostname \
      start_airflow "worker$i" airflow celery worker --celery-hostname "worker$i@$host" \
      --concurrency "$concurrency" --queues "$queues" --skip-serve-logs
  done
  local url
  url=$(setting api_url)
  log "waiting for the components (api-server, scheduler, dag-processor, triggerer, $workers workers)"
  wait_healthy "$url"
  local password_file="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
  log "up in $((SECONDS - started)) s: PostgreSQL :$(setting pg_port), Redis :$(setting redis_port)," \
    "$workers Celery workers (concurrency $concurrency, queues $queues)"
  echo "Airflow UI: $url  (user admin, password $("$py" -c 'import json, sys
print(json.load(open(sys.argv[1]))["admin"])' "$password_file"); in $password_file)"
  echo "Request file: $cfg"
  echo "A shell on this cluster: source scripts/airflow-env.sh --cluster; stop it: make cluster-stop"
}

# stop_pid NAME: TERM its process group, KILL it after the grace period.
stop_group() {
  local name=$1 pid
  [[ -f $run/$name.pid ]] || return 0
  pid=$(cat "$run/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  fi
}

wait_gone() {
  local deadline=$((SECONDS + STOP_GRACE_S)) name pid
  for name in "$@"; do
    [[ -f $run/$name.pid ]] || continue
    pid=$(cat "$run/$name.pid")
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$run/$name.pid"
  done
}

marked() {
  local entry="S1OPS_CLUSTER=$dir" p
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == "$$" ]] && continue
    tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "$entry" && echo "${p#/proc/}"
  done
  return 0
}

cmd_stop() {
  [[ -d $run ]] || { log "nothing started in $dir"; return; }
  local names=() name
  for name in "$run"/worker*.pid; do [[ -e $name ]] && names+=("$(basename "$name" .pid)"); done
  names+=(triggerer dag-processor scheduler api-server)
  log "stopping Airflow (${names[*]})"
  for name in "${names[@]}"; do stop_group "$name"; done
  wait_gone "${names[@]}"
  if [[ -f $run/redis.pid ]]; then
    log "stopping Redis"
    kill -TERM "$(cat "$run/redis.pid")" 2>/dev/null || true
    wait_gone redis
  fi
  if [[ -f $dir/pg/data/PG_VERSION ]] && pg_running; then
    log "stopping PostgreSQL"
    as_pg "$(pg_bin)/pg_ctl" stop -D "$dir/pg/data" -m fast -w >/dev/null || true
  fi
  local left
  left=$(marked)
  if [[ -n $left ]]; then
    log "killing what is left: $(echo $left)"
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  fi
  left=$(marked)
  [[ -z $left ]] || die "still running: $(echo $left)"
  log "stopped"
}

cmd_status() {
  local ok=0 name
  if [[ -f $dir/pg/data/PG_VERSION ]] && pg_running; then
    echo "postgresql     running (127.0.0.1:$(setting pg_port))"
  else
    echo "postgresql     stopped"; ok=1
  fi
  if [[ -f $dir/cluster.json ]] && redis_ping; then
    echo "redis          running (127.0.0.1:$(setting redis_port))"
  else
    echo "redis          stopped"; ok=1
  fi
  for name in "${COMPONENTS[@]}" $(seq -f 'worker%g' 1 "$workers"); do
    if alive "$name"; then
      printf '%-14s running (pid %s, supervised by %s)\n' "$name" \
        "$(cat "$run/$name.main.pid" 2>/dev/null || echo 'none: restarting')" "$(cat "$run/$name.pid")"
    else
      printf '%-14s stopped\n' "$name"; ok=1
    fi
  done
  [[ $ok -eq 0 ]] && echo "Airflow UI: $(setting api_url)"
  return $ok
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start [REQUEST_FILE] | stop | status" >&2; exit 2 ;;
esac
