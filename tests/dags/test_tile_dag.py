"""A tile's DAG end to end with dag.test(): local runner, synthetic products, local STAC API.

Products are searched in the catalogue and downloaded (``download = True``);
processing runs at 100 m, so a job takes a second or two.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.utils.state import DagRunState, TaskInstanceState

from s1ops.outputs.geotiff import read_tags
from s1ops.testing.stac_failures import FailureMode
from tests import airflow_session as session

pytestmark = pytest.mark.slow

# A run at midnight covers the day before (its data interval), and lookback_days more.
AFTER_SINGLE = datetime(2015, 12, 16, tzinfo=UTC)
AFTER_PAIR = datetime(2015, 12, 28, tzinfo=UTC)
DAY_SINGLE = "s1a_32NNJ_{pol}_DES_051_20151215t050546"
DAY_PAIR = "s1a_32NNJ_{pol}_DES_051_20151227txxxxxx"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _expected(pattern: str) -> list[str]:
    return sorted(
        f"{pattern.format(pol=pol)}{suffix}.tif"
        for pol in ("vv", "vh")
        for suffix in ("", "_BorderMask")
    )


def _states(run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def _publish(run) -> dict:
    ti = next(t for t in run.get_task_instances() if t.task_id == "publish")
    return ti.xcom_pull(task_ids="publish")


def _plan_xcoms(run) -> dict:
    """The plan task's three XComs, as one document (``RunPlan.to_dict``'s shape)."""
    ti = next(t for t in run.get_task_instances() if t.task_id == "plan")
    return {
        **ti.xcom_pull(task_ids="plan", key="plan"),
        "request": ti.xcom_pull(task_ids="plan", key="request"),
        "fetch": ti.xcom_pull(task_ids="plan"),
    }


def _cli_plan(cfg: Path, run) -> dict:
    """``s1ops plan`` for the run's interval, as an operator reproduces it from a shell."""
    interval = [run.data_interval_start.isoformat(), run.data_interval_end.isoformat()]
    command = [sys.executable, "-m", "s1ops", "plan", str(cfg), "--tile", "32NNJ", "--search"]
    command += ["--interval-start", interval[0], "--interval-end", interval[1]]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_products_are_downloaded_processed_and_published_once(
    airflow_db, request_file, stac
) -> None:
    cfg = request_file()
    dag = session.load_dags(cfg)["s1tiling_32NNJ"]
    out = cfg.parent / "out" / "32NNJ"

    run = dag.test(logical_date=AFTER_SINGLE)
    assert run.state == DagRunState.SUCCESS
    assert _names(out) == _expected(DAY_SINGLE)
    assert (cfg.parent / "s1" / f"{session.SINGLE}.SAFE").is_dir()
    image = read_tags(out / f"{DAY_SINGLE.format(pol='vv')}.tif")
    assert image["S2_TILE_CORRESPONDING_CODE"] == "32NNJ"
    assert image["POLARIZATION"] == "vv"
    assert image["IMAGE_TYPE"] == "BACKSCATTERING"
    assert image["INPUT_S1_IMAGES"] == session.SINGLE
    mask = read_tags(out / f"{DAY_SINGLE.format(pol='vh')}_BorderMask.tif")
    assert mask["IMAGE_TYPE"] == "MASK"
    assert mask["POLARIZATION"] == "vh"
    states = _states(run)
    assert states[("vv.process", 0)] == TaskInstanceState.SUCCESS
    assert states[("vh.process", 0)] == TaskInstanceState.SUCCESS
    assert len(_publish(run)["new"]) == 4
    # publish catalogued both products (STAC: tests/s1ops/outputs/test_stac.py).
    items = sorted((cfg.parent / "out" / "stac" / "32NNJ").glob("*/*.json"))
    assert [p.stem for p in items] == sorted(DAY_SINGLE.format(pol=p) for p in ("vv", "vh"))
    assert all(
        sorted(json.loads(p.read_text())["assets"]) == ["backscatter", "mask"] for p in items
    )
    catalogued = {p: p.stat().st_mtime_ns for p in items}
    downloads = stac.stats().downloads

    # The same day again: planned as done, nothing fetched or processed.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = dag.test(logical_date=AFTER_SINGLE)
    assert again.state == DagRunState.SUCCESS
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert stac.stats().downloads == downloads
    assert _publish(again)["new"] == []
    assert {p: p.stat().st_mtime_ns for p in catalogued} == catalogued  # up to date: kept
    assert sorted(Path(p).name for p in _publish(again)["outputs"]) == _expected(DAY_SINGLE)
    # The shell reproduces the run's plan: same request, jobs and products to fetch.
    assert _cli_plan(cfg, again) == _plan_xcoms(again)
    assert TaskInstanceState.SUCCESS not in {
        s for (task, _), s in _states(again).items() if task.endswith("process")
    }


def test_an_offline_product_is_waited_for_then_processed(airflow_db, request_file, stac) -> None:
    stac.set_failure(session.SINGLE, FailureMode(offline_polls=4, order_required=True))
    cfg = request_file()
    dag = session.load_dags(cfg)["s1tiling_32NNJ"]

    run = dag.test(logical_date=AFTER_SINGLE)

    assert run.state == DagRunState.SUCCESS
    assert _names(cfg.parent / "out" / "32NNJ") == _expected(DAY_SINGLE)
    stats = stac.stats()
    assert stats.orders_by_product[session.SINGLE] == 1
    assert stats.polls_by_product[session.SINGLE] >= 4


def test_a_missing_pair_member_makes_the_day_wait_then_complete(
    airflow_db, request_file, stac
) -> None:
    late = session.PAIR[1]
    stac.set_failure(late, FailureMode(offline_polls=1000))
    # Wait at most ~2 s for a product in this test.
    cfg = request_file(download_timeout_hours=0.0005)
    dag = session.load_dags(cfg)["s1tiling_32NNJ"]
    out = cfg.parent / "out" / "32NNJ"

    first = dag.test(logical_date=AFTER_PAIR)

    # The online half was fetched, the offline half timed out: no partial image.
    assert first.state == DagRunState.SUCCESS
    states = _states(first)
    assert sorted(s for (task, _), s in states.items() if task == "fetch") == [
        TaskInstanceState.SKIPPED,
        TaskInstanceState.SUCCESS,
    ]
    assert _names(out) == []

    # Published later: the next day's run plans the day again (lookback) and completes it.
    stac.set_failure(late, FailureMode())
    second = dag.test(logical_date=datetime(2015, 12, 29, tzinfo=UTC))
    assert second.state == DagRunState.SUCCESS
    assert _names(out) == _expected(DAY_PAIR)
    tags = read_tags(out / f"{DAY_PAIR.format(pol='vv')}.tif")
    assert tags["INPUT_S1_IMAGES"] == ", ".join(session.PAIR)


def test_manual_params_are_validated(airflow_db, request_file) -> None:
    cfg = request_file()
    dag = session.load_dags(cfg)["s1tiling_32NNJ"]
    run = dag.test(
        logical_date=AFTER_SINGLE,
        run_conf={"first_date": "2015-12-20", "last_date": "2015-12-10"},
    )
    assert run.state == DagRunState.FAILED
    assert _states(run)[("plan", -1)] == TaskInstanceState.FAILED
    assert _names(cfg.parent / "out" / "32NNJ") == []


@pytest.mark.parametrize(
    ("calibration", "folder", "made", "suffix", "tags", "title"),
    [
        (
            "normlim",
            "_LIA",
            "sin_LIA_32NNJ_051.tif",
            "_NormLim",
            {"CALIBRATION": "Normlim", "LIA_FILE": "sin_LIA_32NNJ_051.tif"},
            "sigma0 normlim (beta0 x sin LIA)",
        ),
        (
            "gamma_naught_rtc",
            "_GAMMA_AREA",
            "GAMMA_AREA_32NNJ_051.tif",
            "_GammaNaughtRTC",
            {"CALIBRATION": "GammaNaughtRTC", "GAMMA_AREA_FILE": "GAMMA_AREA_32NNJ_051.tif"},
            "gamma0 terrain-flattened (sigma0 x pixel area / gamma area)",
        ),
    ],
)
def test_a_terrain_calibrated_run_makes_its_map_once_then_both_polarisations(
    airflow_db,
    request_file,
    stac,
    calibration: str,
    folder: str,
    made: str,
    suffix: str,
    tags: dict[str, str],
    title: str,
) -> None:
    cfg = request_file()
    cfg.write_text(cfg.read_text().replace("calibration : sigma", f"calibration : {calibration}"))
    dag = session.load_dags(cfg)["s1tiling_32NNJ"]
    out = cfg.parent / "out"

    run = dag.test(logical_date=AFTER_SINGLE)
    assert run.state == DagRunState.SUCCESS
    states = _states(run)
    assert states[("terrain", -1)] == TaskInstanceState.SUCCESS
    terrain = next(t for t in run.get_task_instances() if t.task_id == "terrain")
    assert terrain.xcom_pull(task_ids="terrain") == [51]  # made there, before the jobs
    assert states[("vv.process", 0)] == states[("vh.process", 0)] == TaskInstanceState.SUCCESS
    assert sorted(p.name for p in (out / folder).glob("*.tif")) == [made]
    assert _names(out / "32NNJ") == sorted(
        f"{DAY_SINGLE.format(pol=pol)}{suffix}{mask}.tif"
        for pol in ("vv", "vh")
        for mask in ("", "_BorderMask")
    )
    image = read_tags(out / "32NNJ" / f"{DAY_SINGLE.format(pol='vh')}{suffix}.tif")
    assert {key: image[key] for key in tags} == tags
    assert len(_publish(run)["new"]) == 4
    item = json.loads(next((out / "stac" / "32NNJ").glob("*vh*/*.json")).read_text())
    assert item["properties"]["title"] == f"{title} VH over 32NNJ"
