#!/usr/bin/env bash
# Source this file to work with s1ops's Airflow: AIRFLOW_HOME under <repo>/work/airflow,
# SQLite, LocalExecutor, no examples, the repo's dags/ and plugins/, parallelism for 2 cores.
#   source scripts/airflow-env.sh [REQUEST_FILE]
# With a request file: S1OPS_CONFIG is set, the database migrated and the pools created.
_s1ops_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_s1ops_py="${_s1ops_repo}/.venv/bin/python"
eval "$("${_s1ops_py}" "${_s1ops_repo}/plugins/s1ops_airflow/environment.py" --print-env)"
mkdir -p "${AIRFLOW_HOME}"
export PATH="${_s1ops_repo}/.venv/bin:${PATH}"
if [ -n "${1:-}" ]; then
    export S1OPS_CONFIG="$(realpath "$1")"
    airflow db migrate >/dev/null
    "${_s1ops_py}" -m s1ops_airflow.environment --pools "${S1OPS_CONFIG}"
fi
unset _s1ops_repo _s1ops_py
