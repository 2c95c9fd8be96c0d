"""Synthetic DEMs as SRTM ``.hgt`` cells: flat, for orthorectifying synthetic products, or
with smooth relief, for the terrain corrections.

A synthetic product's geolocation grid assumes a constant height above the
geoid (``SynthSpec.terrain_height_m``); a flat DEM at that height plus OTB's
EGM96 geoid reproduces it exactly. Relief moves the terrain away from that grid
(the product's pixels stay where they are): what the terrain tests want.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from shapely.geometry.base import BaseGeometry

from s1ops.errors import SynthError
from s1ops.processing.dem import DEM_SUFFIX, cell_corner, cells_covering
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


def relief_height(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres above the geoid at (lat, lon) degrees: ridges running north-south (400 m,
    every 0.18 degree, about 20 km) over 600 m, and hills (120 m, every 0.072 degree) on
    them; slopes stay under about 15 degrees (no layover or shadow at IW incidences)."""
    ridges = 400.0 * np.cos(2 * np.pi * lon / 0.18)
    hills = 120.0 * np.sin(2 * np.pi * lon / 0.072) * np.sin(2 * np.pi * lat / 0.072)
    return 600.0 + ridges + hills


def make_relief_dem(footprint: BaseGeometry, out_dir: str | Path, *, arcsec: int = 3) -> list[Path]:
    """Cells of :func:`relief_height` covering ``footprint`` (lon/lat) in ``out_dir``; a
    smooth function of (lat, lon), so neighbouring cells join without a seam."""
    size = SRTM_SAMPLES[arcsec]
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for cell in cells_covering(footprint):
        lat0, lon0 = cell_corner(cell)
        # Rows run north to south; the first and last rows and columns lie on the edges.
        along = np.arange(size) / (size - 1)
        heights = relief_height((lat0 + 1 - along)[:, None], (lon0 + along)[None, :])
        path = folder / f"{cell}{DEM_SUFFIX}"
        np.rint(heights).astype(">i2").tofile(path)
        paths.append(path)
    return paths
