#!/usr/bin/env bash
# Source this file to work with s1ops's Airflow: AIRFLOW_HOME under <repo>/work/airflow,
# SQLite, LocalExecutor, no examples, the repo's dags/ and plugins/, parallelism for 2 cores.
#   source scripts/airflow-env.sh [REQUEST_FILE]
# With a request file: S1OPS_CONFIG is set, the database migrated and the pools created.
#   source scripts/airflow-env.sh --cluster [REQUEST_FILE]
# The cluster's environment instead (PostgreSQL, Redis, CeleryExecutor; scripts/cluster.sh),
# read from ${S1OPS_CLUSTER_DIR:-<repo>/work/cluster}/cluster.json (on another machine: a copy
# of it, with S1OPS_CLUSTER_HOST set to the main machine's address); without a request file,
# the one the cluster was started with.
_s1ops_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_s1ops_py="${_s1ops_repo}/.venv/bin/python"
if [ "${1:-}" = "--cluster" ]; then
    shift
    _s1ops_dir="${S1OPS_CLUSTER_DIR:-${_s1ops_repo}/work/cluster}"
    if [ ! -f "${_s1ops_dir}/cluster.json" ]; then
        echo "airflow-env.sh: no cluster in ${_s1ops_dir} (make cluster starts one)" >&2
        unset _s1ops_repo _s1ops_py _s1ops_dir
        return 1
    fi
    eval "$(PYTHONPATH="${_s1ops_repo}/plugins" "${_s1ops_py}" -m s1ops_airflow.environment \
        --cluster "${_s1ops_dir}" --print-env)"
    if [ -z "${1:-}" ] && [ -f "${_s1ops_dir}/run/request-file" ]; then
        export S1OPS_CONFIG="$(cat "${_s1ops_dir}/run/request-file")"
    fi
    export LC_NUMERIC=C
    unset _s1ops_dir
else
    eval "$("${_s1ops_py}" "${_s1ops_repo}/plugins/s1ops_airflow/environment.py" --print-env)"
fi
mkdir -p "${AIRFLOW_HOME}"
export PATH="${_s1ops_repo}/.venv/bin:${PATH}"
if [ -n "${1:-}" ]; then
    export S1OPS_CONFIG="$(realpath "$1")"
    airflow db migrate >/dev/null
    "${_s1ops_py}" -m s1ops_airflow.environment --pools "${S1OPS_CONFIG}"
fi
unset _s1ops_repo _s1ops_py
