"""The gamma area of a tile: for each pixel, the terrain area (m2) the radar pixel seeing it
integrates, projected onto the plane normal to the look direction (Small 2011's A_gamma,
what S1Tiling's ``GAMMA_AREA`` maps hold).

Each pixel of the tile grid -- grown by ``MARGIN_M`` so the radar pixels at the
tile's edges receive all the terrain they see -- is a facet: its ECEF corners
come from the DEM and the geoid, its area vector from its four neighbours, and
its projected area is that vector along the unit vector to the sensor at zero
Doppler (0 for a facet turned away: shadow). The facets are summed where they
fall in the GRD image's lines and columns, spread bilinearly over bins of
``GROUPING`` x ``GROUPING`` radar pixels (facets of the output resolution are
about as large as a radar pixel: single-pixel bins would alias into stripes),
and each tile pixel reads its bin sums back bilinearly, divided by the pixels
of a bin. S1Tiling does the same in the GRD image's own geometry from the DEM
(DiapOTB's SARGammaAreaImageEstimation), then orthorectifies the result.
"""

from __future__ import annotations

import math

import numpy as np

from s1ops.terrain.angles import ROWS_PER_BLOCK, MapGrid, pixel_times
from s1ops.terrain.ellipsoid import geodetic_to_ecef
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.orbit import Orbit
from s1ops.terrain.radar_grid import RadarGrid

GROUPING = 3
# Layover moves terrain toward near range by about its height over tan(incidence):
# 1.5 km covers 1 km of relief between a tile's edge and its surroundings.
MARGIN_M = 1500.0


def margin_pixels(resolution_m: float) -> int:
    """Pixels of margin around the tile the facets are taken from."""
    return math.ceil(MARGIN_M / resolution_m)


def dem_grid(grid: MapGrid) -> MapGrid:
    """The grid the DEM must cover for :func:`gamma_areas`: the margin and one pixel more."""
    return grid.bordered(margin_pixels(grid.resolution_m) + 1)


def gamma_areas(
    grid: MapGrid,
    orbit: Orbit,
    radar: RadarGrid,
    dem: np.ndarray,
    geoid: Geoid | None,
    *,
    rows_per_block: int = ROWS_PER_BLOCK,
) -> np.ndarray:
    """A_gamma (m2 per radar pixel, float32, NaN where unknown) of ``grid``'s pixels.
    ``dem`` (m above the geoid, above the ellipsoid when ``geoid`` is None; NaN where
    unknown) covers :func:`dem_grid` of ``grid``."""
    margin = margin_pixels(grid.resolution_m)
    work = grid.bordered(margin)
    u, v, area = _facets(work, orbit, radar, dem, geoid, rows_per_block)
    bins = _Bins.spanning(u, v)
    for first in range(0, work.height, rows_per_block):
        rows = slice(first, first + rows_per_block)
        bins.spread(u[rows], v[rows], area[rows])
    inner = (slice(margin, margin + grid.height), slice(margin, margin + grid.width))
    out = np.empty((grid.height, grid.width), dtype=np.float32)
    for first in range(0, grid.height, rows_per_block):
        rows = slice(first, first + rows_per_block)
        block = (slice(margin + first, margin + min(first + rows_per_block, grid.height)), inner[1])
        out[rows] = bins.read(u[block], v[block]) / (GROUPING * GROUPING)
    return out


def _facets(
    work: MapGrid,
    orbit: Orbit,
    radar: RadarGrid,
    dem: np.ndarray,
    geoid: Geoid | None,
    rows_per_block: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin coordinates (column and line over ``GROUPING``) and projected area of each
    facet of ``work`` (float32; NaN coordinates and 0 area where unknown)."""
    shape = (work.height, work.width)
    u = np.full(shape, np.nan, dtype=np.float32)
    v = np.full(shape, np.nan, dtype=np.float32)
    area = np.zeros(shape, dtype=np.float32)
    outer = work.bordered()
    for first in range(0, work.height, rows_per_block):
        rows = slice(first, min(first + rows_per_block, work.height))
        around = slice(rows.start, rows.stop + 2)
        nodes = outer.coarse(around)
        heights = dem[around].astype(float)
        if geoid is not None:
            heights += nodes.fill(geoid.height(nodes.lat, nodes.lon))
        points = geodetic_to_ecef(nodes.fill(nodes.lat), nodes.fill(nodes.lon), heights)
        t = pixel_times(orbit, nodes, heights)[1:-1, 1:-1]
        ground = points[1:-1, 1:-1]
        look = orbit.positions_at(t.ravel()).reshape(ground.shape) - ground
        slant = np.linalg.norm(look, axis=-1)
        east = points[1:-1, 2:] - points[1:-1, :-2]
        north = points[:-2, 1:-1] - points[2:, 1:-1]
        # Half differences each way: the cross product is the facet's area vector.
        facet = np.cross(east, north) / 4.0
        projected = np.einsum("...j,...j->...", facet, look) / slant
        known = np.isfinite(projected) & np.isfinite(t)
        area[rows] = np.where(known, np.maximum(projected, 0.0), 0.0)
        u[rows] = np.where(known, radar.columns(t, slant) / GROUPING, np.nan)
        v[rows] = np.where(known, radar.lines(t) / GROUPING, np.nan)
    return u, v, area


class _Bins:
    """Sums over bins of radar pixels, bin (i, j) centred on line i * GROUPING and column
    j * GROUPING, over the span of lines and columns the facets fall in."""

    def __init__(self, first_line: int, first_col: int, lines: int, cols: int) -> None:
        self.first_line = first_line
        self.first_col = first_col
        self.sums = np.zeros((lines, cols))

    @classmethod
    def spanning(cls, u: np.ndarray, v: np.ndarray) -> _Bins:
        if not np.isfinite(u).any():
            return cls(0, 0, 1, 1)
        u0, u1 = math.floor(np.nanmin(u)), math.floor(np.nanmax(u)) + 1
        v0, v1 = math.floor(np.nanmin(v)), math.floor(np.nanmax(v)) + 1
        return cls(v0, u0, v1 - v0 + 1, u1 - u0 + 1)

    def _corners(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Flat index of the upper-left bin around each (u, v), the weights across and down,
        and the mask of the points with coordinates."""
        known = np.isfinite(u) & np.isfinite(v)
        uk, vk = u[known].astype(float), v[known].astype(float)
        col, line = np.floor(uk), np.floor(vk)
        index = (line.astype(np.int64) - self.first_line) * self.sums.shape[1] + (
            col.astype(np.int64) - self.first_col
        )
        return index, uk - col, vk - line, known

    def spread(self, u: np.ndarray, v: np.ndarray, area: np.ndarray) -> None:
        index, wu, wv, known = self._corners(u, v)
        if not len(index):
            return
        a = area[known].astype(float)
        cols = self.sums.shape[1]
        flat = self.sums.reshape(-1)
        low = int(index.min())
        for offset, weight in (
            (0, (1 - wu) * (1 - wv)),
            (1, wu * (1 - wv)),
            (cols, (1 - wu) * wv),
            (cols + 1, wu * wv),
        ):
            at = index + offset - low
            summed = np.bincount(at, weights=a * weight)
            flat[low : low + len(summed)] += summed

    def read(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The sums interpolated bilinearly at (u, v) (NaN where a coordinate is)."""
        out = np.full(u.shape, np.nan, dtype=np.float32)
        index, wu, wv, known = self._corners(u, v)
        flat = self.sums.reshape(-1)
        cols = self.sums.shape[1]
        out[known] = (
            flat[index] * (1 - wu) * (1 - wv)
            + flat[index + 1] * wu * (1 - wv)
            + flat[index + cols] * (1 - wu) * wv
            + flat[index + cols + 1] * wu * wv
        )
        return out
