"""``plan``: the tile's jobs over the run's days; ``select``: one polarisation's runnable jobs.

Adapters around ``s1ops.planning.runs`` (``plan_for_run``, ``select_jobs``):
``s1ops plan`` prints what ``plan`` pushes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from s1ops_airflow.failures import remember_failure

PLAN_KEY = "plan"
REQUEST_KEY = "request"


def _interval(context: Context) -> tuple[datetime, datetime]:
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is None or end is None:  # a manual run without a logical date
        now = datetime.now(UTC)
        return now, now
    return start, end


def _credentials(cfg: Any) -> Any:
    """The provider's credentials from its Airflow Connection, when the plan searches."""
    if not cfg.data_source.download:
        return None
    from s1ops.catalogue.gateway import source_from_config
    from s1ops_airflow.credentials import connection_credentials

    return connection_credentials(cfg, source_from_config(cfg).provider)


class PlanTileOperator(BaseOperator):
    """Plan one tile over the run's window (data interval + lookback, or the run's params).

    Pushes the plan (XCom ``plan``, None when the window is empty) and the run
    request (XCom ``request``); returns the ids of the products to fetch: what
    the ``fetch`` task is mapped over.
    """

    template_fields: Sequence[str] = ("config_path", "tile_id")

    def __init__(self, *, config_path: str, tile_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.tile_id = tile_id

    def execute(self, context: Context) -> list[str]:
        from s1ops.config.request import load_config
        from s1ops.errors import ConfigError, DownloadAuthError, RunParamsError
        from s1ops.planning.runs import plan_for_run

        cfg = load_config(self.config_path)
        try:
            credentials = _credentials(cfg)
            run = plan_for_run(
                cfg, self.tile_id, *_interval(context), context["params"], credentials=credentials
            )
        except (RunParamsError, DownloadAuthError, ConfigError) as exc:
            # Retrying cannot help: bad params, refused credentials, a bad eodag config.
            remember_failure(context, str(exc))
            raise AirflowFailException(str(exc)) from exc
        ti = context["ti"]
        ti.xcom_push(key=REQUEST_KEY, value=run.request.to_dict())
        ti.xcom_push(key=PLAN_KEY, value=None if run.empty else run.plan.to_dict())
        return list(run.fetch)


class SelectJobsOperator(BaseOperator):
    """The jobs of one polarisation whose products are all on disk now (after ``fetch``).

    Runs whatever happened to the fetches (trigger rule ``all_done``): a job
    whose product did not come is left for a later run, never made partial.
    Returns one ``{"job", "force"}`` kwargs dict per job for the mapped
    ``process`` task, whichever runner it uses.
    """

    template_fields: Sequence[str] = ("config_path", "polarisation")

    def __init__(
        self, *, config_path: str, polarisation: str, plan_task_id: str = "plan", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.polarisation = polarisation
        self.plan_task_id = plan_task_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from s1ops.config.request import load_config
        from s1ops.planning.jobs import PlanResult
        from s1ops.planning.runs import RunRequest, select_jobs

        ti = context["ti"]
        plan = ti.xcom_pull(task_ids=self.plan_task_id, key=PLAN_KEY)
        request = ti.xcom_pull(task_ids=self.plan_task_id, key=REQUEST_KEY)
        if plan is None or request is None:
            raise AirflowSkipException("no plan for this run (empty window, or plan failed)")
        run = RunRequest.from_dict(request)
        s1_images = load_config(self.config_path).paths.s1_images
        jobs = select_jobs(PlanResult.from_dict(plan), run, self.polarisation, s1_images)
        return [{"job": job.to_dict(), "force": run.force} for job in jobs]
