"""The sin(LIA) map a normlim tile job multiplies its beta0 image by (pure names, and the
call that makes the map when the job is the first to need it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from s1ops import __version__
from s1ops.grid import parse_tile_id
from s1ops.planning.jobs import TileJob
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.safe import read_safe
from s1ops.terrain.ensure import ensure_maps
from s1ops.terrain.maps import TerrainRequest, sin_lia_name

SOFTWARE = f"S1Ops v{__version__}"


def lia_request(job: TileJob, s: ProcessSettings) -> TerrainRequest | None:
    """The maps of ``job``'s (tile, relative orbit), when its calibration needs them."""
    if s.lia_dir is None:
        return None
    return TerrainRequest(
        tile=parse_tile_id(job.tile_id),
        relative_orbit=job.relative_orbit,
        orbit_direction=job.orbit_direction,
        resolution_m=s.resolution_m,
        lia_dir=Path(s.lia_dir),
        lia_degrees=s.lia_degrees,
        dem_resampling=s.dem_resampling,
        dem_info=s.dem_info,
    )


def lia_tags(job: TileJob, s: ProcessSettings) -> dict[str, str]:
    """``LIA_FILE``, as S1Tiling tags its normlim products (nothing for other calibrations)."""
    if s.lia_dir is None:
        return {}
    return {"LIA_FILE": sin_lia_name(job.tile_id, job.relative_orbit)}


def maps_to_make(jobs: Iterable[TileJob], s: ProcessSettings) -> list[tuple[int, str]]:
    """(relative orbit, a product of it) for each orbit of ``jobs`` whose maps are missing:
    what a tile DAG's ``terrain`` task makes before the polarisations' jobs run."""
    found: dict[int, str] = {}
    for job in jobs:
        request = lia_request(job, s)
        first = job.product_paths[0] if job.product_paths else None
        if request is None or first is None or job.relative_orbit in found:
            continue
        if request.missing():
            found[job.relative_orbit] = first
    return sorted(found.items())


def ensure_sin_lia(job: TileJob, s: ProcessSettings, *, dem_dir: str | Path) -> Path | None:
    """``job``'s sin(LIA) map, made first (from its first product's orbit) when missing."""
    request = lia_request(job, s)
    if request is None:
        return None
    if request.missing():
        first = job.product_paths[0] if job.product_paths else None
        if first is None:
            raise FileNotFoundError(f"product {job.product_ids[0]} is not on disk")
        product = read_safe(first)
        ensure_maps(request, product, dem_dir=dem_dir, geoid_file=s.geoid, software=SOFTWARE)
    return request.paths()["sin_LIA"]
