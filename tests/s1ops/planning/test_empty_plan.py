"""Planning reads the records of empty jobs (``s1ops.outputs.empty``): done-empty, not redone."""

from __future__ import annotations

import json
from pathlib import Path

from s1ops.outputs.empty import (
    ValidCount,
    empty_record_name,
    new_record,
    write_empty_record,
)
from s1ops.planning.jobs import PlanResult
from s1ops.planning.runs import RunRequest, jobs_to_run, run_outputs
from s1ops.planning.tile import existing_outputs, plan_tile
from s1ops.processing.job import JobResult
from tests.s1ops.planning.test_tile import JAN, P1_ID, R1, TILE

NO_PIXEL = ValidCount(0, 100)
REASON = "no valid pixel over 33NWB: IPF 002.72 border cut blanks 1 000 columns on each side"


def _record_empty(image: str, count: ValidCount = NO_PIXEL, minimum: float = 0.0):
    record = new_record(
        Path(image).stem, REASON, count, min_valid_fraction=minimum, product_ids=[P1_ID]
    )
    write_empty_record(image, record)


def _plan(out: Path, **kwargs) -> PlanResult:
    existing = existing_outputs(out, TILE.tile_id)
    return plan_tile([R1], TILE, JAN, output_dir=out, existing=existing, **kwargs)


def test_a_recorded_empty_job_plans_as_done_empty_and_force_redoes_it(tmp_path: Path) -> None:
    vv, _vh = _plan(tmp_path).jobs
    _record_empty(vv.output_path)

    plan = _plan(tmp_path)

    done, todo = plan.jobs
    assert (done.status, done.empty_reason, done.produced) == ("done", REASON, False)
    assert (todo.status, todo.empty_reason) == ("todo", None)
    assert plan.done_empty == (done,)
    assert plan.to_dict()["counts"] == {
        "todo": 1,
        "done": 1,
        "waiting": 0,
        "empty": 1,
        "dropped": 0,
    }
    assert PlanResult.from_json(plan.to_json()) == plan
    assert jobs_to_run(plan, RunRequest(JAN.first_date, JAN.last_date)) == [todo]
    assert jobs_to_run(plan, RunRequest(JAN.first_date, JAN.last_date, force=True)) == [done, todo]
    assert empty_record_name(Path(vv.output_path).name) in existing_outputs(tmp_path, "33NWB")


def test_a_published_image_wins_over_a_stale_record(tmp_path: Path) -> None:
    vv = _plan(tmp_path).jobs[0]
    _record_empty(vv.output_path)
    Path(vv.output_path).write_bytes(b"")
    job = _plan(tmp_path).jobs[0]
    assert (job.status, job.produced, job.empty_reason) == ("done", True, None)


def test_a_lowered_minimum_plans_the_job_again(tmp_path: Path) -> None:
    vv = _plan(tmp_path).jobs[0]
    _record_empty(vv.output_path, ValidCount(5, 100), minimum=0.1)
    assert _plan(tmp_path, min_valid_fraction=0.1).jobs[0].status == "done"
    assert _plan(tmp_path, min_valid_fraction=0.0).jobs[0].status == "todo"


def test_run_outputs_count_empty_jobs_and_never_list_them_as_new(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    vv, vh = plan.jobs
    _record_empty(vv.output_path)  # this run found vv empty; its task left no result
    Path(vh.output_path).write_bytes(b"")
    results = [
        JobResult(vv.job_id, vv.output_path, None, False, 1.0, empty=True, reason=REASON),
        JobResult(vh.job_id, vh.output_path, None, False, 2.0, (vh.output_path,)),
    ]
    for given in (results, results[1:]):
        found = run_outputs("33NWB", plan, given)
        assert found.outputs == (vh.output_path,)
        assert found.new == (vh.output_path,)
        assert found.empty == ((vv.job_id, REASON),)
        assert found.summary() == "33NWB: 1 output(s), 1 new, 1 empty"
        assert found.to_dict()["empty"] == {vv.job_id: REASON}


def test_an_empty_job_result_round_trips_and_older_results_read_as_not_empty() -> None:
    result = JobResult("j", "/out/j.tif", None, False, 1.0, empty=True, reason=REASON)
    result = JobResult(**{**result.__dict__, "valid_fraction": 0.0})
    assert JobResult.from_json(json.dumps(result.to_dict())) == result
    old = {"job_id": "j", "output": "/o.tif", "mask": None, "skipped": False, "seconds": 1.0}
    assert JobResult.from_dict(old).empty is False
