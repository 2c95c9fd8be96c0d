"""What a tile job tells its log at INFO: its inputs, its steps' durations, its outputs.

A user reading a task's log (or ``s1ops -v process``) sees what was read, how
long each step took and what was published (path, size, valid pixels),
without opening a file. Only measurements live here; the job decides when to
log them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from s1ops.errors import _megabytes

log = logging.getLogger(__name__)


def size_bytes(path: str | os.PathLike[str]) -> int:
    """The bytes of a file, or of every file under a folder (a SAFE); 0 if it is gone."""
    root = Path(path)
    if root.is_file():
        return root.stat().st_size
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def valid_percent(path: str | os.PathLike[str]) -> float:
    """The percentage of pixels of band 1 that are not 0 (S1Tiling's no-data value)."""
    from s1ops.outputs.empty import count_valid  # the one owner of "valid"

    return 100.0 * count_valid(path).fraction


def log_inputs(job_id: str, products: list[tuple[str, str | None]]) -> None:
    """One INFO line per input product: its id, where it is and its size."""
    for product_id, path in products:
        if path is None:
            continue
        log.info(
            "job %s input %s (%s) at %s", job_id, product_id, _megabytes(size_bytes(path)), path
        )


def log_output(
    job_id: str,
    kind: str,
    path: str | os.PathLike[str],
    valid_fraction: float | None = None,
) -> None:
    """One INFO line for a published output: its path, size and valid-pixel percentage
    (``valid_fraction`` when already counted, else counted here: a read of the file)."""
    percent = valid_percent(path) if valid_fraction is None else 100.0 * valid_fraction
    log.info(
        "job %s wrote %s %s (%s, %.1f %% valid pixels)",
        job_id,
        kind,
        path,
        _megabytes(size_bytes(path)),
        percent,
    )


@contextmanager
def timed(job_id: str, step: str) -> Iterator[None]:
    """Log how long the block (one step of the job) took, at INFO, when it succeeds."""
    started = time.monotonic()
    yield
    log.info("job %s step %s done in %.1f s", job_id, step, time.monotonic() - started)
