"""What one orchestrated run of a tile does: its days, its jobs, its products, its outputs.

The Airflow tasks of a tile's DAG each call one function here (and the CLI
and tests call them without Airflow): ``plan_for_run`` (the ``plan`` task,
and ``s1ops plan``), ``select_jobs`` (``<pol>.select``), ``run_outputs``
(``publish``). A scheduled run covers its data interval plus
``lookback_days`` before it, so products that were offline or published late
are picked up by a later run; days already produced plan as ``done`` and cost
nothing. A manual run may name its own date range, force reprocessing, or
restrict polarisations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s1ops.contracts import FieldReader
from s1ops.errors import RunParamsError
from s1ops.planning.jobs import PlanResult, TileJob
from s1ops.vocabulary import POLARISATIONS

if TYPE_CHECKING:
    from s1ops.catalogue.credentials import ProviderCredentials
    from s1ops.config.request import S1Config
    from s1ops.processing.job import JobResult
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRequest:
        """Inverse of ``to_dict``, every field checked."""
        f = FieldReader("RunRequest", data)
        return cls(
            first_date=f.day("first_date"),
            last_date=f.day("last_date"),
            force=f.flag("force"),
            polarisations=f.texts("polarisations", choices=POLARISATIONS, non_empty=True),
        )


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
    """Ids of the products the jobs need that are not on disk as SAFE folders, each once, in
    job order.

    A product on disk only as a zip is fetched too: fetching unzips it into the
    cache (processing reads SAFE folders, and the docker runner's containers
    see the cache read-only).
    """
    from s1ops.cache.layout import ZIP_SUFFIX

    ids: dict[str, None] = {}
    for job in jobs:
        paths = job.product_paths or (None,) * len(job.product_ids)
        for product_id, path in zip(job.product_ids, paths, strict=True):
            if path is None or path.endswith(ZIP_SUFFIX):
                ids[product_id] = None
    return list(ids)


def local_product(s1_images: str | Path, product_id: str) -> Path | None:
    """The product in the cache, by ``CacheLayout.locate``'s rule (SAFE, zip, one level down)."""
    from s1ops.cache.layout import CacheLayout

    return CacheLayout.of(s1_images).locate(product_id)


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


def plan_run(
    cfg: S1Config,
    tile_id: str,
    request: RunRequest,
    catalogue: Sequence[ProductRecord] = (),
    *,
    products_dir: str | Path | None = None,
) -> PlanResult:
    """Plan ``tile_id`` over the request's days from the cache and catalogue records.

    A product both on disk and in ``catalogue`` is taken from disk; the disk is
    ``[Paths] s1_images`` unless ``products_dir``.
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
    plan = plan_from_config(
        cfg, parse_tile_id(tile_id), filters, catalogue=catalogue, products_dir=products_dir
    )
    log.info(
        "tile %s %s..%s: %d job(s): %d todo, %d waiting, %d done (%d of them empty)",
        tile_id,
        request.first_date,
        request.last_date,
        len(plan.jobs),
        len(plan.todo),
        len(plan.waiting),
        len(plan.done),
        len(plan.done_empty),
    )
    for job in plan.done_empty:
        log.info("%s is done-empty: %s", job.job_id, job.empty_reason)
    return plan


@dataclass(frozen=True)
class RunPlan:
    """What a run's ``plan`` task decides: the run's request, the tile's plan, what to fetch.

    ``plan`` covers the request's days (no job when the window is empty);
    ``fetch`` lists the products its runnable jobs need that are not on disk.
    As a dict it is the plan's own (``PlanResult.to_dict``) with ``request``
    and ``fetch`` added: what ``s1ops plan`` prints, and what the ``plan`` task
    pushes as its XComs ``plan``, ``request`` and return value.
    """

    request: RunRequest
    plan: PlanResult
    fetch: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the run has no day to plan."""
        return self.request.empty

    def to_dict(self) -> dict[str, Any]:
        """The plan's dict with ``request`` and ``fetch``."""
        return {**self.plan.to_dict(), "request": self.request.to_dict(), "fetch": list(self.fetch)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunPlan:
        """Inverse of ``to_dict``, every field checked."""
        f = FieldReader("RunPlan", data)
        return cls(
            request=f.document("request", RunRequest.from_dict),
            plan=PlanResult.from_dict(data),
            fetch=f.texts("fetch"),
        )


def search_catalogue(
    cfg: S1Config,
    tile_id: str,
    request: RunRequest,
    credentials: ProviderCredentials | None = None,
) -> list[ProductRecord]:
    """The catalogue's products over ``tile_id`` for the request's days (eodag, configured
    provider, with ``credentials`` if given), filtered as ``[DataSource]`` says."""
    # Imported here: eodag costs a second to import, and only searching runs need it.
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.catalogue.search import criteria_from_config, search_products

    criteria = criteria_from_config(cfg, tile_id, request.first_date, request.last_date)
    return search_products(source_from_config(cfg, credentials=credentials), criteria)


def plan_for_run(
    cfg: S1Config,
    tile_id: str,
    interval_start: datetime | None = None,
    interval_end: datetime | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    lookback_days: int | None = None,
    search: bool | None = None,
    records: Sequence[ProductRecord] = (),
    products_dir: str | Path | None = None,
    credentials: ProviderCredentials | None = None,
) -> RunPlan:
    """The plan of one run of ``tile_id``: what the DAG's ``plan`` task and ``s1ops plan`` do.

    The window is the data interval ``[interval_start, interval_end)`` plus
    ``lookback_days`` (default ``[Airflow] lookback_days``) before it, clipped
    to the request's dates; without an interval, the request's whole date
    range. ``params`` (a manual trigger's) then override the window's bounds,
    force, or narrow the polarisations (``RunParamsError`` when invalid).
    ``search`` (default ``[DataSource] download``) adds the catalogue's
    products to those on disk, as do ``records``; ``credentials`` are the
    provider's, when the caller has them (an Airflow Connection).
    """
    ds = cfg.data_source
    if interval_start is None:
        window = (ds.first_date, ds.last_date)
    else:
        window = run_window(
            interval_start,
            interval_end or interval_start,
            lookback_days=cfg.airflow.lookback_days if lookback_days is None else lookback_days,
            first_date=ds.first_date,
            last_date=ds.last_date,
        )
    request = run_request(params or {}, window=window, polarisations=ds.polarisations)
    if request.empty:
        log.info("tile %s: nothing to plan, window %s..%s is empty", tile_id, *window)
        return RunPlan(request, PlanResult(tile_id, request.first_date, request.last_date))
    catalogue = list(records)
    if ds.download if search is None else search:
        catalogue += search_catalogue(cfg, tile_id, request, credentials)
    plan = plan_run(cfg, tile_id, request, catalogue, products_dir=products_dir)
    fetch = tuple(products_to_fetch(jobs_to_run(plan, request)))
    log.info("tile %s: products to fetch: %s", tile_id, ", ".join(fetch) or "none")
    return RunPlan(request, plan, fetch)


def select_jobs(
    plan: PlanResult, request: RunRequest, polarisation: str, s1_images: str | Path
) -> list[TileJob]:
    """The run's jobs of ``polarisation`` whose products are all on disk now (after fetching).

    Each comes with the cache paths of its products. A job whose product did
    not come is left for a later run (whose lookback window plans it again),
    never made partial.
    """
    selected = []
    for job in jobs_to_run(plan, request):
        if job.polarisation != polarisation:
            continue
        ready, missing = with_local_products(job, s1_images)
        if missing:
            log.warning(
                "%s waits for %s (not on disk): a later run will produce it",
                job.job_id,
                ", ".join(missing),
            )
            continue
        selected.append(ready)
    log.info("%d %s job(s) to process", len(selected), polarisation)
    return selected


@dataclass(frozen=True)
class RunOutputs:
    """A run's outputs: every planned job's files now on disk, and those this run made."""

    tile_id: str
    outputs: tuple[str, ...]  # sorted, each once
    new: tuple[str, ...]  # sorted
    # Jobs of the plan that published nothing, no valid pixel: job id -> why (sorted).
    empty: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what the ``publish`` task returns."""
        return {
            "tile_id": self.tile_id,
            "outputs": list(self.outputs),
            "new": list(self.new),
            "empty": {job_id: reason for job_id, reason in self.empty},
        }

    def summary(self) -> str:
        """``32NNJ: 4 output(s), 2 new, 1 empty``: the publish task's log line."""
        return (
            f"{self.tile_id}: {len(self.outputs)} output(s), {len(self.new)} new, "
            f"{len(self.empty)} empty"
        )


def _empty_jobs(plan: PlanResult | None, results: Iterable[JobResult]) -> dict[str, str]:
    """Job id -> reason of the plan's jobs found empty, by this run or an earlier one.

    Read from the records on disk (``s1ops.outputs.empty``): a process task that
    ended empty is skipped and may have left no result.
    """
    from s1ops.outputs.empty import read_empty_record

    empty = {r.job_id: r.reason or "" for r in results if r.empty}
    for job in plan.jobs if plan is not None else ():
        if job.job_id in empty or Path(job.output_path).exists():
            continue
        record = read_empty_record(job.output_path)
        if record is not None and record.product_ids == job.product_ids:
            empty[job.job_id] = record.reason
    return dict(sorted(empty.items()))


def run_outputs(
    tile_id: str,
    plan: PlanResult | None,
    results: Iterable[JobResult],
    *,
    filtered_of: Callable[[TileJob], str] | None = None,
) -> RunOutputs:
    """The images, masks and filtered images of ``plan``'s jobs that exist (including a
    done job's output found under another name), those ``results`` made (not skipped, not
    empty), and the plan's jobs found empty (published nothing: no valid pixel).

    ``filtered_of`` gives a job's filtered image when the request filters (its name
    and folder are the request's).
    """
    results = list(results)
    new: list[str] = []
    for result in results:
        if result.skipped or result.empty:
            continue
        # What was written, when said: an image not kept (only its filtered copy is) was not.
        written = [p for p in result.written if p.endswith(".tif")]
        made = written or [p for p in (result.output, result.mask) if p]
        new.extend(p for p in made if p not in new)
    found: set[str] = set()
    for job in plan.jobs if plan is not None else ():
        existing = job.existing_output and str(Path(job.output_path).parent / job.existing_output)
        filtered = filtered_of(job) if filtered_of is not None else None
        for path in (job.output_path, job.mask_path, existing, filtered):
            if path and Path(path).exists():
                found.add(str(path))
    empty = tuple(_empty_jobs(plan, results).items())
    return RunOutputs(tile_id, tuple(sorted(found)), tuple(sorted(new)), empty)
