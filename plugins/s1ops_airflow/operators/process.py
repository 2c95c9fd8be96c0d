"""``process`` (local runner): ``s1ops process`` for one tile job, in a child process.

The child leases the job's products itself (``s1ops.processing.job``), so
the maintenance purge never deletes them under OTB; ``on_kill`` stops it and
the kernel releases its leases. Exit 75 (products no longer on disk) skips
the task: a later run makes the job, never a partial one. An empty job (no
valid pixel: nothing published, ``s1ops.outputs.empty``) skips it too, with the
reason, logged at WARNING: the Grid shows it apart from the jobs that made
products, the run still succeeds and ``publish`` (trigger rule none_failed)
counts it from the job's record on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from s1ops_airflow.child import S1opsChild
from s1ops_airflow.failures import remember_failure

if TYPE_CHECKING:
    import logging

    from s1ops.processing.job import JobResult


def raise_empty(log: logging.Logger, result: JobResult) -> NoReturn:
    """Say an empty job's reason at WARNING, then skip its task (both runners).

    Skipped rather than a success with a note: Airflow 3's task SDK cannot set a
    task note, and a skipped task stands out in the Grid while its run still
    succeeds; ``publish`` reads the job's record on disk, not this task's XCom.
    """
    log.warning("%s is empty, nothing published: %s", result.job_id, result.reason)
    raise AirflowSkipException(f"empty, nothing published: {result.reason}")


class ProcessJobOperator(BaseOperator):
    """Run ``s1ops process CFG --job JSON [--force]``; returns its JobResult dict."""

    template_fields: Sequence[str] = ("config_path",)

    def __init__(
        self, *, config_path: str, job: dict[str, Any], force: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.job = job
        self.force = force

    @cached_property
    def child(self) -> S1opsChild:
        return S1opsChild()

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.cli.process_cmd import process_command
        from s1ops.errors import S1OpsError
        from s1ops.exit_codes import NOT_YET
        from s1ops.planning.jobs import TileJob
        from s1ops.processing.job import JobResult

        job = TileJob.from_dict(self.job)
        result = self.child.run(process_command(self.config_path, job, force=self.force))
        if result.returncode == NOT_YET:
            raise AirflowSkipException(f"{result.last_error}; a later run will make it")
        if result.returncode != 0:
            # Short: the child's ERROR line, relayed last, already says why at length.
            reason = result.last_error.split(": error: ", 1)[-1]
            remember_failure(context, f"job {job.job_id}: {reason}")  # for the failure report
            raise S1OpsError(f"job {job.job_id} failed (exit {result.returncode}): {reason}")
        done = JobResult.from_json(result.last_line)
        if done.empty:
            raise_empty(self.log, done)
        return done.to_dict()

    def on_kill(self) -> None:
        self.child.kill()
