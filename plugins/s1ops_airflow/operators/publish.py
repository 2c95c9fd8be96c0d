"""``publish``: the tile's outputs of the run as XCom, and an event on the tile's Asset."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, BaseOperator, Context

from s1ops_airflow.operators.plan import PLAN_KEY


def tile_asset(output_dir: str | Path, tile_id: str) -> Asset:
    """The Asset of a tile's output folder (downstream DAGs schedule on it).

    Named by its URI: two request files writing one tile to different
    folders are two assets (a name shared by two URIs deactivates one).
    """
    folder = Path(output_dir).absolute() / tile_id
    uri = f"file://{folder}"
    return Asset(name=uri, uri=uri, group="s1ops", extra={"tile_id": tile_id})


def _results(value: Any) -> list[dict[str, Any]]:
    """Process results from XCom: dicts (local runner) or JSON lines (DockerOperator)."""
    if value is None:
        return []
    items = [value] if isinstance(value, dict | str) else list(value)
    out = []
    for item in items:
        if isinstance(item, str):
            item = json.loads(item)
        if isinstance(item, dict):
            out.append(item)
    return out


class PublishTileOperator(BaseOperator):
    """Collect the outputs of the run's window that exist, and announce the new ones.

    Returns ``{"tile_id", "outputs": [...], "new": [...]}``: ``outputs`` are
    the images and masks of every planned job now on disk, ``new`` those
    produced by this run. The tile's Asset gets an event with the same lists.
    """

    template_fields: Sequence[str] = ("tile_id",)

    def __init__(
        self,
        *,
        tile_id: str,
        asset: Asset,
        process_task_ids: Sequence[str],
        plan_task_id: str = "plan",
        **kwargs: Any,
    ) -> None:
        super().__init__(outlets=[asset], **kwargs)
        self.tile_id = tile_id
        self.asset = asset
        self.process_task_ids = list(process_task_ids)
        self.plan_task_id = plan_task_id

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        new: list[str] = []
        for task_id in self.process_task_ids:
            for result in _results(ti.xcom_pull(task_ids=task_id)):
                if not result.get("skipped"):
                    new += [p for p in (result.get("output"), result.get("mask")) if p]
        plan = ti.xcom_pull(task_ids=self.plan_task_id, key=PLAN_KEY) or {"jobs": []}
        outputs = []
        for job in plan["jobs"]:
            folder = Path(job["output_path"]).parent
            found = job.get("existing_output")
            for path in (job["output_path"], job.get("mask_path"), found and str(folder / found)):
                if path and Path(path).exists():
                    outputs.append(str(path))
        summary = {"tile_id": self.tile_id, "outputs": sorted(set(outputs)), "new": sorted(new)}
        context["outlet_events"][self.asset].extra = {
            "tile_id": self.tile_id,
            "new": summary["new"],
        }
        self.log.info("%s: %d output(s), %d new", self.tile_id, len(summary["outputs"]), len(new))
        return summary
