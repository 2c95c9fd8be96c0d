"""A small dB-scaled picture of an output, for people who would rather look than read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from s1ops.scratch import partial_path

QUICKLOOK_DRIVERS = {"jpeg": ("JPEG", ".jpg"), "png": ("PNG", ".png")}


@dataclass(frozen=True)
class QuicklookSpec:
    format: str = "jpeg"
    width_px: int = 1098
    db_min: float = -25.0
    db_max: float = 5.0


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
    """Decimate ``output`` to ``spec.width_px`` wide and write it next to the output."""
    from osgeo import gdal

    gdal.UseExceptions()
    src = gdal.Open(str(output))
    width = min(spec.width_px, src.RasterXSize)
    height = max(1, round(src.RasterYSize * width / src.RasterXSize))
    data = src.GetRasterBand(1).ReadAsArray(buf_xsize=width, buf_ysize=height)
    grey = to_grey(data, spec.db_min, spec.db_max)
    target = quicklook_path(output, spec)
    partial = partial_path(target)
    mem = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
    mem.GetRasterBand(1).WriteArray(grey)
    driver = gdal.GetDriverByName(QUICKLOOK_DRIVERS[spec.format][0])
    driver.CreateCopy(str(partial), mem, options=["QUALITY=85"] if spec.format == "jpeg" else [])
    mem = None
    Path(f"{partial}.aux.xml").unlink(missing_ok=True)
    os.replace(partial, target)
    return target
