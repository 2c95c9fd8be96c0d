"""Tests of the plan's output data and its JSON form."""

from __future__ import annotations

import json
from datetime import date

from s1ops.planning.jobs import DroppedGroup, PlanResult, TileJob

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
    assert data["counts"] == {"todo": 1, "done": 1, "waiting": 1, "dropped": 1}
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
