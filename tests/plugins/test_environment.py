"""The Airflow environment s1ops uses (pure: no Airflow import needed)."""

from __future__ import annotations

from pathlib import Path

from s1ops_airflow.environment import DEFAULT_PARALLELISM, airflow_environment


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
