"""``process`` (local runner): ``s1ops process`` for one tile job, in a child process.

The child leases the job's products itself (``s1ops.processing.job``), so
the maintenance purge never deletes them under OTB; ``on_kill`` stops it and
the kernel releases its leases. Exit 75 (products no longer on disk) skips
the task: a later run makes the job, never a partial one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowSkipException

from s1ops_airflow.child import S1opsChild


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
        from s1ops.errors import OtbError
        from s1ops.exit_codes import NOT_YET
        from s1ops.planning.jobs import TileJob
        from s1ops.processing.job import JobResult

        job = TileJob.from_dict(self.job)
        result = self.child.run(process_command(self.config_path, job, force=self.force))
        if result.returncode == NOT_YET:
            raise AirflowSkipException(f"{result.last_error}; a later run will make it")
        if result.returncode != 0:
            raise OtbError(f"s1ops process {job.job_id}", result.returncode, result.stderr_tail)
        return JobResult.from_json(result.last_line).to_dict()

    def on_kill(self) -> None:
        self.child.kill()
