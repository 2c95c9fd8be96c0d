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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from s1ops.errors import TileIdError

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

# MGRS zone exceptions (Norway and Svalbard): longitude span relative to the
# zone's central meridian. ESA's grid follows them (32VKN lies west of 6 E).
_EXCEPTION_SPANS = {
    (31, "V"): (-3.0, 0.0),
    (32, "V"): (-6.0, 3.0),
    (31, "X"): (-3.0, 6.0),
    (33, "X"): (-6.0, 6.0),
    (35, "X"): (-6.0, 6.0),
    (37, "X"): (-6.0, 3.0),
}
_MISSING_ZONES = frozenset({(32, "X"), (34, "X"), (36, "X")})

_TILE_RE = re.compile(r"T?([0-9]{2})([A-Z])([A-Z])([A-Z])")
# Below this intersection area (m^2) a square only touches the grid zone.
_MIN_OVERLAP_M2 = 1.0
_DEFAULT_POINTS_PER_EDGE = 10

Footprint: TypeAlias = Polygon | MultiPolygon  # MultiPolygon across the antimeridian


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

    def footprint_lonlat(self, points_per_edge: int = _DEFAULT_POINTS_PER_EDGE) -> Footprint:
        """Lon/lat outline, densified; split in two at the antimeridian (RFC 7946)."""
        return footprints_lonlat([self], points_per_edge)[0]

    def footprint_wkt(self) -> str:
        """WKT of :meth:`footprint_lonlat`, to 1e-6 degree."""
        return _to_wkt([self.footprint_lonlat()])[0]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready description: id, EPSG, corners, size and lon/lat footprint WKT."""
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
    if (zone, band) in _MISSING_ZONES:
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
    rows_of_column = _valid_squares(band, *_lon_span(zone, band)).get(col)
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


def _lon_span(zone: int, band: str) -> tuple[float, float]:
    return _EXCEPTION_SPANS.get((zone, band), (-3.0, 3.0))


def _band_lat_range(band: str) -> tuple[float, float]:
    south = -80.0 + 8.0 * BANDS.index(band)
    if band == "C":
        return C_SOUTH_LIMIT_DEG, south + 8.0
    if band == "X":
        return south, X_NORTH_LIMIT_DEG
    return south, south + 8.0


@functools.cache
def _valid_squares(band: str, dlon_west: float, dlon_east: float) -> dict[int, dict[int, int]]:
    """Squares meeting a grid zone: {column 1-8: {row phase 0-19: row index (100 km)}}.

    Every UTM zone is the same shape in its own coordinates, so one reference
    zone (31, central meridian 3 E) serves all; only the exceptions differ.
    """
    south, north = _band_lat_range(band)
    cell = _cell_polygon(band >= "N", south, north, 3.0 + dlon_west, 3.0 + dlon_east)
    _, miny, _, maxy = cell.bounds
    rows = np.arange(int(miny // SQUARE_M), int(maxy // SQUARE_M) + 1)
    cols = np.arange(1, 9)
    col_grid, row_grid = (a.ravel() for a in np.meshgrid(cols, rows))
    west, south_m = col_grid * SQUARE_M, row_grid * SQUARE_M
    squares = shapely.box(west, south_m, west + SQUARE_M, south_m + SQUARE_M)
    meets = shapely.area(shapely.intersection(squares, cell)) > _MIN_OVERLAP_M2
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for col, row in zip(col_grid[meets], row_grid[meets], strict=True):
        # A band spans under 2000 km of northing, so a row phase is never ambiguous.
        table[int(col)][int(row) % ROW_CYCLE] = int(row)
    return dict(table)


def _cell_polygon(north: bool, south: float, top: float, west: float, east: float) -> Polygon:
    """Lat/lon rectangle of a grid zone as a densified polygon in zone 31's UTM."""
    n = 100  # points per edge: the chords stay within a metre of the true edges
    lons = np.concatenate(
        [np.linspace(west, east, n), np.full(n, east), np.linspace(east, west, n), np.full(n, west)]
    )
    lats = np.concatenate(
        [np.full(n, south), np.linspace(south, top, n), np.full(n, top), np.linspace(top, south, n)]
    )
    x, y = _transformer(32631 if north else 32731, inverse=False).transform(lons, lats)
    return Polygon(np.column_stack([x, y]))


@functools.cache
def _transformer(epsg: int, inverse: bool = True) -> Transformer:
    # pyproj >= 3.1 transformers are thread-safe, so one per EPSG code is shared.
    if inverse:
        return Transformer.from_crs(epsg, 4326, always_xy=True)
    return Transformer.from_crs(4326, epsg, always_xy=True)


def _ring_offsets(points_per_edge: int) -> tuple[np.ndarray, np.ndarray]:
    """Ring from the upper-left corner, counter-clockwise, in tile sizes (x east, y north)."""
    f = np.arange(points_per_edge) / points_per_edge
    dx = np.concatenate([np.zeros_like(f), f, np.ones_like(f), 1.0 - f])
    dy = np.concatenate([-f, np.full_like(f, -1.0), f - 1.0, np.zeros_like(f)])
    return dx, dy


def footprints_lonlat(
    tiles: Sequence[S2Tile], points_per_edge: int = _DEFAULT_POINTS_PER_EDGE
) -> list[Footprint]:
    """Lon/lat outlines of many tiles: one pyproj call per EPSG code.

    Each edge is cut into ``points_per_edge`` segments so that the outline
    follows the curved image of the UTM square closely enough for intersection
    tests. A tile crossing the antimeridian comes back as a MultiPolygon split
    at +/-180 degrees; every other tile is a Polygon.
    """
    if points_per_edge < 1:
        raise ValueError(f"points_per_edge={points_per_edge}: must be at least 1")
    if not tiles:
        return []
    epsg = np.fromiter((t.epsg for t in tiles), dtype=np.int64, count=len(tiles))
    corner = np.array([(t.ulx, t.uly, t.size_m) for t in tiles])
    dx, dy = _ring_offsets(points_per_edge)
    x = corner[:, :1] + corner[:, 2:] * dx
    y = corner[:, 1:2] + corner[:, 2:] * dy
    lon = np.empty_like(x)
    lat = np.empty_like(y)
    for code in np.unique(epsg):
        rows = epsg == code
        lon[rows], lat[rows] = _transformer(int(code)).transform(x[rows], y[rows])
    # Unwrap around each zone's central meridian so that every ring is continuous.
    central = (-183.0 + 6.0 * (epsg % 100))[:, None]
    lon = central + (lon - central + 180.0) % 360.0 - 180.0
    polygons: list[Footprint] = list(shapely.polygons(np.stack([lon, lat], axis=-1)))
    for i in np.flatnonzero((lon.max(axis=1) > 180.0) | (lon.min(axis=1) < -180.0)):
        polygons[i] = _split_antimeridian(polygons[i])
    return polygons


def _split_antimeridian(polygon: Polygon) -> MultiPolygon:
    parts: list[Polygon] = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 + shift, -90.0, 180.0 + shift, 90.0)
        piece = polygon.intersection(window)
        if not piece.is_empty and piece.area > 0:
            moved = shapely.transform(piece, lambda c, s=shift: c - [s, 0.0])
            parts.extend(orient(p) for p in _polygons_of(moved))
    return MultiPolygon(parts)


def _polygons_of(geometry: shapely.Geometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


def _to_wkt(geometries: Sequence[Footprint]) -> list[str]:
    return list(shapely.to_wkt(np.asarray(geometries, dtype=object), rounding_precision=6))


def tile_dicts(tiles: Sequence[S2Tile]) -> list[dict[str, object]]:
    """:meth:`S2Tile.to_dict` for many tiles, footprints computed in bulk."""
    wkts = _to_wkt(footprints_lonlat(tiles))
    return [
        {
            "tile_id": t.tile_id,
            "epsg": t.epsg,
            "ulx": t.ulx,
            "uly": t.uly,
            "lrx": t.lrx,
            "lry": t.lry,
            "size_m": t.size_m,
            "footprint_wkt": wkt,
        }
        for t, wkt in zip(tiles, wkts, strict=True)
    ]


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
            if (zone, band) in _MISSING_ZONES:
                continue
            for col, rows in sorted(_valid_squares(band, *_lon_span(zone, band)).items()):
                for row_index in sorted(rows.values()):
                    row = ROW_LETTERS[(row_index + shift) % ROW_CYCLE]
                    ids.append(f"{zone:02d}{band}{letters[col - 1]}{row}")
    return ids
