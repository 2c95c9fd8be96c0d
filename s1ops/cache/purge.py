"""The S1 cache (``[Paths] s1_images``): list products, purge the oldest downloads.

A product's download time is its SAFE folder's mtime (set when it is moved
into the cache; a zip's own mtime for zipped products put there by hand).
The purge keeps the ``keep`` most recent products and deletes the others,
except those a job holds (``locks.hold_products``) or a download is writing:
it takes each victim's lock without waiting and skips it when taken.
A victim is first renamed out of the cache (into ``CacheLayout.trash_dir``),
so a scan never sees it half deleted. Only products directly in the cache
are purged (``CacheLayout.top_level_products``), not those one level down.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import release, try_lock
from s1ops.config.folders import require_writable_folder
from s1ops.vocabulary import DEFAULT_CACHE_KEEP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedProduct:
    """One product in the cache."""

    product_id: str
    path: Path  # {id}.SAFE folder or {id}.zip
    downloaded_at: float  # POSIX time


@dataclass(frozen=True)
class PurgedProduct:
    """A product the purge deleted (or, in a dry run, would delete)."""

    product_id: str
    path: Path
    size_bytes: int


@dataclass(frozen=True)
class PurgeReport:
    """What a purge did: ids kept, products deleted, products held (with their paths)."""

    kept: tuple[str, ...]
    purged: tuple[PurgedProduct, ...]
    held_products: tuple[CachedProduct, ...]  # over the limit, but held by a job: not deleted

    @property
    def deleted(self) -> tuple[str, ...]:
        """Ids of the products deleted."""
        return tuple(p.product_id for p in self.purged)

    @property
    def held(self) -> tuple[str, ...]:
        """Ids of the products over the limit a job or a download holds."""
        return tuple(p.product_id for p in self.held_products)

    @property
    def freed_bytes(self) -> int:
        """Bytes deleted."""
        return sum(p.size_bytes for p in self.purged)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "kept": len(self.kept),
            "deleted": list(self.deleted),
            "held": list(self.held),
            "freed_bytes": self.freed_bytes,
        }


def cached_products(s1_images: str | Path) -> list[CachedProduct]:
    """Products directly in the cache, most recent download first."""
    found = [
        CachedProduct(product_id, path, path.stat().st_mtime)
        for product_id, path in CacheLayout.of(s1_images).top_level_products()
    ]
    return sorted(found, key=lambda p: (-p.downloaded_at, p.product_id))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _delete(layout: CacheLayout, product: CachedProduct) -> int:
    size = _size(product.path)
    doomed = layout.trash_path(product.path)
    doomed.parent.mkdir(exist_ok=True)
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
    layout = CacheLayout.of(s1_images)
    products = cached_products(layout.root)
    kept = [p.product_id for p in products[:keep]]
    if products[keep:] and not dry_run:
        # A read-only cache: said once, naming it, before any product is touched.
        require_writable_folder(layout.root, "[Paths] s1_images")
    purged: list[PurgedProduct] = []
    held: list[CachedProduct] = []
    for product in products[keep:]:
        fd = try_lock(layout.lock_file(product.product_id))
        if fd is None:
            held.append(product)
            continue
        try:
            size = _size(product.path) if dry_run else _delete(layout, product)
            purged.append(PurgedProduct(product.product_id, product.path, size))
        finally:
            release(fd)
    report = PurgeReport(tuple(kept), tuple(purged), tuple(held))
    log.info(
        "purge of %s: kept %d, %s %d (%d bytes), %d held",
        layout.root,
        len(kept),
        "would delete" if dry_run else "deleted",
        len(purged),
        report.freed_bytes,
        len(held),
    )
    return report
