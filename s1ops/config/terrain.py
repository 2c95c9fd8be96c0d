"""S1Tiling's terrain-geometry keys: where the LIA/IA/gamma-area maps go, which ones to make,
and how gamma_naught_rtc applies its map.

``[Paths] lia`` (default ``{output}/_LIA``), ``ia`` (``{output}/_IA``) and
``gamma_area`` (``{output}/_GAMMA_AREA``);
``[Processing] produce_lia_map`` (also write the LIA in degrees x 100 next to
sin(LIA)), ``ia_maps_to_produce`` (deg, cos, sin, tan; default deg) and
``dem_warp_resampling_method`` (how the DEM is warped onto the tile; default
cubic); ``min_gamma_area`` (m2: a smaller gamma area is shadow, no data; 1.0)
and ``calibration_factor`` (a scale applied to gamma0; 1.0). A name S1Tiling
would silently skip in ``ia_maps_to_produce`` is refused here, with the key
named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from s1ops.config.reader import SectionReader
from s1ops.vocabulary import DEM_RESAMPLINGS, IA_KINDS

LIA_FOLDER = "_LIA"
IA_FOLDER = "_IA"
GAMMA_AREA_FOLDER = "_GAMMA_AREA"


@dataclass(frozen=True)
class TerrainConfig:
    """Where the maps of each (tile, relative orbit) go, and which ones are made."""

    lia_dir: Path
    ia_dir: Path
    gamma_area_dir: Path
    produce_lia_map: bool = False
    ia_maps: tuple[str, ...] = ("deg",)
    dem_warp_resampling: str = "cubic"
    min_gamma_area: float = 1.0
    calibration_factor: float = 1.0


def read_terrain(paths: SectionReader, processing: SectionReader, output: Path) -> TerrainConfig:
    words = [w.lower() for w in re.split(r"[\s,]+", processing.text("ia_maps_to_produce") or "")]
    ia_maps = tuple(dict.fromkeys(w for w in words if w)) or TerrainConfig.ia_maps
    unknown = [w for w in ia_maps if w not in IA_KINDS]
    if unknown:
        raise processing.error(
            "ia_maps_to_produce",
            processing.text("ia_maps_to_produce"),
            f"a list of: {', '.join(IA_KINDS)} ({unknown[0]!r} is not one)",
        )
    resampling = processing.choice("dem_warp_resampling_method", DEM_RESAMPLINGS, "cubic")
    return TerrainConfig(
        lia_dir=paths.path("lia") or output / LIA_FOLDER,
        ia_dir=paths.path("ia") or output / IA_FOLDER,
        gamma_area_dir=paths.path("gamma_area") or output / GAMMA_AREA_FOLDER,
        produce_lia_map=processing.flag("produce_lia_map", TerrainConfig.produce_lia_map),
        ia_maps=ia_maps,
        dem_warp_resampling=str(resampling),
        min_gamma_area=processing.number("min_gamma_area", TerrainConfig.min_gamma_area),
        calibration_factor=processing.number(
            "calibration_factor", TerrainConfig.calibration_factor
        ),
    )
