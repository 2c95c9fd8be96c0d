#!/usr/bin/env bash
# Runs the whole suite: lint, then pytest (every marker: CI runs the slow
# end-to-end tests too). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
sources=(s1ops plugins dags tests bench scripts)
.venv/bin/ruff check "${sources[@]}"
.venv/bin/ruff format --check "${sources[@]}"
.venv/bin/mypy s1ops
# pytest exits 5 when it collected nothing: that is a failure here too.
exec .venv/bin/python -m pytest "$@"
