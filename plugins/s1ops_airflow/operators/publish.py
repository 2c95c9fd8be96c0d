"""``publish``: the tile's outputs of the run as XCom, and an event on the tile's Asset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException

from s1ops_airflow.failures import remember_failure
from s1ops_airflow.operators.plan import PLAN_KEY

if TYPE_CHECKING:
    from s1ops.config.request import S1Config
    from s1ops.planning.jobs import TileJob
    from s1ops.processing.job import JobResult


def tile_asset(output_dir: str | Path, tile_id: str) -> Asset:
    """The Asset of a tile's output folder (downstream DAGs schedule on it).

    Named by its URI: two request files writing one tile to different
    folders are two assets (a name shared by two URIs deactivates one).
    """
    folder = Path(output_dir).absolute() / tile_id
    uri = f"file://{folder}"
    return Asset(name=uri, uri=uri, group="s1ops", extra={"tile_id": tile_id})


def _results(value: Any) -> list[JobResult]:
    """Process results from XCom: dicts (local runner) or JSON lines (DockerOperator's last
    log line); one per map index, nothing for a skipped one."""
    from s1ops.processing.job import JobResult

    if value is None:
        return []
    items = [value] if isinstance(value, dict | str) else list(value)
    return [
        JobResult.from_json(item) if isinstance(item, str) else JobResult.from_dict(item)
        for item in items
        if item is not None
    ]


class PublishTileOperator(BaseOperator):
    """Collect the outputs of the run's window that exist, and announce the new ones.

    Returns ``{"tile_id", "outputs": [...], "new": [...], "empty": {job: why}}``:
    ``outputs`` are the images and masks of every planned job now on disk,
    ``new`` those produced by this run, ``empty`` the planned jobs that published
    nothing (no valid pixel; their process task was skipped). The tile's Asset
    gets an event with ``new``: an empty job is never in it. With the request's
    ``stac_catalogue`` on, every product among ``outputs`` without an up-to-date
    STAC Item gets one in ``{output}/stac``.
    """

    template_fields: Sequence[str] = ("tile_id", "config_path")

    def __init__(
        self,
        *,
        tile_id: str,
        asset: Asset,
        process_task_ids: Sequence[str],
        plan_task_id: str = "plan",
        config_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(outlets=[asset], **kwargs)
        self.tile_id = tile_id
        self.config_path = config_path  # None: no filtered products looked for
        self.asset = asset
        self.process_task_ids = list(process_task_ids)
        self.plan_task_id = plan_task_id

    def execute(self, context: Context) -> dict[str, Any]:
        from s1ops.planning.jobs import PlanResult
        from s1ops.planning.runs import run_outputs

        ti = context["ti"]
        results = [r for t in self.process_task_ids for r in _results(ti.xcom_pull(task_ids=t))]
        plan = ti.xcom_pull(task_ids=self.plan_task_id, key=PLAN_KEY)
        plan = None if plan is None else PlanResult.from_dict(plan)
        cfg = self._config()
        found = run_outputs(self.tile_id, plan, results, filtered_of=_filtered_of(cfg))
        if cfg is not None and cfg.output_format.stac_catalogue:
            self._catalogue(context, cfg, found.outputs)
        event = context["outlet_events"][self.asset]
        event.extra = {"tile_id": self.tile_id, "new": list(found.new)}
        self.log.info("%s", found.summary())
        for job_id, reason in found.empty:
            self.log.warning("%s: empty, nothing published: %s", job_id, reason)
        return found.to_dict()

    def _catalogue(self, context: Context, cfg: S1Config, outputs: Sequence[str]) -> None:
        """STAC Items for ``outputs`` lacking an up-to-date one; a product or catalogue file
        that cannot be read fails the task at once (a person must look; retrying cannot
        help), a full disk is retried."""
        from s1ops.errors import ContractError, RasterError
        from s1ops.outputs.stac_catalogue import catalogue_outputs

        try:
            items = catalogue_outputs(cfg.paths.output, self.tile_id, outputs)
        except (ContractError, RasterError) as exc:
            remember_failure(context, f"STAC catalogue: {exc}")
            raise AirflowFailException(f"STAC catalogue: {exc}") from exc
        self.log.info("STAC: %d item(s) written under %s/stac", len(items), cfg.paths.output)

    def _config(self) -> S1Config | None:
        """The request (read at execute time, not at DAG parse), when the task names it."""
        if self.config_path is None:
            return None
        from s1ops.config.request import load_config

        return load_config(self.config_path)


def _filtered_of(cfg: S1Config | None) -> Callable[[TileJob], str] | None:
    """Where the request puts a job's filtered image, when it filters."""
    if cfg is None or cfg.filtering is None:
        return None
    naming, output_dir = cfg.output_format.naming, cfg.paths.output
    return lambda job: str(naming.filtered_path(output_dir, job.output_name()))
