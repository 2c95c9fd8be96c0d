"""A small dB-scaled picture of an output, for people who would rather look than read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from s1ops.errors import RasterError
from s1ops.outputs.publish import gdal_writes, publishing

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

QUICKLOOK_DRIVERS = {"jpeg": ("JPEG", ".jpg"), "png": ("PNG", ".png")}


@dataclass(frozen=True)
class QuicklookSpec:
    format: str = "jpeg"
    width_px: int = 1098
    db_min: float = -25.0
    db_max: float = 5.0


def requested_quicklook(cfg: S1Config) -> QuicklookSpec | None:
    """The quicklook a request asks for (its [Quicklook] section), None when it asks for none."""
    q = cfg.quicklook
    return QuicklookSpec(q.format, q.width_px, q.db_min, q.db_max) if q.generate_quicklook else None


def quicklook_path(output: str | os.PathLike[str], spec: QuicklookSpec) -> Path:
    return Path(output).with_suffix(QUICKLOOK_DRIVERS[spec.format][1])


def to_grey(backscatter: np.ndarray, db_min: float, db_max: float) -> np.ndarray:
    """Linear backscatter -> 8-bit grey of its dB value; no data (0) stays black (pure)."""
    valid = backscatter > 0
    db = np.full(backscatter.shape, db_min, dtype=np.float64)
    db[valid] = 10.0 * np.log10(backscatter[valid])
    scaled = (np.clip(db, db_min, db_max) - db_min) / (db_max - db_min)
    grey = np.round(1 + scaled * 254).astype(np.uint8)  # 1..255: 0 is kept for no data
    grey[~valid] = 0
    return grey


def write_quicklook(output: str | os.PathLike[str], spec: QuicklookSpec) -> Path:
    """Decimate ``output`` to ``spec.width_px`` wide and write it next to the output.

    Published only once proven complete (``s1ops.outputs.publish``).
    """
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        src = gdal.Open(str(output))
        width = min(spec.width_px, src.RasterXSize)
        height = max(1, round(src.RasterYSize * width / src.RasterXSize))
        data = src.GetRasterBand(1).ReadAsArray(buf_xsize=width, buf_ysize=height)
    except RuntimeError as exc:
        raise RasterError(
            output,
            f"cannot be read to make its quicklook ({exc})",
            "a whole GeoTIFF (a published output is; delete it and run the job again)",
        ) from exc
    grey = to_grey(data, spec.db_min, spec.db_max)
    target = quicklook_path(output, spec)
    mem = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
    mem.GetRasterBand(1).WriteArray(grey)
    driver = gdal.GetDriverByName(QUICKLOOK_DRIVERS[spec.format][0])
    options = ["QUALITY=85"] if spec.format == "jpeg" else []
    with publishing(target) as partial, gdal_writes():
        # Not kept: the copy is closed (its last bytes written) within the block.
        driver.CreateCopy(str(partial), mem, options=options)
    return target
