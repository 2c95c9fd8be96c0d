"""Run windows, run parameters and the jobs/products of a run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from s1ops.errors import RunParamsError
from s1ops.planning.jobs import PlanResult, TileJob
from s1ops.planning.runs import (
    RunRequest,
    jobs_to_run,
    products_to_fetch,
    run_request,
    run_window,
    split_by_polarisation,
    with_local_products,
)

P1 = "S1A_IW_GRDH_1SDV_20151227T050546_20151227T050615_009223_00D5EE_72C3"
P2 = "S1A_IW_GRDH_1SDV_20151227T050611_20151227T050640_009223_00D5EE_81A9"


def _job(status: str, pol: str = "vv", paths: tuple = ("/c/a.SAFE", None)) -> TileJob:
    return TileJob(
        tile_id="32NNJ",
        polarisation=pol,
        day=date(2015, 12, 27),
        unit="S1A",
        relative_orbit=51,
        orbit_direction="DES",
        product_ids=(P1, P2),
        coverage_pct=100.0,
        output_path=f"/o/32NNJ/s1a_32NNJ_{pol}_DES_051_20151227txxxxxx.tif",
        mask_path=None,
        produced=status == "done",
        status=status,
        product_paths=paths,
        waiting_for=(P2,) if status == "waiting" else (),
    )


def test_a_daily_run_covers_its_day_and_the_lookback() -> None:
    start, end = datetime(2015, 12, 27, tzinfo=UTC), datetime(2015, 12, 28, tzinfo=UTC)
    kwargs = {"first_date": date(2015, 1, 1), "last_date": date(2016, 1, 1)}
    assert run_window(start, end, lookback_days=3, **kwargs) == (
        date(2015, 12, 24),
        date(2015, 12, 27),
    )
    assert run_window(start, end, lookback_days=0, **kwargs) == (date(2015, 12, 27),) * 2
    # An empty interval (start == end) still covers its day.
    assert run_window(start, start, lookback_days=0, **kwargs) == (date(2015, 12, 27),) * 2


def test_the_window_is_clipped_to_the_request_dates() -> None:
    start, end = datetime(2015, 12, 2, tzinfo=UTC), datetime(2015, 12, 3, tzinfo=UTC)
    first, last = run_window(
        start, end, lookback_days=5, first_date=date(2015, 12, 1), last_date=date(2015, 12, 1)
    )
    assert (first, last) == (date(2015, 12, 1), date(2015, 12, 1))
    empty = run_window(
        start, end, lookback_days=0, first_date=date(2015, 12, 10), last_date=date(2015, 12, 31)
    )
    assert RunRequest(*empty).empty


def test_params_override_the_window_and_are_validated() -> None:
    window = (date(2015, 12, 24), date(2015, 12, 27))
    pols = ("vv", "vh")
    assert run_request({}, window=window, polarisations=pols) == RunRequest(*window, False, pols)
    request = run_request(
        {"first_date": "2015-12-01", "force": True, "polarisations": ["VH"]},
        window=window,
        polarisations=pols,
    )
    assert request == RunRequest(date(2015, 12, 1), date(2015, 12, 27), True, ("vh",))
    for params, name in [
        ({"first_date": "2015-13-01"}, "first_date"),
        ({"first_date": "2015-12-20", "last_date": "2015-12-10"}, "last_date"),
        ({"force": "yes"}, "force"),
        ({"polarisations": ["hh"]}, "polarisations"),
    ]:
        with pytest.raises(RunParamsError) as info:
            run_request(params, window=window, polarisations=pols)
        assert info.value.param == name


def test_jobs_and_products_of_a_run() -> None:
    plan = PlanResult(
        "32NNJ",
        date(2015, 12, 24),
        date(2015, 12, 27),
        (_job("todo"), _job("waiting", "vh"), _job("done", "vv", ("/c/a.SAFE", "/c/b.SAFE"))),
    )
    normal = RunRequest(date(2015, 12, 24), date(2015, 12, 27))
    assert [j.status for j in jobs_to_run(plan, normal)] == ["todo", "waiting"]
    forced = RunRequest(date(2015, 12, 24), date(2015, 12, 27), force=True, polarisations=("vv",))
    assert [j.status for j in jobs_to_run(plan, forced)] == ["todo", "done"]
    assert products_to_fetch(jobs_to_run(plan, normal)) == [P2]
    groups = split_by_polarisation(jobs_to_run(plan, normal), ("vv", "vh", "hh"))
    assert {k: len(v) for k, v in groups.items()} == {"vv": 1, "vh": 1, "hh": 0}


def test_a_waiting_job_becomes_runnable_when_its_products_are_in_the_cache(
    tmp_path: Path,
) -> None:
    (tmp_path / f"{P1}.SAFE").mkdir()
    job, missing = with_local_products(_job("waiting", paths=(None, None)), tmp_path)
    assert missing == (P2,) and job.status == "waiting"
    (tmp_path / f"{P2}.SAFE").mkdir()
    job, missing = with_local_products(job, tmp_path)
    assert missing == ()
    assert job.status == "todo"
    assert job.product_paths == (str(tmp_path / f"{P1}.SAFE"), str(tmp_path / f"{P2}.SAFE"))
