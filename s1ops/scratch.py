"""Every temporary name s1ops writes, in one place: partial outputs and work folders.

* A file being written is a hidden sibling of its final name,
  ``.{stem}.partial-{token}{suffix}`` (OTB and GDAL pick the driver from the
  suffix), renamed into place once proven complete: a crash never leaves a
  file that looks finished, and the maintenance finds the orphans by name.
* Per-job work folders live under ``[Paths] tmp`` as ``s1ops-{kind}-XXXX``
  (``s1ops-dem-...`` for a job's DEM cells). While its job runs, a folder's
  ``.owner.lock`` is held (``flock``, released by the kernel when the process
  dies): the maintenance deletes only folders nobody holds.
* Running out of space while writing any of these is one error,
  ``DiskFullError`` naming the folder (``space_guard``, ``ran_out_of_space``):
  whoever writes, the user reads which folder is full and by how much.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from s1ops.errors import DiskFullError

PARTIAL_MARK = ".partial-"
WORK_PREFIX = "s1ops-"
OWNER_LOCK = ".owner.lock"


def new_token() -> str:
    """A token unique across processes and machines sharing a folder."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def partial_path(final: str | os.PathLike[str], token: str | None = None) -> Path:
    """The hidden partial sibling of ``final``, keeping its suffix."""
    final = Path(final)
    return final.with_name(f".{final.stem}{PARTIAL_MARK}{token or new_token()}{final.suffix}")


def is_partial_name(name: str) -> bool:
    """Whether a file name is one ``partial_path`` makes."""
    return name.startswith(".") and PARTIAL_MARK in name


def is_work_entry(name: str) -> bool:
    """Whether an entry of ``[Paths] tmp`` is one s1ops made (a work folder or file)."""
    return name.startswith(WORK_PREFIX)


@contextmanager
def work_folder(tmp_dir: str | os.PathLike[str] | None, kind: str) -> Iterator[Path]:
    """A fresh ``{tmp_dir}/s1ops-{kind}-XXXX`` folder, owned (locked) for the block.

    Deleted at the end of the block; if the process is killed, the folder
    stays, unlocked, for the maintenance to delete.
    """
    base = Path(tempfile.gettempdir() if tmp_dir is None else tmp_dir)
    with space_guard(base, f"a work folder ({WORK_PREFIX}{kind}-...)"):
        base.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{kind}-", dir=base))
        try:
            fd = os.open(folder / OWNER_LOCK, os.O_RDWR | os.O_CREAT, 0o664)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def work_folder_in_use(folder: Path) -> bool:
    """Whether a running process owns the work folder (its lock is held now)."""
    lock = folder / OWNER_LOCK
    if not folder.is_dir() or not lock.is_file():
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return False


# Errnos of a write that found no room: the disk is full, or the user's quota.
_NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# How libtiff, libjpeg, libpng and GDAL say it in messages that carry no errno.
_NO_SPACE_WORDS = ("no space left on device", "disk quota exceeded", "out of disk space")
# A write that failed without saying why, in a folder with less free space than
# this, is taken for a full disk: the failed write used up what was left (libtiff
# reports only "IO error writing tag data" when the IFD does not fit).
LOW_SPACE_BYTES = 1 << 20


def _statvfs(folder: str | os.PathLike[str]) -> os.statvfs_result | None:
    """The file system figures of ``folder`` (or of its nearest existing parent)."""
    path = Path(folder).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return os.statvfs(path)
    except OSError:
        return None


def free_bytes(folder: str | os.PathLike[str]) -> int | None:
    """Bytes free for this user in the file system of ``folder`` (or of its nearest
    existing parent); None when it cannot be known."""
    stats = _statvfs(folder)
    return None if stats is None else stats.f_bavail * stats.f_frsize


def no_inode_left(folder: str | os.PathLike[str]) -> bool:
    """Whether the file system of ``folder`` has no inode left for this user (a disk of
    many small files fills up that way, with bytes to spare)."""
    stats = _statvfs(folder)
    if stats is None:
        return False
    # File systems without an inode table (btrfs, some network ones) report 0 files.
    return stats.f_files > 0 and stats.f_favail == 0


def says_no_space(text: str) -> bool:
    """Whether a tool's message (GDAL's, OTB's log) reports a full disk or quota."""
    lowered = text.lower()
    return any(words in lowered for words in _NO_SPACE_WORDS)


def ran_out_of_space(error: BaseException, folder: str | os.PathLike[str]) -> bool:
    """Whether ``error``, raised writing in ``folder``, means there was no room left.

    An ``OSError`` says so by its errno. GDAL's errors carry none: their text
    says so, or else the folder has (next to) nothing free.
    """
    if isinstance(error, OSError):
        return error.errno in _NO_SPACE_ERRNOS
    if says_no_space(str(error)):
        return True
    free = free_bytes(folder)
    return free is not None and free < LOW_SPACE_BYTES


def require_space(folder: str | os.PathLike[str], needed_bytes: int, writing: str) -> None:
    """Raise ``DiskFullError`` now, before writing, if ``folder`` has less than ``needed_bytes``."""
    free = free_bytes(folder)
    if free is not None and free < needed_bytes:
        raise DiskFullError(folder, writing, needed_bytes=needed_bytes, free_bytes=free)


@contextmanager
def space_guard(
    folder: str | os.PathLike[str], writing: str, *, needed_bytes: int | None = None
) -> Iterator[None]:
    """Turn an ``OSError`` of a full disk (or quota) in the block into ``DiskFullError``.

    ``folder`` is where the block writes, ``writing`` what it writes (for the
    message); other errors pass unchanged.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno not in _NO_SPACE_ERRNOS:
            raise
        raise DiskFullError(
            folder,
            writing,
            needed_bytes=needed_bytes,
            free_bytes=free_bytes(folder),
            no_inode_left=no_inode_left(folder),
            errno=exc.errno,
        ) from exc
