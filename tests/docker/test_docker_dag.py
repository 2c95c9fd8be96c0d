"""A tile's DAG with ``[Airflow] runner = docker``: processing tasks are
DockerOperator tasks running ``s1ops process`` in the image.

Same synthetic products, catalogue and request as tests/dags/test_tile_dag.py
(one product over 32NNJ on 2015-12-15, processed at 100 m); the other tasks
(plan, fetch, select, publish) run on the worker as with the local runner.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.utils.state import DagRunState, TaskInstanceState

from s1ops.testing.compare import output_differences
from s1ops.testing.containers import Engine
from tests import airflow_session as session

pytestmark = [pytest.mark.docker, pytest.mark.slow]

AFTER_SINGLE = datetime(2015, 12, 16, tzinfo=UTC)  # covers 2015-12-15 (and lookback days)
TILE_DAG = "s1tiling_32NNJ"


def _run(folder: Path, dem_dir: Path, eodag_config: Path, **airflow: object):
    folder.mkdir()
    cfg = session.write_request(folder, dem_dir, eodag_config, **airflow)
    dag = session.load_dags(cfg)[TILE_DAG]
    return dag.test(logical_date=AFTER_SINGLE)


def _states(run) -> dict[str, str]:
    return {f"{ti.task_id}[{ti.map_index}]": ti.state for ti in run.get_task_instances()}


def _docker(engine: Engine) -> dict[str, str]:
    return {"runner": "docker", "image": engine.image, "docker_url": engine.host}


def test_the_docker_runner_gives_the_local_runners_outputs(
    airflow_db, synthetic, eodag_config, stac, engine: Engine, tmp_path: Path
) -> None:
    local = _run(tmp_path / "local", synthetic / "dem", eodag_config)
    docker = _run(tmp_path / "docker", synthetic / "dem", eodag_config, **_docker(engine))

    assert local.state == docker.state == DagRunState.SUCCESS
    states = _states(docker)
    assert states["vv.process[0]"] == states["vh.process[0]"] == TaskInstanceState.SUCCESS
    tifs = sorted(p.name for p in (tmp_path / "docker" / "out").rglob("*.tif"))
    assert len(tifs) == 4, tifs  # vv, vh, and their border masks
    assert output_differences(tmp_path / "local" / "out", tmp_path / "docker" / "out") == []
    # publish read the containers' JSON results (their last log line).
    published = next(t for t in docker.get_task_instances() if t.task_id == "publish")
    new = published.xcom_pull(task_ids="publish")["new"]
    assert sorted(Path(p).name for p in new) == tifs


def test_a_failing_container_fails_the_task_with_its_log(
    airflow_db,
    synthetic,
    eodag_config,
    stac,
    engine: Engine,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    empty_dem = tmp_path / "no-dem"
    empty_dem.mkdir()
    listed = ["ps", "-aq", "--filter", "label=s1ops=process"]
    before = set(engine.run(listed, check=True).stdout.split())

    run = _run(tmp_path / "run", empty_dem, eodag_config, **_docker(engine))

    # The containers are gone (their log is in the task log).
    assert set(engine.run(listed, check=True).stdout.split()) <= before

    assert run.state == DagRunState.FAILED
    states = _states(run)
    assert states["vv.process[0]"] == TaskInstanceState.FAILED
    assert states["fetch[0]"] == TaskInstanceState.SUCCESS
    # The container's stderr, streamed into the task's log (dag.test prints it) as it ran.
    task_log = capfd.readouterr().out
    error = f"s1ops process: error: DEM folder {empty_dem} lacks 4 cell(s)"
    # Streamed by the operator itself (its logger is named after its class).
    operator = "DockerProcessJobOperator"
    assert any(error in line and operator in line for line in task_log.splitlines())
    assert "DockerContainerFailedException" in task_log
    assert list((tmp_path / "run" / "out").rglob("*.tif")) == []
