"""Tests of the plan's output data and its JSON form: the tile job's contract."""

from __future__ import annotations

import json
from datetime import date

import pytest

from s1ops.errors import ContractError
from s1ops.planning.jobs import STATUSES, DroppedGroup, PlanResult, TileJob

PID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"


def job(status: str, pol: str = "vv") -> TileJob:
    return TileJob(
        tile_id="33NWB",
        polarisation=pol,
        day=date(2020, 1, 8),
        unit="S1A",
        relative_orbit=7,
        orbit_direction="DES",
        product_ids=(PID,),
        coverage_pct=94.121,
        output_path=f"/out/33NWB/s1a_33NWB_{pol}_DES_007_20200108t044150.tif",
        mask_path=None,
        produced=status == "done",
        status=status,
        product_paths=("/s1/x.SAFE",),
        waiting_for=(PID,) if status == "waiting" else (),
    )


def test_statuses_and_counts():
    dropped = DroppedGroup("33NWB", "vh", date(2020, 1, 8), "S1A", 7, "DES", (PID,), 5.87, "low")
    result = PlanResult(
        "33NWB",
        date(2020, 1, 1),
        date(2020, 1, 10),
        (job("todo"), job("done", "vh"), job("waiting", "hh")),
        (dropped,),
    )
    assert [j.polarisation for j in result.todo] == ["vv"]
    assert [j.polarisation for j in result.done] == ["vh"]
    assert [j.polarisation for j in result.waiting] == ["hh"]
    data = json.loads(result.to_json())
    assert data["counts"] == {"todo": 1, "done": 1, "waiting": 1, "empty": 0, "dropped": 1}
    assert data["jobs"][0]["day"] == "2020-01-08"
    assert data["jobs"][0]["product_ids"] == [PID]
    assert PlanResult.from_json(result.to_json()) == result
    assert result.jobs[0].job_id == "s1a_33NWB_vv_DES_007_20200108t044150"


def test_from_dict_fills_optional_fields():
    data = json.loads(
        PlanResult("33NWB", date(2020, 1, 1), date(2020, 1, 2), (job("todo"),)).to_json()
    )
    for key in ("existing_output", "product_paths", "needs_download", "waiting_for"):
        del data["jobs"][0][key]
    again = PlanResult.from_dict(data).jobs[0]
    assert (again.product_paths, again.waiting_for, again.existing_output) == ((), (), None)


def test_a_job_crosses_as_json_and_back_unchanged():
    for status in STATUSES:
        original = job(status)
        assert TileJob.from_json(json.dumps(original.to_dict())) == original
    dropped = DroppedGroup("33NWB", "vh", date(2020, 1, 8), "S1A", 7, "DES", (PID,), 5.87, "")
    assert DroppedGroup.from_dict(json.loads(json.dumps(dropped.to_dict()))) == dropped


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("day", "2020-13-08", "a day as YYYY-MM-DD"),
        ("polarisation", "VX", "one of: vv, vh, hh, hv"),
        ("status", "running", "one of: todo, done, waiting"),
        ("relative_orbit", 176, "an integer in 1..175"),
        ("relative_orbit", "7", "an integer in 1..175"),
        ("orbit_direction", "DSC", "one of: ASC, DES"),
        ("coverage_pct", "94%", "a number"),
        ("produced", "no", "true or false"),
        ("product_ids", [], "a non-empty list of non-empty strings"),
        ("product_paths", ["/s1/a.SAFE", None], "1 entries, one per product id"),
        ("mask_path", "", "a non-empty string or null"),
        ("output_path", None, "a non-empty string"),
    ],
)
def test_a_wrong_field_is_named_with_its_value_and_what_was_expected(field, value, expected):
    data = job("todo").to_dict() | {field: value}
    with pytest.raises(ContractError) as info:
        TileJob.from_dict(data)
    error = info.value
    assert (error.contract, error.field, error.value, error.missing) == (
        "TileJob",
        field,
        value,
        False,
    )
    assert expected in str(error)
    assert f"TileJob.{field} = {value!r}" in str(error)


def test_a_missing_field_is_named():
    data = job("todo").to_dict()
    del data["output_path"]
    with pytest.raises(ContractError, match=r"TileJob.output_path is missing: expected a non-emp"):
        TileJob.from_dict(data)
    with pytest.raises(ContractError, match="expected a JSON object"):
        TileJob.from_dict([data])
    with pytest.raises(ContractError, match="one JSON document"):
        TileJob.from_json("{not json")


def test_a_bad_job_inside_a_plan_is_named_with_its_index():
    plan = PlanResult("33NWB", date(2020, 1, 1), date(2020, 1, 2), (job("todo"), job("done")))
    data = plan.to_dict()
    data["jobs"][1]["day"] = "tomorrow"
    with pytest.raises(ContractError) as info:
        PlanResult.from_dict(data)
    assert str(info.value).startswith("PlanResult.jobs[1] TileJob.day = 'tomorrow'")
    assert info.value.field == "day"
    with pytest.raises(ContractError, match=r"PlanResult\.first_date is missing"):
        PlanResult.from_dict({"tile_id": "33NWB", "last_date": "2020-01-02"})
