"""Both runners skip an empty job's task with its reason (issue 22), and pass others on."""

from __future__ import annotations

import json
import logging

import pytest
from airflow.sdk.exceptions import AirflowSkipException
from s1ops_airflow.operators.docker_process import _unless_empty
from s1ops_airflow.operators.process import raise_empty

from s1ops.processing.job import JobResult

REASON = "no valid pixel over 32NNJ: IPF 002.72 border cut blanks 1 000 columns on each side"
EMPTY = JobResult("j", "/out/j.tif", None, False, 2.0, empty=True, reason=REASON)
MADE = JobResult("j", "/out/j.tif", None, False, 2.0, ("/out/j.tif",))


def test_an_empty_result_skips_the_task_with_its_reason_at_warning(caplog) -> None:
    log = logging.getLogger("test.process")
    with caplog.at_level(logging.WARNING), pytest.raises(AirflowSkipException, match=REASON):
        raise_empty(log, EMPTY)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert REASON in caplog.records[0].getMessage()


def test_the_docker_runner_skips_on_an_empty_last_line_only() -> None:
    log = logging.getLogger("test.docker")
    with pytest.raises(AirflowSkipException, match=REASON):
        _unless_empty(log, json.dumps(EMPTY.to_dict()))
    made = json.dumps(MADE.to_dict())
    assert _unless_empty(log, made) == made
    assert _unless_empty(log, "not a result") == "not a result"
    assert _unless_empty(log, None) is None
