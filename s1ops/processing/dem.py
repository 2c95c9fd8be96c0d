"""SRTM 1 arc-second DEM cells: which ones a footprint needs, which ones are missing.

Cells are 1 x 1 degree, named after their south-west corner: ``N02E009``
covers latitudes 2..3 and longitudes 9..10; ``S01W072`` covers -1..0 and
-72..-71. Files are ``{cell}.hgt`` in the DEM folder; each one a job needs is
checked before OTB reads it (``s1ops.processing.dem_checks``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from pathlib import Path

from shapely import prepared
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from s1ops.errors import DemError
from s1ops.processing.dem_checks import check_dem_cell

DEM_SUFFIX = ".hgt"
_CELL_RE = re.compile(r"([NS])(\d{2})([EW])(\d{3})")


def cell_name(lat: int, lon: int) -> str:
    """Name of the cell whose south-west corner is (lat, lon): (-1, -72) -> 'S01W072'."""
    if not (-90 <= lat < 90 and -180 <= lon < 180):
        raise ValueError(f"cell corner lat={lat}, lon={lon} is outside the globe")
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{ns}{abs(lat):02d}{ew}{abs(lon):03d}"


def cell_corner(name: str) -> tuple[int, int]:
    """South-west corner (lat, lon) of a cell name: 'S01W072' -> (-1, -72)."""
    match = _CELL_RE.fullmatch(name.upper())
    if match is None:
        raise ValueError(f"DEM cell {name!r}: expected a name like N02E009 or S01W072")
    ns, lat, ew, lon = match.groups()
    return (int(lat) if ns == "N" else -int(lat)), (int(lon) if ew == "E" else -int(lon))


def cells_covering(footprint: BaseGeometry) -> list[str]:
    """Sorted names of the cells whose interior the footprint (lon/lat) overlaps.

    A cell the footprint only touches along an edge or at a corner is not
    needed and is left out; so are bounding-box cells the polygon misses.
    """
    if footprint.is_empty:
        return []
    minx, miny, maxx, maxy = footprint.bounds
    shape = prepared.prep(footprint)
    names = []
    for lat in range(math.floor(miny), min(math.floor(maxy), 89) + 1):
        for lon in range(math.floor(minx), min(math.floor(maxx), 179) + 1):
            cell = box(lon, lat, lon + 1, lat + 1)
            if shape.intersects(cell) and not shape.touches(cell):
                names.append(cell_name(lat, lon))
    return sorted(names)


def _find_file(dem_dir: Path, cell: str, suffix: str) -> Path | None:
    for name in (cell + suffix, cell.lower() + suffix):
        path = dem_dir / name
        if path.is_file():
            return path
    return None


def dem_coverage(
    footprint: BaseGeometry,
    dem_dir: str | Path,
    *,
    known_cells: Collection[str] | None = None,
    suffix: str = DEM_SUFFIX,
) -> tuple[list[Path], list[str]]:
    """Cell files present in ``dem_dir`` for ``footprint``, and the names of missing cells.

    SRTM has no file for cells of open sea: give ``known_cells`` (the cells
    that exist in the DEM product, e.g. from its index) and cells outside it
    are not reported as missing.
    """
    folder = Path(dem_dir)
    present: list[Path] = []
    missing: list[str] = []
    known = None if known_cells is None else {c.upper() for c in known_cells}
    for cell in cells_covering(footprint):
        if known is not None and cell not in known:
            continue
        path = _find_file(folder, cell, suffix)
        if path is None:
            missing.append(cell)
        else:
            present.append(path)
    return present, missing


def require_dem(
    footprint: BaseGeometry,
    dem_dir: str | Path,
    *,
    known_cells: Collection[str] | None = None,
    suffix: str = DEM_SUFFIX,
) -> list[Path]:
    """The DEM files covering ``footprint``, each a whole SRTM cell of plausible heights.

    ``DemError`` names every missing cell; ``DemFileError`` the first present one
    that is not whole or not plausible (``check_dem_cell``): OTB would skip it or
    misread it silently.
    """
    present, missing = dem_coverage(footprint, dem_dir, known_cells=known_cells, suffix=suffix)
    if missing:
        raise DemError(str(dem_dir), missing)
    for cell in present:
        check_dem_cell(cell)
    return present
