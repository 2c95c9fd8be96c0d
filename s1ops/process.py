"""Producing one tile job: calibrate -> cut margins -> orthorectify (-> merge) in memory.

``group_chain`` is pure: the products' measurement images and thresholds, the
tile and the settings in, one Chain out. ``process_job`` does the I/O around
it: reads the SAFEs, probes their borders, links the DEM cells, runs the chain
in a child process, tags and publishes the outputs, then the mask and quicklook.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from s1ops import __version__
from s1ops.config import S1Config
from s1ops.dem import require_dem
from s1ops.errors import ConfigError
from s1ops.grid import S2Tile, parse_tile_id
from s1ops.jobs import TileJob
from s1ops.margins import margin_thresholds, probe_borders
from s1ops.mask import write_border_mask
from s1ops.naming import TagInputs, output_tags
from s1ops.otb import steps
from s1ops.otb.chain import Chain, Output, Step
from s1ops.otb.pipelines import run_with_tags
from s1ops.otb.steps import MarginThresholds, OrthoGrid
from s1ops.products import ProductId
from s1ops.quicklook import QuicklookSpec, write_quicklook
from s1ops.safe import read_safe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessSettings:
    """The request's processing options, as plain values."""

    calibration: str = "sigma"
    remove_noise: bool = False
    lower_signal_value: float = 1e-7
    resolution_m: float = 10.0
    gridspacing_m: float = 40.0
    interpolator: str = "nn"
    override_azimuth_cut: bool | None = None
    geoid: str | None = None
    ram_mb: int = 4096
    threads: int = 1
    with_mask: bool = False
    dem_info: str = ""
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    quicklook: QuicklookSpec | None = None
    # S1Tiling's --cache-before-ortho: calibrated + cut images kept as files here.
    orthoready_dir: str | None = None
    cache_dem_by: str = "symlink"  # or copy
    work_dir: str | None = None  # [Paths] tmp: per-job DEM folders live here


def settings_from_config(cfg: S1Config, *, cache_before_ortho: bool = False) -> ProcessSettings:
    p, q = cfg.processing, cfg.quicklook
    quicklook = QuicklookSpec(q.format, q.width_px, q.db_min, q.db_max)
    return ProcessSettings(
        calibration=p.calibration,
        remove_noise=p.remove_thermal_noise,
        lower_signal_value=p.lower_signal_value,
        resolution_m=p.resolution_m,
        gridspacing_m=p.gridspacing_m,
        interpolator=p.interpolation,
        override_azimuth_cut=p.override_azimuth_cut_threshold_to,
        geoid=str(cfg.paths.geoid_file) if cfg.paths.geoid_file else None,
        ram_mb=p.ram_per_process_mb,
        threads=p.nb_otb_threads,
        with_mask=cfg.mask.generate_border_mask,
        dem_info=cfg.paths.dem_info,
        extra_tags=dict(cfg.metadata),
        quicklook=quicklook if q.generate_quicklook else None,
        orthoready_dir=str(cfg.paths.tmp / "S1") if cache_before_ortho else None,
        cache_dem_by=p.cache_dem_by,
        work_dir=str(cfg.paths.tmp),
    )


@dataclass(frozen=True)
class ProductInput:
    """One product's measurement image for the polarisation being processed."""

    product_id: ProductId
    measurement: str
    thresholds: MarginThresholds
    orthoready: str | None = None  # the cached calibrated + cut image, when asked for


def ortho_grid(tile: S2Tile, resolution_m: float) -> OrthoGrid:
    return OrthoGrid(
        utm_zone=tile.zone,
        north=tile.north,
        ulx=tile.ulx,
        uly=tile.uly,
        size_px=round(tile.size_m / resolution_m),
        resolution_m=resolution_m,
    )


def orthoready_steps(product: ProductInput, first_index: int, s: ProcessSettings) -> list[Step]:
    """Calibration, low-signal fix and margin reset: the image before orthorectification."""
    chain = [steps.calibration(product.measurement, lut=s.calibration, remove_noise=s.remove_noise)]
    if s.remove_noise:
        chain.append(
            steps.low_signal_fix(
                product.measurement, first_index, lower_signal_value=s.lower_signal_value
            )
        )
    if not product.thresholds.is_noop:
        chain.append(steps.reset_margin(first_index + len(chain) - 1, product.thresholds))
    return chain


def _product_steps(
    product: ProductInput, first_index: int, grid: OrthoGrid, s: ProcessSettings, dem_dir: str
) -> list[Step]:
    chain: list[Step] = []
    if product.orthoready is None:
        chain = orthoready_steps(product, first_index, s)
    source = product.orthoready if product.orthoready else first_index + len(chain) - 1
    chain.append(
        steps.orthorectification(
            source,
            grid,
            gridspacing_m=s.gridspacing_m,
            interpolator=s.interpolator,
            dem_dir=dem_dir,
            geoid=s.geoid,
        )
    )
    return chain


def group_chain(
    products: Sequence[ProductInput],
    tile: S2Tile,
    settings: ProcessSettings,
    *,
    output_path: str,
    dem_dir: str,
) -> Chain:
    """The in-memory chain producing one output from 1 or 2 products (pure).

    Two products are orthorectified and merged by Synthetize in the same
    pipeline: nothing is written between the steps.
    """
    if not products:
        raise ValueError("a tile job needs at least one product")
    grid = ortho_grid(tile, settings.resolution_m)
    chain_steps: list[Step] = []
    ortho_indices: list[int] = []
    for product in products:
        chain_steps += _product_steps(product, len(chain_steps), grid, settings, dem_dir)
        ortho_indices.append(len(chain_steps) - 1)
    if len(ortho_indices) > 1:
        chain_steps.append(steps.first_nonzero(tuple(ortho_indices)))
    return Chain(
        tuple(chain_steps),
        (Output(len(chain_steps) - 1, output_path),),
        ram_mb=settings.ram_mb,
        threads=settings.threads,
    )


def link_dem_cells(
    footprint: object, dem_dir: str | Path, into: Path, *, copy: bool = False
) -> list[Path]:
    """Gather the DEM cells covering ``footprint`` in ``into``: OTB reads a whole folder.

    Symlinks by default; copies (``cache_dem_by = copy``) when the DEM lives on a
    slow network file system.
    """
    present = require_dem(footprint, dem_dir)
    into.mkdir(parents=True, exist_ok=True)
    links = []
    for cell in present:
        link = into / cell.name
        if not link.exists():
            if copy:
                shutil.copyfile(cell, link)
            else:
                link.symlink_to(cell.resolve())
        links.append(link)
    return links


@dataclass(frozen=True)
class JobResult:
    job_id: str
    output: str
    mask: str | None
    skipped: bool
    seconds: float

    def to_dict(self) -> dict[str, object]:
        return {
            "job_id": self.job_id,
            "output": self.output,
            "mask": self.mask,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
        }


def _tags(
    job: TileJob, ids: list[ProductId], s: ProcessSettings, image_type: str
) -> dict[str, str]:
    inputs = TagInputs(
        tile_id=job.tile_id,
        polarisation=job.polarisation,
        orbit_direction=job.orbit_direction,
        relative_orbit=job.relative_orbit,
        calibration=s.calibration,
        noise_removed=s.remove_noise,
        interpolator=s.interpolator,
        resolution_m=s.resolution_m,
        dem_info=s.dem_info,
        software_version=__version__,
        lower_signal_value=s.lower_signal_value,
    )
    return output_tags(
        ids, inputs, image_type=image_type, now=datetime.now(UTC), extra=s.extra_tags
    )


def _inputs(job: TileJob, s: ProcessSettings) -> list[ProductInput]:
    inputs = []
    for product_id, path in zip(job.product_ids, job.product_paths, strict=True):
        if path is None:
            raise FileNotFoundError(f"product {product_id} is not on disk: download it first")
        safe = read_safe(path)
        measurement = safe.measurement_location(job.polarisation)
        thresholds = margin_thresholds(probe_borders(measurement), s.override_azimuth_cut)
        product = ProductInput(safe.product_id, measurement, thresholds)
        if s.orthoready_dir is not None:
            product = replace(product, orthoready=str(ensure_orthoready(product, s)))
        inputs.append(product)
    return inputs


def orthoready_path(product: ProductInput, orthoready_dir: str | Path) -> Path:
    return Path(orthoready_dir) / f"{Path(product.measurement).stem}_OrthoReady.tif"


def ensure_orthoready(product: ProductInput, s: ProcessSettings) -> Path:
    """The cached calibrated + cut image of ``product``, written once for every tile."""
    if s.orthoready_dir is None:
        raise ValueError("ensure_orthoready needs settings with an orthoready_dir")
    path = orthoready_path(product, s.orthoready_dir)
    if not path.exists():
        chain_steps = orthoready_steps(product, 0, s)
        # Keep OTB's SAR metadata in the file: orthorectification needs it later.
        output = Output(len(chain_steps) - 1, str(path))
        run_with_tags(Chain(tuple(chain_steps), (output,), ram_mb=s.ram_mb, threads=s.threads))
    return path


def process_job(
    job: TileJob, settings: ProcessSettings, *, dem_dir: str | Path, force: bool = False
) -> JobResult:
    """Produce ``job``'s output (and mask); skip what already exists unless forced."""
    mask_path = job.mask_path if settings.with_mask else None
    wanted = [p for p in (job.output_path, mask_path) if p]
    if not force and all(Path(p).exists() for p in wanted):
        return JobResult(job.job_id, job.output_path, mask_path, True, 0.0)
    if settings.geoid and not Path(settings.geoid).is_file():
        # OTB silently orthorectifies without it: the geometry would be wrong.
        raise ConfigError("Paths", "geoid_file", settings.geoid, "an existing geoid file")
    tile = parse_tile_id(job.tile_id)
    inputs = _inputs(job, settings)
    ids = [p.product_id for p in inputs]
    seconds = 0.0
    if force or not Path(job.output_path).exists():
        if settings.work_dir:
            Path(settings.work_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="dem-", dir=settings.work_dir) as dem_links:
            link_dem_cells(
                tile.footprint_lonlat(),
                dem_dir,
                Path(dem_links),
                copy=settings.cache_dem_by == "copy",
            )
            chain = group_chain(
                inputs, tile, settings, output_path=job.output_path, dem_dir=dem_links
            )
            result = run_with_tags(chain, {0: _tags(job, ids, settings, "BACKSCATTERING")})
            seconds += result.seconds
    if mask_path:
        started = time.monotonic()
        write_border_mask(job.output_path, mask_path, _tags(job, ids, settings, "MASK"))
        seconds += time.monotonic() - started
    if settings.quicklook is not None:
        write_quicklook(job.output_path, settings.quicklook)
    log.info("job %s produced %s in %.1f s", job.job_id, job.output_path, seconds)
    return JobResult(job.job_id, job.output_path, mask_path, False, seconds)
