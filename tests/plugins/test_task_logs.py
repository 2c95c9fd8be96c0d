"""A process task's log as a user reads it in Airflow (issue 22, part 3): the child's
records at their own level, OTB's chatter not at INFO, and a failure's one ERROR line
(step, input, OTB's reason) last, before the operator's short exception.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from s1ops_airflow.child import relay
from s1ops_airflow.operators.process import ProcessJobOperator

from s1ops.errors import S1OpsError
from tests.hostile.harness import make_site
from tests.hostile.test_task_logs import OTB_BANNER, OTB_NO_METADATA, break_calibration

CHILD_LOGGER = "s1ops_airflow.child"


def _child_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == CHILD_LOGGER]


def test_relay_keeps_each_records_level_and_puts_the_reason_last(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = [
        "2026-01-01 10:00:00,001 INFO s1ops.processing.job: job j input P (1 MB)",
        "s1ops process: error: OTB step 'merge' failed (exit code 3): why",
        "2026-01-01 10:00:00,002 WARNING s1ops.processing.job: something odd",
        "  its second line",
        "2026-01-01 10:00:00,003 DEBUG s1ops.x: detail",
    ]
    with caplog.at_level(logging.DEBUG, logger=CHILD_LOGGER):
        relay(lines, 2)
    got = [(r.levelname, r.getMessage()) for r in _child_records(caplog)]
    assert got == [
        ("INFO", "s1ops.processing.job: job j input P (1 MB)"),
        ("WARNING", "s1ops.processing.job: something odd"),
        ("WARNING", "s1ops:   its second line"),
        ("DEBUG", "s1ops.x: detail"),
        ("ERROR", "s1ops process: error: OTB step 'merge' failed (exit code 3): why"),
    ]


def test_a_traceback_ends_with_its_last_line_at_error(caplog: pytest.LogCaptureFixture) -> None:
    lines = ["Traceback (most recent call last):", '  File "x.py", line 1', "ValueError: bad"]
    with caplog.at_level(logging.INFO, logger=CHILD_LOGGER):
        relay(lines, 1)
    records = _child_records(caplog)
    assert [r.levelname for r in records] == ["WARNING", "WARNING", "ERROR"]
    assert records[-1].getMessage() == "ValueError: bad"


@pytest.mark.otb
def test_a_process_task_that_fails_in_otb_ends_with_one_error_line(
    otb: None, otb_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(tmp_path / "site", otb_data)
    break_calibration(site)
    job = site.jobs()["vv"]
    operator = ProcessJobOperator(
        task_id="process", config_path=str(site.config), job=job.to_dict()
    )
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(S1OpsError, match="orthorectification") as raised,
    ):
        operator.execute({})  # type: ignore[arg-type]
    records = _child_records(caplog)
    errors = [r for r in records if r.levelno >= logging.ERROR]
    assert errors == [records[-1]], [r.getMessage() for r in records]
    last = records[-1].getMessage()
    assert "OTB step 'orthorectification' failed on s1a-iw-grd-vv-" in last, last
    assert OTB_NO_METADATA in last
    assert not any(OTB_BANNER in r.getMessage() for r in records)
    assert not any(r.getMessage().removeprefix("s1ops: ").startswith("{") for r in records)
    # The exception Airflow logs after it: short, one line, the same reason.
    message = str(raised.value)
    assert "\n" not in message and OTB_NO_METADATA in message and job.job_id in message


@pytest.mark.otb
def test_a_process_task_logs_its_inputs_and_outputs_at_info(
    otb: None, otb_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(tmp_path / "site", otb_data)
    job = site.jobs()["vv"]
    operator = ProcessJobOperator(
        task_id="process", config_path=str(site.config), job=job.to_dict()
    )
    with caplog.at_level(logging.INFO):
        operator.execute({})  # type: ignore[arg-type]
    info = [r.getMessage() for r in _child_records(caplog) if r.levelno == logging.INFO]
    text = "\n".join(info)
    assert f"input {job.product_ids[0]}" in text
    assert "OTB chain calibration -> orthorectification wrote" in text
    assert f"wrote image {job.output_path} (" in text and "% valid pixels)" in text
    assert not any(OTB_BANNER in line for line in info)
