"""``process`` with the docker runner: ``s1ops process`` for one tile job in the s1ops image.

Imported only when ``[Airflow] runner = docker``: the local runner never loads
the Docker provider.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.docker.operators.docker import DockerOperator

from s1ops.exit_codes import NOT_YET


def _result_line(log: Any, lines: Any) -> Any:
    """The JobResult line among the container's output lines (the last one that parses),
    unless it says the job was empty: then the task is skipped with its reason, as with the
    local runner. With no result line, the last line, as DockerOperator would push it."""
    from s1ops.errors import ContractError
    from s1ops.processing.job import JobResult
    from s1ops_airflow.operators.process import raise_empty

    if isinstance(lines, str):
        lines = [lines]
    if not lines:
        return None
    for line in reversed(lines):
        if not isinstance(line, str):
            continue
        try:
            result = JobResult.from_json(line)
        except ContractError:
            continue  # a log line (stdout and stderr are merged), not the result
        if result.empty:
            raise_empty(log, result)
        return line
    return lines[-1]


class DockerProcessJobOperator(DockerOperator):
    """DockerOperator running ``s1ops process`` for ``job`` (a ``select`` result, as the local
    runner takes it); the command is built from the job, never given.

    The container leases the job's products itself (``process_job``) through
    the read-write ``.locks`` mount of ``docker_runner``, so the maintenance
    purge never deletes a product under it. Exit 75 (products no longer on
    disk) skips the task, as with the local runner.
    """

    def __init__(
        self, *, config_path: str, job: dict[str, Any], force: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault("skip_on_exit_code", NOT_YET)
        # Every line, so the result is found by content: with -v, stderr's log records
        # and stdout's result line are merged in whatever order the engine delivers them.
        kwargs.setdefault("xcom_all", True)
        super().__init__(**kwargs)
        self.config_path = config_path
        self.job = job
        self.force = force

    def execute(self, context: Any) -> Any:
        from s1ops.cli.process_cmd import process_command
        from s1ops.config.request import load_config
        from s1ops.planning.jobs import TileJob
        from s1ops_airflow.docker_runner import make_written_folders

        # Built here, after templates are rendered: the job's JSON is data, not a template.
        # -v as the local runner has it: the task log tells the inputs, steps and outputs.
        self.command = [
            "-v",
            *process_command(self.config_path, TileJob.from_dict(self.job), force=self.force),
        ]
        make_written_folders(load_config(self.config_path))
        return _result_line(self.log, super().execute(context))
