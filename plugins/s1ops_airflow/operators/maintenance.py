"""Maintenance tasks: purge the S1 cache, delete temporary files, stale download records.

Each returns a JSON report with ``freed_bytes``; ``report`` adds them up.
Nothing here can delete an output product: see ``s1ops.maintenance.cleanup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context


class _ConfigOperator(BaseOperator):
    template_fields: Sequence[str] = ("config_path",)

    def __init__(self, *, config_path: str, older_than_s: float = 86_400.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.older_than_s = older_than_s

    def _config(self) -> Any:
        from s1ops.config.request import load_config

        return load_config(self.config_path)


class PurgeCacheOperator(_ConfigOperator):
    """Keep the ``[Airflow] s1_cache_max_products`` most recent products; leases respected."""

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.cache.purge import purge_cache

        cfg = self._config()
        report = purge_cache(cfg.paths.s1_images, keep=cfg.airflow.s1_cache_max_products)
        return report.to_dict()


class CleanTemporaryOperator(_ConfigOperator):
    """Stale partial outputs, s1ops temporary folders, OrthoReady files no pending job needs.

    OrthoReady files are reference-counted from the plans of every tile of the
    request over its whole date range, planned from the products on disk.
    """

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.maintenance import cleanup as hk

        cfg = self._config()
        old = self.older_than_s
        report = hk.merge_reports(
            hk.remove(hk.stale_partial_outputs(cfg.paths.output, older_than_s=old), "partial"),
            hk.remove(hk.stale_tmp_entries(cfg.paths.tmp, older_than_s=old), "temporary"),
            hk.remove(
                hk.unneeded_orthoready(cfg.paths.tmp / "S1", self._needed_products(cfg)),
                "OrthoReady no pending job needs",
            ),
        )
        return report.to_dict()

    def _needed_products(self, cfg: Any) -> set[str]:
        from s1ops.planning.runs import RunRequest, plan_run

        if not (cfg.paths.tmp / "S1").is_dir():
            return set()
        ds = cfg.data_source
        request = RunRequest(ds.first_date, ds.last_date, polarisations=ds.polarisations)
        needed: set[str] = set()
        for tile_id in cfg.processing.tiles:
            plan = plan_run(cfg, tile_id, request)
            needed.update(p for job in plan.jobs if job.status != "done" for p in job.product_ids)
        return needed


class CleanDownloadsOperator(_ConfigOperator):
    """Leftovers of killed downloads and purges, and eodag's stale download records."""

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.maintenance import cleanup as hk

        cfg = self._config()
        cache = cfg.paths.s1_images
        stale = hk.stale_download_entries(cache, older_than_s=self.older_than_s)
        return hk.remove(hk.unlocked(cache, stale), "stale download record").to_dict()


class MaintenanceReportOperator(BaseOperator):
    """Add up what the maintenance tasks freed."""

    def __init__(self, *, task_ids: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.task_ids = list(task_ids)

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        reports = {task_id: ti.xcom_pull(task_ids=task_id) for task_id in self.task_ids}
        freed = sum(int((r or {}).get("freed_bytes", 0)) for r in reports.values())
        self.log.info("maintenance freed %d bytes (%.1f MiB)", freed, freed / 2**20)
        for task_id, report in reports.items():
            self.log.info("%s: %s", task_id, report)
        return {"freed_bytes": freed, "tasks": reports}
