"""The LIA/IA/gamma-area maps of a (tile, relative orbit), made once whoever asks first.

A tile DAG's ``terrain`` task, each polarisation's job and ``s1ops terrain
maps`` all call :func:`ensure_maps`: the first one makes what is missing
under an exclusive lock beside the maps, the others wait for it and find the
maps made. The orbit comes from the annotation of one product of that orbit.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from s1ops.cache.locks import release, try_lock
from s1ops.errors import S1OpsError
from s1ops.processing.dem import dem_coverage
from s1ops.processing.dem_checks import check_dem_cell, check_geoid
from s1ops.sentinel1.safe import SafeProduct
from s1ops.terrain.gamma_area import MARGIN_M
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.maps import TerrainRequest, make_maps
from s1ops.terrain.orbit import orbit_from_annotation
from s1ops.terrain.radar_grid import radar_grid_from_annotation

log = logging.getLogger(__name__)

_POLL_S = 0.5
METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator


def lock_path(request: TerrainRequest) -> Path:
    """The lock of a (tile, orbit)'s maps: hidden, beside the first of them."""
    folder = next(iter(request.paths().values())).parent
    assert folder is not None
    return folder / f".terrain_{request.tile.tile_id}_{request.relative_orbit:03d}.lock"


@contextmanager
def _held(path: Path) -> Iterator[None]:
    fd = try_lock(path)
    if fd is None:
        log.info("waiting for another process making the maps of %s", path.stem)
    while fd is None:
        time.sleep(_POLL_S)
        fd = try_lock(path)
    try:
        yield
    finally:
        release(fd)


def _dem_footprint(request: TerrainRequest) -> BaseGeometry:
    """Where heights are needed: the tile, and the margin a gamma area takes facets from."""
    footprint = request.tile.footprint_lonlat()
    if not request.with_gamma_area:
        return footprint
    # A degree of longitude shrinks with latitude: buffer by the widest it can be.
    widest = math.cos(math.radians(min(80.0, max(abs(y) for y in footprint.bounds[1::2]))))
    return footprint.buffer(MARGIN_M / METRES_PER_DEGREE / widest)


def ensure_maps(
    request: TerrainRequest,
    product: SafeProduct,
    *,
    dem_dir: str | Path,
    geoid_file: str | Path | None,
    software: str,
    force: bool = False,
) -> list[Path]:
    """Make the maps of ``request`` that are missing (all of them when ``force``), from
    ``product``'s orbit; return the ones made. Raises ``S1OpsError`` when ``product`` is
    not of the request's orbit, or a DEM cell or the geoid cannot be used."""
    if not (force or request.missing()):
        return []
    if product.relative_orbit != request.relative_orbit:
        raise S1OpsError(
            f"{product.product_id}: relative orbit {product.relative_orbit}, not the maps' "
            f"{request.relative_orbit}"
        )
    with _held(lock_path(request)):
        absent = request.missing()
        if not (force or absent):  # made meanwhile by whoever held the lock
            return []
        if not force:
            request = request.narrowed(absent)
        member = product.annotation_member(product.polarisations[0])
        xml = product.read_member(member)
        where = f"{product.path}/{member}"
        orbit = orbit_from_annotation(xml, where)
        radar = None
        if request.with_gamma_area:
            assert orbit.epoch is not None
            radar = radar_grid_from_annotation(xml, orbit.epoch, where)
        cells: list[Path] = []
        if request.needs_dem:
            footprint = _dem_footprint(request)
            cells, missing = dem_coverage(footprint, dem_dir)
            for cell in cells:
                check_dem_cell(cell)
            if missing:
                # SRTM has no cells over the sea: no height, no LIA there (as in S1Tiling).
                log.warning(
                    "no DEM cell %s in %s: the maps of %s are no-data there",
                    ", ".join(missing),
                    dem_dir,
                    request.tile.tile_id,
                )
        geoid = None
        if geoid_file is not None:
            check_geoid(geoid_file)
            geoid = Geoid.read(geoid_file)
        started = time.monotonic()
        made = make_maps(
            request,
            orbit,
            dem_cells=cells,
            geoid=geoid,
            source_product=product.product_id.format(),
            software=software,
            radar=radar,
        )
        log.info("made %s in %.0f s", ", ".join(p.name for p in made), time.monotonic() - started)
        return made
