#!/usr/bin/env bash
# Runs the whole suite: lint, then pytest (every marker: CI runs the slow
# end-to-end tests too). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
.venv/bin/ruff check s1ops plugins dags tests bench scripts
.venv/bin/ruff format --check s1ops plugins dags tests bench scripts
.venv/bin/mypy s1ops
# pytest exits 5 when it collected nothing: that is a failure here too.
exec .venv/bin/python -m pytest "$@"
