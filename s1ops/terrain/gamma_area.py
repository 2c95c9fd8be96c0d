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

import logging
import math
from collections.abc import Iterator

import numpy as np
from pyproj import Transformer

from s1ops.terrain.angles import ROWS_PER_BLOCK, MapGrid, pixel_times
from s1ops.terrain.ellipsoid import geodetic_to_ecef
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.orbit import Orbit
from s1ops.terrain.radar_grid import RadarGrid

GROUPING = 3
# Layover moves terrain toward near range by about its height over tan(incidence):
# 1.5 km covers 1 km of relief between a tile's edge and its surroundings.
MARGIN_M = 1500.0

log = logging.getLogger(__name__)


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
    bins = _span(work, orbit, radar, dem, geoid)
    # Only the tile's own bin coordinates are kept for reading back (float32: a
    # thousandth of a bin at 10 000 bins).
    u = np.full((grid.height, grid.width), np.nan, dtype=np.float32)
    v = np.full_like(u, np.nan)
    for rows, bu, bv, area in _facets(work, orbit, radar, dem, geoid, rows_per_block):
        bins.spread(bu, bv, area)
        inside = slice(max(rows.start, margin), min(rows.stop, margin + grid.height))
        if inside.start < inside.stop:
            local = slice(inside.start - rows.start, inside.stop - rows.start)
            cols = slice(margin, margin + grid.width)
            tile_rows = slice(inside.start - margin, inside.stop - margin)
            u[tile_rows] = bu[local, cols]
            v[tile_rows] = bv[local, cols]
    if bins.dropped:
        log.warning(
            "%d facets fell outside the span of radar pixels expected: left out", bins.dropped
        )
    out = np.empty((grid.height, grid.width), dtype=np.float32)
    for first in range(0, grid.height, rows_per_block):
        rows = slice(first, first + rows_per_block)
        out[rows] = bins.read(u[rows], v[rows]) / (GROUPING * GROUPING)
    return out


def _facets(
    work: MapGrid,
    orbit: Orbit,
    radar: RadarGrid,
    dem: np.ndarray,
    geoid: Geoid | None,
    rows_per_block: int,
) -> Iterator[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]:
    """For each block of rows of ``work``: the rows, the bin coordinates of their facets
    (column and line over ``GROUPING``; NaN where unknown) and their projected areas (0
    where unknown or turned away)."""
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
        yield (
            rows,
            np.where(known, radar.columns(t, slant) / GROUPING, np.nan),
            np.where(known, radar.lines(t) / GROUPING, np.nan),
            np.where(known, np.maximum(projected, 0.0), 0.0),
        )


def _span(
    work: MapGrid, orbit: Orbit, radar: RadarGrid, dem: np.ndarray, geoid: Geoid | None
) -> _Bins:
    """Bins over the radar pixels ``work`` can fall in: its border's, at the lowest and the
    highest heights of ``dem`` (the mapping is monotonic inside; relief moves it by less
    than the height span does), and two bins more each way."""
    r = work.resolution_m
    edge_x = work.ulx + (np.arange(work.width) + 0.5) * r
    edge_y = work.uly - (np.arange(work.height) + 0.5) * r
    x = np.concatenate(
        [edge_x, edge_x, np.full(work.height, edge_x[0]), np.full(work.height, edge_x[-1])]
    )
    y = np.concatenate(
        [np.full(work.width, edge_y[0]), np.full(work.width, edge_y[-1]), edge_y, edge_y]
    )
    lon, lat = Transformer.from_crs(work.epsg, 4326, always_xy=True).transform(x, y)
    lat, lon = np.asarray(lat), np.asarray(lon)
    undulation = np.zeros_like(lat) if geoid is None else geoid.height(lat, lon)
    known = dem[np.isfinite(dem)]
    if not len(known):
        return _Bins(0, 0, 1, 1)
    columns, lines = [], []
    for height in (float(known.min()), float(known.max())):
        points = geodetic_to_ecef(lat, lon, height + undulation)
        t = orbit.zero_doppler_times(points)
        slant = np.linalg.norm(orbit.positions_at(t) - points, axis=-1)
        columns.append(radar.columns(t, slant) / GROUPING)
        lines.append(radar.lines(t) / GROUPING)
    u, v = np.concatenate(columns), np.concatenate(lines)
    if not np.isfinite(u).any():
        return _Bins(0, 0, 1, 1)
    u0, u1 = math.floor(np.nanmin(u)) - 2, math.floor(np.nanmax(u)) + 3
    v0, v1 = math.floor(np.nanmin(v)) - 2, math.floor(np.nanmax(v)) + 3
    return _Bins(v0, u0, v1 - v0 + 1, u1 - u0 + 1)


class _Bins:
    """Sums over bins of radar pixels, bin (i, j) centred on line i * GROUPING and column
    j * GROUPING, over the span of lines and columns the facets fall in."""

    def __init__(self, first_line: int, first_col: int, lines: int, cols: int) -> None:
        self.first_line = first_line
        self.first_col = first_col
        self.sums = np.zeros((lines, cols))
        self.dropped = 0  # facets outside the bins

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

    def _inside(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Whether the four bins around each (u, v) are bins of these sums."""
        lines, cols = self.sums.shape
        col = np.floor(u).astype(np.int64) - self.first_col
        line = np.floor(v).astype(np.int64) - self.first_line
        return (col >= 0) & (col < cols - 1) & (line >= 0) & (line < lines - 1)

    def spread(self, u: np.ndarray, v: np.ndarray, area: np.ndarray) -> None:
        index, wu, wv, known = self._corners(u, v)
        a = area[known].astype(float)
        inside = self._inside(u[known], v[known])
        if not inside.all():
            self.dropped += int((~inside).sum())
            index, wu, wv, a = index[inside], wu[inside], wv[inside], a[inside]
        if not len(index):
            return
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
        inside = self._inside(u[known], v[known])
        known[known] = inside
        index, wu, wv = index[inside], wu[inside], wv[inside]
        flat = self.sums.reshape(-1)
        cols = self.sums.shape[1]
        out[known] = (
            flat[index] * (1 - wu) * (1 - wv)
            + flat[index + 1] * wu * (1 - wv)
            + flat[index + cols] * (1 - wu) * wv
            + flat[index + cols + 1] * wu * wv
        )
        return out
