"""Publishing a written file under its final name, once it is proven complete.

Every file s1ops publishes -- OTB's images (tile outputs, OrthoReady files,
``calibrate`` and ``concatenate`` outputs), border masks, quicklooks -- is
written under its partial name (``s1ops.scratch.partial_path``) and goes
through :func:`publish`: proven complete (:func:`prove_complete`), flushed to
the disk, renamed. A failed write or a file that is not whole is deleted and
raises: ``DiskFullError`` when the disk ran out of space, ``IncompleteFileError``
otherwise. The final name never appears for an incomplete file, so for
planning "the file exists" means "the file is complete".

The proof of a GeoTIFF reads its directory and checks that every block was
written inside the file, then decodes the block stored last; the full read of
every block (``full_read=True``) costs seconds on a 10 980 x 10 980 image for
no truncation it would catch more (see :func:`prove_complete`). Other formats
(quicklooks) are small and are decoded whole.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from s1ops.errors import DiskFullError, IncompleteFileError, S1OpsError
from s1ops.scratch import (
    free_bytes,
    no_inode_left,
    partial_path,
    ran_out_of_space,
    space_guard,
)

log = logging.getLogger(__name__)

# GDAL's warnings count as failures in a proof: libjpeg reports a truncated
# JPEG only as a warning, and decodes the missing part as grey.
_GDAL_WARNING = 2
# How files of formats without a block index end (PNG's IEND chunk, JPEG's EOI
# marker): their decoders stop before it, so a cut there decodes "whole". (GDAL
# appends data after a JPEG's EOI only for a mask band: quicklooks have none.)
_TRAILERS = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}


class NotComplete(Exception):
    """What :func:`prove_complete` found wrong with a file (the caller names the file)."""


@contextmanager
def _gdal_messages() -> Iterator[list[str]]:
    """GDAL's warnings and errors raised in the block, in order."""
    from osgeo import gdal

    messages: list[str] = []

    def collect(level: int, _number: int, text: str) -> None:
        if level >= _GDAL_WARNING:
            messages.append(str(text).strip())

    gdal.PushErrorHandler(collect)
    try:
        yield messages
    finally:
        gdal.PopErrorHandler()


@contextmanager
def gdal_writes() -> Iterator[None]:
    """Run GDAL writes with its exceptions off, raising its errors as one ``RuntimeError``
    at the end of the block.

    GDAL 3.6's Python bindings raise a failure to close a dataset (its last
    directory write, on a full disk) from the destructor, where Python only
    prints it ("Exception ignored ... Traceback"): with exceptions off the block
    closes its datasets (``dataset = None``) and every error is reported here.
    """
    from osgeo import gdal

    errors: list[str] = []

    def collect(level: int, _number: int, text: str) -> None:
        if level >= gdal.CE_Failure:
            errors.append(str(text).strip())

    using_exceptions = gdal.GetUseExceptions()
    gdal.DontUseExceptions()
    gdal.PushErrorHandler(collect)
    try:
        yield
    except (AttributeError, TypeError) as exc:
        # A call on the None GDAL returned for a failure: GDAL's errors say why.
        if errors:
            raise RuntimeError("; ".join(errors[:3])) from exc
        raise
    finally:
        gdal.PopErrorHandler()
        if using_exceptions:
            gdal.UseExceptions()
    if errors:
        raise RuntimeError("; ".join(errors[:3]))


def _block_extent(band: Any, x: int, y: int) -> tuple[int, int]:
    """(offset, byte count) of one block of a GeoTIFF band, 0 for a block never written."""
    offset = band.GetMetadataItem(f"BLOCK_OFFSET_{x}_{y}", "TIFF")
    count = band.GetMetadataItem(f"BLOCK_SIZE_{x}_{y}", "TIFF")
    return int(offset or 0), int(count or 0)


def _check_tiff_blocks(dataset: Any, file_bytes: int) -> list[tuple[int, int, int]]:
    """Check every block of every band was written, inside the file.

    Returns (band, x, y) of the block stored last in each band.
    """
    last: list[tuple[int, int, int]] = []
    for index in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(index)
        block_x, block_y = band.GetBlockSize()
        columns = -(-dataset.RasterXSize // block_x)
        rows = -(-dataset.RasterYSize // block_y)
        furthest = (-1, 0, 0)
        for y in range(rows):
            for x in range(columns):
                offset, count = _block_extent(band, x, y)
                if offset <= 0 or count <= 0:
                    raise NotComplete(f"has no data for block ({x}, {y}) of band {index}")
                if offset + count > file_bytes:
                    raise NotComplete(
                        f"is truncated: block ({x}, {y}) of band {index} ends at byte "
                        f"{offset + count}, past the end of the file ({file_bytes} bytes)"
                    )
                furthest = max(furthest, (offset, x, y))
        last.append((index, furthest[1], furthest[2]))
    return last


def _read_everything(dataset: Any) -> None:
    for index in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(index)
        block_x, block_y = band.GetBlockSize()
        for y in range(-(-dataset.RasterYSize // block_y)):
            for x in range(-(-dataset.RasterXSize // block_x)):
                band.ReadBlock(x, y)


def _check_trailer(path: str | os.PathLike[str], driver: str) -> None:
    trailer = _TRAILERS.get(driver)
    if trailer is None:
        return
    with open(path, "rb") as f:
        f.seek(max(0, os.stat(path).st_size - len(trailer)))
        if f.read() != trailer:
            raise NotComplete(f"is truncated: it does not end as a {driver} file ends")


def _prove_opened(dataset: Any, file_bytes: int, full_read: bool) -> None:
    if dataset.RasterXSize <= 0 or dataset.RasterYSize <= 0 or dataset.RasterCount <= 0:
        raise NotComplete(
            f"has no pixels ({dataset.RasterXSize} x {dataset.RasterYSize}, "
            f"{dataset.RasterCount} band(s))"
        )
    driver = dataset.GetDriver().ShortName
    _check_trailer(dataset.GetDescription(), driver)
    if driver != "GTiff" or full_read:
        # Formats without a block index (JPEG, PNG) are proven by decoding them.
        _read_everything(dataset)
        return
    for index, x, y in _check_tiff_blocks(dataset, file_bytes):
        dataset.GetRasterBand(index).ReadBlock(x, y)


def prove_complete(path: str | os.PathLike[str], *, full_read: bool = False) -> None:
    """Raise ``NotComplete`` unless GDAL reads ``path`` as a whole raster, warning-free.

    A GeoTIFF's directory must open and every block of every band must have
    been written and lie inside the file (a failed write leaves a block with no
    byte count, a truncated file a block past its end); the block stored last
    is decoded. That costs milliseconds where decoding every block
    (``full_read``) costs about 3 s on a full-size 10 980 x 10 980 Float32
    DEFLATE image. Other formats are decoded whole.
    """
    from osgeo import gdal

    gdal.UseExceptions()
    file_bytes = os.stat(path).st_size
    with _gdal_messages() as messages:
        try:
            dataset = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
            try:
                _prove_opened(dataset, file_bytes, full_read)
            finally:
                dataset = None
        except RuntimeError as exc:
            raise NotComplete(f"cannot be read back by GDAL ({exc})") from exc
    if messages:
        raise NotComplete(f"reads back with GDAL warnings ({'; '.join(messages[:3])})")


def is_complete(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that passes :func:`prove_complete`; one that does not is
    logged (something other than s1ops wrote it, or it was damaged since)."""
    if not Path(path).is_file():
        return False
    try:
        prove_complete(path)
    except NotComplete as exc:
        log.warning("%s %s: it is not complete, and will be made again", path, exc)
        return False
    return True


def _discard(partial: Path) -> int:
    """Delete a partial file (and a GDAL sidecar); the bytes it had reached."""
    try:
        size = partial.stat().st_size
    except FileNotFoundError:
        size = 0
    partial.unlink(missing_ok=True)
    Path(f"{partial}.aux.xml").unlink(missing_ok=True)
    return size


def write_failure(error: BaseException, partial: Path, final: Path) -> S1OpsError:
    """The s1ops error of a failed write of ``final`` (through ``partial``, now deleted).

    ``DiskFullError`` when the disk (or quota) ran out, naming the folder, how
    far the file got and what is free; ``IncompleteFileError`` for anything else.
    """
    if isinstance(error, DiskFullError | IncompleteFileError):
        _discard(partial)
        return error
    full = ran_out_of_space(error, final.parent)
    reached = _discard(partial)
    if full:
        return DiskFullError(
            final.parent,
            final.name,
            needed_bytes=reached or None,
            needed_at_least=True,
            free_bytes=free_bytes(final.parent),
            no_inode_left=no_inode_left(final.parent),
        )
    if isinstance(error, NotComplete):
        return IncompleteFileError(final, str(error))
    return IncompleteFileError(final, f"failed to be written ({error})")


def _sync(path: Path) -> None:
    """Flush a file (or folder) to the disk: a later rename or crash keeps its bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(files: Sequence[tuple[Path, Path]]) -> None:
    """Prove every (partial, final) pair complete, then rename each partial to its final name.

    All are proven before any is renamed: outputs written together appear
    together. On failure every partial is deleted and the error raised
    (``write_failure``); no final name appears.
    """
    for index, (partial, final) in enumerate(files):
        try:
            prove_complete(partial)
            _sync(partial)
        except (OSError, NotComplete) as exc:
            for other, _final in (*files[:index], *files[index + 1 :]):
                _discard(other)
            raise write_failure(exc, partial, final) from exc
    for partial, final in files:
        os.replace(partial, final)
    for folder in {final.parent for _partial, final in files}:
        try:
            _sync(folder)  # the renames themselves survive a crash of the machine
        except OSError as exc:
            # Some network file systems refuse to sync a folder: the files are synced.
            log.debug("cannot sync folder %s: %s", folder, exc)


@contextmanager
def publishing(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the partial name of ``final`` to write in the block; publish it after.

    A failure in the block (GDAL's ``RuntimeError``, an ``OSError``) or of the
    proof deletes the partial file and raises ``DiskFullError`` or
    ``IncompleteFileError``.
    """
    target = Path(final)
    partial = partial_path(target)
    try:
        with space_guard(target.parent, target.name):
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            yield partial
        except (OSError, RuntimeError) as exc:
            raise write_failure(exc, partial, target) from exc
        publish([(partial, target)])
    finally:
        _discard(partial)  # nothing left after a publication or a failure


def publish_json(path: str | os.PathLike[str], document: Any, *, indent: int = 2) -> Path:
    """Write ``document`` as JSON to ``path`` whole or not at all: under its partial name,
    synced, renamed (a reader never sees half a file; a crash leaves a partial file,
    which the maintenance sweeps)."""
    import json

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=indent)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
