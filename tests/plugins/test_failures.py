"""The failure report's grouping and wording (no database: ``tests/dags/test_failure_report.py``
reads real failed task instances)."""

from __future__ import annotations

from types import SimpleNamespace

from s1ops_airflow.failures import ERROR_KEY, FailedTask, failure_report, remember_failure

WHY = "OTB step 'merge' failed (exit code 3): ERROR 1: why"


def _task(run: str, job: str, reason: str = WHY) -> FailedTask:
    return FailedTask("s1tiling_32NNJ", run, "vv.process", 0, f"job {job}: {reason}")


def test_one_cause_on_many_jobs_is_one_line_listing_them() -> None:
    failed = [_task("r1", "a"), _task("r2", "b"), _task("r2", "c", "other")]
    assert failure_report(failed).splitlines() == [
        f"2 failed: {WHY}",
        "    s1tiling_32NNJ/r1/vv.process[0] (job a)",
        "    s1tiling_32NNJ/r2/vv.process[0] (job b)",
        "1 failed: other",
        "    s1tiling_32NNJ/r2/vv.process[0] (job c)",
    ]
    assert failure_report([]) == "no failed s1ops task"


def test_the_reason_is_kept_on_the_task_instance() -> None:
    pushed: dict[str, object] = {}
    ti = SimpleNamespace(xcom_push=lambda key, value: pushed.update({key: value}))
    remember_failure({"ti": ti}, "why")
    remember_failure({}, "nowhere")  # an operator run outside a task: nothing to keep
    assert pushed == {ERROR_KEY: "why"}
