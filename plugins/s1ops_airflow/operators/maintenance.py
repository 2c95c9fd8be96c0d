"""The maintenance task: ``s1ops.maintenance.run``, exactly as ``s1ops maintenance`` runs it.

The report (``MaintenanceReport.to_dict``) is the XCom. A part that stopped on
an error fails the task once every part has run (the report is in the log).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context


class MaintenanceOperator(BaseOperator):
    """Purge the S1 cache and delete what nothing needs any more, for one request file."""

    template_fields: Sequence[str] = ("config_path",)

    def __init__(
        self, *, config_path: str, older_than_s: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.older_than_s = older_than_s  # None: the library's default (a day)

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.config.request import load_config
        from s1ops.errors import MaintenanceFailedError
        from s1ops.maintenance.run import DEFAULT_OLDER_THAN_S, run_maintenance

        older_than_s = DEFAULT_OLDER_THAN_S if self.older_than_s is None else self.older_than_s
        report = run_maintenance(load_config(self.config_path), older_than_s=older_than_s)
        self.log.info(
            "maintenance freed %d bytes (%.1f MiB)", report.freed_bytes, report.freed_bytes / 2**20
        )
        if report.failed:
            self.log.error("report: %s", report.to_dict())
            raise MaintenanceFailedError(report.errors())
        return report.to_dict()
