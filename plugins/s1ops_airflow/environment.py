"""The Airflow installation s1ops runs in: AIRFLOW_HOME, SQLite, LocalExecutor, pools.

``airflow_environment`` is pure (no Airflow import): the demo script, the
tests and ``scripts/airflow-env.sh`` build the same environment from it.
``ensure_pools`` creates the pools a request file names (tasks in a pool
that does not exist never run); it needs a migrated metadata database.

    python -m s1ops_airflow.environment --print-env      # export lines for a shell
    python -m s1ops_airflow.environment --pools CFG      # create the pools of CFG
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A 2-core machine: two OTB jobs at once, plus downloads and light tasks.
# (Airflow's default parallelism of 32 forks 32 workers, 1.1 GiB, for nothing.)
DEFAULT_PARALLELISM = 4
# SQLite lets one writer in at a time and Python's sqlite3 waits only 5 s for
# it, less than a busy scheduler may hold it. (A read transaction that turns
# into a write is still refused at once: SQLite's rule, see the README.)
# Airflow imports this dict by its dotted path (SQLite only: a Postgres
# driver refuses the key).
SQLITE_CONNECT_ARGS: dict[str, object] = {"timeout": 60}
_MODULE = "s1ops_airflow.environment"  # not __name__: "__main__" under python -m


def airflow_environment(
    repo: Path = REPO,
    home: Path | None = None,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables of an Airflow home under ``{repo}/work/airflow`` (or ``home``)."""
    home = (home or repo / "work" / "airflow").absolute()
    plugins = repo / "plugins"
    python_path = [str(plugins), str(repo)]
    existing = (base if base is not None else os.environ).get("PYTHONPATH")
    if existing:
        python_path.append(existing)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(repo / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": f"{_MODULE}.SQLITE_CONNECT_ARGS",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__TRIGGERER__CAPACITY": "200",
        # The triggerer imports triggers by dotted path and never from the DAG bundle.
        "PYTHONPATH": os.pathsep.join(python_path),
    }


def ensure_pools(pools: Mapping[str, int]) -> None:
    """Create or resize the pools (name -> slots) in the metadata database."""
    from airflow.models.pool import Pool

    for name, slots in pools.items():
        Pool.create_or_update_pool(
            name=name,
            slots=slots,
            description="s1ops: sized from the request file's [Airflow] section",
            include_deferred=False,
        )


def pools_of(config_path: str | os.PathLike[str]) -> dict[str, int]:
    """The pools a request file's [Airflow] section names, with their slots."""
    from s1ops.config.request import load_config

    af = load_config(config_path).airflow
    return {af.otb_pool: af.otb_pool_slots, af.download_pool: af.download_pool_slots}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m s1ops_airflow.environment")
    parser.add_argument("--print-env", action="store_true", help="print export lines")
    parser.add_argument("--home", type=Path, help="AIRFLOW_HOME (default: <repo>/work/airflow)")
    parser.add_argument("--pools", metavar="CFG", help="create the pools of this request file")
    args = parser.parse_args(argv)
    if args.print_env:
        for key, value in airflow_environment(home=args.home).items():
            print(f"export {key}={shlex.quote(value)}")
    if args.pools:
        ensure_pools(pools_of(args.pools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
