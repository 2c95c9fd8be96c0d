#!/usr/bin/env bash
# Runs the whole suite: lint, then pytest (every marker: CI runs the slow
# end-to-end tests too). Extra arguments go to pytest.
#
# The docker tests need an engine and the s1ops image: unless
# S1OPS_DOCKER_TESTS=0, the engine DOCKER_HOST names is used if it answers,
# else the private one is started (and stopped at the end), and the images are
# built (cached: seconds when nothing changed). Outside CI, a machine without
# dockerd just skips those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
sources=(s1ops plugins dags tests bench scripts)
.venv/bin/ruff check "${sources[@]}"
.venv/bin/ruff format --check "${sources[@]}"
.venv/bin/mypy s1ops

docker_ready() { [[ -n "${DOCKER_HOST:-}" ]] && /usr/bin/docker version >/dev/null 2>&1; }
if [[ "${S1OPS_DOCKER_TESTS:-1}" != 0 ]] && { [[ -n "${CI:-}" ]] || command -v dockerd >/dev/null; }; then
  if ! docker_ready; then
    # An engine this script did not start (e.g. by `make image`) is left running.
    if ! scripts/docker-engine.sh status; then
      trap 'scripts/docker-engine.sh stop' EXIT
    fi
    export "$(scripts/docker-engine.sh start)"
  fi
  bash scripts/docker-image.sh
fi

# pytest exits 5 when it collected nothing: that is a failure here too. Not
# exec'd, so the EXIT trap stops the engine.
.venv/bin/python -m pytest "$@"
