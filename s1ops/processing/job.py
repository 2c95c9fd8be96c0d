"""Producing one tile job: the I/O around the pure chain of ``s1ops.processing.chains``.

``process_job`` leases the job's products (shared locks the cache purge
respects) and finds them on disk, reads the SAFEs, probes their borders,
links the DEM cells, runs the chain in a child process, tags and publishes
the outputs, then the mask and quicklook. Its ``JobResult`` is what
``s1ops process`` prints last (a task's XCom).
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from s1ops import __version__
from s1ops.cache.locks import hold_products
from s1ops.cache.orthoready import orthoready_path
from s1ops.catalogue.fetch import ensure_unzipped
from s1ops.config.output_format import CreationOptions
from s1ops.contracts import FieldReader, load_json
from s1ops.errors import ConfigError, FileSystemError, ProductsNotOnDiskError
from s1ops.grid import parse_tile_id
from s1ops.outputs.cog import rewrite_as_cog
from s1ops.outputs.empty import (
    EmptyImage,
    EmptyJob,
    EmptyRecord,
    read_empty_record,
    remove_empty_record,
)
from s1ops.outputs.filtered import filtered_tags
from s1ops.outputs.mask import write_border_mask
from s1ops.outputs.publish import is_complete
from s1ops.outputs.quicklook import write_quicklook
from s1ops.outputs.requested import JobOutputs
from s1ops.outputs.tags import TagInputs, output_tags
from s1ops.planning.jobs import TileJob
from s1ops.planning.runs import with_local_products
from s1ops.processing.chains import (
    ProductInput,
    despeckle_chain,
    group_chain,
    orthoready_steps,
    with_despeckle,
)
from s1ops.processing.dem import require_dem
from s1ops.processing.dem_checks import check_geoid
from s1ops.processing.emptiness import CheckingFinalizer, record_empty
from s1ops.processing.job_check import check_ready_job
from s1ops.processing.joblog import log_inputs, log_output, timed
from s1ops.processing.margins import margin_thresholds, probe_borders
from s1ops.processing.otb.chain import Chain, Output
from s1ops.processing.otb.pipelines import run_with_tags
from s1ops.processing.otb.runner import run_chain, tags_finalizer
from s1ops.processing.settings import ProcessSettings
from s1ops.processing.terrain_map import ensure_terrain_map, terrain_tags
from s1ops.scratch import require_space, space_guard, work_folder
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.safe import read_safe
from s1ops.vocabulary import TERRAIN_CALIBRATION_TYPES

log = logging.getLogger(__name__)

# How long a job waits for a lease while its product is being downloaded
# (the download holds the product's lock exclusively), before failing.
LEASE_TIMEOUT_S = 3600.0
# A cache this process cannot write (read-only mount or share): no lease file.
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


def link_dem_cells(
    footprint: object, dem_dir: str | Path, into: Path, *, copy: bool = False
) -> list[Path]:
    """Gather the DEM cells covering ``footprint`` in ``into``: OTB reads a whole folder.

    Symlinks by default; copies (``cache_dem_by = copy``) when the DEM lives on a
    slow network file system.
    """
    present = require_dem(footprint, dem_dir)
    writing = f"{len(present)} DEM cell(s) ({'copies' if copy else 'links'})"
    needed = sum(cell.stat().st_size for cell in present) if copy else None
    if needed is not None:
        require_space(into.parent, needed, writing)  # a full disk is said before filling it
    links = []
    with space_guard(into.parent, writing, needed_bytes=needed):
        into.mkdir(parents=True, exist_ok=True)
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
    """What one ``process_job`` did: the image (and mask) it made, or found made already."""

    job_id: str
    output: str
    mask: str | None
    skipped: bool  # the outputs existed and the job was not forced
    seconds: float
    # The files this run published (a rerun after a kill: only what was missing).
    written: tuple[str, ...] = ()
    # No valid pixel (or too few, [Airflow] min_valid_fraction): nothing published, and
    # why (s1ops.outputs.empty); with ``skipped``, found so recorded by an earlier run.
    empty: bool = False
    reason: str | None = None
    valid_fraction: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the last stdout line of ``s1ops process``, the process task's XCom."""
        return {
            "job_id": self.job_id,
            "output": self.output,
            "mask": self.mask,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "written": list(self.written),
            "empty": self.empty,
            "reason": self.reason,
            "valid_fraction": self.valid_fraction,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobResult:
        """Inverse of ``to_dict``, every field checked."""
        f = FieldReader("JobResult", data)
        return cls(
            job_id=f.text("job_id"),
            output=f.text("output"),
            mask=f.optional_text("mask"),
            skipped=f.flag("skipped"),
            seconds=f.number("seconds"),
            written=f.texts("written", default=()),
            # Absent from the results of earlier versions: not empty.
            empty=f.flag("empty", default=False),
            reason=f.optional_text("reason", default=None),
            valid_fraction=(
                f.number("valid_fraction") if data.get("valid_fraction") is not None else None
            ),
        )

    @classmethod
    def of_empty(cls, job: TileJob, record: EmptyRecord, *, skipped: bool) -> JobResult:
        """The result of a job that published nothing, as ``record`` says why."""
        return cls(
            job.job_id,
            job.output_path,
            job.mask_path,
            skipped,
            0.0,
            empty=True,
            reason=record.reason,
            valid_fraction=record.valid_fraction,
        )

    @classmethod
    def from_json(cls, text: str) -> JobResult:
        """Inverse of ``json.dumps(result.to_dict())`` (a container's last log line)."""
        return cls.from_dict(load_json("JobResult", text))


def _tags(
    job: TileJob, ids: list[ProductId], s: ProcessSettings, image_type: str
) -> dict[str, str]:
    inputs = TagInputs(
        tile_id=job.tile_id,
        polarisation=job.polarisation,
        orbit_direction=job.orbit_direction,
        relative_orbit=job.relative_orbit,
        calibration=TERRAIN_CALIBRATION_TYPES.get(s.calibration, s.calibration),
        noise_removed=s.remove_noise,
        interpolator=s.interpolator,
        resolution_m=s.resolution_m,
        dem_info=s.dem_info,
        software_version=__version__,
        lower_signal_value=s.lower_signal_value,
    )
    tags = output_tags(
        ids, inputs, image_type=image_type, now=datetime.now(UTC), extra=s.extra_tags
    )
    return {**tags, **terrain_tags(job, s)}


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


def ensure_orthoready(product: ProductInput, s: ProcessSettings) -> Path:
    """The cached calibrated + cut image of ``product``, written once for every tile."""
    if s.orthoready_dir is None:
        raise ValueError("ensure_orthoready needs settings with an orthoready_dir")
    path = orthoready_path(product.measurement, s.orthoready_dir, calibration=s.otb_calibration)
    # One left incomplete (by an older version, on a full disk) would poison every tile.
    if not is_complete(path):
        chain_steps = orthoready_steps(product, 0, s)
        # Keep OTB's SAR metadata in the file: orthorectification needs it later.
        output = Output(len(chain_steps) - 1, str(path))
        run_with_tags(Chain(tuple(chain_steps), (output,), ram_mb=s.ram_mb, threads=s.threads))
    return path


def _lease(stack: ExitStack, job: TileJob, s1_images: str) -> None:
    try:
        stack.enter_context(hold_products(job.product_ids, s1_images, timeout_s=LEASE_TIMEOUT_S))
    except OSError as exc:
        if exc.errno not in _NOT_WRITABLE:
            # A full cache (no inode left for a lock file): said as such, exit 74.
            refusal = FileSystemError.from_os_error(exc, what="product lease in [Paths] s1_images")
            if refusal is None:
                raise
            raise refusal from exc
        # A cache mounted or shared read-only has no room for lock files: it is
        # still read, as before leases existed, and the warning says so.
        log.warning(
            "job %s: products not leased, cannot write their locks in %s (%s): "
            "a purge of this cache could delete them while they are read",
            job.job_id,
            s1_images,
            exc.strerror,
        )


def _unzipped(job: TileJob, s1_images: str) -> TileJob:
    """``job`` with each zipped product of the cache replaced by its ``{id}.SAFE``.

    OTB cannot read a product inside a zip (``/vsizip/`` gives "No information
    in the metadata"): ``ensure_unzipped`` extracts it on first use, verified as
    a download is. Products already SAFE folders cost one ``is_dir`` each.
    """
    paths = job.product_paths or (None,) * len(job.product_ids)
    found: list[str | None] = []
    for product_id, path in zip(job.product_ids, paths, strict=True):
        if path is not None and Path(path).is_dir():
            found.append(path)
            continue
        safe = ensure_unzipped(s1_images, product_id, lock_timeout_s=LEASE_TIMEOUT_S)
        found.append(path if safe is None else str(safe))
    return replace(job, product_paths=tuple(found))


@contextmanager
def leased_products(job: TileJob, s1_images: str | None) -> Iterator[TileJob]:
    """Lease the job's products for the block and find them on disk; yields the job with
    their paths.

    A leased product is never deleted by the cache purge, so what is found
    here stays for the whole block; the lease waits while a product is being
    downloaded (``LEASE_TIMEOUT_S``). A product not in the job's paths nor in
    the cache raises ``ProductsNotOnDiskError``. Without ``s1_images``
    (settings made by hand) nothing is leased and the job's own paths must exist.
    """
    with ExitStack() as stack:
        if s1_images is None:
            paths = job.product_paths or (None,) * len(job.product_ids)
            ready = job
            missing = tuple(
                pid
                for pid, path in zip(job.product_ids, paths, strict=True)
                if path is None or not Path(path).exists()
            )
        else:
            job = _unzipped(job, s1_images)  # before the lease: unzipping locks exclusively
            _lease(stack, job, s1_images)
            ready, missing = with_local_products(job, s1_images)
        if missing:
            raise ProductsNotOnDiskError(job.job_id, missing, s1_images or "the job's paths")
        yield ready


def job_outputs(job: TileJob, settings: ProcessSettings) -> JobOutputs:
    """The files ``job`` publishes: its planned image and mask paths, its filtered copy
    where the request's naming puts it."""
    filtered = None
    if settings.filtering is not None:
        # Hand-made settings name no output folder: S1Tiling's layout around the image.
        output_dir = settings.output_dir or str(Path(job.output_path).parent.parent)
        naming = settings.output_format.naming
        filtered = naming.filtered_path(output_dir, job.output_name())
    return JobOutputs.of(
        job.output_path,
        mask=job.mask_path if settings.with_mask else None,
        quicklook=settings.quicklook,
        filtered=filtered,
        keep_image=settings.filtering is None or settings.filtering.keep_non_filtered_products,
    )


def process_job(
    job: TileJob, settings: ProcessSettings, *, dem_dir: str | Path, force: bool = False
) -> JobResult:
    """Produce ``job``'s outputs (image, and mask and quicklook as asked); skip a done job
    unless forced.

    Done means every requested output is published (``JobOutputs.done``, as
    planning decides it): a job stopped between two outputs (a kill, a full
    disk) makes only what is missing on its next run, and its ``written`` says
    which. The job's products are leased while they are read
    (``leased_products``), whoever runs it: a DAG task, its container, or
    ``s1ops process`` by hand.
    """
    outputs = job_outputs(job, settings)
    # A file another tool left incomplete under a final name counts as missing.
    missing = outputs.files if force else outputs.missing(is_complete)
    if not missing:
        mask_path = None if outputs.mask is None else str(outputs.mask)
        return JobResult(job.job_id, job.output_path, mask_path, True, 0.0)
    record = None if force else read_empty_record(job.output_path)
    if record is not None and record.still_empty(job.product_ids, settings.min_valid_fraction):
        # Found empty by an earlier run: the same products would give the same pixels.
        return JobResult.of_empty(job, record, skipped=True)
    if settings.geoid and not Path(settings.geoid).is_file():
        # OTB silently orthorectifies without it: the geometry would be wrong.
        raise ConfigError("Paths", "geoid_file", settings.geoid, "an existing geoid file")
    if settings.geoid:
        check_geoid(settings.geoid)  # a garbage or short geoid: OTB would use it silently
    with leased_products(job, settings.s1_images) as ready:
        return _produce(ready, settings, outputs, missing, dem_dir=dem_dir)


def as_written(
    finalize: Callable[[Path, int], None] | None, written: CreationOptions
) -> Callable[[Path, int], None] | None:
    """``finalize`` (tags, checks) for a chain's output 0, then its rewrite as a COG when
    the request publishes COGs (after the tags: the COG driver carries them over)."""
    cog = written.cog
    if cog is None:
        return finalize

    def then_cog(partial: Path, index: int) -> None:
        if finalize is not None:
            finalize(partial, index)
        if index == 0:
            rewrite_as_cog(partial, cog)

    return then_cog


@dataclass(frozen=True)
class MadeImage:
    """What making a job's image learnt: the products it was made of, its fraction of
    valid pixels (counted before it was published), and which pixels are valid when the
    border mask is to be made from them (None otherwise)."""

    ids: list[ProductId]
    valid_fraction: float | None
    valid_map: Any = None


def _make_image(
    job: TileJob, settings: ProcessSettings, outputs: JobOutputs, *, dem_dir: str | Path
) -> MadeImage:
    """Run the job's chain and publish its image (or only its filtered copy, when the
    image is not kept)."""
    tile = parse_tile_id(job.tile_id)
    log_inputs(job.job_id, list(zip(job.product_ids, job.product_paths or (), strict=False)))
    with timed(job.job_id, "input reading and border probe"):
        inputs = _inputs(job, settings)
    ids = [p.product_id for p in inputs]
    # A killed job leaves this folder unlocked: the maintenance deletes it.
    with work_folder(settings.work_dir, "dem") as dem_links:
        link_dem_cells(
            tile.footprint_lonlat(),
            dem_dir,
            dem_links,
            copy=settings.cache_dem_by == "copy",
        )
        with timed(job.job_id, "terrain map"):
            terrain = ensure_terrain_map(job, settings, dem_dir=dem_dir)
        chain = group_chain(
            inputs,
            tile,
            settings,
            output_path=job.output_path,
            dem_dir=str(dem_links),
            terrain=terrain,
        )
        tags = _tags(job, ids, settings, "BACKSCATTERING")
        written = settings.output_format.image
        if not outputs.keep_image and settings.filtering is not None:
            # S1Tiling chains Despeckle in memory when the unfiltered image is not kept.
            chain = with_despeckle(chain, settings.filtering, settings, str(outputs.primary))
            tags = filtered_tags(tags, settings.filtering)
            written = settings.output_format.filtered
        # The mask is made from the counted file only when that file is the image.
        mask_from_count = outputs.mask is not None and outputs.primary == outputs.image
        check = CheckingFinalizer(
            {0: tags}, settings.min_valid_fraction, keep_valid_map=mask_from_count
        )
        try:
            # Counted before the rename: an empty image never appears under its final name.
            run_chain(chain, finalize=as_written(check, written))
        except EmptyImage as empty:
            record = record_empty(job, inputs, empty.count, settings.min_valid_fraction)
            raise EmptyJob(record) from empty
    fraction = None if check.count is None else check.count.fraction
    return MadeImage(ids, fraction, check.valid_map)


def _make_filtered(
    job: TileJob, settings: ProcessSettings, outputs: JobOutputs, ids: list[ProductId]
) -> None:
    """Despeckle the published image into its filtered copy (S1Tiling's separate pass)."""
    if settings.filtering is None or outputs.filtered is None:
        return
    chain = despeckle_chain(
        str(outputs.image), settings.filtering, settings, output_path=str(outputs.filtered)
    )
    tags = filtered_tags(_tags(job, ids, settings, "BACKSCATTERING"), settings.filtering)
    finalize = as_written(tags_finalizer({0: tags}), settings.output_format.filtered)
    run_chain(chain, finalize=finalize)


def _produce(
    job: TileJob,
    settings: ProcessSettings,
    outputs: JobOutputs,
    missing: tuple[Path, ...],
    *,
    dem_dir: str | Path,
) -> JobResult:
    """Make the ``missing`` outputs of ``job`` (and what derives from a remade image)."""
    mask_path = None if outputs.mask is None else str(outputs.mask)
    check_ready_job(job, mask_path, settings.work_dir)  # before the first write
    started = time.monotonic()
    written: list[Path] = []
    image_valid: float | None = None  # counted while the image was made
    valid_map = None  # and its valid pixels, when the mask is made from them
    if outputs.primary in missing:
        try:
            made = _make_image(job, settings, outputs, dem_dir=dem_dir)
            ids, image_valid, valid_map = made.ids, made.valid_fraction, made.valid_map
        except EmptyJob as empty:  # nothing published: no image, so no mask nor quicklook
            seconds = time.monotonic() - started
            return replace(JobResult.of_empty(job, empty.record, skipped=False), seconds=seconds)
        remove_empty_record(outputs.image)  # a forced redo that published after all
        written.append(outputs.primary)
    else:
        ids = [ProductId.parse(p) for p in job.product_ids]
    # The mask, the quicklook and the filtered copy derive from the image: remade with it,
    # else made if missing.
    remade = bool(written)
    if outputs.keep_image and outputs.filtered and (remade or outputs.filtered in missing):
        with timed(job.job_id, "speckle filtering"):
            _make_filtered(job, settings, outputs, ids)
        written.append(outputs.filtered)
    if outputs.mask is not None and (remade or outputs.mask in missing):
        with timed(job.job_id, "border mask"):
            mask_format = settings.output_format.mask
            write_border_mask(
                outputs.image,
                outputs.mask,
                _tags(job, ids, settings, "MASK"),
                pixel_type=mask_format.pixel_type,
                options=mask_format.options,
                cog=mask_format.cog,
                valid=valid_map,
            )
        written.append(outputs.mask)
    valid_map = None  # 1 byte a pixel: not kept for the quicklook
    spec = settings.quicklook
    if spec is not None and outputs.quicklook and (remade or outputs.quicklook in missing):
        with timed(job.job_id, "quicklook"):
            write_quicklook(outputs.primary, spec)
        written.append(outputs.quicklook)
    seconds = time.monotonic() - started
    if log.isEnabledFor(logging.INFO):  # counting a mask's or quicklook's pixels reads it
        kinds = {
            outputs.image: "image",
            outputs.mask: "mask",
            outputs.quicklook: "quicklook",
            outputs.filtered: "filtered image",
        }
        for path in written:
            known = image_valid if path == outputs.primary else None
            log_output(job.job_id, kinds.get(path, "file"), path, known)
    log.info("job %s published %s in %.1f s", job.job_id, [p.name for p in written], seconds)
    return JobResult(
        job.job_id, job.output_path, mask_path, False, seconds, tuple(map(str, written))
    )
