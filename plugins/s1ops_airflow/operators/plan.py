"""``plan``: the tile's jobs over the run's days; ``select``: one polarisation's runnable jobs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

PLAN_KEY = "plan"
REQUEST_KEY = "request"


def _interval(context: Context) -> tuple[datetime, datetime]:
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is None or end is None:  # a manual run without a logical date
        now = datetime.now(UTC)
        return now, now
    return start, end


class PlanTileOperator(BaseOperator):
    """Plan one tile over the run's window (data interval + lookback, or the run's params).

    Searches the catalogue when ``[DataSource] download`` is on, scans the S1
    cache, and pushes the plan (XCom ``plan``) and the run request (XCom
    ``request``). Returns the ids of the products to fetch: what the
    ``fetch`` task is mapped over.
    """

    template_fields: Sequence[str] = ("config_path", "tile_id")

    def __init__(self, *, config_path: str, tile_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.tile_id = tile_id

    def execute(self, context: Context) -> list[str]:
        from s1ops.config.request import load_config
        from s1ops.errors import RunParamsError
        from s1ops.planning.runs import (
            jobs_to_run,
            plan_run,
            products_to_fetch,
            run_request,
            run_window,
        )

        cfg = load_config(self.config_path)
        start, end = _interval(context)
        window = run_window(
            start,
            end,
            lookback_days=cfg.airflow.lookback_days,
            first_date=cfg.data_source.first_date,
            last_date=cfg.data_source.last_date,
        )
        try:
            request = run_request(
                context["params"], window=window, polarisations=cfg.data_source.polarisations
            )
        except RunParamsError as exc:
            raise AirflowFailException(str(exc)) from exc
        ti = context["ti"]
        ti.xcom_push(key=REQUEST_KEY, value=request.to_dict())
        if request.empty:
            self.log.info("nothing to plan: window %s..%s is empty", *window)
            ti.xcom_push(key=PLAN_KEY, value=None)
            return []
        catalogue = self._search(cfg, request) if cfg.data_source.download else []
        plan = plan_run(cfg, self.tile_id, request, catalogue)
        ti.xcom_push(key=PLAN_KEY, value=plan.to_dict())
        fetch = products_to_fetch(jobs_to_run(plan, request))
        self.log.info("products to fetch: %s", ", ".join(fetch) or "none")
        return fetch

    def _search(self, cfg: Any, request: Any) -> list[Any]:
        from s1ops.catalogue.gateway import source_from_config
        from s1ops.catalogue.search import criteria_from_config, search_products

        criteria = criteria_from_config(cfg, self.tile_id, request.first_date, request.last_date)
        return search_products(source_from_config(cfg), criteria)


class SelectJobsOperator(BaseOperator):
    """The jobs of one polarisation whose products are all on disk now (after ``fetch``).

    Runs whatever happened to the fetches (trigger rule ``all_done``): a job
    whose product did not come is left for a later run, never made partial.
    Returns one kwargs dict per job for the mapped ``process`` task: ``job``
    and ``force`` for the local runner, ``command`` for the docker runner.
    """

    template_fields: Sequence[str] = ("config_path", "polarisation")

    def __init__(
        self,
        *,
        config_path: str,
        polarisation: str,
        plan_task_id: str = "plan",
        runner: str = "local",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.polarisation = polarisation
        self.plan_task_id = plan_task_id
        self.runner = runner

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from s1ops.config.request import load_config
        from s1ops.planning.jobs import PlanResult
        from s1ops.planning.runs import RunRequest, jobs_to_run, with_local_products

        ti = context["ti"]
        plan_doc = ti.xcom_pull(task_ids=self.plan_task_id, key=PLAN_KEY)
        request_doc = ti.xcom_pull(task_ids=self.plan_task_id, key=REQUEST_KEY)
        if plan_doc is None or request_doc is None:
            raise AirflowSkipException("no plan for this run (empty window, or plan failed)")
        plan = PlanResult.from_dict(plan_doc)
        request = RunRequest(
            datetime.fromisoformat(request_doc["first_date"]).date(),
            datetime.fromisoformat(request_doc["last_date"]).date(),
            bool(request_doc["force"]),
            tuple(request_doc["polarisations"]),
        )
        cfg = load_config(self.config_path)
        selected: list[dict[str, Any]] = []
        for job in jobs_to_run(plan, request):
            if job.polarisation != self.polarisation:
                continue
            ready, missing = with_local_products(job, cfg.paths.s1_images)
            if missing:
                self.log.warning(
                    "%s waits for %s (not on disk): a later run will produce it",
                    job.job_id,
                    ", ".join(missing),
                )
                continue
            selected.append(self._kwargs(ready.to_dict(), request.force))
        self.log.info("%d %s job(s) to process", len(selected), self.polarisation)
        return selected

    def _kwargs(self, job: dict[str, Any], force: bool) -> dict[str, Any]:
        if self.runner == "docker":
            command = ["process", self.config_path, "--job", json.dumps(job)]
            return {"command": [*command, "--force"] if force else command}
        return {"job": job, "force": force}
