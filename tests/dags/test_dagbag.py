"""The DAG files: one DAG per tile plus maintenance, over the shard files; structure, errors.

Which shard builds which tile (pure): tests/plugins/test_shards.py. Parse
times: bench/bench_dag_parse.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable
from s1ops_airflow.factory import MAINTENANCE_DAG_ID, build_dags
from s1ops_airflow.shards import SHARD_COUNT, shard_file_name, shard_of

from tests import airflow_session as session

TILES = ["32NNJ", "33NWB", "31TCJ"]
DAG_FOLDER = session.REPO / "dags"
DAG_FILES = sorted(str(path) for path in DAG_FOLDER.glob("*.py"))
MAINTENANCE_FILE = "s1tiling_maintenance.py"


def _with_tiles(cfg: Path, tiles: list[str]) -> Path:
    cfg.write_text(cfg.read_text().replace("tiles : 32NNJ", "tiles : " + ", ".join(tiles)))
    return cfg


def _bag(config: Path | str | None) -> DagBag:
    if config is None:
        os.environ.pop("S1OPS_CONFIG", None)
    else:
        os.environ["S1OPS_CONFIG"] = str(config)
    return DagBag(dag_folder=str(DAG_FOLDER))


def test_one_dag_per_tile_and_maintenance(request_file) -> None:
    bag = _bag(_with_tiles(request_file(), TILES))
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted([f"s1tiling_{t}" for t in TILES] + ["s1tiling_maintenance"])


def test_the_shard_files_build_what_one_file_built(request_file) -> None:
    from s1ops.grid import enumerate_tile_ids

    tiles = enumerate_tile_ids()[:200]
    cfg = _with_tiles(request_file(), tiles)
    bag = _bag(cfg)
    assert bag.import_errors == {}
    # Exactly the DAG ids of the former single file (build_dags: every DAG in one go).
    assert sorted(bag.dags) == sorted(build_dags(str(cfg)))
    # Each tile DAG in the file of its shard; the maintenance DAG in its own file.
    files = {dag_id: Path(dag.fileloc).name for dag_id, dag in bag.dags.items()}
    assert files.pop(MAINTENANCE_DAG_ID) == MAINTENANCE_FILE
    assert files == {f"s1tiling_{t}": shard_file_name(shard_of(t)) for t in tiles}
    # Spread over every shard file (what [dag_processor] parsing_processes runs in parallel).
    assert len(set(files.values())) == SHARD_COUNT


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
def test_broken_request_file_gives_a_clear_import_error_in_each_file(
    request_file, edit, expected
) -> None:
    cfg = request_file()
    cfg.write_text(edit(cfg.read_text()))
    bag = _bag(cfg)
    assert bag.dags == {}
    # One per file (every shard and the maintenance file), each naming file and key.
    assert sorted(bag.import_errors) == DAG_FILES
    for message in bag.import_errors.values():
        assert "ConfigError" in message and expected in message and str(cfg) in message


def test_missing_config_variable_is_named() -> None:
    bag = _bag(None)
    assert sorted(bag.import_errors) == DAG_FILES
    assert all("S1OPS_CONFIG" in message for message in bag.import_errors.values())


def _dags_built(config: Path | str, dag_id: str | None) -> dict[str, list[str] | str]:
    """What each DAG file defines in a fresh interpreter, as a worker running ``dag_id``.

    File name -> its DAG ids, or its error's message.
    """
    code = (
        "import json, runpy, sys, traceback\n"
        "built = {}\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        g = runpy.run_path(path)\n"
        "    except Exception as exc:\n"
        "        built[path] = ''.join(traceback.format_exception_only(exc))\n"
        "    else:\n"
        "        built[path] = [k for k in g if k.startswith('s1tiling_')]\n"
        "print(json.dumps(built))\n"
    )
    env = {**os.environ, "S1OPS_CONFIG": str(config)}
    if dag_id:
        env["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = dag_id
    out = subprocess.run(
        [sys.executable, "-c", code, *DAG_FILES],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    built = json.loads(out.splitlines()[-1])
    return {Path(path).name: value for path, value in built.items()}


def test_a_worker_builds_only_its_dag_in_its_file_among_1000_tiles(request_file) -> None:
    # Timings: bench/bench_dag_parse.py.
    from s1ops.grid import enumerate_tile_ids

    tiles = enumerate_tile_ids()[:1000]
    cfg = _with_tiles(request_file(), tiles)
    tile = tiles[500]
    owner = shard_file_name(shard_of(tile))
    expected = {Path(path).name: [] for path in DAG_FILES}
    assert _dags_built(cfg, f"s1tiling_{tile}") == {**expected, owner: [f"s1tiling_{tile}"]}
    assert _dags_built(cfg, MAINTENANCE_DAG_ID) == {
        **expected,
        MAINTENANCE_FILE: [MAINTENANCE_DAG_ID],
    }
    assert sum(len(ids) for ids in _dags_built(cfg, None).values()) == 1001


def test_the_other_files_do_not_even_read_the_request_file_for_a_worker(tmp_path: Path) -> None:
    # Only the owner file reads it: here it is missing, and the error is the owner's alone.
    missing = tmp_path / "missing.cfg"
    errors = {
        name: value for name, value in _dags_built(missing, "s1tiling_33NWB").items() if value != []
    }
    assert list(errors) == [shard_file_name(shard_of("33NWB"))]
    assert str(missing) in errors[shard_file_name(shard_of("33NWB"))]


@pytest.mark.parametrize("calibration", ["normlim", "gamma_naught_rtc"])
def test_a_terrain_calibrated_tile_dag_makes_its_maps_before_the_polarisations(
    request_file, calibration: str
) -> None:
    cfg = request_file()
    text = cfg.read_text()
    assert "calibration : sigma" in text
    cfg.write_text(text.replace("calibration : sigma", f"calibration : {calibration}"))
    bag = _bag(cfg)
    assert bag.import_errors == {}
    dag = bag.dags["s1tiling_32NNJ"]
    terrain = dag.task_dict["terrain"]
    assert terrain.upstream_task_ids == {"plan", "fetch"}
    assert terrain.trigger_rule == "all_done"
    assert terrain.pool == "s1ops_otb"
    for pol in ("vv", "vh"):
        assert dag.task_dict[f"{pol}.select"].upstream_task_ids == {"plan", "fetch", "terrain"}
