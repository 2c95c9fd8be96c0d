"""Local (LIA) and ellipsoid (IA) incidence angles on a map grid, a block of rows at a time.

For each pixel centre: the ground point (map coordinates + height -> ECEF),
the sensor at zero Doppler (times from ``orbit.Orbit.zero_doppler_times`` on
coarse nodes, see ``COARSE_STEP``), and a surface normal; the angle is
measured between the sensor direction and the normal projected into the
range plane (the plane through the sensor, the ground point and the Earth's
centre), as S1Tiling defines its LIA. The LIA normal comes from the ECEF
points of the four neighbouring pixels (a central difference, so the height
grid carries a one-pixel border around the tile); the IA normal is the
ellipsoid's, at the point on the ellipsoid (height 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import Transformer

from s1ops.terrain.ellipsoid import ellipsoid_normal, geodetic_to_ecef
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.orbit import Orbit

ROWS_PER_BLOCK = 256
# What varies smoothly over a tile -- geographic coordinates, geoid undulations,
# zero-Doppler times -- is computed exactly every COARSE_STEP pixels and
# interpolated bilinearly in between: over 160 m at 10 m their curvature leaves
# errors far below what a LIA in hundredths of a degree shows (tests compare
# with exact per-point solutions).
COARSE_STEP = 16
# Zero-Doppler times are solved at two heights and interpolated linearly in
# between (they move by about a millisecond per kilometre of height).
HEIGHT_SPAN_M = 1000.0


@dataclass(frozen=True)
class MapGrid:
    """A north-up grid of square pixels in a projected CRS (an S2 tile's, for the maps)."""

    epsg: int
    ulx: float
    uly: float
    width: int
    height: int
    resolution_m: float

    def bordered(self, pixels: int = 1) -> MapGrid:
        """The same grid grown by ``pixels`` on every side."""
        r = self.resolution_m
        return MapGrid(
            self.epsg,
            self.ulx - pixels * r,
            self.uly + pixels * r,
            self.width + 2 * pixels,
            self.height + 2 * pixels,
            r,
        )

    @cached_property
    def _to_geographic(self) -> Transformer:
        return Transformer.from_crs(self.epsg, 4326, always_xy=True)

    def coarse(self, rows: slice) -> Coarse:
        """Latitude and longitude of the coarse nodes of ``rows`` (all columns)."""
        r = self.resolution_m
        node_rows = coarse_nodes(rows.stop - rows.start)
        node_cols = coarse_nodes(self.width)
        x = self.ulx + (node_cols + 0.5) * r
        y = self.uly - (rows.start + node_rows + 0.5) * r
        lon, lat = self._to_geographic.transform(*np.meshgrid(x, y))
        # Across the antimeridian a neighbour's longitude may jump by 360 degrees.
        lon = np.unwrap(np.unwrap(np.asarray(lon), period=360.0, axis=1), period=360.0, axis=0)
        return Coarse(
            node_rows, node_cols, rows.stop - rows.start, self.width, np.asarray(lat), lon
        )

    def lat_lon(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude (degrees) of the pixel centres of ``rows`` (all columns)."""
        nodes = self.coarse(rows)
        return nodes.fill(nodes.lat), nodes.fill(nodes.lon)


def coarse_nodes(size: int, step: int = COARSE_STEP) -> np.ndarray:
    """Every ``step``-th index of ``size``, and the last one."""
    return np.unique(np.r_[np.arange(0, size, step), size - 1])


@dataclass(frozen=True)
class Coarse:
    """Coarse nodes (``rows`` x ``cols`` indices) of a block of ``height`` x ``width`` pixels,
    with their latitude and longitude; ``fill`` interpolates a value of the nodes."""

    rows: np.ndarray
    cols: np.ndarray
    height: int
    width: int
    lat: np.ndarray
    lon: np.ndarray

    def fill(self, values: np.ndarray) -> np.ndarray:
        """``values`` of the nodes, bilinearly interpolated onto every pixel."""
        across = _interpolate(values, self.cols, self.width, axis=1)
        return _interpolate(across, self.rows, self.height, axis=0)


def _interpolate(values: np.ndarray, nodes: np.ndarray, size: int, axis: int) -> np.ndarray:
    if len(nodes) == 1:
        return np.repeat(values, size, axis=axis)
    at = np.arange(size)
    k = np.clip(np.searchsorted(nodes, at, side="right") - 1, 0, len(nodes) - 2)
    w = (at - nodes[k]) / (nodes[k + 1] - nodes[k])
    if axis == 1:
        return values[:, k] * (1 - w) + values[:, k + 1] * w
    return values[k] * (1 - w)[:, None] + values[k + 1] * w[:, None]


@dataclass(frozen=True)
class AngleBlock:
    """Angles (degrees, NaN where unknown) of rows ``first_row`` .. of the tile."""

    first_row: int
    lia_deg: np.ndarray | None
    ia_deg: np.ndarray | None


def surface_normals(points: np.ndarray) -> np.ndarray:
    """Unit normals (r, c, 3) of a surface sampled as ECEF ``points`` (r + 2, c + 2, 3),
    from the neighbours west/east and north/south of each inner point (rows run south)."""
    east = points[1:-1, 2:] - points[1:-1, :-2]
    north = points[:-2, 1:-1] - points[2:, 1:-1]
    normal = np.cross(east, north)
    return normal / np.linalg.norm(normal, axis=-1)[..., None]


def range_plane_angle(normal: np.ndarray, ground: np.ndarray, sensor: np.ndarray) -> np.ndarray:
    """Angle (degrees) between ground->sensor and ``normal`` projected into the range plane."""
    look = sensor - ground
    look /= np.linalg.norm(look, axis=-1)[..., None]
    across = np.cross(ground, look)
    across /= np.linalg.norm(across, axis=-1)[..., None]
    projected = normal - np.einsum("...j,...j->...", normal, across)[..., None] * across
    cos = np.einsum("...j,...j->...", projected, look) / np.linalg.norm(projected, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _times(orbit: Orbit, nodes: Coarse, height_m: float) -> np.ndarray:
    """Zero-Doppler times of the coarse nodes' points at ``height_m``."""
    points = geodetic_to_ecef(nodes.lat, nodes.lon, np.full(nodes.lat.shape, height_m))
    return orbit.zero_doppler_times(points.reshape(-1, 3)).reshape(nodes.lat.shape)


def pixel_times(orbit: Orbit, nodes: Coarse, heights: np.ndarray | None) -> np.ndarray:
    """Zero-Doppler times (r, c) of each pixel of ``nodes``' block at its height
    (``heights``; None: on the ellipsoid)."""
    low = _times(orbit, nodes, 0.0)
    t = nodes.fill(low)
    if heights is not None:
        per_metre = (_times(orbit, nodes, HEIGHT_SPAN_M) - low) / HEIGHT_SPAN_M
        t += nodes.fill(per_metre) * heights
    return t


def _sensor(orbit: Orbit, nodes: Coarse, heights: np.ndarray | None) -> np.ndarray:
    """Sensor positions (r, c, 3) seeing each pixel of ``nodes``' block (see ``pixel_times``)."""
    t = pixel_times(orbit, nodes, heights)
    return orbit.positions_at(t.ravel()).reshape(*t.shape, 3)


def local_incidence(
    grid: MapGrid, dem: np.ndarray, geoid: Geoid | None, orbit: Orbit, rows: slice
) -> np.ndarray:
    """LIA (degrees) of ``rows`` of ``grid``. ``dem`` (m above the geoid, or above the
    ellipsoid when ``geoid`` is None; NaN where unknown) covers ``grid.bordered()``, so
    row ``i`` of the tile is row ``i + 1`` there."""
    around = slice(rows.start, rows.stop + 2)
    nodes = grid.bordered().coarse(around)
    lat, lon = nodes.fill(nodes.lat), nodes.fill(nodes.lon)
    heights = dem[around].astype(float)
    if geoid is not None:
        heights += nodes.fill(geoid.height(nodes.lat, nodes.lon))
    points = geodetic_to_ecef(lat, lon, heights)
    normal = surface_normals(points)
    sensor = _sensor(orbit, nodes, heights)[1:-1, 1:-1]
    return range_plane_angle(normal, points[1:-1, 1:-1], sensor)


def ellipsoid_incidence(grid: MapGrid, orbit: Orbit, rows: slice) -> np.ndarray:
    """IA (degrees) of ``rows`` of ``grid``: the angle to the ellipsoid's normal at height 0."""
    nodes = grid.coarse(rows)
    lat, lon = nodes.fill(nodes.lat), nodes.fill(nodes.lon)
    ground = geodetic_to_ecef(lat, lon, np.zeros_like(lat))
    sensor = _sensor(orbit, nodes, None)
    return range_plane_angle(ellipsoid_normal(lat, lon), ground, sensor)


def angle_blocks(
    grid: MapGrid,
    orbit: Orbit,
    *,
    dem: np.ndarray | None,
    geoid: Geoid | None,
    with_ia: bool,
    rows_per_block: int = ROWS_PER_BLOCK,
) -> Iterator[AngleBlock]:
    """The tile's LIA (when a ``dem`` is given, see :func:`local_incidence`) and IA (when
    ``with_ia``), block by block."""
    for first in range(0, grid.height, rows_per_block):
        rows = slice(first, min(first + rows_per_block, grid.height))
        yield AngleBlock(
            first_row=first,
            lia_deg=None if dem is None else local_incidence(grid, dem, geoid, orbit, rows),
            ia_deg=ellipsoid_incidence(grid, orbit, rows) if with_ia else None,
        )
