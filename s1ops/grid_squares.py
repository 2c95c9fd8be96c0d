"""Which 100 km squares each grid zone holds: derived from geometry, saved as a table.

``s1ops.grid`` decodes tile ids from the saved table
(``s1ops.grid_square_table``) so that it needs no geometry library; this
module derives that table and writes it, and a test checks the two agree.
Regenerate after changing the rule: ``python -m s1ops.grid_squares``.

The rule, in the UTM coordinates of the tile's zone: a square named with band
B (its row counted in B's 2000 km cycle) is in the grid when it meets B's
latitude strip and meets the zone's area in B or a neighbouring band. That is
MGRS, plus the squares ESA also names after a band they only touch the zone
in through a neighbour (31WGV meets the zone in 31X only). A grid zone's
longitude span is MGRS's, except that ESA keeps 31V at its full width (its
grid has 31VED, east of 3 E) while also widening 32V westwards.

Every UTM zone is the same shape in its own coordinates, so the zones that
behave as the standard one share a table per band (key ``"T"``); the zones
near the Norway and Svalbard exceptions have their own (key ``"31V"``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

from s1ops.grid import (
    BANDS,
    EXCEPTION_SPANS,
    MISSING_ZONES,
    SQUARE_M,
    STANDARD_SPAN,
    band_lat_range,
)
from s1ops.grid_footprints import transformer

# Below this intersection area (m^2) a square only touches the grid zone.
MIN_OVERLAP_M2 = 1.0
# Longitudes around the central meridian where a square's part in its band is
# looked for: two zones each side (a square crossing into an exception zone
# reaches about 8 degrees out near 72 N).
STRIP_HALF_WIDTH_DEG = 12.0
REFERENCE_MERIDIAN_DEG = 3.0  # zone 31, whose EPSG codes the shapes are computed in
TABLE_MODULE = Path(__file__).with_name("grid_square_table.py")

SquareRows = dict[int, tuple[int, ...]]  # column 1-8 -> its row indices (100 km)


def _cell(north: bool, south: float, top: float, west: float, east: float) -> Polygon:
    """Lat/lon rectangle (degrees from the central meridian) as a polygon in zone 31's UTM."""
    n = 100  # points per edge: the chords stay within a metre of the true edges
    west, east = REFERENCE_MERIDIAN_DEG + west, REFERENCE_MERIDIAN_DEG + east
    lons = np.concatenate(
        [np.linspace(west, east, n), np.full(n, east), np.linspace(east, west, n), np.full(n, west)]
    )
    lats = np.concatenate(
        [np.full(n, south), np.linspace(south, top, n), np.full(n, top), np.linspace(top, south, n)]
    )
    x, y = transformer(32631 if north else 32731, inverse=False).transform(lons, lats)
    return Polygon(np.column_stack([x, y]))


def _span(zone: int | None, band: str) -> tuple[float, float]:
    """A grid zone's longitude span; ``zone=None``: the standard zone."""
    if zone is None:
        return STANDARD_SPAN
    west, east = EXCEPTION_SPANS.get((zone, band), STANDARD_SPAN)
    return min(west, STANDARD_SPAN[0]), max(east, STANDARD_SPAN[1])


def square_rows(band: str, zone: int | None = None) -> SquareRows:
    """The squares of grid zone ``zone``/``band`` (``zone=None``: any standard zone)."""
    north = band >= "N"
    south, top = band_lat_range(band)
    strip = _cell(north, south, top, -STRIP_HALF_WIDTH_DEG, STRIP_HALF_WIDTH_DEG)
    index = BANDS.index(band)
    area = shapely.union_all(
        [
            _cell(north, *band_lat_range(near), *_span(zone, near))
            for near in BANDS[max(0, index - 1) : index + 2]
            if (near >= "N") == north and (zone, near) not in MISSING_ZONES
        ]
    )
    _, miny, _, maxy = strip.bounds
    rows = np.arange(int(miny // SQUARE_M), int(maxy // SQUARE_M) + 1)
    cols = np.arange(1, 9)
    col_grid, row_grid = (a.ravel() for a in np.meshgrid(cols, rows))
    west, south_m = col_grid * SQUARE_M, row_grid * SQUARE_M
    squares = shapely.box(west, south_m, west + SQUARE_M, south_m + SQUARE_M)
    meets = (shapely.area(shapely.intersection(squares, strip)) > MIN_OVERLAP_M2) & (
        shapely.area(shapely.intersection(squares, area)) > MIN_OVERLAP_M2
    )
    found: dict[int, list[int]] = {}
    for col, row in zip(col_grid[meets], row_grid[meets], strict=True):
        found.setdefault(int(col), []).append(int(row))
    return {col: tuple(sorted(col_rows)) for col, col_rows in sorted(found.items())}


def derive_table() -> dict[str, SquareRows]:
    """Key ``B`` for a standard zone's band B, ``ZZB`` where zone ZZ differs from it."""
    table = {band: square_rows(band) for band in BANDS}
    special = {zone for zone, _ in EXCEPTION_SPANS} | {zone for zone, _ in MISSING_ZONES}
    for zone in sorted(special):
        for band in BANDS:
            if (zone, band) in MISSING_ZONES:
                continue
            rows = square_rows(band, zone)
            if rows != table[band]:
                table[f"{zone:02d}{band}"] = rows
    return table


def render_table(table: dict[str, SquareRows]) -> str:
    """The text of ``s1ops/grid_square_table.py``."""
    lines = [
        '"""Generated by ``python -m s1ops.grid_squares``: do not edit (see that module)."""',
        "",
        "# Grid zone key -> {column 1-8: its row indices (100 km of northing)}.",
        "SQUARE_ROWS: dict[str, dict[int, tuple[int, ...]]] = {",
    ]
    for key, rows in table.items():
        lines.append(f'    "{key}": {{')
        lines.extend(f"        {col}: {col_rows!r}," for col, col_rows in rows.items())
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    TABLE_MODULE.write_text(render_table(derive_table()))
    print(f"wrote {TABLE_MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
