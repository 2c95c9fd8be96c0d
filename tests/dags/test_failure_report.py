"""A tile's DAG run that fails in OTB is summarised with its reason afterwards (issue 22,
part 4): the failed process tasks keep their one-line reason, and the failure report
lists each distinct reason with the task instances it failed, from the database alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from airflow.utils.state import DagRunState, TaskInstanceState
from s1ops_airflow.failures import by_reason, failed_tasks, failure_report

from s1ops.grid import parse_tile_id
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from s1ops.testing.synth_safe import SynthSpec, make_product
from tests import airflow_session as session

pytestmark = pytest.mark.slow

TILE = "32NNJ"
DAY = date(2020, 1, 9)


def _broken_request(root: Path) -> Path:
    """One product on disk whose calibration annotations OTB cannot read (every check
    before OTB passes)."""
    spec = SynthSpec(start=datetime(2020, 1, 9, 5, 5, 46), unit="S1B", ipf_version="003.10")
    safe = make_product(spec, root / "s1")
    for calibration in safe.glob("annotation/calibration/calibration-*.xml"):
        calibration.write_text("<calibration/>\n")
    make_flat_dem(parse_tile_id(TILE).footprint_lonlat().buffer(0.2), root / "dem", arcsec=3)
    return write_request(
        root / REQUEST_NAME,
        RequestPaths(root / "out", root / "s1", root / "dem", root / "tmp", session.GEOID),
        tiles=TILE,
        data_source={"first_date": DAY, "last_date": DAY},
        processing={"output_spatial_resolution": 100, "orthorectification_gridspacing": 400},
        airflow={"retries": 0, "lookback_days": 1},
    )


def test_a_failed_run_is_reported_with_its_reason(airflow_db, tmp_path: Path) -> None:
    dag = session.load_dags(_broken_request(tmp_path))[f"s1tiling_{TILE}"]
    run = dag.test(logical_date=datetime(2020, 1, 10, tzinfo=UTC))
    assert run.state == DagRunState.FAILED
    process = [ti for ti in run.get_task_instances() if ti.task_id.endswith("process")]
    assert {ti.state for ti in process} == {TaskInstanceState.FAILED}

    failed = failed_tasks(date(2020, 1, 10), date(2020, 1, 10), dag_prefix=dag.dag_id)
    assert sorted(t.task_id for t in failed) == ["vh.process", "vv.process"]
    for task in failed:
        assert task.run_id == run.run_id
        assert "OTB step 'orthorectification' failed on s1b-iw-grd-" in task.reason
        assert "No information in the metadata" in task.reason
    assert len(by_reason(failed)) == 2  # one reason per polarisation: its own input
    report = failure_report(failed)
    assert report.count("1 failed: OTB step 'orthorectification' failed on s1b-iw-grd-") == 2
    assert "vv.process[0] (job s1b_32NNJ_vv_DES_" in report
    assert f"{dag.dag_id}/{run.run_id}/vv.process" in report
    # Another range: nothing.
    assert failed_tasks(date(2020, 2, 1), date(2020, 2, 2)) == []
