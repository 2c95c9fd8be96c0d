"""The Airflow environment s1ops uses (pure: no Airflow import needed)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from s1ops_airflow.environment import (
    DEFAULT_PARALLELISM,
    REPO,
    SQLITE_CONNECT_ARGS,
    airflow_environment,
)


def test_environment_points_at_the_repo_folders(tmp_path: Path) -> None:
    env = airflow_environment(tmp_path / "repo", base={"PYTHONPATH": "/elsewhere"})
    assert env["AIRFLOW_HOME"] == str(tmp_path / "repo" / "work" / "airflow")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "repo" / "dags")
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == str(tmp_path / "repo" / "plugins")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:////")
    assert env["AIRFLOW__CORE__PARALLELISM"] == str(DEFAULT_PARALLELISM)
    assert env["PYTHONPATH"].split(":")[0] == str(tmp_path / "repo" / "plugins")
    assert env["PYTHONPATH"].endswith("/elsewhere")
    assert "AIRFLOW__CORE__UNIT_TEST_MODE" not in env


def test_sqlite_waits_60_s_for_a_lock(tmp_path: Path) -> None:
    # Resolved by Airflow itself, in a fresh process with the environment.
    env = {**os.environ, **airflow_environment(REPO, tmp_path / "home")}
    code = "from airflow import settings; print(settings._get_connect_args('sync'))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert ast.literal_eval(out.splitlines()[-1])["timeout"] == SQLITE_CONNECT_ARGS["timeout"]
    assert SQLITE_CONNECT_ARGS["timeout"] >= 30  # seconds: longer than a scheduler write
