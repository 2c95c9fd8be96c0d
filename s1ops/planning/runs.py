"""What one orchestrated run of a tile does: its days, its jobs, its products.

Pure functions the Airflow layer calls (and tests call without Airflow).
A scheduled run covers its data interval plus ``lookback_days`` before it,
so products that were offline or published late are picked up by a later
run; days already produced plan as ``done`` and cost nothing. A manual run
may name its own date range, force reprocessing, or restrict polarisations.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s1ops.errors import RunParamsError
from s1ops.planning.jobs import PlanResult, TileJob

if TYPE_CHECKING:
    from s1ops.config.request import S1Config
    from s1ops.sentinel1.records import ProductRecord

log = logging.getLogger(__name__)

# Run parameter names (the Airflow params of a manual trigger).
PARAM_FIRST = "first_date"
PARAM_LAST = "last_date"
PARAM_FORCE = "force"
PARAM_POLARISATIONS = "polarisations"


@dataclass(frozen=True)
class RunRequest:
    """The days a run plans (inclusive), whether it redoes outputs, which polarisations."""

    first_date: date
    last_date: date
    force: bool = False
    polarisations: tuple[str, ...] = ("vv", "vh")

    @property
    def empty(self) -> bool:
        """True when there is no day to plan."""
        return self.last_date < self.first_date

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "force": self.force,
            "polarisations": list(self.polarisations),
        }


def run_window(
    interval_start: datetime,
    interval_end: datetime,
    *,
    lookback_days: int,
    first_date: date,
    last_date: date,
) -> tuple[date, date]:
    """The inclusive days of a scheduled run, clipped to the request's first/last date.

    A data interval ``[start, end)`` covers the days from ``start`` to the day
    before ``end`` (at least ``start``'s day); ``lookback_days`` more days
    before it are planned again. The result may be empty (last < first).
    """
    first = interval_start.date()
    last = max(first, (interval_end - timedelta(microseconds=1)).date())
    first -= timedelta(days=lookback_days)
    return max(first, first_date), min(last, last_date)


def _param_day(params: Mapping[str, Any], key: str) -> date | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RunParamsError(key, value, "a day as YYYY-MM-DD, or empty") from exc


def _param_polarisations(params: Mapping[str, Any], allowed: Sequence[str]) -> tuple[str, ...]:
    value = params.get(PARAM_POLARISATIONS)
    if value in (None, "", []):
        return tuple(allowed)
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(str(item).lower() for item in items))
    unknown = [pol for pol in chosen if pol not in allowed]
    if unknown:
        raise RunParamsError(
            PARAM_POLARISATIONS,
            value,
            f"polarisations among those of the request file: {', '.join(allowed)}",
        )
    return chosen


def run_request(
    params: Mapping[str, Any],
    *,
    window: tuple[date, date],
    polarisations: Sequence[str],
) -> RunRequest:
    """The request of a run: ``params`` (a manual trigger's) over the scheduled ``window``.

    A date given in ``params`` replaces the window's bound; ``force`` redoes
    existing outputs; ``polarisations`` narrows the request file's.
    """
    first = _param_day(params, PARAM_FIRST) or window[0]
    last = _param_day(params, PARAM_LAST) or window[1]
    explicit = params.get(PARAM_FIRST) or params.get(PARAM_LAST)
    if explicit and last < first:
        raise RunParamsError(PARAM_LAST, last.isoformat(), f"a day on or after {first}")
    force = params.get(PARAM_FORCE, False)
    if not isinstance(force, bool):
        raise RunParamsError(PARAM_FORCE, force, "true or false")
    return RunRequest(first, last, force, _param_polarisations(params, polarisations))


def jobs_to_run(plan: PlanResult, request: RunRequest) -> list[TileJob]:
    """The jobs a run processes: todo and waiting ones (and done ones when forced)."""
    wanted = ("todo", "waiting", "done") if request.force else ("todo", "waiting")
    return [j for j in plan.jobs if j.status in wanted and j.polarisation in request.polarisations]


def products_to_fetch(jobs: Iterable[TileJob]) -> list[str]:
    """Ids of the products the jobs need that are not on disk, each once, in job order."""
    ids: dict[str, None] = {}
    for job in jobs:
        paths = job.product_paths or (None,) * len(job.product_ids)
        for product_id, path in zip(job.product_ids, paths, strict=True):
            if path is None:
                ids[product_id] = None
    return list(ids)


def local_product(s1_images: str | Path, product_id: str) -> Path | None:
    """The product in the cache: ``{id}.SAFE`` (or a ``{id}.zip`` put there by hand)."""
    for name in (f"{product_id}.SAFE", f"{product_id}.zip"):
        path = Path(s1_images) / name
        if path.exists():
            return path
    return None


def with_local_products(job: TileJob, s1_images: str | Path) -> tuple[TileJob, tuple[str, ...]]:
    """``job`` with the cache paths of its products, and the ids still missing."""
    paths = job.product_paths or (None,) * len(job.product_ids)
    found: list[str | None] = []
    for product_id, path in zip(job.product_ids, paths, strict=True):
        if path is not None and Path(path).exists():
            found.append(path)
        else:
            local = local_product(s1_images, product_id)
            found.append(None if local is None else str(local))
    missing = tuple(pid for pid, p in zip(job.product_ids, found, strict=True) if p is None)
    status = job.status if missing else "todo" if job.status == "waiting" else job.status
    return (
        replace(job, product_paths=tuple(found), status=status, needs_download=(), waiting_for=()),
        missing,
    )


def split_by_polarisation(
    jobs: Iterable[TileJob], polarisations: Sequence[str]
) -> dict[str, list[TileJob]]:
    """Jobs grouped by polarisation (every polarisation a key, maybe with no job)."""
    groups: dict[str, list[TileJob]] = {pol: [] for pol in polarisations}
    for job in jobs:
        groups.setdefault(job.polarisation, []).append(job)
    return groups


def plan_run(
    cfg: S1Config, tile_id: str, request: RunRequest, catalogue: Sequence[ProductRecord] = ()
) -> PlanResult:
    """Plan ``tile_id`` over the request's days from the cache and catalogue records.

    A product both on disk and in ``catalogue`` is taken from disk.
    """
    # Imported here: shapely and pyproj are not needed to build DAGs.
    from s1ops.grid import parse_tile_id
    from s1ops.planning.tile import filters_from_config, plan_from_config

    filters = replace(
        filters_from_config(
            cfg.data_source, first_date=request.first_date, last_date=request.last_date
        ),
        polarisations=request.polarisations,
    )
    plan = plan_from_config(cfg, parse_tile_id(tile_id), filters, catalogue=catalogue)
    log.info(
        "tile %s %s..%s: %d job(s): %d todo, %d waiting, %d done",
        tile_id,
        request.first_date,
        request.last_date,
        len(plan.jobs),
        len(plan.todo),
        len(plan.waiting),
        len(plan.done),
    )
    return plan
