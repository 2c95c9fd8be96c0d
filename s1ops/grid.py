"""Sentinel-2 tile geometry computed from the tile id alone (no grid file).

A tile id ``ZZBRR`` names a UTM zone, a latitude band and an MGRS 100 km
square. ESA's tile is a 109 800 m square in that UTM zone whose upper-left
corner is the square's west and north edges snapped outwards to a 60 m lattice.

Decoding the letters: the column letter gives the easting (one set of eight
letters per zone, cycling over three zones); the row letter gives the northing
modulo 2000 km (twenty letters, shifted by five in even zones). The latitude
band picks the 2000 km cycle: the one row whose square meets the band's part of
the zone. A square that meets no part of the band is an error, never a guess.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from s1ops.errors import TileIdError
from s1ops.grid_square_table import SQUARE_ROWS

if TYPE_CHECKING:
    from s1ops.grid_footprints import Footprint

log = logging.getLogger(__name__)

# 10 980 pixels of 10 m: the extent of every L1C/L2A tile.
TILE_SIZE_M = 109_800.0
# Tile corners sit on the pixel lattice of the 60 m bands.
LATTICE_M = 60
SQUARE_M = 100_000
# UTM false northing of the southern hemisphere; ESA anchors the 60 m lattice on it there.
FALSE_NORTHING_M = 10_000_000

BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degrees each from 80 S; X is 12 degrees (72-84 N)
ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"  # 20 rows of 100 km: a 2000 km cycle
COLUMN_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")  # zones 1, 2, 3, 4, ... in turn
EVEN_ZONE_ROW_SHIFT = 5  # MGRS starts the row letters of even zones at F
ROW_CYCLE = len(ROW_LETTERS)

# ESA's grid continues band C south of the MGRS/UTM limit (80 S): its last row
# of squares spans about 83.7-82.9 S (e.g. 01CEH). The next row starts at
# 83.7 S, so any limit between the two reproduces ESA's extent.
C_SOUTH_LIMIT_DEG = -83.5
X_NORTH_LIMIT_DEG = 84.0

# A grid zone's longitude span relative to its zone's central meridian, and the
# MGRS exceptions (Norway and Svalbard). ESA's grid follows them (32VKN lies
# west of 6 E); which squares each grid zone holds is s1ops.grid_squares' table.
STANDARD_SPAN = (-3.0, 3.0)
EXCEPTION_SPANS = {
    (31, "V"): (-3.0, 0.0),
    (32, "V"): (-6.0, 3.0),
    (31, "X"): (-3.0, 6.0),
    (33, "X"): (-6.0, 6.0),
    (35, "X"): (-6.0, 6.0),
    (37, "X"): (-6.0, 3.0),
}
MISSING_ZONES = frozenset({(32, "X"), (34, "X"), (36, "X")})

_TILE_RE = re.compile(r"T?([0-9]{2})([A-Z])([A-Z])([A-Z])")


@dataclass(frozen=True)
class S2Tile:
    """A Sentinel-2 tile: its id, UTM EPSG code and upper-left corner (metres)."""

    tile_id: str
    epsg: int
    ulx: float
    uly: float
    size_m: float = TILE_SIZE_M

    @property
    def zone(self) -> int:
        """UTM zone number, 1-60."""
        return self.epsg % 100

    @property
    def north(self) -> bool:
        """True for the northern hemisphere (EPSG 326ZZ)."""
        return self.epsg // 100 == 326

    @property
    def band(self) -> str:
        """Latitude band letter as named in the id."""
        return self.tile_id[2]

    @property
    def lrx(self) -> float:
        """Lower-right easting."""
        return self.ulx + self.size_m

    @property
    def lry(self) -> float:
        """Lower-right northing."""
        return self.uly - self.size_m

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in the tile's UTM coordinates."""
        return (self.ulx, self.lry, self.lrx, self.uly)

    # The geometry libraries are imported on first use (s1ops.grid_footprints):
    # decoding ids, as every DAG file parse does, needs none of them.
    def footprint_lonlat(self, points_per_edge: int = 10) -> Footprint:
        """Lon/lat outline, densified; split in two at the antimeridian (RFC 7946)."""
        from s1ops.grid_footprints import footprints_lonlat

        return footprints_lonlat([self], points_per_edge)[0]

    def footprint_wkt(self) -> str:
        """WKT of :meth:`footprint_lonlat`, to 1e-6 degree."""
        from s1ops.grid_footprints import to_wkt

        return to_wkt([self.footprint_lonlat()])[0]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready description: id, EPSG, corners, size and lon/lat footprint WKT."""
        from s1ops.grid_footprints import tile_dicts

        return tile_dicts([self])[0]


@functools.lru_cache(maxsize=65_536)
def parse_tile_id(tile_id: str) -> S2Tile:
    """Decode a tile id such as ``33NWB`` (also ``t33nwb``, ``T33NWB``).

    Raises TileIdError naming the id and the reason when the zone, band or
    square letters cannot occur together in MGRS.
    """
    text = tile_id.strip().upper() if isinstance(tile_id, str) else ""
    match = _TILE_RE.fullmatch(text)
    if match is None:
        raise TileIdError(tile_id, "expected 'ZZBRR': 2-digit UTM zone, band letter, 2 letters")
    zone_text, band, column, row = match.groups()
    zone = int(zone_text)
    _check_zone_band(tile_id, zone, band)
    easting_m, northing_m = _square_origin(tile_id, zone, band, column, row)
    north = band >= "N"
    ulx = easting_m // LATTICE_M * LATTICE_M
    top = northing_m + SQUARE_M
    if north:
        uly = -(-top // LATTICE_M) * LATTICE_M
    else:
        uly = FALSE_NORTHING_M - (FALSE_NORTHING_M - top) // LATTICE_M * LATTICE_M
    epsg = (32600 if north else 32700) + zone
    return S2Tile(f"{zone_text}{band}{column}{row}", epsg, float(ulx), float(uly))


def _check_zone_band(tile_id: str, zone: int, band: str) -> None:
    if not 1 <= zone <= 60:
        raise TileIdError(tile_id, f"UTM zone {zone:02d} is outside 01-60")
    if band not in BANDS:
        raise TileIdError(tile_id, f"latitude band {band!r} is not one of C-X without I and O")
    if (zone, band) in MISSING_ZONES:
        raise TileIdError(
            tile_id, f"grid zone {zone:02d}{band} does not exist (MGRS Svalbard exception)"
        )


def _square_origin(tile_id: str, zone: int, band: str, column: str, row: str) -> tuple[int, int]:
    """South-west corner (metres) of the 100 km square, in the zone's UTM coordinates."""
    letters = COLUMN_SETS[(zone - 1) % 3]
    if column not in letters:
        raise TileIdError(
            tile_id,
            f"column letter {column!r} is not used in UTM zone {zone:02d} "
            f"(its columns are {letters[0]}-{letters[-1]})",
        )
    if row not in ROW_LETTERS:
        raise TileIdError(tile_id, f"row letter {row!r} is not one of A-V without I and O")
    col = letters.index(column) + 1
    phase = (ROW_LETTERS.index(row) - (EVEN_ZONE_ROW_SHIFT if zone % 2 == 0 else 0)) % ROW_CYCLE
    rows_of_column = _square_rows(zone, band).get(col)
    if not rows_of_column:
        raise TileIdError(
            tile_id, f"column {column!r} lies outside grid zone {zone:02d}{band} at every latitude"
        )
    row_index = rows_of_column.get(phase)
    if row_index is None:
        raise TileIdError(
            tile_id,
            f"row letter {row!r} is impossible in band {band}: square {column}{row} "
            f"does not meet grid zone {zone:02d}{band}",
        )
    return col * SQUARE_M, row_index * SQUARE_M


@functools.cache
def _square_rows(zone: int, band: str) -> dict[int, dict[int, int]]:
    """The squares of a grid zone: {column 1-8: {row phase 0-19: row index (100 km)}}."""
    rows = SQUARE_ROWS.get(f"{zone:02d}{band}") or SQUARE_ROWS[band]
    # A band spans under 2000 km of northing, so a row phase is never ambiguous.
    return {col: {row % ROW_CYCLE: row for row in col_rows} for col, col_rows in rows.items()}


def band_lat_range(band: str) -> tuple[float, float]:
    """South and north latitude limits of a band, as ESA's grid extends C and X."""
    south = -80.0 + 8.0 * BANDS.index(band)
    if band == "C":
        return C_SOUTH_LIMIT_DEG, south + 8.0
    if band == "X":
        return south, X_NORTH_LIMIT_DEG
    return south, south + 8.0


def enumerate_tile_ids() -> list[str]:
    """Every id :func:`parse_tile_id` accepts, zone by zone.

    This is the MGRS grid: a superset of ESA's, which names a square that
    crosses a band boundary after one band only.
    """
    ids = []
    for zone in range(1, 61):
        letters = COLUMN_SETS[(zone - 1) % 3]
        shift = EVEN_ZONE_ROW_SHIFT if zone % 2 == 0 else 0
        for band in BANDS:
            if (zone, band) in MISSING_ZONES:
                continue
            for col, rows in sorted(_square_rows(zone, band).items()):
                for row_index in sorted(rows.values()):
                    row = ROW_LETTERS[(row_index + shift) % ROW_CYCLE]
                    ids.append(f"{zone:02d}{band}{letters[col - 1]}{row}")
    return ids
