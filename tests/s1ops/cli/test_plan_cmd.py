"""``s1ops plan``'s run flags: a DAG run's plan, reproduced from a shell."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from s1ops.cli import main
from s1ops.config.request import load_config
from s1ops.planning.jobs import PlanResult
from s1ops.planning.runs import RunPlan, RunRequest, plan_for_run
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import P1_ID, P2_COORDS, P2_ID, build_safe_dir


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    """A request over 33NWB (1-10 January 2020, lookback 3 days), P1 on disk, and a
    records file saying P2 (the other half of P1's pair) is online."""
    build_safe_dir(tmp_path / "s1")
    cfg = write_request(
        tmp_path / REQUEST_NAME,
        RequestPaths.under(tmp_path),
        tiles="33NWB",
        airflow={"lookback_days": 3},
    )
    p2 = ProductRecord(
        ProductId.parse(P2_ID), parse_footprint(P2_COORDS), 7, "DES", ("vv", "vh"), "online"
    )
    records = tmp_path / "records.json"
    records.write_text(json.dumps([p2.to_dict()]))
    return cfg, records


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["plan", *args]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line: an XCom is a container's last stdout line
    return json.loads(out)


def test_the_run_flags_give_what_the_plan_task_pushes(site, capsys) -> None:
    cfg, records = site
    data = _plan(
        capsys,
        *(str(cfg), "--tile", "33NWB", "--records", str(records)),
        *("--interval-start", "2020-01-12", "--lookback", "4"),
        *("--polarisations", "vh", "--force"),
    )
    expected = plan_for_run(
        load_config(cfg),
        "33NWB",
        datetime(2020, 1, 12, tzinfo=UTC),
        datetime(2020, 1, 13, tzinfo=UTC),
        {"polarisations": "vh", "force": True},
        lookback_days=4,
        records=[ProductRecord.from_dict(r) for r in json.loads(records.read_text())],
    )
    assert RunPlan.from_dict(data) == expected
    assert expected.request == RunRequest(date(2020, 1, 8), date(2020, 1, 10), True, ("vh",))
    assert [j.polarisation for j in expected.plan.jobs] == ["vh"]
    assert data["fetch"] == [P2_ID]
    # Still the plan `s1ops plan` always printed, with the run's two other XComs added.
    assert PlanResult.from_dict(data) == expected.plan
    assert data["request"] == expected.request.to_dict()


def test_the_default_lookback_is_the_request_files(site, capsys) -> None:
    cfg, _ = site
    data = _plan(capsys, str(cfg), "--tile", "33NWB", "--interval-start", "2020-01-12T00:00")
    assert data["request"]["first_date"] == "2020-01-09"  # 12 January - 3 days
    assert data["request"]["last_date"] == "2020-01-10"  # the request's last day
    data = _plan(
        capsys,
        *(str(cfg), "--tile", "33NWB", "--interval-start", "2020-01-08"),
        *("--interval-end", "2020-01-10", "--lookback", "0"),
    )
    assert (data["request"]["first_date"], data["request"]["last_date"]) == (
        "2020-01-08",
        "2020-01-09",
    )
    assert [j["product_ids"] for j in data["jobs"]] == [[P1_ID]] * 2  # P2 is not known


def test_a_window_after_the_request_dates_is_an_empty_plan(site, capsys) -> None:
    cfg, _ = site
    data = _plan(capsys, str(cfg), "--tile", "33NWB", "--interval-start", "2020-02-01")
    assert data["jobs"] == [] and data["fetch"] == []
    assert RunPlan.from_dict(data).empty


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lookback", "2"], "need --interval-start"),
        (["--interval-end", "2020-01-09"], "need --interval-start"),
        (["--polarisations", "hh"], "run parameter polarisations"),
        (
            ["--interval-start", "2020-01-08", "--from", "2020-01-09", "--to", "2020-01-02"],
            "run parameter last_date",
        ),
    ],
)
def test_bad_run_flags_exit_2_naming_them(site, capsys, flags, message) -> None:
    cfg, _ = site
    assert main(["plan", str(cfg), "--tile", "33NWB", *flags]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_flag_value_is_a_usage_error(site) -> None:
    cfg, _ = site
    for flags in (["--lookback", "-1"], ["--interval-start", "yesterday"]):
        with pytest.raises(SystemExit) as info:
            main(["plan", str(cfg), "--tile", "33NWB", *flags])
        assert info.value.code == 2
