"""Local (LIA) and ellipsoid (IA) incidence angles on a map grid, a block of rows at a time.

For each pixel centre: the ground point (map coordinates + height -> ECEF),
the sensor at zero Doppler (``orbit.Orbit.zero_doppler``), and a surface
normal; the angle is measured between the sensor direction and the normal
projected into the range plane (the plane through the sensor, the ground
point and the Earth's centre), as S1Tiling defines its LIA. The LIA normal
comes from the ECEF points of the four neighbouring pixels (a central
difference, so the height grid carries a one-pixel border around the tile);
the IA normal is the ellipsoid's, at the point on the ellipsoid (height 0).
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

    def lat_lon(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude (degrees) of the pixel centres of ``rows`` (all columns)."""
        r = self.resolution_m
        x = self.ulx + (np.arange(self.width) + 0.5) * r
        y = self.uly - (np.arange(rows.start, rows.stop) + 0.5) * r
        xx, yy = np.meshgrid(x, y)
        lon, lat = self._to_geographic.transform(xx, yy)
        return np.asarray(lat), np.asarray(lon)


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


def _sensor(orbit: Orbit, ground: np.ndarray) -> np.ndarray:
    sensor, _ = orbit.zero_doppler(ground.reshape(-1, 3))
    return sensor.reshape(ground.shape)


def local_incidence(
    grid: MapGrid, dem: np.ndarray, geoid: Geoid | None, orbit: Orbit, rows: slice
) -> np.ndarray:
    """LIA (degrees) of ``rows`` of ``grid``. ``dem`` (m above the geoid, or above the
    ellipsoid when ``geoid`` is None; NaN where unknown) covers ``grid.bordered()``, so
    row ``i`` of the tile is row ``i + 1`` there."""
    border = grid.bordered()
    around = slice(rows.start, rows.stop + 2)
    lat, lon = border.lat_lon(around)
    heights = dem[around] if geoid is None else dem[around] + geoid.height(lat, lon)
    points = geodetic_to_ecef(lat, lon, heights)
    normal = surface_normals(points)
    ground = points[1:-1, 1:-1]
    return range_plane_angle(normal, ground, _sensor(orbit, ground))


def ellipsoid_incidence(grid: MapGrid, orbit: Orbit, rows: slice) -> np.ndarray:
    """IA (degrees) of ``rows`` of ``grid``: the angle to the ellipsoid's normal at height 0."""
    lat, lon = grid.lat_lon(rows)
    ground = geodetic_to_ecef(lat, lon, np.zeros_like(lat))
    return range_plane_angle(ellipsoid_normal(lat, lon), ground, _sensor(orbit, ground))


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
