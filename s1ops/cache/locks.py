"""Per-product locks in the S1 cache: one download at a time, leases while processing.

Every product has a lock file, ``CacheLayout.lock_file`` (never deleted:
removing a lock file others may hold breaks the lock). A download
holds it exclusively; a job reading the product holds it shared
(``hold_products``); the purge takes it exclusively without waiting and
skips the product when it cannot. ``flock`` locks are released by the
kernel when their process dies, so a killed job leaves no stale lease.

A process must not download a product it already holds (its exclusive
request would wait for its own shared lock): download first, then hold.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from s1ops.cache.layout import CacheLayout
from s1ops.errors import S1OpsError

log = logging.getLogger(__name__)

_POLL_S = 0.05


class LockTimeoutError(S1OpsError):
    """A product lock was not obtained in time."""

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        super().__init__(f"lock {path} still held by another process after {timeout_s:g} s")


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o664)


def try_lock(path: Path, *, shared: bool = False) -> int | None:
    """An open descriptor holding the lock at ``path``, or None if it is taken now."""
    fd = _open(path)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def release(fd: int) -> None:
    """Release and close a descriptor from ``try_lock``."""
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextmanager
def product_lock(
    s1_images: str | Path, product_id: str, *, shared: bool = False, timeout_s: float | None = None
) -> Iterator[None]:
    """Hold the product's lock (exclusive, or shared) for the block; wait up to ``timeout_s``.

    ``timeout_s=None`` waits as long as it takes.
    """
    path = CacheLayout.of(s1_images).lock_file(product_id)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    fd = try_lock(path, shared=shared)
    if fd is None:
        log.info("waiting for %s lock on %s", "a shared" if shared else "the", product_id)
    while fd is None:
        if deadline is not None and time.monotonic() >= deadline:
            raise LockTimeoutError(path, float(timeout_s or 0))
        time.sleep(_POLL_S)
        fd = try_lock(path, shared=shared)
    try:
        yield
    finally:
        release(fd)


@contextmanager
def hold_products(
    product_ids: Iterable[str], s1_images: str | Path, timeout_s: float | None = None
) -> Iterator[None]:
    """Lease products for the block (shared locks): the purge will not delete them.

    Waits while a product is being downloaded, so the caller then finds it
    whole (or absent, if that download failed).
    """
    with ExitStack() as stack:
        for product_id in sorted(set(product_ids)):
            stack.enter_context(
                product_lock(s1_images, product_id, shared=True, timeout_s=timeout_s)
            )
        yield


def product_in_use(s1_images: str | Path, product_id: str) -> bool:
    """Whether a process holds the product's lock now (a download writing it, a job's lease).

    Answers without creating the lock file: a product never locked is not in use.
    """
    path = CacheLayout.of(s1_images).lock_file(product_id)
    if not path.is_file():
        return False
    fd = try_lock(path)
    if fd is None:
        return True
    release(fd)
    return False
