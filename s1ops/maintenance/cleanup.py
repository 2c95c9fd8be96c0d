"""Finding and deleting what no tile needs any more: partial files, stale staging, OrthoReady.

The maintenance DAG calls these. Nothing here ever selects an output
product: under ``[Paths] output`` only hidden partial files (``.{name}.partial-*``,
left by a killed OTB run) are candidates. Candidates are chosen by pure
functions of a listing and a clock; ``remove`` deletes them and reports the
bytes freed.

OrthoReady files (``{tmp}/S1/{measurement}_OrthoReady.tif``, kept by
``--cache-before-ortho`` to serve several tiles) are deleted by reference
counting: a file stays while a job that is not done yet (of any tile of the
request) uses its product.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import ProductId

log = logging.getLogger(__name__)

PARTIAL_MARK = (
    ".partial-"  # s1ops.processing.otb.runner.partial_path: .{stem}.partial-{token}{suffix}
)
ORTHOREADY_SUFFIX = "_OrthoReady.tif"
TMP_PREFIXES = ("s1ops-",)  # tempfile prefixes s1ops uses under [Paths] tmp
DAY_S = 86_400.0


@dataclass(frozen=True)
class Removed:
    """One deleted file or folder."""

    path: str
    size_bytes: int
    reason: str


@dataclass(frozen=True)
class CleanReport:
    """What a clean-up deleted."""

    removed: tuple[Removed, ...] = ()

    @property
    def freed_bytes(self) -> int:
        """Bytes freed in all."""
        return sum(r.size_bytes for r in self.removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "freed_bytes": self.freed_bytes,
            "removed": [
                {"path": r.path, "bytes": r.size_bytes, "reason": r.reason} for r in self.removed
            ],
        }


def _older(path: Path, older_than_s: float, now: float) -> bool:
    try:
        return now - path.lstat().st_mtime > older_than_s
    except FileNotFoundError:
        return False


def stale_partial_outputs(
    output_dir: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Hidden partial files under the output tree older than ``older_than_s``."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    return sorted(
        p
        for p in root.rglob(".*")
        if p.is_file() and PARTIAL_MARK in p.name and _older(p, older_than_s, now)
    )


def stale_tmp_entries(
    tmp_dir: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Temporary folders/files s1ops made under ``tmp_dir`` (``s1ops-*``), older than given."""
    root = Path(tmp_dir)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    return sorted(
        p
        for p in root.iterdir()
        if p.name.startswith(TMP_PREFIXES) and _older(p, older_than_s, now)
    )


def stale_download_entries(
    s1_images: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Leftovers of killed downloads and purges in the S1 cache, older than given.

    ``.partial/{id}`` (a download's staging, with eodag's own ``.downloaded``
    records), ``.trash/*`` (a purge victim not yet deleted) and a stray
    ``.downloaded/`` record folder (eodag skips a product forever once it
    recorded it). Entries of a product whose lock is held are left alone by
    the caller (see ``unlocked``).
    """
    root = Path(s1_images)
    now = time.time() if now is None else now
    found: list[Path] = []
    for folder in (".partial", ".trash", ".downloaded"):
        base = root / folder
        if base.is_dir():
            found += [p for p in base.iterdir() if _older(p, older_than_s, now)]
    return sorted(found)


def orthoready_key(name: str) -> str | None:
    """``s1a-iw-grd-vv-{start}-{stop}-{orbit}-{datatake}-001_OrthoReady.tif`` -> product key."""
    if not name.endswith(ORTHOREADY_SUFFIX):
        return None
    parts = name.removesuffix(ORTHOREADY_SUFFIX).lower().split("-")
    if len(parts) < 8:
        return None
    unit, start, stop, orbit, datatake = parts[0], parts[4], parts[5], parts[6], parts[7]
    return f"{unit}-{start}-{stop}-{int(orbit):06d}-{datatake}" if orbit.isdigit() else None


def product_key(product_id: str) -> str | None:
    """The key a product's OrthoReady files carry (unit, start, stop, orbit, datatake)."""
    try:
        pid = ProductId.parse(product_id)
    except ProductNameError:
        return None
    fmt = "%Y%m%dt%H%M%S"
    return (
        f"{pid.unit.lower()}-{pid.start.strftime(fmt)}-{pid.stop.strftime(fmt)}-"
        f"{pid.absolute_orbit:06d}-{pid.datatake.lower()}"
    )


def unneeded_orthoready(orthoready_dir: str | Path, needed_products: Iterable[str]) -> list[Path]:
    """OrthoReady files whose product no pending job needs (reference count zero)."""
    root = Path(orthoready_dir)
    if not root.is_dir():
        return []
    needed = {k for k in (product_key(p) for p in needed_products) if k}
    return sorted(
        p
        for p in root.iterdir()
        if p.is_file() and (key := orthoready_key(p.name)) is not None and key not in needed
    )


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def remove(paths: Iterable[Path], reason: str, *, protect: Collection[Path] = ()) -> CleanReport:
    """Delete ``paths`` (files or folders); ``protect``ed paths and their contents are kept."""
    protected = [p.resolve() for p in protect]
    removed: list[Removed] = []
    for path in paths:
        resolved = path.resolve()
        if any(resolved == p or p in resolved.parents for p in protected):
            log.warning("not deleting %s: protected", path)
            continue
        try:
            size = _size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        log.info("deleted %s (%d bytes): %s", path, size, reason)
        removed.append(Removed(str(path), size, reason))
    return CleanReport(tuple(removed))


def merge_reports(*reports: CleanReport) -> CleanReport:
    """One report of several clean-ups."""
    return CleanReport(tuple(r for report in reports for r in report.removed))


def unlocked(s1_images: str | Path, entries: Iterable[Path]) -> list[Path]:
    """The entries whose product (named by the entry) no process holds the lock of now.

    A download holds its product's lock while writing ``.partial/{id}``; an
    entry not named after a product is returned as is.
    """
    from s1ops.cache.locks import lock_path, release, try_lock

    free: list[Path] = []
    for entry in entries:
        name = entry.name.split(".SAFE")[0].split(".zip")[0]
        try:
            product_id = ProductId.parse(name).format()
        except ProductNameError:
            free.append(entry)
            continue
        fd = try_lock(lock_path(s1_images, product_id))
        if fd is None:
            log.info("keeping %s: product %s is in use", entry, product_id)
            continue
        release(fd)
        free.append(entry)
    return free
