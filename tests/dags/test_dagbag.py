"""The DAG file: one DAG per tile plus maintenance, their structure, errors, parse time."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import airflow_session as session
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable

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
    assert [o.uri for o in dag.task_dict["publish"].outlets] == [
        f"file://{request_file().parent / 'out' / '32NNJ'}"
    ]


def test_maintenance_dag_structure(request_file) -> None:
    dag = _bag(request_file()).dags["s1tiling_maintenance"]
    assert dag.task_dict["report"].upstream_task_ids == {
        "purge_s1_cache",
        "clean_temporary",
        "clean_download_records",
    }


def test_docker_runner_uses_docker_operator(request_file) -> None:
    dag = _bag(request_file(runner="docker", image="s1ops:test")).dags["s1tiling_32NNJ"]
    process = dag.task_dict["vv.process"]
    assert process.operator_name == "LeasedDockerOperator"
    assert process.partial_kwargs["image"] == "s1ops:test"
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


def _parse_seconds(config: Path, dag_id: str | None) -> float:
    """Seconds to import the DAG file in a fresh interpreter (Airflow already imported)."""
    code = (
        "import time, runpy, airflow.sdk, s1ops_airflow.factory\n"
        "t = time.perf_counter()\n"
        f"g = runpy.run_path({str(DAG_FILE)!r})\n"
        "print(time.perf_counter() - t, sum(k.startswith('s1tiling_') for k in g))\n"
    )
    env = {**os.environ, "S1OPS_CONFIG": str(config)}
    if dag_id:
        env["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = dag_id
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1])


def test_a_worker_parses_only_its_dag_among_1000_tiles(request_file, tmp_path: Path) -> None:
    from s1ops.errors import TileIdError
    from s1ops.grid import parse_tile_id

    tiles: list[str] = []
    for zone, band, column, row in itertools.product(
        range(29, 36), "NPQ", "ABCDEFGHJKLMNPQRSTUVWXYZ", "ABCDEFGHJKLMNPQRSTUV"
    ):
        try:
            tiles.append(parse_tile_id(f"{zone:02d}{band}{column}{row}").tile_id)
        except TileIdError:
            continue
    tiles = list(dict.fromkeys(tiles))[:1000]
    assert len(tiles) == 1000
    cfg = request_file()
    cfg.write_text(cfg.read_text().replace("tiles : 32NNJ", "tiles : " + ", ".join(tiles)))
    seconds, count = _parse_seconds(cfg, f"s1tiling_{tiles[500]}")
    assert count == 1
    assert seconds < 2.0, f"a worker took {seconds:.2f} s to build its DAG"
