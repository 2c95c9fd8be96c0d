"""One maintenance run: what the maintenance DAG's task and ``s1ops maintenance`` both call.

Parts, in this order, each reported on its own (``s1ops.maintenance.report``):

``s1_cache``
    the purge down to ``[Airflow] s1_cache_max_products`` (most recent
    downloads kept; a product a job leases or a download writes is kept);
``partial_outputs``
    partial files older than the threshold under ``[Paths] output``, the
    terrain maps' folders (``[Paths] lia``, ``ia``) and the OrthoReady folder,
    left by a killed writer (never an output product, never a finished map:
    maps serve every later day of their tile and orbit, they are kept);
``work_folders``
    s1ops work folders under ``[Paths] tmp`` older than the threshold that no
    running job holds (one in use is kept whatever its age);
``orthoready``
    OrthoReady files no pending job needs (``s1ops.maintenance.needed``);
``download_leftovers``
    staging, trash and eodag records in the S1 cache older than the threshold
    whose product no download or purge holds.

A part that fails (a permission, an unreadable request) is reported with its
error and the others still run, as the DAG's separate tasks used to. A dry
run deletes nothing and reports what a real run would remove now.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from s1ops.cache.orthoready import orthoready_dir
from s1ops.cache.purge import purge_cache
from s1ops.errors import S1OpsError
from s1ops.maintenance import cleanup
from s1ops.maintenance.needed import needed_products
from s1ops.maintenance.report import Kept, MaintenanceReport, PartReport
from s1ops.scratch import work_folder_in_use

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

log = logging.getLogger(__name__)

DEFAULT_OLDER_THAN_S = cleanup.DAY_S

S1_CACHE = "s1_cache"
PARTIAL_OUTPUTS = "partial_outputs"
WORK_FOLDERS = "work_folders"
ORTHOREADY = "orthoready"
DOWNLOAD_LEFTOVERS = "download_leftovers"


@dataclass(frozen=True)
class _Run:
    """One run's settings, as every part reads them."""

    cfg: S1Config
    dry_run: bool
    older_than_s: float
    now: float


def _purge(run: _Run) -> PartReport:
    keep = run.cfg.airflow.s1_cache_max_products
    report = purge_cache(run.cfg.paths.s1_images, keep=keep, dry_run=run.dry_run)
    reason = f"over s1_cache_max_products={keep}, oldest download first"
    return PartReport(
        S1_CACHE,
        tuple(cleanup.Removed(str(p.path), p.size_bytes, reason) for p in report.purged),
        tuple(
            Kept(str(p.path), "leased by a job or being downloaded") for p in report.held_products
        ),
    )


def _partial_outputs(run: _Run) -> PartReport:
    paths, terrain = run.cfg.paths, run.cfg.terrain
    folders = [paths.output, orthoready_dir(paths.tmp)]
    # The maps' folders are under output by default: walked once.
    maps = (terrain.lia_dir, terrain.ia_dir, terrain.gamma_area_dir)
    folders += [f for f in maps if not f.is_relative_to(paths.output)]
    stale = [
        path
        for folder in dict.fromkeys(folders)
        for path in cleanup.stale_partial_files(folder, older_than_s=run.older_than_s, now=run.now)
    ]
    reason = "stale partial file: its writer died"
    return PartReport(PARTIAL_OUTPUTS, tuple(cleanup.remove(stale, reason, dry_run=run.dry_run)))


def _work_folders(run: _Run) -> PartReport:
    entries = cleanup.stale_work_entries(
        run.cfg.paths.tmp, older_than_s=run.older_than_s, now=run.now
    )
    free, busy = cleanup.split_in_use(entries, work_folder_in_use)
    removed = cleanup.remove(free, "work folder no running job holds", dry_run=run.dry_run)
    return PartReport(
        WORK_FOLDERS, tuple(removed), tuple(Kept(str(p), "held by a running job") for p in busy)
    )


def _orthoready(run: _Run) -> PartReport:
    folder = orthoready_dir(run.cfg.paths.tmp)
    files = cleanup.orthoready_files(folder)
    if not files:
        return PartReport(ORTHOREADY)  # nothing to free: spare planning every tile
    unneeded = cleanup.unneeded_orthoready(folder, needed_products(run.cfg))
    removed = cleanup.remove(unneeded, "OrthoReady no pending job needs", dry_run=run.dry_run)
    needed = sorted(set(files) - set(unneeded))
    kept = (Kept(str(p), "a pending job needs its product") for p in needed)
    return PartReport(ORTHOREADY, tuple(removed), tuple(kept))


def _download_leftovers(run: _Run) -> PartReport:
    cache = run.cfg.paths.s1_images
    stale = cleanup.stale_download_entries(cache, older_than_s=run.older_than_s, now=run.now)
    free, busy = cleanup.split_in_use(stale, cleanup.download_entry_in_use(cache))
    removed = cleanup.remove(free, "stale download leftover", dry_run=run.dry_run)
    return PartReport(
        DOWNLOAD_LEFTOVERS,
        tuple(removed),
        tuple(Kept(str(p), "its product is being downloaded or purged") for p in busy),
    )


PARTS: tuple[tuple[str, Callable[[_Run], PartReport]], ...] = (
    (S1_CACHE, _purge),
    (PARTIAL_OUTPUTS, _partial_outputs),
    (WORK_FOLDERS, _work_folders),
    (ORTHOREADY, _orthoready),
    (DOWNLOAD_LEFTOVERS, _download_leftovers),
)


def run_maintenance(
    cfg: S1Config,
    *,
    dry_run: bool = False,
    older_than_s: float = DEFAULT_OLDER_THAN_S,
    now: float | None = None,
) -> MaintenanceReport:
    """Run every part for the request ``cfg``; ``dry_run`` deletes nothing.

    ``older_than_s`` is the age (by mtime) past which a leftover counts as
    abandoned; ``now`` (POSIX seconds) defaults to the clock.
    """
    if older_than_s < 0:
        raise ValueError(f"older_than_s={older_than_s}: must be >= 0")
    run = _Run(cfg, dry_run, older_than_s, time.time() if now is None else now)
    parts = []
    for name, part in PARTS:
        try:
            parts.append(part(run))
        except (S1OpsError, OSError) as exc:
            log.error("maintenance part %s failed: %s", name, exc)
            parts.append(PartReport(name, error=f"{type(exc).__name__}: {exc}"))
    report = MaintenanceReport(dry_run, older_than_s, tuple(parts))
    log.info(
        "maintenance %s %d bytes",
        "would free" if dry_run else "freed",
        report.freed_bytes,
    )
    return report
