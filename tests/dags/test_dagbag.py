"""The DAG file: one DAG per tile plus maintenance, their structure, errors, parse time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable

from tests import airflow_session as session

TILES = ["32NNJ", "33NWB", "31TCJ"]
DAG_FILE = session.REPO / "dags" / "s1tiling_dags.py"


def _bag(config: Path | str | None) -> DagBag:
    if config is None:
        os.environ.pop("S1OPS_CONFIG", None)
    else:
        os.environ["S1OPS_CONFIG"] = str(config)
    return DagBag(dag_folder=str(session.REPO / "dags"))


def test_one_dag_per_tile_and_maintenance(request_file) -> None:
    cfg = request_file()
    cfg.write_text(cfg.read_text().replace("tiles : 32NNJ", "tiles : " + ", ".join(TILES)))
    bag = _bag(cfg)
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted([f"s1tiling_{t}" for t in TILES] + ["s1tiling_maintenance"])


def test_tile_dag_structure(request_file) -> None:
    dag = _bag(request_file()).dags["s1tiling_32NNJ"]
    assert sorted(dag.task_dict) == [
        "fetch",
        "plan",
        "publish",
        "vh.process",
        "vh.select",
        "vv.process",
        "vv.select",
    ]
    assert dag.task_dict["fetch"].upstream_task_ids == {"plan"}
    for pol in ("vv", "vh"):
        assert dag.task_dict[f"{pol}.select"].upstream_task_ids == {"plan", "fetch"}
        assert dag.task_dict[f"{pol}.select"].trigger_rule == "all_done"
        assert dag.task_dict[f"{pol}.process"].upstream_task_ids == {f"{pol}.select"}
    assert dag.task_dict["publish"].upstream_task_ids == {"vv.process", "vh.process", "fetch"}
    process = dag.task_dict["vv.process"]
    assert process.pool == "s1ops_otb"
    assert process.partial_kwargs["retry_exponential_backoff"] == 2.0
    assert process.partial_kwargs["execution_timeout"].total_seconds() == 120 * 60
    assert dag.task_dict["fetch"].pool == "s1ops_download"
    # A real one-day data interval, not @daily's empty one; catchup off by default.
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.catchup is False
    assert set(dag.params) == {"first_date", "last_date", "force", "polarisations"}
    # Held by the DAG only: a copy in every task made serializing 1 000 tiles take 40 s.
    assert [t.task_id for t in dag.tasks if t.params] == []
    assert [o.uri for o in dag.task_dict["publish"].outlets] == [
        f"file://{request_file().parent / 'out' / '32NNJ'}"
    ]


def test_maintenance_dag_structure(request_file) -> None:
    # One task running what `s1ops maintenance` runs (every part, each reported).
    dag = _bag(request_file()).dags["s1tiling_maintenance"]
    (task,) = dag.tasks
    assert task.operator_name == "MaintenanceOperator"
    assert task.config_path == str(request_file())


def test_docker_runner_uses_docker_operator(request_file) -> None:
    cfg = request_file(runner="docker", image="s1ops:test")
    dag = _bag(cfg).dags["s1tiling_32NNJ"]
    # The runner is chosen by the factory alone: select is the same for both.
    assert not hasattr(dag.task_dict["vv.select"], "runner")
    process = dag.task_dict["vv.process"]
    assert process.operator_name == "DockerProcessJobOperator"
    assert process.partial_kwargs["image"] == "s1ops:test"
    # The job comes from select (mapped), the command is built from it at run time.
    assert "command" not in process.partial_kwargs
    assert process.partial_kwargs["config_path"] == str(cfg)
    assert process.partial_kwargs["mount_tmp_dir"] is False
    assert process.partial_kwargs["auto_remove"] == "success"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda text: text.replace("calibration : sigma", "calibration : sigmaX"), "calibration"),
        (lambda text: text.replace("tiles : 32NNJ", "tiles : 32NNI"), "32NNI"),
        (lambda text: text.replace("schedule", "x") + "schedule : @daily\n", "schedule"),
    ],
)
def test_broken_request_file_gives_one_clear_import_error(request_file, edit, expected) -> None:
    cfg = request_file()
    cfg.write_text(edit(cfg.read_text()))
    bag = _bag(cfg)
    assert bag.dags == {}
    assert list(bag.import_errors) == [str(DAG_FILE)]
    message = bag.import_errors[str(DAG_FILE)]
    assert "ConfigError" in message and expected in message


def test_missing_config_variable_is_named() -> None:
    bag = _bag(None)
    assert "S1OPS_CONFIG" in bag.import_errors[str(DAG_FILE)]


def _dags_built(config: Path, dag_id: str | None) -> list[str]:
    """The DAG ids the DAG file defines in a fresh interpreter, as a worker running ``dag_id``."""
    code = (
        "import runpy\n"
        f"g = runpy.run_path({str(DAG_FILE)!r})\n"
        "print(' '.join(k for k in g if k.startswith('s1tiling_')))\n"
    )
    env = {**os.environ, "S1OPS_CONFIG": str(config)}
    if dag_id:
        env["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = dag_id
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def test_a_worker_builds_only_its_dag_among_1000_tiles(request_file) -> None:
    # Timings: bench/bench_dag_parse.py.
    from s1ops.grid import enumerate_tile_ids

    tiles = enumerate_tile_ids()[:1000]
    cfg = request_file()
    cfg.write_text(cfg.read_text().replace("tiles : 32NNJ", "tiles : " + ", ".join(tiles)))
    assert _dags_built(cfg, f"s1tiling_{tiles[500]}") == [f"s1tiling_{tiles[500]}"]
    assert _dags_built(cfg, "s1tiling_maintenance") == ["s1tiling_maintenance"]
    assert len(_dags_built(cfg, None)) == 1001
