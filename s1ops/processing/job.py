"""Producing one tile job: the I/O around the pure chain of ``s1ops.processing.chains``.

``process_job`` reads the SAFEs, probes their borders, links the DEM cells,
runs the chain in a child process, tags and publishes the outputs, then the
mask and quicklook.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from s1ops import __version__
from s1ops.errors import ConfigError
from s1ops.grid import parse_tile_id
from s1ops.outputs.mask import write_border_mask
from s1ops.outputs.quicklook import write_quicklook
from s1ops.outputs.tags import TagInputs, output_tags
from s1ops.planning.jobs import TileJob
from s1ops.processing.chains import ProductInput, group_chain, orthoready_steps
from s1ops.processing.dem import require_dem
from s1ops.processing.margins import margin_thresholds, probe_borders
from s1ops.processing.otb.chain import Chain, Output
from s1ops.processing.otb.pipelines import run_with_tags
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.safe import read_safe

log = logging.getLogger(__name__)


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
