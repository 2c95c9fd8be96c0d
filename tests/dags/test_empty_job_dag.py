"""A tile's DAG run where some mapped process tasks are empty (issue 22): the run succeeds,
the empty tasks are skipped with their reason, publish counts them, the Asset event does
not list them.

Products on disk (download off): an IPF 002.72 product with a ragged top, cut to
nothing over 32NNJ by S1Tiling's border heuristic, on 3 January 2020, and a
product with data on 9 January. One run covers both days (lookback).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from airflow.utils.state import DagRunState, TaskInstanceState

from s1ops.grid import parse_tile_id
from s1ops.outputs.empty import read_empty_record
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from s1ops.testing.synth_safe import SynthSpec, make_product
from tests import airflow_session as session

pytestmark = pytest.mark.slow

TILE = "32NNJ"
EMPTY_DAY = "s1a_32NNJ_{pol}_DES_051_20200103t050546"
FULL_DAY = "s1b_32NNJ_{pol}_DES_051_20200109t050546"


def _request(root: Path) -> Path:
    specs = [
        SynthSpec(start=datetime(2020, 1, 3, 5, 5, 46), cut_top=True, seed=1),
        SynthSpec(start=datetime(2020, 1, 9, 5, 5, 46), unit="S1B", ipf_version="003.10", seed=3),
    ]
    for spec in specs:
        make_product(spec, root / "s1")
    make_flat_dem(parse_tile_id(TILE).footprint_lonlat().buffer(0.2), root / "dem", arcsec=3)
    return write_request(
        root / REQUEST_NAME,
        RequestPaths(root / "out", root / "s1", root / "dem", root / "tmp", session.GEOID),
        tiles=TILE,
        data_source={"first_date": date(2020, 1, 1), "last_date": date(2020, 1, 10)},
        mask={"generate_border_mask": True},
        processing={"output_spatial_resolution": 100, "orthorectification_gridspacing": 400},
        airflow={"retries": 0, "lookback_days": 7},
    )


def _task(run, task_id: str):
    return next(t for t in run.get_task_instances() if t.task_id == task_id)


def test_empty_jobs_are_skipped_with_their_reason_and_counted_by_publish(
    airflow_db, tmp_path: Path
) -> None:
    cfg = _request(tmp_path)
    dag = session.load_dags(cfg)[f"s1tiling_{TILE}"]
    out = tmp_path / "out" / TILE

    run = dag.test(logical_date=datetime(2020, 1, 10, tzinfo=UTC))

    assert run.state == DagRunState.SUCCESS
    states = sorted(
        (ti.task_id, ti.state) for ti in run.get_task_instances() if ti.task_id.endswith("process")
    )
    assert states == [
        ("vh.process", TaskInstanceState.SKIPPED),
        ("vh.process", TaskInstanceState.SUCCESS),
        ("vv.process", TaskInstanceState.SKIPPED),
        ("vv.process", TaskInstanceState.SUCCESS),
    ]
    assert _task(run, "publish").state == TaskInstanceState.SUCCESS
    published = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    expected = [
        f"{FULL_DAY.format(pol=pol)}{suffix}.tif"
        for pol in ("vh", "vv")
        for suffix in ("", "_BorderMask")
    ]
    assert published == expected
    summary = _task(run, "publish").xcom_pull(task_ids="publish")
    assert sorted(Path(p).name for p in summary["outputs"]) == expected
    assert sorted(Path(p).name for p in summary["new"]) == expected  # the Asset event's list
    empty_ids = [EMPTY_DAY.format(pol=p) for p in ("vh", "vv")]
    assert sorted(summary["empty"]) == empty_ids
    for job_id in empty_ids:
        record = read_empty_record(out / f"{job_id}.tif")
        assert record is not None and summary["empty"][job_id] == record.reason
        assert record.reason.startswith("no valid pixel over 32NNJ: IPF 002.72 border cut")

    # The next run plans the empty days as done: nothing processed again.
    again = dag.test(logical_date=datetime(2020, 1, 10, tzinfo=UTC))
    assert again.state == DagRunState.SUCCESS
    plan = _task(again, "plan").xcom_pull(task_ids="plan", key="plan")
    assert plan["counts"]["empty"] == 2 and plan["counts"]["todo"] == 0
    assert sorted(_task(again, "publish").xcom_pull(task_ids="publish")["empty"]) == empty_ids
