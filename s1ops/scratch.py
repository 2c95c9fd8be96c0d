"""Every temporary name s1ops writes, in one place: partial outputs and work folders.

* A file being written is a hidden sibling of its final name,
  ``.{stem}.partial-{token}{suffix}`` (OTB and GDAL pick the driver from the
  suffix), renamed into place once proven complete: a crash never leaves a
  file that looks finished, and the maintenance finds the orphans by name.
* Per-job work folders live under ``[Paths] tmp`` as ``s1ops-{kind}-XXXX``
  (``s1ops-dem-...`` for a job's DEM cells). While its job runs, a folder's
  ``.owner.lock`` is held (``flock``, released by the kernel when the process
  dies): the maintenance deletes only folders nobody holds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    if tmp_dir is not None:
        Path(tmp_dir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{kind}-", dir=tmp_dir))
    fd = os.open(folder / OWNER_LOCK, os.O_RDWR | os.O_CREAT, 0o664)
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
