"""``process`` with the docker runner: ``s1ops process`` for one tile job in the s1ops image.

Imported only when ``[Airflow] runner = docker``: the local runner never loads
the Docker provider.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.docker.operators.docker import DockerOperator

from s1ops.exit_codes import NOT_YET


def _unless_empty(log: Any, last_line: Any) -> Any:
    """The container's last line, unless it says the job was empty: then the task is
    skipped with its reason, as with the local runner."""
    from s1ops.errors import ContractError
    from s1ops.processing.job import JobResult
    from s1ops_airflow.operators.process import raise_empty

    if not isinstance(last_line, str):
        return last_line
    try:
        result = JobResult.from_json(last_line)
    except ContractError:
        return last_line  # not a result (the container said something else last)
    if result.empty:
        raise_empty(log, result)
    return last_line


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
        # No -v here: DockerOperator's XCom is the last line of stdout and stderr merged,
        # and INFO records on stderr could then come after the JobResult line.
        self.command = process_command(
            self.config_path, TileJob.from_dict(self.job), force=self.force
        )
        make_written_folders(load_config(self.config_path))
        last_line = super().execute(context)
        return _unless_empty(self.log, last_line)
