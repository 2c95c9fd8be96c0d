#!/usr/bin/env bash
# `make demo`: synthetic products -> local STAC server -> Airflow (standalone,
# SQLite, LocalExecutor) -> backfill of the tile DAGs -> summary. See scripts/demo.py.
#   S1OPS_CONFIG=my.cfg make demo     the same on a real request file (no synthetic data)
#   make demo RUNNER=docker           the same with [Airflow] runner = docker (--runner docker):
#                                     image built and private engine started if missing
#   S1OPS_DEMO_DIR=DIR                the demo's folder (default <repo>/work/demo)
# Attached to a terminal, Airflow stays up until Ctrl-C; otherwise the script
# exits after the summary. Extra arguments go to scripts/demo.py (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
exec .venv/bin/python scripts/demo.py "$@"
