"""The fast layer's rules (tests/fast_layer.py): what keeps a test out of ``make test-fast``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fast_layer

PLUGIN_TESTS = fast_layer.AIRFLOW_LAYER_FOLDER


def _module(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test_module.py"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("from airflow.sdk import DAG\n", True),
        ("def test():\n    from airflow import settings\n", True),
        # The DAG factory imports Airflow when loaded.
        ("import s1ops_airflow.factory\n", True),
        ("from s1ops_airflow import factory\n", True),
        # Pure helpers of the Airflow layer; environment.py imports Airflow only
        # inside the function that creates pools.
        ("from s1ops_airflow.docker_runner import docker_process_kwargs\n", False),
        ("from s1ops_airflow.environment import airflow_environment\n", False),
        ("import json\nfrom s1ops.config.request import load_config\n", False),
    ],
)
def test_airflow_imports_are_found_through_the_airflow_layer(
    tmp_path: Path, text: str, needs: bool
) -> None:
    assert fast_layer.module_needs_airflow(_module(tmp_path, text)) is needs


def test_folders_without_fast_tests() -> None:
    repo = fast_layer.REPO
    assert fast_layer.never_fast(repo / "tests" / "dags")
    assert fast_layer.never_fast(repo / "tests" / "docker" / "test_image.py")
    assert not fast_layer.never_fast(repo / "tests" / "s1ops" / "processing")
    assert not fast_layer.never_fast(PLUGIN_TESTS / "test_docker_runner.py")


def _no_marker(name: str) -> bool:
    return False


def _runs_airflow_in_a_child() -> None:
    code = "from airflow import settings"  # what a child process would run
    assert code


def _pure() -> None:
    assert True


def test_slow_fixtures_markers_and_child_processes_leave_the_fast_layer() -> None:
    path = fast_layer.REPO / "tests" / "s1ops" / "test_x.py"
    assert fast_layer.is_fast(path, {"tmp_path", "capsys"}, _no_marker, _pure)
    for fixture in ("otb", "otb_data", "synthetic", "airflow_db"):
        assert not fast_layer.is_fast(path, {"tmp_path", fixture}, _no_marker, _pure)
    for marker in ("otb", "slow", "docker"):
        assert not fast_layer.is_fast(path, set(), lambda name, m=marker: name == m, _pure)
    plugin_test = PLUGIN_TESTS / "test_docker_runner.py"
    assert fast_layer.is_fast(plugin_test, set(), _no_marker, _pure)
    assert not fast_layer.is_fast(plugin_test, set(), _no_marker, _runs_airflow_in_a_child)
