"""Download one product into the S1 cache: locked, verified, moved into place atomically.

The cache (``[Paths] s1_images``, laid out by ``s1ops.cache.layout``) only
ever holds whole products: ``{id}.SAFE`` appears by one ``os.replace`` of a
folder extracted from a verified zip. eodag downloads into the product's
staging folder in the cache (same filesystem, so the move is a rename),
with its own ``.downloaded/`` record there; the folder is removed after
every attempt, so a false success eodag recorded (a truncated body, an HTML
page) never makes the next attempt skip the download.

A product already in the cache by ``CacheLayout.locate``'s rule (a SAFE
folder, a zip put there by hand, either one level down) is not downloaded
again: the path found is returned.

While one process downloads a product it holds the product's lock; another
asking for the same product waits, then finds it in place.

A zip put in the cache by hand (S1Tiling users keep them) is read in place by
planning, but OTB cannot process a product inside a zip: ``ensure_unzipped``
turns it into ``{id}.SAFE`` on first use, the way a download enters the cache
(verified against its manifest, extracted into staging, renamed into place),
then deletes the zip: the cache holds one copy of each product, as after a
download, and the SAFE has every byte of the zip's members, each listed file
checked against the manifest's size and MD5. The SAFE keeps the zip's mtime,
so the product keeps its place in the purge's order. A zip that fails the
checks is left where it is (``ZippedProductError``).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import LockTimeoutError, product_lock, release, try_lock
from s1ops.catalogue.gateway import EodagSource
from s1ops.catalogue.search import find_product
from s1ops.catalogue.translate import is_transient, translate
from s1ops.catalogue.verify import extract_safe, locate_archive
from s1ops.errors import (
    CorruptProductError,
    DownloadFailedError,
    FileSystemError,
    ProductDownloadError,
    ZippedProductError,
)
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord

log = logging.getLogger(__name__)

_MINUTE_S = 60.0  # eodag's wait and timeout are in minutes
# How often a process waiting for another's unzipping looks for the SAFE.
_LOCK_POLL_S = 0.1


@dataclass(frozen=True)
class DownloadPolicy:
    """How hard to try. ``timeout_s=0``: one eodag attempt, no waiting for staging.

    ``attempts`` bounds retries of transient failures (5xx, cut transfers,
    corrupt bodies), ``backoff_s`` is the first pause (doubled each time);
    ``wait_s``/``timeout_s`` are eodag's polling of an offline product;
    ``lock_timeout_s`` bounds the wait for another process's download.
    """

    attempts: int = 3
    backoff_s: float = 2.0
    wait_s: float = 60.0
    timeout_s: float = 0.0
    lock_timeout_s: float | None = None


def _eodag_download(product: Any, staging: Path, policy: DownloadPolicy) -> Path:
    from eodag.utils import ProgressCallback

    path = product.download(
        output_dir=str(staging),
        extract=False,  # we verify the zip first, then extract ourselves
        wait=policy.wait_s / _MINUTE_S,
        timeout=policy.timeout_s / _MINUTE_S,
        progress_callback=ProgressCallback(disable=True),
    )
    return Path(path)


def _attempt(source: EodagSource, pid: str, cache: CacheLayout, policy: DownloadPolicy) -> Path:
    """One search + download + verification + move; raises on any failure."""
    from eodag.utils.exceptions import EodagError
    from requests import RequestException

    staging = cache.staging_dir(pid)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        # A fresh product each time: eodag's product remembers a previous
        # (false) success and would not download again.
        product = find_product(source, pid)
        started = time.monotonic()
        try:
            path = _eodag_download(product, staging / "eodag", policy)
        except (EodagError, RequestException) as exc:
            error = translate(exc, pid, source.provider, source.credentials_origin)
            if error is exc:
                raise
            raise error from exc
        archive = locate_archive(path, pid)
        size = archive.stat().st_size
        fetched_s = time.monotonic() - started
        target = _install(archive, pid, cache, staging)
        os.utime(target)  # the download time the purge sorts on
        log.info(
            "downloaded %s from eodag provider %r: %d bytes in %.1f s; verified (%.1f s): "
            "a whole zip, each file's MD5 against the SAFE's manifest; placed at %s",
            pid,
            source.provider,
            size,
            fetched_s,
            time.monotonic() - started - fetched_s,
            target,
        )
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(archive: Path, pid: str, cache: CacheLayout, staging: Path) -> Path:
    """The one way into the cache: extract ``archive`` into ``staging`` while checking it
    against its manifest (``extract_safe``), rename its SAFE to ``{id}.SAFE``. Raises
    ``CorruptProductError`` (nothing moved)."""
    safe = extract_safe(archive, pid, staging / "extract")
    target = cache.safe_dir(pid)
    os.replace(safe, target)
    return target


def _retryable(error: BaseException) -> bool:
    if isinstance(error, CorruptProductError):
        return True
    if isinstance(error, DownloadFailedError):
        cause = error.__cause__
        return cause is None or is_transient(cause)
    return False


def download_product(
    source: EodagSource,
    product: str | ProductRecord,
    s1_images: str | Path,
    policy: DownloadPolicy | None = None,
) -> Path:
    """The product's ``{id}.SAFE`` in the cache: found there, unzipped from a zip put there
    (``ensure_unzipped``), else downloaded, verified and placed.

    Raises ``ProductNotAvailableError`` (offline or staging: wait),
    ``DownloadAuthError``, ``QuotaError``, ``ProductNotFoundError`` at once;
    ``CorruptProductError`` or ``DownloadFailedError`` after ``policy.attempts``.
    Nothing partial is ever left in the cache.
    """
    policy = policy or DownloadPolicy()
    pid = product.name if isinstance(product, ProductRecord) else ProductId.parse(product).format()
    cache = CacheLayout.of(s1_images)
    found = ensure_unzipped(cache.root, pid, lock_timeout_s=policy.lock_timeout_s)
    if found is not None:
        return found
    cache.root.mkdir(parents=True, exist_ok=True)
    with product_lock(cache.root, pid, timeout_s=policy.lock_timeout_s):
        found = cache.locate(pid)
        if found is not None:
            log.info("%s was downloaded by another process meanwhile", pid)
            return found
        return _download_locked(source, pid, cache, policy)


def _download_locked(
    source: EodagSource, pid: str, cache: CacheLayout, policy: DownloadPolicy
) -> Path:
    delay = policy.backoff_s
    last: ProductDownloadError | None = None
    for attempt in range(1, policy.attempts + 1):
        try:
            return _attempt(source, pid, cache, policy)
        except ProductDownloadError as exc:
            if not _retryable(exc):
                raise
            last = exc
            if attempt < policy.attempts:
                log.warning(
                    "%s: attempt %d/%d failed (%s); retrying in %.1f s",
                    pid,
                    attempt,
                    policy.attempts,
                    exc,
                    delay,
                )
                time.sleep(delay)
                delay *= 2
    if isinstance(last, CorruptProductError):
        raise last
    reason = last.reason if isinstance(last, DownloadFailedError) else str(last)
    raise DownloadFailedError(pid, reason, policy.attempts) from last


def ensure_unzipped(
    s1_images: str | Path, product_id: str, *, lock_timeout_s: float | None = None
) -> Path | None:
    """The product in the cache (``CacheLayout.locate``), a zip replaced by its ``{id}.SAFE``;
    None when absent.

    The extraction holds the product's lock exclusively (a process holding the
    product must not call this: see ``s1ops.cache.locks``). Another process
    unzipping the same product is waited for (up to ``lock_timeout_s``), and its
    SAFE taken as soon as it is in place, not when that process's lease ends.
    Raises ``ZippedProductError`` (the zip left in place) when the zip fails the
    checks, ``FileSystemError`` when the cache cannot be written (read-only, full).
    """
    pid = ProductId.parse(product_id).format()  # a name in the cache, never a path
    cache = CacheLayout.of(s1_images)
    deadline = None if lock_timeout_s is None else time.monotonic() + lock_timeout_s
    while True:
        found = cache.locate(pid)
        if found is None or found.is_dir():
            return found
        try:
            fd = try_lock(cache.lock_file(pid))
            if fd is not None:
                try:
                    return _unzip_in_lock(pid, cache)
                finally:
                    release(fd)
        except OSError as exc:
            what = f"[Paths] s1_images (unzipping {found.name})"
            refusal = FileSystemError.from_os_error(exc, what=what)
            if refusal is None:
                raise
            raise refusal from exc
        if deadline is not None and time.monotonic() >= deadline:
            raise LockTimeoutError(cache.lock_file(pid), float(lock_timeout_s or 0))
        time.sleep(_LOCK_POLL_S)


def _unzip_in_lock(pid: str, cache: CacheLayout) -> Path | None:
    # Looked for again under the lock: another process may have unzipped it meanwhile.
    found = cache.locate(pid)
    if found is None or found.is_dir():
        return found
    return _unzip_locked(found, pid, cache)


def _unzip_locked(archive: Path, pid: str, cache: CacheLayout) -> Path:
    """``archive`` into ``{id}.SAFE`` through the staging folder, then deleted (lock held).

    Killed after the rename, the zip stays beside its SAFE: ``locate`` takes the SAFE.
    """
    started = time.monotonic()
    staging = cache.staging_dir(pid)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        try:
            target = _install(archive, pid, cache, staging)
        except CorruptProductError as exc:
            raise ZippedProductError(str(archive), pid, exc.reason) from exc
        zipped = archive.stat()
        os.utime(target, ns=(zipped.st_atime_ns, zipped.st_mtime_ns))
        archive.unlink()
        log.info(
            "unzipped %s into %s in %.1f s (zip deleted)",
            archive,
            target,
            time.monotonic() - started,
        )
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
