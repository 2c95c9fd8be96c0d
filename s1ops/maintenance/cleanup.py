"""Finding and deleting what no tile needs any more: partial files, work folders, leftovers.

Candidates are chosen by pure functions of a listing and a clock; the names
they look for come from their owners (``s1ops.scratch`` for partial files
and work folders, ``s1ops.cache.layout`` for the S1 cache's bookkeeping,
``s1ops.cache.orthoready`` for OrthoReady files), never retyped here.
``remove`` deletes them (or, in a dry run, only measures them) and reports
the bytes freed. ``s1ops.maintenance.run`` puts the parts together.

Nothing here ever selects an output product: under ``[Paths] output`` only
hidden partial files, left by a killed writer, are candidates.

OrthoReady files (kept by ``--cache-before-ortho`` to serve several tiles)
are deleted by reference counting: a file stays while a job that is not
done yet (of any tile of the request) uses its product.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from s1ops.cache.layout import CacheLayout, product_id_of
from s1ops.cache.locks import product_in_use
from s1ops.cache.orthoready import key_of_file, key_of_product
from s1ops.scratch import is_partial_name, is_work_entry

log = logging.getLogger(__name__)

DAY_S = 86_400.0  # default age before a leftover counts as abandoned


@dataclass(frozen=True)
class Removed:
    """One file or folder deleted (or, in a dry run, that would be)."""

    path: str
    size_bytes: int
    reason: str


def _older(path: Path, older_than_s: float, now: float) -> bool:
    try:
        return now - path.lstat().st_mtime > older_than_s
    except FileNotFoundError:
        return False


def stale_partial_files(
    folder: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Partial files (``s1ops.scratch.partial_path``) under ``folder``, older than given.

    Under the output tree they are outputs a killed job was writing; in the
    OrthoReady folder, OrthoReady files a killed job was writing.
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    return sorted(
        p
        for p in root.rglob(".*")
        if p.is_file() and is_partial_name(p.name) and _older(p, older_than_s, now)
    )


def stale_work_entries(
    tmp_dir: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Work folders (and files) s1ops made under ``tmp_dir``, older than given, in use or not.

    Split them with ``split_in_use(entries, work_folder_in_use)``: one a running
    job holds is never deleted, whatever its age.
    """
    root = Path(tmp_dir)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    return sorted(
        p for p in root.iterdir() if is_work_entry(p.name) and _older(p, older_than_s, now)
    )


def stale_download_entries(
    s1_images: str | Path, *, older_than_s: float = DAY_S, now: float | None = None
) -> list[Path]:
    """Leftovers of killed downloads and purges in the S1 cache, older than given.

    The entries of ``CacheLayout.leftover_dirs``: a download's staging (with
    eodag's own records), a purge victim not yet deleted, and a stray eodag
    record folder (eodag skips a product forever once it recorded it). Split
    them with ``split_in_use(entries, download_entry_in_use(s1_images))``.
    """
    now = time.time() if now is None else now
    found: list[Path] = []
    for base in CacheLayout.of(s1_images).leftover_dirs():
        if base.is_dir():
            found += [p for p in base.iterdir() if _older(p, older_than_s, now)]
    return sorted(found)


def download_entry_in_use(s1_images: str | Path) -> Callable[[Path], bool]:
    """Whether the product a leftover entry is named after is locked now.

    A download holds its product's lock while writing its staging folder, the
    purge while deleting it; an entry not named after a product is never in use.
    """

    def in_use(entry: Path) -> bool:
        product_id = product_id_of(entry)
        return product_id is not None and product_in_use(s1_images, product_id)

    return in_use


def split_in_use(
    entries: Iterable[Path], in_use: Callable[[Path], bool]
) -> tuple[list[Path], list[Path]]:
    """``(free, busy)``: the entries nobody uses now, and those in use (kept)."""
    free: list[Path] = []
    busy: list[Path] = []
    for entry in entries:
        (busy if in_use(entry) else free).append(entry)
    return free, busy


def orthoready_files(orthoready_dir: str | Path) -> list[Path]:
    """The OrthoReady files in the folder (named by ``s1ops.cache.orthoready``)."""
    root = Path(orthoready_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_file() and key_of_file(p.name) is not None)


def unneeded_orthoready(orthoready_dir: str | Path, needed_products: Iterable[str]) -> list[Path]:
    """OrthoReady files whose product no pending job needs (reference count zero)."""
    needed = {k for k in (key_of_product(p) for p in needed_products) if k}
    return [p for p in orthoready_files(orthoready_dir) if key_of_file(p.name) not in needed]


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def remove(
    paths: Iterable[Path],
    reason: str,
    *,
    protect: Collection[Path] = (),
    dry_run: bool = False,
) -> list[Removed]:
    """Delete ``paths`` (files or folders); ``protect``ed paths and their contents are kept.

    ``dry_run`` measures what would be deleted and deletes nothing.
    """
    protected = [p.resolve() for p in protect]
    removed: list[Removed] = []
    for path in paths:
        resolved = path.resolve()
        if any(resolved == p or p in resolved.parents for p in protected):
            log.warning("not deleting %s: protected", path)
            continue
        try:
            size = _size(path)
            if not dry_run:
                _delete(path)
        except FileNotFoundError:
            continue
        log.info(
            "%s %s (%d bytes): %s", "would delete" if dry_run else "deleted", path, size, reason
        )
        removed.append(Removed(str(path), size, reason))
    return removed


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
