"""Run windows, run parameters and the jobs/products of a run: what the DAG's tasks call."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from s1ops.config.request import load_config
from s1ops.errors import ContractError, RunParamsError
from s1ops.planning.jobs import PlanResult, TileJob
from s1ops.planning.runs import (
    RunOutputs,
    RunPlan,
    RunRequest,
    jobs_to_run,
    plan_for_run,
    products_to_fetch,
    run_outputs,
    run_request,
    run_window,
    select_jobs,
    with_local_products,
)
from s1ops.processing.job import JobResult
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import P1_ID, P2_COORDS, P2_ID, SafeSpec, build_safe_dir

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


def test_a_run_request_crosses_as_json_and_back_checked() -> None:
    request = RunRequest(date(2015, 12, 24), date(2015, 12, 27), True, ("vh",))
    assert RunRequest.from_dict(json.loads(json.dumps(request.to_dict()))) == request
    for field, value in [
        ("first_date", "2015-12-32"),
        ("force", "true"),
        ("polarisations", ["VV"]),
        ("polarisations", []),
    ]:
        with pytest.raises(ContractError) as info:
            RunRequest.from_dict(request.to_dict() | {field: value})
        assert (info.value.contract, info.value.field) == ("RunRequest", field)
    with pytest.raises(ContractError, match=r"RunRequest\.last_date is missing"):
        RunRequest.from_dict({"first_date": "2015-12-24", "force": False})


# --- a run's plan, its selected jobs and its outputs, on a cache of pixel-less SAFEs --------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A request over 33NWB (1-10 January 2020, lookback 3 days) and the 8 January pair:
    P1 as a SAFE folder; P2, the pair's other half, not on disk."""
    build_safe_dir(tmp_path / "s1")
    return write_request(
        tmp_path / REQUEST_NAME,
        RequestPaths.under(tmp_path),
        tiles="33NWB",
        mask={"generate_border_mask": True},
        airflow={"lookback_days": 3},
    )


def _p2_online() -> ProductRecord:
    footprint = parse_footprint(P2_COORDS)
    return ProductRecord(ProductId.parse(P2_ID), footprint, 7, "DES", ("vv", "vh"), "online")


def _day(day: int) -> datetime:
    return datetime(2020, 1, day, tzinfo=UTC)


def test_a_scheduled_run_plans_its_interval_and_lookback(site: Path) -> None:
    cfg = load_config(site)
    run = plan_for_run(cfg, "33NWB", _day(8), _day(9), {}, records=[_p2_online()])
    assert run.request == RunRequest(date(2020, 1, 5), date(2020, 1, 8), False, ("vv", "vh"))
    assert [(j.polarisation, j.status) for j in run.plan.jobs] == [("vv", "todo"), ("vh", "todo")]
    assert run.plan.jobs[0].product_ids == (P1_ID, P2_ID)
    assert run.fetch == (P2_ID,)
    # The pair's day, 4 days before the interval: in the window with 4 days of lookback only
    # (the window is clipped to the request's last day, 10 January).
    later = plan_for_run(cfg, "33NWB", _day(12), _day(13), {}, records=[_p2_online()])
    assert (later.request.first_date, later.request.last_date) == (_day(9).date(), _day(10).date())
    assert later.plan.jobs == () and later.fetch == ()
    wider = plan_for_run(
        cfg, "33NWB", _day(12), _day(13), {}, lookback_days=4, records=[_p2_online()]
    )
    assert wider.request.first_date == date(2020, 1, 8)
    assert [j.output_path for j in wider.plan.jobs] == [j.output_path for j in run.plan.jobs]
    assert wider.fetch == (P2_ID,)


def test_a_run_after_the_request_dates_plans_nothing(site: Path) -> None:
    run = plan_for_run(load_config(site), "33NWB", _day(20), _day(21), {})
    assert run.empty and run.plan.jobs == () and run.fetch == ()
    assert RunPlan.from_dict(json.loads(json.dumps(run.to_dict()))) == run


def test_a_manual_runs_params_narrow_force_and_are_checked(site: Path) -> None:
    cfg = load_config(site)
    params = {"first_date": "2020-01-07", "polarisations": ["VH"], "force": True}
    run = plan_for_run(cfg, "33NWB", _day(8), _day(9), params, records=[_p2_online()])
    assert run.request == RunRequest(date(2020, 1, 7), date(2020, 1, 8), True, ("vh",))
    assert [j.polarisation for j in run.plan.jobs] == ["vh"]
    assert run.fetch == (P2_ID,)
    for bad in ({"polarisations": "hh"}, {"first_date": "2020-01-09", "last_date": "2020-01-02"}):
        with pytest.raises(RunParamsError):
            plan_for_run(cfg, "33NWB", _day(8), _day(9), bad)


def test_the_run_plan_is_the_plan_with_its_request_and_fetch_list(site: Path) -> None:
    run = plan_for_run(load_config(site), "33NWB", params={}, records=[_p2_online()])
    data = json.loads(json.dumps(run.to_dict()))
    # Without an interval: the request's whole date range, as `s1ops plan` always did.
    assert (data["first_date"], data["last_date"]) == ("2020-01-01", "2020-01-10")
    assert PlanResult.from_dict(data) == run.plan
    assert data["request"] == run.request.to_dict() and data["fetch"] == [P2_ID]
    assert RunPlan.from_dict(data) == run
    with pytest.raises(ContractError, match=r"RunPlan.request RunRequest.force = 'no'"):
        RunPlan.from_dict(data | {"request": data["request"] | {"force": "no"}})


def test_select_keeps_one_polarisations_jobs_whose_products_are_on_disk(site: Path) -> None:
    cfg = load_config(site)
    run = plan_for_run(cfg, "33NWB", _day(8), _day(9), {}, records=[_p2_online()])
    s1 = cfg.paths.s1_images
    # P2 did not come: the day waits for a later run, no partial image.
    assert select_jobs(run.plan, run.request, "vv", s1) == []
    p2 = build_safe_dir(s1, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    (vv,) = select_jobs(run.plan, run.request, "vv", s1)
    assert vv.polarisation == "vv" and vv.status == "todo"
    assert vv.product_paths == (str(s1 / f"{P1_ID}.SAFE"), str(p2))
    assert [j.polarisation for j in select_jobs(run.plan, run.request, "vh", s1)] == ["vh"]
    assert select_jobs(run.plan, replace(run.request, polarisations=("vv",)), "vh", s1) == []


def test_run_outputs_lists_what_exists_and_what_the_run_made(site: Path) -> None:
    cfg = load_config(site)
    plan = plan_for_run(cfg, "33NWB", records=[_p2_online()]).plan
    vv, vh = plan.jobs
    Path(vv.output_path).parent.mkdir(parents=True)
    for path in (vv.output_path, vv.mask_path, vh.output_path):
        Path(str(path)).write_bytes(b"")
    results = [
        JobResult(vv.job_id, vv.output_path, vv.mask_path, False, 1.5),
        JobResult(vh.job_id, vh.output_path, None, True, 0.0),
    ]
    found = run_outputs("33NWB", plan, results)
    assert found.outputs == tuple(sorted([vv.output_path, str(vv.mask_path), vh.output_path]))
    assert found.new == tuple(sorted([vv.output_path, str(vv.mask_path)]))
    assert found.to_dict() == {
        "tile_id": "33NWB",
        "outputs": [*found.outputs],
        "new": [*found.new],
        "empty": {},
    }
    assert run_outputs("33NWB", None, []) == RunOutputs("33NWB", (), ())


def test_a_product_on_disk_only_as_a_zip_is_fetched_to_be_unzipped() -> None:
    zipped = _job("todo", paths=(f"/c/{P1}.zip", f"/c/{P2}.SAFE"))
    assert products_to_fetch([zipped]) == [P1]
    assert products_to_fetch([_job("todo", paths=(f"/c/{P1}.SAFE", f"/c/{P2}.SAFE"))]) == []
