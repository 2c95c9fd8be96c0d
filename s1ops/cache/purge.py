"""The S1 cache (``[Paths] s1_images``): list products, purge the oldest downloads.

A product's download time is its SAFE folder's mtime (set when it is moved
into the cache; a zip's own mtime for zipped products put there by hand).
The purge keeps the ``keep`` most recent products and deletes the others,
except those a job holds (``locks.hold_products``) or a download is writing:
it takes each victim's lock without waiting and skips it when taken.
A victim is first renamed out of the cache, so a scan never sees it half
deleted.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s1ops.cache.locks import lock_path, release, try_lock
from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import DEFAULT_CACHE_KEEP

log = logging.getLogger(__name__)

TRASH_DIR = ".trash"


@dataclass(frozen=True)
class CachedProduct:
    """One product in the cache."""

    product_id: str
    path: Path  # {id}.SAFE folder or {id}.zip
    downloaded_at: float  # POSIX time


@dataclass(frozen=True)
class PurgeReport:
    """What a purge did."""

    kept: tuple[str, ...]
    deleted: tuple[str, ...]
    held: tuple[str, ...]  # over the limit, but held by a job: not deleted
    freed_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "kept": len(self.kept),
            "deleted": list(self.deleted),
            "held": list(self.held),
            "freed_bytes": self.freed_bytes,
        }


def cached_products(s1_images: str | Path) -> list[CachedProduct]:
    """Products in the cache, most recent download first (hidden entries skipped)."""
    root = Path(s1_images)
    if not root.is_dir():
        return []
    found: list[CachedProduct] = []
    for entry in root.iterdir():
        if entry.name.startswith("."):
            continue
        is_safe = entry.suffix == ".SAFE" and entry.is_dir()
        is_zip = entry.suffix == ".zip" and entry.is_file()
        if not (is_safe or is_zip):
            continue
        try:
            pid = ProductId.parse(entry.name).format()
        except ProductNameError:
            continue
        found.append(CachedProduct(pid, entry, entry.stat().st_mtime))
    return sorted(found, key=lambda p: (-p.downloaded_at, p.product_id))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _delete(root: Path, product: CachedProduct) -> int:
    size = _size(product.path)
    trash = root / TRASH_DIR
    trash.mkdir(exist_ok=True)
    doomed = trash / f"{product.path.name}.{os.getpid()}"
    os.replace(product.path, doomed)
    if doomed.is_dir():
        shutil.rmtree(doomed)
    else:
        doomed.unlink()
    return size


def purge_cache(
    s1_images: str | Path, keep: int = DEFAULT_CACHE_KEEP, dry_run: bool = False
) -> PurgeReport:
    """Keep the ``keep`` most recently downloaded products; delete the others not held.

    ``dry_run`` reports what would be deleted (held products included as held).
    """
    if keep < 0:
        raise ValueError(f"keep={keep}: must be >= 0")
    root = Path(s1_images)
    products = cached_products(root)
    kept = [p.product_id for p in products[:keep]]
    deleted: list[str] = []
    held: list[str] = []
    freed = 0
    for product in products[keep:]:
        fd = try_lock(lock_path(root, product.product_id))
        if fd is None:
            held.append(product.product_id)
            continue
        try:
            if dry_run:
                freed += _size(product.path)
            else:
                freed += _delete(root, product)
            deleted.append(product.product_id)
        finally:
            release(fd)
    log.info(
        "purge of %s: kept %d, deleted %d (%d bytes), %d held",
        root,
        len(kept),
        len(deleted),
        freed,
        len(held),
    )
    return PurgeReport(tuple(kept), tuple(deleted), tuple(held), freed)
