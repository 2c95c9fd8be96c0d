"""Both runners skip an empty job's task with its reason (issue 22), and pass others on."""

from __future__ import annotations

import json
import logging

import pytest
from airflow.sdk.exceptions import AirflowSkipException
from s1ops_airflow.operators.docker_process import _result_line
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


def test_the_docker_runner_finds_the_result_line_by_content() -> None:
    log = logging.getLogger("test.docker")
    made = json.dumps(MADE.to_dict())
    # stderr's INFO records may come after stdout's result line in the merged stream.
    assert _result_line(log, ["INFO starting", made, "INFO written /out/j.tif"]) == made
    assert _result_line(log, made) == made
    with pytest.raises(AirflowSkipException, match=REASON):
        _result_line(log, ["WARNING empty", json.dumps(EMPTY.to_dict()), "INFO done"])
    assert _result_line(log, ["not a result", "{}"]) == "{}"
    assert _result_line(log, []) is None
    assert _result_line(log, None) is None
