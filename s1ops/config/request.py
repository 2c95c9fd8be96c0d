"""S1Tiling request files (``S1Processor.cfg``), read unchanged into one frozen object.

Sections ``[Paths]``, ``[DataSource]``, ``[Mask]``, ``[Processing]``,
``[Filtering]`` and ``[Metadata]`` keep S1Tiling's keys and meaning; ``[Quicklook]`` and
``[Airflow]`` are s1ops's own and fully defaulted. ``config/S1Processor.example.cfg``
documents every key. Keys s1ops does not use are accepted with one warning
each (see ``s1ops.config.keys``); every invalid value raises ``ConfigError`` naming
the section, the key, the value and what is allowed.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from s1ops.config.airflow_section import AirflowConfig, read_airflow
from s1ops.config.filtering import FilteringConfig, read_filtering
from s1ops.config.keys import SECTIONS, check_keys
from s1ops.config.output_format import OutputFormat, read_output_format
from s1ops.config.reader import RequestDocument, SectionReader, split_list
from s1ops.config.terrain import TerrainConfig, read_terrain
from s1ops.errors import ConfigError, ConfigFileError, TileIdError
from s1ops.grid import parse_tile_id
from s1ops.vocabulary import (
    CALIBRATIONS,
    ORBIT_DIRECTIONS,
    ORBITS_PER_CYCLE,
    TERRAIN_CALIBRATIONS,
)

log = logging.getLogger(__name__)

_CALIBRATION_ALLOWED = "one of: sigma, beta, gamma, dn, normlim, gamma_naught_rtc"
INTERPOLATIONS = ("nn", "linear")
DEM_CACHE_MODES = ("symlink", "copy")
QUICKLOOK_FORMATS = ("jpeg", "png")

# S1Tiling's [DataSource] polarisation values (with ' ' or '-' between the
# two channels) -> the polarisations processed.
_POLARISATION_MODES = {
    "VV VH": ("vv", "vh"),
    "HH HV": ("hh", "hv"),
    "VV": ("vv",),
    "VH": ("vh",),
    "HH": ("hh",),
    "HV": ("hv",),
}
_PLATFORM = re.compile(r"^S1[A-F]$")
_ALL = "ALL"


@dataclass(frozen=True)
class PathsConfig:
    """[Paths], as absolute paths (relative ones are taken from the request file's folder)."""

    output: Path
    s1_images: Path
    dem_dir: Path  # key dem_dir, or S1Tiling's older name srtm
    tmp: Path
    dem_info: str  # DEM_INFO tag; default: dem_dir's last component
    geoid_file: Path | None = None


@dataclass(frozen=True)
class DataSourceConfig:
    """[DataSource]: which Sentinel-1 products, and whether to download them."""

    first_date: date  # inclusive, on the product start
    last_date: date  # inclusive
    polarisations: tuple[str, ...]  # key polarisation: ('vv', 'vh'), ('hh',)...
    download: bool = False
    eodag_config: Path | None = None  # None: eodag's own lookup
    roi_by_tiles: tuple[str, ...] | None = None  # None: ALL
    platforms: tuple[str, ...] = ()  # key platform_list; (): any unit
    orbit_direction: str | None = None  # ASC or DES; None: both
    relative_orbits: tuple[int, ...] = ()  # key relative_orbit_list; (): any
    overlap_ratio_percent: int = 0  # key tile_to_product_overlap_ratio


@dataclass(frozen=True)
class MaskConfig:
    """[Mask]."""

    generate_border_mask: bool = False


@dataclass(frozen=True)
class ProcessingConfig:
    """[Processing]: calibration, orthorectification, tiles and resources."""

    calibration: str  # sigma, beta, gamma, dn or normlim
    tiles: tuple[str, ...]  # keys tiles / tiles_list_in_file; () when all_tiles
    all_tiles: bool = False  # tiles = ALL: every tile the products on disk cover
    remove_thermal_noise: bool = False
    lower_signal_value: float = 1e-7  # replaces 0 after noise removal (0 = no data)
    resolution_m: float = 10.0  # key output_spatial_resolution
    gridspacing_m: float = 40.0  # key orthorectification_gridspacing; default 4 x resolution
    interpolation: str = "nn"  # key orthorectification_interpolation_method
    override_azimuth_cut_threshold_to: bool | None = None  # None: IPF/line heuristic
    cache_dem_by: str = "symlink"  # or copy; S1Tiling's older name cache_srtm_by
    nb_parallel_processes: int = 2
    ram_per_process_mb: int = 4096  # key ram_per_process
    nb_otb_threads: int = 1


@dataclass(frozen=True)
class QuicklookConfig:
    """[Quicklook] (s1ops only): a small 8-bit picture next to each output."""

    generate_quicklook: bool = False
    format: str = "jpeg"  # or png
    width_px: int = 1098  # a tenth of a 10 m tile
    db_min: float = -25.0  # backscatter (dB) shown black
    db_max: float = 5.0  # backscatter (dB) shown white


@dataclass(frozen=True)
class S1Config:
    """A whole request file. ``source`` is the file it was read from (None for text)."""

    source: Path | None
    paths: PathsConfig
    data_source: DataSourceConfig
    mask: MaskConfig
    processing: ProcessingConfig
    quicklook: QuicklookConfig
    metadata: tuple[tuple[str, str], ...]  # [Metadata]: extra GeoTIFF tags, in file order
    airflow: AirflowConfig
    # [Paths] lia, ia; [Processing] produce_lia_map, ia_maps_to_produce, ...: the LIA/IA maps
    terrain: TerrainConfig
    filtering: FilteringConfig | None = None  # [Filtering]; None: no speckle filter
    # [Processing] fname_fmt.*, dname_fmt.*, creation_options.*: names, folders, GDAL options
    output_format: OutputFormat = field(default_factory=OutputFormat)


def _tile_id(reader: SectionReader, key: str, value: str) -> str:
    try:
        return parse_tile_id(value).tile_id
    except TileIdError as exc:
        raise reader.error(key, value, f"a Sentinel-2 tile id like 33NWB ({exc.reason})") from exc


def _tile_ids(reader: SectionReader, key: str, values: list[str]) -> tuple[str, ...]:
    tiles: dict[str, None] = {}  # ordered, and a set: 10 000 tiles read in linear time
    for value in values:
        tile_id = _tile_id(reader, key, value)
        if tile_id in tiles:
            log.warning("[%s] %s: tile %s is listed twice", reader.section, key, tile_id)
        else:
            tiles[tile_id] = None
    return tuple(tiles)


def _read_paths(r: SectionReader) -> PathsConfig:
    dem_dir = r.path("dem_dir") or r.path("srtm")
    if dem_dir is None:
        raise r.error("dem_dir", None, "the folder of the SRTM .hgt cells (older name: srtm)")
    return PathsConfig(
        output=r.resolve(r.required("output", "the folder where products are written")),
        s1_images=r.resolve(r.required("s1_images", "the folder of the S1 products (SAFE)")),
        dem_dir=dem_dir,
        tmp=r.resolve(r.required("tmp", "a folder for intermediate files")),
        dem_info=r.text("dem_info") or dem_dir.name,
        geoid_file=r.path("geoid_file"),
    )


def _polarisations(r: SectionReader) -> tuple[str, ...]:
    value = r.required("polarisation", "one of: VV VH, VV, VH, HH HV, HH, HV")
    key = " ".join(re.split(r"[\s,\-]+", value.upper()))
    if key not in _POLARISATION_MODES:
        raise r.error("polarisation", value, "one of: VV VH (or VV-VH), VV, VH, HH HV, HH, HV")
    return _POLARISATION_MODES[key]


def _platforms(r: SectionReader) -> tuple[str, ...]:
    names = [name.upper() for name in split_list(r.text("platform_list") or "")]
    for name in names:
        if not _PLATFORM.match(name):
            raise r.error("platform_list", r.text("platform_list"), "units like S1A, S1B, S1C")
    return tuple(dict.fromkeys(names))


def _relative_orbits(r: SectionReader) -> tuple[int, ...]:
    value = r.text("relative_orbit_list") or ""
    orbits: list[int] = []
    for item in split_list(value):
        if not item.isdigit() or not 1 <= int(item) <= ORBITS_PER_CYCLE:
            raise r.error(
                "relative_orbit_list", value, f"relative orbit numbers from 1 to {ORBITS_PER_CYCLE}"
            )
        orbits.append(int(item))
    return tuple(dict.fromkeys(orbits))


def _roi(r: SectionReader) -> tuple[str, ...] | None:
    items = split_list(r.text("roi_by_tiles") or _ALL)
    if any(item.upper() == _ALL for item in items):
        return None
    return _tile_ids(r, "roi_by_tiles", items)


def _orbit_direction(r: SectionReader) -> str | None:
    value = r.text("orbit_direction")
    # S1Tiling's documentation also spells the descending direction DSC.
    if value is not None and value.upper() == "DSC":
        return "DES"
    return r.choice("orbit_direction", ORBIT_DIRECTIONS, None)


def _read_data_source(r: SectionReader) -> DataSourceConfig:
    first = r.day("first_date")
    last = r.day("last_date")
    if first is None:
        raise r.error("first_date", None, "the first day to process, YYYY-MM-DD")
    if last is None:
        raise r.error("last_date", None, "the last day to process (inclusive), YYYY-MM-DD")
    if last < first:
        raise r.error("last_date", last.isoformat(), f"a day on or after first_date {first}")
    return DataSourceConfig(
        first_date=first,
        last_date=last,
        polarisations=_polarisations(r),
        download=r.flag("download", DataSourceConfig.download),
        eodag_config=r.path("eodag_config") or r.path("eodagconfig"),
        roi_by_tiles=_roi(r),
        platforms=_platforms(r),
        orbit_direction=_orbit_direction(r),
        relative_orbits=_relative_orbits(r),
        overlap_ratio_percent=r.integer(
            "tile_to_product_overlap_ratio", DataSourceConfig.overlap_ratio_percent
        ),
    )


def _tiles_file(r: SectionReader, value: str) -> list[str]:
    path = r.resolve(value)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise r.error("tiles_list_in_file", value, f"a readable text file ({path}: {exc})") from exc
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    items = split_list(" ".join(lines))
    if not items:
        raise r.error("tiles_list_in_file", value, f"a file listing tile ids ({path} has none)")
    return items


def _tiles(r: SectionReader) -> tuple[tuple[str, ...], bool]:
    listed_in_file = r.text("tiles_list_in_file")
    if listed_in_file is not None:
        if r.text("tiles") is not None:
            log.warning("[Processing] tiles: ignored, tiles_list_in_file takes precedence")
        return _tile_ids(r, "tiles_list_in_file", _tiles_file(r, listed_in_file)), False
    value = r.required("tiles", "Sentinel-2 tile ids like 33NWB, 33NWC (or tiles_list_in_file)")
    items = split_list(value)
    if any(item.upper() == _ALL for item in items):
        return (), True
    return _tile_ids(r, "tiles", items), False


def _override_cut(r: SectionReader) -> bool | None:
    value = r.text("override_azimuth_cut_threshold_to")
    if value is None or value.lower() == "none":
        return None
    return r.flag("override_azimuth_cut_threshold_to", False)


def _read_processing(r: SectionReader) -> ProcessingConfig:
    tiles, all_tiles = _tiles(r)
    calibration = r.required("calibration", _CALIBRATION_ALLOWED).lower()
    if calibration not in CALIBRATIONS and calibration not in TERRAIN_CALIBRATIONS:
        raise r.error("calibration", r.text("calibration"), _CALIBRATION_ALLOWED)
    resolution_m = r.number("output_spatial_resolution", ProcessingConfig.resolution_m)
    cache = r.choice("cache_dem_by", DEM_CACHE_MODES, None)
    if cache is None:
        cache = r.choice("cache_srtm_by", DEM_CACHE_MODES, ProcessingConfig.cache_dem_by)
    return ProcessingConfig(
        calibration=calibration,
        tiles=tiles,
        all_tiles=all_tiles,
        remove_thermal_noise=r.flag("remove_thermal_noise", ProcessingConfig.remove_thermal_noise),
        lower_signal_value=r.number("lower_signal_value", ProcessingConfig.lower_signal_value),
        resolution_m=resolution_m,
        gridspacing_m=r.number("orthorectification_gridspacing", 4 * resolution_m),
        interpolation=str(
            r.choice("orthorectification_interpolation_method", INTERPOLATIONS, "nn")
        ),
        override_azimuth_cut_threshold_to=_override_cut(r),
        cache_dem_by=str(cache),
        nb_parallel_processes=r.integer(
            "nb_parallel_processes", ProcessingConfig.nb_parallel_processes
        ),
        ram_per_process_mb=r.integer("ram_per_process", ProcessingConfig.ram_per_process_mb),
        nb_otb_threads=r.integer("nb_otb_threads", ProcessingConfig.nb_otb_threads),
    )


def _read_quicklook(r: SectionReader) -> QuicklookConfig:
    db_min = r.number("db_min", QuicklookConfig.db_min)
    db_max = r.number("db_max", QuicklookConfig.db_max)
    if db_max <= db_min:
        raise r.error("db_max", db_max, f"a value above db_min ({db_min})")
    return QuicklookConfig(
        generate_quicklook=r.flag("generate_quicklook", QuicklookConfig.generate_quicklook),
        format=str(r.choice("format", QUICKLOOK_FORMATS, QuicklookConfig.format)),
        width_px=r.integer("width_px", QuicklookConfig.width_px),
        db_min=db_min,
        db_max=db_max,
    )


def _build(
    text: str, *, label: str, source: Path | None, environ: Mapping[str, str], base_dir: Path
) -> S1Config:
    document = RequestDocument(
        text, source=label, environ=environ, base_dir=base_dir, canonical_sections=SECTIONS
    )
    if document.inventory.has_section("PEPS"):
        raise ConfigFileError(label, "S1Tiling 0.2 renamed [PEPS] to [DataSource]: please rename")
    check_keys(document)
    data_source = _read_data_source(SectionReader(document, "DataSource"))
    processing = _read_processing(SectionReader(document, "Processing"))
    if processing.all_tiles and data_source.download and data_source.roi_by_tiles is None:
        raise ConfigError(
            "Processing",
            "tiles",
            _ALL,
            "a tile list: with download = True, tiles and roi_by_tiles cannot both be ALL",
        )
    mask = MaskConfig(SectionReader(document, "Mask").flag("generate_border_mask", False))
    paths = _read_paths(SectionReader(document, "Paths"))
    return S1Config(
        source=source,
        paths=paths,
        data_source=data_source,
        mask=mask,
        processing=processing,
        quicklook=_read_quicklook(SectionReader(document, "Quicklook")),
        metadata=tuple(document.raw_items("Metadata").items()),
        airflow=read_airflow(
            SectionReader(document, "Airflow"),
            first_date=data_source.first_date,
            otb_slots=processing.nb_parallel_processes,
        ),
        filtering=read_filtering(
            SectionReader(document, "Filtering"), generate_border_mask=mask.generate_border_mask
        ),
        output_format=read_output_format(
            SectionReader(document, "Processing"), processing.calibration
        ),
        terrain=read_terrain(
            SectionReader(document, "Paths"), SectionReader(document, "Processing"), paths.output
        ),
    )


def parse_config_text(
    text: str,
    *,
    source: str = "<string>",
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> S1Config:
    """Read a request file's text. Relative paths are taken from ``base_dir`` (default: cwd).

    ``environ`` feeds ``%(NAME)s`` references (default: ``os.environ``);
    ``source`` only names the text in messages. The result's ``source`` is None.
    """
    return _build(
        text,
        label=source,
        source=None,
        environ=os.environ if environ is None else environ,
        base_dir=(base_dir or Path.cwd()).absolute(),
    )


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> S1Config:
    """Read an S1Tiling request file (``S1Processor.cfg``) into an ``S1Config``."""
    file = Path(path).expanduser().absolute()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(str(file), f"cannot be read ({exc})") from exc
    return _build(
        text,
        label=str(file),
        source=file,
        environ=os.environ if environ is None else environ,
        base_dir=file.parent,
    )


def config_summary(cfg: S1Config) -> str:
    """A few human-readable lines: tiles, dates, polarisations, calibration, folders."""
    ds, proc, paths = cfg.data_source, cfg.processing, cfg.paths
    tiles = (
        "ALL (every tile the products in s1_images cover)"
        if proc.all_tiles
        else f"{len(proc.tiles)}: " + ", ".join(proc.tiles)
    )
    days = (ds.last_date - ds.first_date).days + 1
    noise = "thermal noise removed" if proc.remove_thermal_noise else "thermal noise kept"
    lines = [
        f"request file  {cfg.source or '(text)'}",
        f"tiles         {tiles}",
        f"dates         {ds.first_date} .. {ds.last_date} ({days} days, inclusive)",
        f"polarisations {', '.join(ds.polarisations)}",
        f"calibration   {proc.calibration}, {noise}",
        f"geometry      {proc.resolution_m:g} m, grid spacing {proc.gridspacing_m:g} m, "
        f"{proc.interpolation} interpolation",
        f"output        {paths.output}",
        f"S1 products   {paths.s1_images} (download: {'yes' if ds.download else 'no'})",
        f"DEM           {paths.dem_dir} (geoid: {paths.geoid_file or 'none'})",
        f"border masks  {'yes' if cfg.mask.generate_border_mask else 'no'}",
        f"filtering     {_filtering_summary(cfg.filtering)}",
        f"airflow       runner {cfg.airflow.runner}, schedule '{cfg.airflow.schedule}'",
    ]
    return "\n".join(lines)


def _filtering_summary(filtering: FilteringConfig | None) -> str:
    if filtering is None:
        return "none"
    looks = (
        f"deramp {filtering.deramp:g}"
        if filtering.method == "frost"
        else f"{filtering.nblooks:g} looks"
    )
    kept = "kept" if filtering.keep_non_filtered_products else "not kept"
    return f"{filtering.method}, radius {filtering.window_radius}, {looks} (unfiltered {kept})"
