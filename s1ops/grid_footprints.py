"""Lon/lat outlines of Sentinel-2 tiles (numpy, pyproj and shapely).

Kept apart from ``s1ops.grid`` so that decoding a tile id imports none of
them: a worker parsing its DAG file reads every tile id of the request file.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

if TYPE_CHECKING:
    from s1ops.grid import S2Tile

DEFAULT_POINTS_PER_EDGE = 10

Footprint: TypeAlias = Polygon | MultiPolygon  # MultiPolygon across the antimeridian


@functools.cache
def transformer(epsg: int, inverse: bool = True) -> Transformer:
    """UTM (``epsg``) to lon/lat, or the other way with ``inverse=False``."""
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
    tiles: Sequence[S2Tile], points_per_edge: int = DEFAULT_POINTS_PER_EDGE
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
        lon[rows], lat[rows] = transformer(int(code)).transform(x[rows], y[rows])
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


def to_wkt(geometries: Sequence[Footprint]) -> list[str]:
    """WKT of each footprint, to 1e-6 degree."""
    return list(shapely.to_wkt(np.asarray(geometries, dtype=object), rounding_precision=6))


def tile_dicts(tiles: Sequence[S2Tile]) -> list[dict[str, object]]:
    """:meth:`S2Tile.to_dict` for many tiles, footprints computed in bulk."""
    wkts = to_wkt(footprints_lonlat(tiles))
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
