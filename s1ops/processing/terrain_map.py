"""The terrain map a tile job of a terrain calibration applies: sin(LIA) for normlim, the
gamma area for gamma_naught_rtc (pure names and values, and the call that makes the map
when the job is the first to need it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from s1ops import __version__
from s1ops.errors import S1OpsError
from s1ops.grid import parse_tile_id
from s1ops.planning.jobs import TileJob
from s1ops.processing.chains import AppliedMap
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.safe import read_safe
from s1ops.terrain.ensure import ensure_maps
from s1ops.terrain.maps import TerrainRequest
from s1ops.vocabulary import GAMMA_AREA

SOFTWARE = f"S1Ops v{__version__}"
RTC = "gamma_naught_rtc"
# The map each terrain calibration applies, and the tag naming it in the products.
_APPLIED = {"normlim": ("sin_LIA", "LIA_FILE"), RTC: (GAMMA_AREA, "GAMMA_AREA_FILE")}


def terrain_request(job: TileJob, s: ProcessSettings) -> TerrainRequest | None:
    """The map of ``job``'s (tile, relative orbit), when its calibration needs one."""
    if s.terrain is None or s.calibration not in _APPLIED:
        return None
    return TerrainRequest.from_config(
        s.terrain,
        tile=parse_tile_id(job.tile_id),
        relative_orbit=job.relative_orbit,
        orbit_direction=job.orbit_direction,
        resolution_m=s.resolution_m,
        dem_info=s.dem_info,
        lia=s.calibration == "normlim",
        gamma_area=s.calibration == RTC,
    )


def terrain_tags(job: TileJob, s: ProcessSettings) -> dict[str, str]:
    """``LIA_FILE`` or ``GAMMA_AREA_FILE``, as S1Tiling tags its terrain-calibrated
    products (nothing for other calibrations)."""
    request = terrain_request(job, s)
    if request is None:
        return {}
    kind, tag = _APPLIED[s.calibration]
    return {tag: request.paths()[kind].name}


def _first_product(job: TileJob) -> str | None:
    return job.product_paths[0] if job.product_paths else None


def maps_to_make(jobs: Iterable[TileJob], s: ProcessSettings) -> list[tuple[int, str]]:
    """(relative orbit, a product of it) for each orbit of ``jobs`` whose maps are missing:
    what a tile DAG's ``terrain`` task makes before the polarisations' jobs run."""
    found: dict[int, str] = {}
    for job in jobs:
        request = terrain_request(job, s)
        first = _first_product(job)
        if request is None or first is None or job.relative_orbit in found:
            continue
        if request.missing():
            found[job.relative_orbit] = first
    return sorted(found.items())


def ensure_terrain_map(
    job: TileJob, s: ProcessSettings, *, dem_dir: str | Path
) -> AppliedMap | None:
    """The map ``job`` applies, made first (from its first product's orbit) when missing."""
    request = terrain_request(job, s)
    if request is None:
        return None
    if request.missing():
        first = _first_product(job)
        if first is None:
            raise FileNotFoundError(f"product {job.product_ids[0]} is not on disk")
        ensure_maps(
            request, read_safe(first), dem_dir=dem_dir, geoid_file=s.geoid, software=SOFTWARE
        )
    kind, _ = _APPLIED[s.calibration]
    path = request.paths()[kind]
    if kind != GAMMA_AREA:
        return AppliedMap(kind, str(path))
    assert s.terrain is not None
    return AppliedMap(
        kind,
        str(path),
        scale=s.terrain.calibration_factor * pixel_area_m2(path),
        min_area=s.terrain.min_gamma_area,
    )


def pixel_area_m2(gamma_area_map: Path) -> float:
    """The nominal ground area of the radar pixels a gamma-area map was made for (its
    ``PixelSpacing`` x ``LineSpacing`` tags)."""
    from s1ops.outputs.geotiff import read_tags

    tags = read_tags(gamma_area_map)
    try:
        return float(tags["PixelSpacing"]) * float(tags["LineSpacing"])
    except (KeyError, ValueError) as exc:
        raise S1OpsError(
            f"{gamma_area_map}: no PixelSpacing/LineSpacing tags (a gamma-area map from "
            "S1Ops or S1Tiling has them)"
        ) from exc
