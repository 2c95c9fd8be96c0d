"""Flat synthetic DEMs as SRTM ``.hgt`` cells, for orthorectifying synthetic products.

A synthetic product's geolocation grid assumes a constant height above the
geoid (``SynthSpec.terrain_height_m``); a flat DEM at that height plus OTB's
EGM96 geoid reproduces it exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from shapely.geometry.base import BaseGeometry

from s1ops.errors import SynthError
from s1ops.processing.dem import DEM_SUFFIX, cells_covering
from s1ops.processing.dem_checks import DEM_MAX_M, DEM_MIN_M, SRTM_SAMPLES


def write_flat_cell(path: Path, height_m: int, arcsec: int = 1) -> Path:
    """Write one ``.hgt`` cell (big-endian int16) of constant height."""
    size = SRTM_SAMPLES.get(arcsec)
    if size is None:
        raise SynthError(f"arcsec={arcsec}. Must be one of: {', '.join(map(str, SRTM_SAMPLES))}")
    np.full((size, size), height_m, dtype=">i2").tofile(path)
    return path


def make_flat_dem(
    footprint: BaseGeometry, out_dir: str | Path, height_m: float = 0.0, *, arcsec: int = 1
) -> list[Path]:
    """Flat cells covering ``footprint`` (lon/lat) in ``out_dir``; existing ones are kept.

    SRTM stores whole metres: ``height_m`` must be an integer value.
    """
    if height_m != int(height_m) or not DEM_MIN_M <= height_m <= DEM_MAX_M:
        raise SynthError(
            f"height_m={height_m}: SRTM cells hold whole metres in {DEM_MIN_M}..{DEM_MAX_M}"
        )
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for cell in cells_covering(footprint):
        path = folder / f"{cell}{DEM_SUFFIX}"
        if not path.is_file():
            write_flat_cell(path, int(height_m), arcsec)
        paths.append(path)
    return paths
