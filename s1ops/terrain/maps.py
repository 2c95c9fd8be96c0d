"""The terrain maps of a (tile, relative orbit): sin(LIA), LIA, IA and gamma-area maps, as
S1Tiling names them.

Made once, from the DEM (warped onto the tile as S1Tiling's gdalwarp step does),
the geoid and the orbit state vectors of one product of that orbit, and reused
by every later day: ``{lia_dir}/sin_LIA_{tile}_{orbit}.tif`` (float32, NaN
no-data), ``{lia_dir}/LIA_{tile}_{orbit}.tif`` (degrees x 100, uint16, 0
no-data), ``{ia_dir}/{IA,cos_IA,sin_IA,tan_IA}_{tile}_{orbit}.tif`` and
``{gamma_area_dir}/GAMMA_AREA_{tile}_{orbit}.tif`` (m2 per radar pixel, float32,
NaN no-data). All files of a call are written under partial names and
published together.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from s1ops.config.terrain import TerrainConfig
from s1ops.grid import S2Tile
from s1ops.outputs.publish import gdal_writes, publish, write_failure
from s1ops.scratch import partial_path
from s1ops.terrain.angles import MapGrid, angle_blocks
from s1ops.terrain.gamma_area import dem_grid, gamma_areas, margin_pixels
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.orbit import Orbit
from s1ops.terrain.radar_grid import RadarGrid
from s1ops.vocabulary import GAMMA_AREA, IA_KINDS, TIFF_DATETIME_FORMAT

log = logging.getLogger(__name__)

DEM_NODATA = -32768.0
DEGREES_NODATA = 0  # uint16 maps: 0 is no-data (an angle of exactly 0.00 degrees reads as none)
FLOAT_OPTIONS = ("COMPRESS=DEFLATE", "PREDICTOR=3")
DEGREES_OPTIONS = ("COMPRESS=DEFLATE",)


def sin_lia_name(tile_id: str, orbit: int) -> str:
    return f"sin_LIA_{tile_id}_{orbit:03d}.tif"


def lia_name(tile_id: str, orbit: int) -> str:
    return f"LIA_{tile_id}_{orbit:03d}.tif"


def ia_name(kind: str, tile_id: str, orbit: int) -> str:
    return f"{IA_KINDS[kind][0]}_{tile_id}_{orbit:03d}.tif"


def gamma_area_name(tile_id: str, orbit: int) -> str:
    return f"{GAMMA_AREA}_{tile_id}_{orbit:03d}.tif"


@dataclass(frozen=True)
class TerrainRequest:
    """Which maps of one (tile, relative orbit) to make, where, and from what."""

    tile: S2Tile
    relative_orbit: int
    orbit_direction: str  # 'ASC' or 'DES'
    resolution_m: float
    lia_dir: Path
    lia_degrees: bool = False  # [Processing] produce_lia_map
    ia_dir: Path | None = None
    ia_kinds: tuple[str, ...] = ()  # [Processing] ia_maps_to_produce: deg, cos, sin, tan
    dem_resampling: str = "cubic"  # [Processing] dem_warp_resampling_method
    dem_info: str = ""
    with_lia: bool = True  # sin(LIA) (and LIA with lia_degrees)
    gamma_area_dir: Path | None = None
    with_gamma_area: bool = False

    @classmethod
    def from_config(
        cls,
        terrain: TerrainConfig,
        *,
        tile: S2Tile,
        relative_orbit: int,
        orbit_direction: str,
        resolution_m: float,
        dem_info: str,
        lia: bool,
        ia: bool = False,
        gamma_area: bool = False,
    ) -> TerrainRequest:
        """The maps a request file's ``[Paths]``/``[Processing]`` keys describe, of those
        asked for: sin(LIA) (and LIA) with ``lia``, IA with ``ia``, gamma area with
        ``gamma_area``."""
        return cls(
            tile=tile,
            relative_orbit=relative_orbit,
            orbit_direction=orbit_direction,
            resolution_m=resolution_m,
            lia_dir=terrain.lia_dir,
            lia_degrees=terrain.produce_lia_map,
            ia_dir=terrain.ia_dir,
            ia_kinds=terrain.ia_maps if ia else (),
            dem_resampling=terrain.dem_warp_resampling,
            dem_info=dem_info,
            with_lia=lia,
            gamma_area_dir=terrain.gamma_area_dir,
            with_gamma_area=gamma_area,
        )

    def __post_init__(self) -> None:
        unknown = sorted(set(self.ia_kinds) - set(IA_KINDS))
        if unknown:
            raise ValueError(f"IA maps {unknown}: must be among {', '.join(IA_KINDS)}")
        if self.ia_kinds and self.ia_dir is None:
            raise ValueError("IA maps need an ia_dir")
        if self.with_gamma_area and self.gamma_area_dir is None:
            raise ValueError("a gamma-area map needs a gamma_area_dir")

    @property
    def needs_dem(self) -> bool:
        return self.with_lia or self.with_gamma_area

    @property
    def grid(self) -> MapGrid:
        size = round(self.tile.size_m / self.resolution_m)
        r = self.resolution_m
        return MapGrid(self.tile.epsg, self.tile.ulx, self.tile.uly, size, size, r)

    def paths(self) -> dict[str, Path]:
        """Map kind ('sin_LIA', 'LIA', 'IA', 'cos_IA', ...) -> the file it is published as."""
        tile, orbit = self.tile.tile_id, self.relative_orbit
        found: dict[str, Path] = {}
        if self.with_lia:
            found["sin_LIA"] = self.lia_dir / sin_lia_name(tile, orbit)
            if self.lia_degrees:
                found["LIA"] = self.lia_dir / lia_name(tile, orbit)
        for kind in self.ia_kinds:
            assert self.ia_dir is not None
            found[IA_KINDS[kind][0]] = self.ia_dir / ia_name(kind, tile, orbit)
        if self.with_gamma_area:
            assert self.gamma_area_dir is not None
            found[GAMMA_AREA] = self.gamma_area_dir / gamma_area_name(tile, orbit)
        return found

    def narrowed(self, names: Iterable[str]) -> TerrainRequest:
        """The same request for the maps ``names`` (keys of :meth:`paths`) only; sin(LIA)
        comes along with the LIA in degrees (they share their angles)."""
        wanted = set(names)
        return replace(
            self,
            with_lia=self.with_lia and bool({"sin_LIA", "LIA"} & wanted),
            lia_degrees=self.lia_degrees and "LIA" in wanted,
            ia_kinds=tuple(k for k in self.ia_kinds if IA_KINDS[k][0] in wanted),
            with_gamma_area=self.with_gamma_area and GAMMA_AREA in wanted,
        )

    def missing(self) -> dict[str, Path]:
        """The maps not yet published, or published for another grid (the request's
        resolution changed: the names do not say it, as in S1Tiling)."""
        return {
            kind: path
            for kind, path in self.paths().items()
            if not path.is_file() or not _on_grid(path, self.grid)
        }


def _on_grid(path: Path, grid: MapGrid) -> bool:
    """Whether the map at ``path`` has ``grid``'s size, origin and pixel size."""
    try:
        dataset = _gdal().Open(str(path))
        found = (dataset.RasterXSize, dataset.RasterYSize, dataset.GetGeoTransform())
    except RuntimeError:
        return False  # unreadable: made again
    finally:
        dataset = None
    r = grid.resolution_m
    expected = (grid.width, grid.height, (grid.ulx, r, 0.0, grid.uly, 0.0, -r))
    return found[:2] == expected[:2] and np.allclose(found[2], expected[2], atol=1e-6)


def _gdal() -> Any:
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def dem_on_grid(grid: MapGrid, cells: Sequence[Path], resampling: str) -> np.ndarray:
    """The DEM cells warped onto ``grid`` (float32 metres, NaN where no cell covers)."""
    if not cells:
        return np.full((grid.height, grid.width), np.nan, dtype=np.float32)
    gdal = _gdal()
    vrt_path = f"/vsimem/s1ops-dem-{os.getpid()}-{id(grid)}.vrt"
    vrt = gdal.BuildVRT(vrt_path, [str(c) for c in cells])
    try:
        bounds = (
            grid.ulx,
            grid.uly - grid.height * grid.resolution_m,
            grid.ulx + grid.width * grid.resolution_m,
            grid.uly,
        )
        warped = gdal.Warp(
            "",
            vrt,
            format="MEM",
            dstSRS=f"EPSG:{grid.epsg}",
            outputBounds=bounds,
            width=grid.width,
            height=grid.height,
            resampleAlg=resampling,
            outputType=gdal.GDT_Float32,
            dstNodata=DEM_NODATA,
        )
        heights = warped.GetRasterBand(1).ReadAsArray()
    finally:
        warped = vrt = None
        gdal.Unlink(vrt_path)
    heights[heights == DEM_NODATA] = np.nan
    return heights


def map_tags(name: str, data_type: str, common: Mapping[str, str]) -> dict[str, str]:
    """S1Tiling's tags of map ``name`` (``IMAGE_TYPE`` LIA or IA, ``DATA_TYPE``, description)."""
    image_type = "LIA" if name.endswith("LIA") else "IA"
    return {
        **common,
        "IMAGE_TYPE": image_type,
        "DATA_TYPE": data_type,
        "TIFFTAG_IMAGEDESCRIPTION": f"{data_type} on S2 grid",
    }


@dataclass(frozen=True)
class MapKind:
    """How one map is made from an angle in degrees."""

    angle: str  # 'lia' or 'ia'
    encode: Callable[[np.ndarray], np.ndarray]
    data_type: str  # the DATA_TYPE tag
    centi_degrees: bool  # uint16 degrees x 100, else float32


def _centi(deg: np.ndarray) -> np.ndarray:
    out = np.rint(deg * 100.0)
    out[~np.isfinite(out)] = DEGREES_NODATA
    return out.astype(np.uint16)


def _trig(name: str) -> Callable[[np.ndarray], np.ndarray]:
    fn = getattr(np, name)
    return lambda deg: np.asarray(fn(np.radians(deg)), dtype=np.float32)


def map_kinds(request: TerrainRequest) -> dict[str, MapKind]:
    """The maps of ``request`` by file prefix ('sin_LIA', 'LIA', 'IA', 'cos_IA', ...)."""
    found: dict[str, MapKind] = {}
    if request.with_lia:
        found["sin_LIA"] = MapKind("lia", _trig("sin"), "sin(LIA)", False)
        if request.lia_degrees:
            found["LIA"] = MapKind("lia", _centi, "100 * degrees(LIA)", True)
    for kind in request.ia_kinds:
        prefix, data_type = IA_KINDS[kind]
        degrees = kind == "deg"
        found[prefix] = MapKind("ia", _centi if degrees else _trig(kind), data_type, degrees)
    return found


def gamma_area_tags(
    radar: RadarGrid, source_product: str, common: Mapping[str, str]
) -> dict[str, str]:
    """S1Tiling's tags of a gamma-area map: square metres, and the SAR image's pixel
    spacings kept (the area a radar pixel's sigma0 is normalised to)."""
    return {
        **common,
        "IMAGE_TYPE": "GRD",
        "DATA_TYPE": "meters^2",
        "TIFFTAG_IMAGEDESCRIPTION": "Gamma area on S2 grid",
        "INPUT_S1_IMAGES": source_product,
        "PixelSpacing": repr(radar.range_spacing_m),
        "LineSpacing": repr(radar.azimuth_spacing_m),
    }


def make_maps(
    request: TerrainRequest,
    orbit: Orbit,
    *,
    dem_cells: Sequence[Path],
    geoid: Geoid | None,
    source_product: str,
    software: str,
    radar: RadarGrid | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Compute and publish the maps of ``request`` (all of them, existing or not); return
    their paths. ``orbit`` (and ``radar``, the image grid a gamma-area map needs) come
    from ``source_product``'s annotation."""
    if request.with_gamma_area and radar is None:
        raise ValueError("a gamma-area map needs the product's image grid")
    gdal = _gdal()
    grid = request.grid
    kinds = map_kinds(request)
    finals = request.paths()
    moment = (now or datetime.now(UTC)).strftime(TIFF_DATETIME_FORMAT)
    common = {
        "DEM_INFO": request.dem_info,
        "DEM_LIST": ", ".join(sorted(c.stem for c in dem_cells)),
        "DEM_RESAMPLING_METHOD": request.dem_resampling,
        "ORBIT_STATE_VECTORS": source_product,  # S1Tiling: EOF_FILE (precise orbits)
        "ORBIT_DIRECTION": request.orbit_direction,
        "ORTHORECTIFIED": "true",
        "RELATIVE_ORBIT_NUMBER": f"{request.relative_orbit:03d}",
        "S2_TILE_CORRESPONDING_CODE": request.tile.tile_id,
        "SPATIAL_RESOLUTION": str(float(request.resolution_m)),
        "TIFFTAG_DATETIME": moment,
        "TIFFTAG_SOFTWARE": software,
    }
    dem = lia_dem = None
    if request.with_gamma_area:
        # The gamma area takes facets from a margin around the tile; the LIA's one-pixel
        # border is inside it, warped alike.
        dem = dem_on_grid(dem_grid(grid), dem_cells, request.dem_resampling)
        m = margin_pixels(grid.resolution_m)
        lia_dem = dem[m : dem.shape[0] - m, m : dem.shape[1] - m]
    elif request.with_lia:
        lia_dem = dem_on_grid(grid.bordered(), dem_cells, request.dem_resampling)
    partials = {name: partial_path(path) for name, path in finals.items()}
    datasets: dict[str, Any] = {}
    try:
        try:
            with gdal_writes():
                for name, partial in partials.items():
                    partial.parent.mkdir(parents=True, exist_ok=True)
                    centi = name in kinds and kinds[name].centi_degrees
                    datasets[name] = _create(gdal, partial, grid, centi=centi)
                with_ia = any(kind.angle == "ia" for kind in kinds.values())
                blocks = angle_blocks(
                    grid,
                    orbit,
                    dem=lia_dem if request.with_lia else None,
                    geoid=geoid,
                    with_ia=with_ia,
                )
                for block in blocks if kinds else ():
                    for name, kind in kinds.items():
                        angle = block.lia_deg if kind.angle == "lia" else block.ia_deg
                        assert angle is not None
                        band = datasets[name].GetRasterBand(1)
                        band.WriteArray(kind.encode(angle), 0, block.first_row)
                if request.with_gamma_area:
                    assert dem is not None and radar is not None
                    areas = gamma_areas(grid, orbit, radar, dem, geoid)
                    datasets[GAMMA_AREA].GetRasterBand(1).WriteArray(areas)
                    datasets[GAMMA_AREA].SetMetadata(gamma_area_tags(radar, source_product, common))
                for name in list(datasets):
                    if name in kinds:
                        datasets[name].SetMetadata(map_tags(name, kinds[name].data_type, common))
                    del datasets[name]  # closing writes the last strips and the tags
        except RuntimeError as exc:
            # GDAL's failure (a full disk...), said as for every output.
            datasets.clear()
            first = next(iter(finals))
            raise write_failure(exc, partials[first], finals[first]) from exc
        publish([(partials[name], finals[name]) for name in finals])
    finally:
        datasets.clear()
        for partial in partials.values():
            partial.unlink(missing_ok=True)  # nothing left after a publication or a failure
    return list(finals.values())


def _create(gdal: Any, path: Path, grid: MapGrid, *, centi: bool) -> Any:
    from osgeo import osr

    pixel = gdal.GDT_UInt16 if centi else gdal.GDT_Float32
    options = DEGREES_OPTIONS if centi else FLOAT_OPTIONS
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), grid.width, grid.height, 1, pixel, options=[*options, "BIGTIFF=IF_SAFER"]
    )
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(grid.epsg)
    dataset.SetProjection(srs.ExportToWkt())
    r = grid.resolution_m
    dataset.SetGeoTransform((grid.ulx, r, 0.0, grid.uly, 0.0, -r))
    dataset.GetRasterBand(1).SetNoDataValue(DEGREES_NODATA if centi else float("nan"))
    return dataset
