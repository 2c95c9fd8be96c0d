"""Waking up the moment a file appears in a folder: Linux inotify, through ctypes.

A kill "when the mask's partial file appears" must land within the few
milliseconds the mask takes to write; polling a folder would miss most of
them, inotify reports the creation (or the rename into place) as it happens.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# linux/inotify.h
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class FolderWatch:
    """Entries created in (or renamed into) some folders, as they appear."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self._fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._folders: dict[int, Path] = {}
        for folder in folders:
            wd = self._libc.inotify_add_watch(
                self._fd, os.fsencode(folder), IN_CREATE | IN_MOVED_TO
            )
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"cannot watch {folder}")
            self._folders[wd] = folder

    def _events(self, timeout_s: float) -> list[Path]:
        ready, _, _ = select.select([self._fd], [], [], max(timeout_s, 0.0))
        if not ready:
            return []
        data = os.read(self._fd, 1 << 16)
        paths = []
        offset = 0
        while offset < len(data):
            wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
            offset += _EVENT.size
            name = data[offset : offset + length].rstrip(b"\0")
            offset += length
            paths.append(self._folders[wd] / os.fsdecode(name))
        return paths

    def wait_for(
        self, wanted: Callable[[Path], bool], timeout_s: float, *, stop: Callable[[], bool]
    ) -> Path | None:
        """The first new entry for which ``wanted`` is true; None after ``timeout_s`` or
        once ``stop()`` (checked between events) is true."""
        deadline = time.monotonic() + timeout_s
        while not stop():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            for path in self._events(min(remaining, 0.05)):
                if wanted(path):
                    return path
        return None

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> FolderWatch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
