"""Empty jobs: a result with no valid pixel is not a product, and the record that says so.

A tile job whose image (after margin cut, orthorectification and merge) has
no valid pixel, or a valid fraction at or below the request's
``[Airflow] min_valid_fraction``, publishes nothing: its image is checked
while still under its partial name (``count_valid``, one read of the file),
and ``EmptyImage`` stops the publication. The job still ends well -- retrying
would give the same pixels -- and leaves a record next to where its outputs
would be, so the next plan counts it as done (``done-empty``) instead of
redoing it every day. ``force`` redoes it; a redo that publishes removes the
record.

This module owns the record's name and format: ``.{image stem}.empty.json``
in the tile's output folder (hidden, and never ending in ``.tif``: no reader
of products can take it for one). It is JSON: ``job_id``, ``reason`` (words
for a user), ``valid_fraction``, ``valid_px``, ``total_px``,
``min_valid_fraction``, ``product_ids``, ``recorded_at``. Read it with
``read_empty_record(image_path)``; ``empty_record_path(image_path)`` names it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from s1ops.contracts import FieldReader
from s1ops.errors import ContractError
from s1ops.outputs.publish import publish_json

log = logging.getLogger(__name__)

EMPTY_RECORD_SUFFIX = ".empty.json"
# Default of [Airflow] min_valid_fraction: any valid pixel makes a product.
DEFAULT_MIN_VALID_FRACTION = 0.0


@dataclass(frozen=True)
class ValidCount:
    """How many pixels of an image hold data (not 0, S1Tiling's no-data value)."""

    valid_px: int
    total_px: int

    @property
    def fraction(self) -> float:
        """Valid pixels over all pixels (0 for an image without pixels)."""
        return self.valid_px / self.total_px if self.total_px else 0.0


def is_empty(count: ValidCount, min_valid_fraction: float = DEFAULT_MIN_VALID_FRACTION) -> bool:
    """Whether an image with ``count`` is no product: its valid fraction is at or below the
    minimum (with the default 0, only an image without any valid pixel)."""
    return count.valid_px == 0 or count.fraction <= min_valid_fraction


def count_array(pixels: Any) -> ValidCount:
    """The valid count of a numpy array (pure): every pixel not 0 is valid, as the border
    mask's ``im1b1==0?0:1`` counts it."""
    import numpy as np

    return ValidCount(int(np.count_nonzero(pixels)), int(pixels.size))


def _row_blocks(image: str | os.PathLike[str]) -> Iterator[tuple[int, int, Any]]:
    """Band 1 of ``image`` one row of blocks at a time (image height, first line, pixels):
    a 10 980 x 10 980 Float32 image never sits whole in memory."""
    from osgeo import gdal

    gdal.UseExceptions()
    dataset = gdal.Open(str(image))
    band = dataset.GetRasterBand(1)
    width, height = dataset.RasterXSize, dataset.RasterYSize
    _block_x, block_y = band.GetBlockSize()
    for top in range(0, height, block_y):
        yield height, top, band.ReadAsArray(0, top, width, min(block_y, height - top))


def read_valid_map(image: str | os.PathLike[str]) -> Any:
    """Band 1 of ``image`` as a boolean map of its valid pixels (not 0, as
    :func:`count_array` counts them): 1 byte a pixel, read once."""
    import numpy as np

    valid = None
    for height, top, pixels in _row_blocks(image):
        if valid is None:
            valid = np.empty((height, pixels.shape[1]), dtype=bool)
        np.not_equal(pixels, 0, out=valid[top : top + len(pixels)])
    return valid


def count_valid(image: str | os.PathLike[str]) -> ValidCount:
    """Count the valid pixels of band 1 of ``image``, reading it once."""
    counts = [count_array(pixels) for _height, _top, pixels in _row_blocks(image)]
    return ValidCount(sum(c.valid_px for c in counts), sum(c.total_px for c in counts))


class EmptyImage(Exception):  # an outcome, not an error: nothing failed
    """Raised while an image is still partial to stop its publication: it is empty.

    Deliberately not an ``S1OpsError`` nor an ``OSError``/``RuntimeError``:
    the publication steps turn those into write failures, this one goes
    through them untouched (the partial file is deleted on the way).
    """

    def __init__(self, count: ValidCount) -> None:
        super().__init__(f"{count.valid_px} valid pixel(s) of {count.total_px}")
        self.count = count


def _spaced(number: int) -> str:
    """``1 000``: thousands as a user reads them."""
    return f"{number:,}".replace(",", " ")


@dataclass(frozen=True)
class ProductCut:
    """What S1Tiling's border heuristic blanked in one product (for the reason)."""

    product_id: str
    ipf_version: tuple[int, int] | None
    columns_each_side: int
    lines_top: int
    lines_bottom: int

    def describe(self) -> str:
        """``IPF 002.72 border cut blanks 1 000 columns on each side and 1 600 lines at the
        top``, or ``no border cut``."""
        parts = []
        if self.columns_each_side:
            parts.append(f"{_spaced(self.columns_each_side)} columns on each side")
        for lines, end in ((self.lines_top, "top"), (self.lines_bottom, "bottom")):
            if lines:
                parts.append(f"{_spaced(lines)} lines at the {end}")
        ipf = ""
        if self.ipf_version is not None:
            major, minor = self.ipf_version
            ipf = f"IPF {major:03d}.{minor:02d} "
        if not parts:
            return f"{ipf}no border cut".strip()
        return f"{ipf}border cut blanks {' and '.join(parts)}"


def empty_reason(
    tile_id: str,
    count: ValidCount,
    *,
    min_valid_fraction: float,
    cuts: Sequence[ProductCut],
    coverage_pct: float,
) -> str:
    """Why a job published nothing, in a user's words (pure), e.g. ``no valid pixel over
    32NNJ: IPF 002.72 border cut blanks 1 000 columns on each side; the product covers
    18.4% of the tile``."""
    if count.valid_px == 0:
        head = f"no valid pixel over {tile_id}"
    else:
        head = (
            f"{100 * count.fraction:.4g}% valid pixels over {tile_id}, at or below "
            f"[Airflow] min_valid_fraction={min_valid_fraction:g}"
        )
    if len(cuts) == 1:
        why = [cuts[0].describe()]
    else:
        why = [f"{c.product_id}: {c.describe()}" for c in cuts]
    covered = "the product covers" if len(cuts) == 1 else "the products cover"
    return f"{head}: {'; '.join(why)}; {covered} {coverage_pct:.1f}% of the tile"


@dataclass(frozen=True)
class EmptyRecord:
    """What an empty job leaves next to its outputs (see the module's docstring)."""

    job_id: str
    reason: str
    valid_fraction: float
    valid_px: int
    total_px: int
    min_valid_fraction: float
    product_ids: tuple[str, ...]
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "job_id": self.job_id,
            "reason": self.reason,
            "valid_fraction": self.valid_fraction,
            "valid_px": self.valid_px,
            "total_px": self.total_px,
            "min_valid_fraction": self.min_valid_fraction,
            "product_ids": list(self.product_ids),
            "recorded_at": self.recorded_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmptyRecord:
        """Inverse of ``to_dict``, every field checked."""
        f = FieldReader("EmptyRecord", data)
        return cls(
            job_id=f.text("job_id"),
            reason=f.string("reason"),
            valid_fraction=f.number("valid_fraction"),
            valid_px=f.integer("valid_px", low=0),
            total_px=f.integer("total_px", low=0),
            min_valid_fraction=f.number("min_valid_fraction"),
            product_ids=f.texts("product_ids", non_empty=True),
            recorded_at=f.text("recorded_at"),
        )

    def still_empty(self, product_ids: Sequence[str], min_valid_fraction: float) -> bool:
        """Whether the record still holds for a job of ``product_ids`` under
        ``min_valid_fraction``: same products, and still at or below the minimum (a
        lowered minimum makes the job worth doing again)."""
        count = ValidCount(self.valid_px, self.total_px)
        return tuple(product_ids) == self.product_ids and is_empty(count, min_valid_fraction)


def empty_record_name(image_name: str) -> str:
    """``.{stem}.empty.json`` for the image file name ``{stem}.tif``."""
    return f".{Path(image_name).stem}{EMPTY_RECORD_SUFFIX}"


def empty_record_path(image: str | os.PathLike[str]) -> Path:
    """The record of the job whose image would be ``image``."""
    path = Path(image)
    return path.with_name(empty_record_name(path.name))


def write_empty_record(image: str | os.PathLike[str], record: EmptyRecord) -> Path:
    """Write ``record`` for ``image`` durably: a partial file, synced, renamed."""
    return publish_json(empty_record_path(image), record.to_dict(), indent=1)


def read_empty_record(image: str | os.PathLike[str]) -> EmptyRecord | None:
    """The record of the job whose image would be ``image``; None when there is none, or
    when it cannot be read (logged: the job is then simply done again)."""
    path = empty_record_path(image)
    try:
        return EmptyRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ContractError) as exc:
        log.warning("%s cannot be read (%s): the job will be done again", path, exc)
        return None


def remove_empty_record(image: str | os.PathLike[str]) -> bool:
    """Delete the record of ``image`` (its job published after all); whether there was one."""
    path = empty_record_path(image)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def new_record(
    job_id: str,
    reason: str,
    count: ValidCount,
    *,
    min_valid_fraction: float,
    product_ids: Sequence[str],
) -> EmptyRecord:
    """The record of an empty job, dated now."""
    return EmptyRecord(
        job_id=job_id,
        reason=reason,
        valid_fraction=count.fraction,
        valid_px=count.valid_px,
        total_px=count.total_px,
        min_valid_fraction=min_valid_fraction,
        product_ids=tuple(product_ids),
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


class EmptyJob(Exception):  # an outcome, not an error: the job ends well
    """Raised by the making of a job's image when it was empty, once its record is written."""

    def __init__(self, record: EmptyRecord) -> None:
        super().__init__(record.reason)
        self.record = record
