"""The cluster's settings and Airflow environment, and the [Airflow] keys of its workers (pure)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from s1ops_airflow.environment import (
    CLUSTER_FILE,
    CLUSTER_PARSING_PROCESSES,
    cluster_environment,
    init_cluster_settings,
    new_cluster_settings,
    read_cluster_settings,
)

from s1ops.errors import ConfigError
from tests.s1ops.config.test_request import MINIMAL_TEXT, parse, variant


def test_the_cluster_environment_is_postgres_redis_and_celery(tmp_path: Path) -> None:
    settings = new_cluster_settings(ports={"pg_port": 5999, "redis_port": 6999, "api_port": 8999})
    env = cluster_environment(settings, tmp_path / "repo", tmp_path / "home")
    password = settings.pg_password
    assert env["AIRFLOW_HOME"] == str(tmp_path / "home")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"postgresql+psycopg2://airflow:{password}@127.0.0.1:5999/airflow"
    )
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == (
        f"db+postgresql://airflow:{password}@127.0.0.1:5999/airflow"
    )
    assert env["AIRFLOW__CELERY__BROKER_URL"] == (
        f"redis://:{settings.redis_password}@127.0.0.1:6999/0"
    )
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8999"
    assert env["AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES"] == str(CLUSTER_PARSING_PROCESSES)
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == settings.jwt_secret
    # SQLite's connect arguments would be refused by the Postgres driver.
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS" not in env
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "repo" / "dags")


def test_settings_are_written_once_for_their_owner_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("S1OPS_CLUSTER_HOST", raising=False)
    first = init_cluster_settings(tmp_path / "c", {"pg_port": 6001})
    again = init_cluster_settings(tmp_path / "c", {"pg_port": 7001})
    assert again == first and first.pg_port == 6001 and first.redis_port == 6380
    assert stat.S_IMODE((tmp_path / "c" / CLUSTER_FILE).stat().st_mode) == 0o600
    assert len({first.pg_password, first.redis_password, first.jwt_secret}) == 3
    # Another machine reaches the services at the main machine's address.
    monkeypatch.setenv("S1OPS_CLUSTER_HOST", "10.0.0.5")
    elsewhere = read_cluster_settings(tmp_path / "c")
    assert elsewhere.db_url.endswith("@10.0.0.5:6001/airflow")
    assert elsewhere.jwt_secret == first.jwt_secret


def test_the_celery_keys_have_defaults_and_are_checked() -> None:
    default = parse(MINIMAL_TEXT).airflow
    assert (default.celery_concurrency, default.celery_queues) == (2, ("default",))
    assert parse(variant("Airflow", "celery_concurrency", "8")).airflow.celery_concurrency == 8
    queues = parse(variant("Airflow", "celery_queues", "default, otb")).airflow.celery_queues
    assert queues == ("default", "otb")
    for key, value in (
        ("celery_concurrency", "0"),
        ("celery_queues", "a b, c"),
        ("celery_queues", "a,"),
    ):
        with pytest.raises(ConfigError, match=key):
            parse(variant("Airflow", key, value))
