"""Whether a tile job that came from outside is one planning would make for the request.

A job crosses processes as JSON (XCom, ``s1ops process --job``): its
``TileJob.from_dict`` checks the types of its fields; ``check_job`` checks
what they mean against the request file, before anything is read or
written: output and mask named exactly as planning names them
(``s1ops.planning.tile.job_paths``) inside ``[Paths] output``, product ids
well formed, of the job's unit, day, orbit and polarisation and sorted as
planning sorts them (the order of a merge is its priority), product paths
the products' own entries in ``[Paths] s1_images`` (the SAFE or zip name is
the id). A refusal is a ``ContractError`` naming the field, its value and
what was expected.

``check_ready_job`` runs once the products are leased and found, before the
first write: the folders the job writes in can be written (else
``FileSystemError``), and each product's own metadata agree with the job.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from s1ops.cache.layout import CacheLayout
from s1ops.config.folders import require_writable_folder
from s1ops.config.request import S1Config
from s1ops.errors import ContractError, FileSystemError, ProductNameError, TileIdError
from s1ops.grid import parse_tile_id
from s1ops.outputs.names import OutputName, output_name_for
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import job_paths
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.safe import read_safe

CONTRACT = "TileJob"


def _error(field: str, value: object, expected: str) -> ContractError:
    return ContractError(CONTRACT, field, value, expected)


def _product_ids(job: TileJob) -> list[ProductId]:
    """The job's product ids parsed; well formed, each once, sorted by start."""
    if not job.product_ids:
        raise _error("product_ids", [], "a non-empty list of product ids")
    ids = []
    for index, text in enumerate(job.product_ids):
        try:
            pid = ProductId.parse(text)
        except ProductNameError as exc:
            raise _error(f"product_ids[{index}]", text, f"a product id ({exc.reason})") from exc
        if pid.format() != text:
            raise _error(f"product_ids[{index}]", text, f"the bare product id {pid.format()}")
        ids.append(pid)
    if len(set(job.product_ids)) < len(ids):
        raise _error("product_ids", list(job.product_ids), "each product once")
    if ids != sorted(ids, key=lambda p: p.start):
        raise _error(
            "product_ids",
            list(job.product_ids),
            "the products sorted by start time, as planning lists them (the first one's "
            "pixels win a merge)",
        )
    return ids


def _check_group(job: TileJob, ids: Sequence[ProductId], cfg: S1Config) -> None:
    """Tile, polarisation, and each product of the job's unit, day and orbit."""
    try:
        tile_id = parse_tile_id(job.tile_id).tile_id
    except TileIdError as exc:
        raise _error("tile_id", job.tile_id, f"a Sentinel-2 tile id ({exc.reason})") from exc
    if tile_id != job.tile_id:
        raise _error("tile_id", job.tile_id, f"the tile id as planning writes it, {tile_id}")
    allowed = cfg.data_source.polarisations
    if job.polarisation not in allowed:
        expected = f"one of the request's polarisations: {', '.join(allowed)}"
        raise _error("polarisation", job.polarisation, expected)
    for index, pid in enumerate(ids):
        _check_member(job, index, pid)


def _check_member(job: TileJob, index: int, pid: ProductId) -> None:
    field, text = f"product_ids[{index}]", pid.format()
    if pid.unit != job.unit:
        raise _error(field, text, f"a product of the job's unit {job.unit}")
    if pid.day != job.day:
        raise _error(field, text, f"a product of the job's day {job.day}")
    if job.polarisation not in pid.polarisations:
        raise _error(field, text, f"a product holding the job's polarisation {job.polarisation}")
    orbit = pid.relative_orbit  # None for a unit whose orbit only its metadata give
    if orbit is not None and orbit != job.relative_orbit:
        expected = f"a product of the job's relative orbit {job.relative_orbit} (it is on {orbit})"
        raise _error(field, text, expected)


def _is_within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _check_output(field: str, value: str, expected: str, output_dir: Path) -> None:
    """``value`` is an absolute path naming ``expected`` once both are resolved."""
    why = "the name planning gives this tile, polarisation, day, orbit and products"
    if not Path(value).is_absolute():
        raise _error(field, value, f"an absolute path: {expected}, {why}")
    real = os.path.realpath(value)
    if real != os.path.realpath(expected):
        if not _is_within(real, os.path.realpath(output_dir)):
            where = f"a path inside [Paths] output {output_dir}: {expected}, {why}"
            raise _error(field, value, where)
        raise _error(field, value, f"{expected}, {why}")


def _check_mask(job: TileJob, name: OutputName, cfg: S1Config) -> str | None:
    """The mask path planning gives the job (None without masks), checked."""
    output_dir = cfg.paths.output
    with_mask = cfg.mask.generate_border_mask
    expected = job_paths(output_dir, name, with_mask=with_mask, naming=cfg.output_format.naming)[1]
    if expected is None:
        if job.mask_path is not None:
            raise _error("mask_path", job.mask_path, "null: [Mask] generate_border_mask is False")
        return None
    if job.mask_path is None:
        raise _error("mask_path", None, f"{expected}: [Mask] generate_border_mask is True")
    _check_output("mask_path", job.mask_path, expected, output_dir)
    return expected


def _check_existing(
    job: TileJob, name: OutputName, ids: Sequence[ProductId], cfg: S1Config
) -> None:
    """``existing_output``, when given, is one of the names the job's image may exist under."""
    if job.existing_output is None:
        return
    starts = [ids[0].start.time()] if len(ids) == 1 else []
    naming = cfg.output_format.naming
    names = [naming.image_path(cfg.paths.output, v).name for v in name.variants(starts)]
    if job.existing_output not in names:
        expected = f"null or a file name among: {', '.join(names)}"
        raise _error("existing_output", job.existing_output, expected)


def _check_product_paths(job: TileJob, s1_images: Path) -> None:
    """Each path given is the product's own entry (``{id}.SAFE``, ``{id}.zip``) in the cache."""
    if job.product_paths and len(job.product_paths) != len(job.product_ids):
        expected = f"{len(job.product_ids)} entries, one per product id (null when not on disk)"
        raise _error("product_paths", list(job.product_paths), expected + ", or none")
    layout = CacheLayout.of(s1_images)
    for index, path in enumerate(job.product_paths):
        if path is None:
            continue  # found in the cache when the job is leased
        field, names = f"product_paths[{index}]", layout.entry_names(job.product_ids[index])
        if not Path(path).is_absolute():
            raise _error(field, path, f"an absolute path, to {' or '.join(names)}")
        if Path(path).name not in names:
            expected = f"the entry of product_ids[{index}], named {' or '.join(names)}"
            raise _error(field, path, expected)
        if not layout.is_entry_place(path):
            expected = f"a path inside [Paths] s1_images {s1_images} (directly, or one folder down)"
            raise _error(field, path, expected)


def check_job(job: TileJob, cfg: S1Config) -> TileJob:
    """``job`` as planning would make it for ``cfg``, its output paths as planning writes them.

    Raises ``ContractError`` (field, value, expected) at the first disagreement.
    Reads nothing but the paths' folders (symbolic links, ``..``) and writes nothing.
    """
    ids = _product_ids(job)
    _check_group(job, ids, cfg)
    name = output_name_for(
        ids,
        tile_id=job.tile_id,
        polarisation=job.polarisation,
        orbit_direction=job.orbit_direction,
        relative_orbit=job.relative_orbit,
    )
    output = job_paths(cfg.paths.output, name, with_mask=False, naming=cfg.output_format.naming)[0]
    _check_output("output_path", job.output_path, output, cfg.paths.output)
    mask = _check_mask(job, name, cfg)
    _check_existing(job, name, ids, cfg)
    _check_product_paths(job, cfg.paths.s1_images)
    return replace(job, output_path=output, mask_path=mask)


def _check_folders(job: TileJob, mask_path: str | None, work_dir: str | None) -> None:
    for path in (job.output_path, mask_path):
        if path is not None and Path(path).is_dir():
            raise FileSystemError(path, "a folder is in the way", "a file there, or nothing yet")
    require_writable_folder(Path(job.output_path).parent, "[Paths] output")
    if work_dir is not None:
        require_writable_folder(work_dir, "[Paths] tmp")


def check_ready_job(job: TileJob, mask_path: str | None, work_dir: str | None) -> None:
    """Before the first write of a leased, found job: its folders can be written and its
    outputs are not folders (``FileSystemError``), and each product's own metadata agree
    with the job (``ContractError``).
    """
    _check_folders(job, mask_path, work_dir)
    for index, path in enumerate(job.product_paths):
        if path is not None:
            _check_metadata(job, index, path)


def _check_metadata(job: TileJob, index: int, path: str) -> None:
    """What only the product's manifest says (an S1C's orbit, any direction) agrees with
    the job: the output's name and tags are made of the job's values."""
    safe = read_safe(path)
    field, product_id = f"product_ids[{index}]", job.product_ids[index]
    if safe.relative_orbit != job.relative_orbit:
        expected = f"a product of the job's relative orbit {job.relative_orbit}"
        raise _error(field, f"{product_id} (on {safe.relative_orbit})", expected)
    if safe.orbit_direction != job.orbit_direction:
        expected = f"a product of the job's orbit direction {job.orbit_direction}"
        raise _error(field, f"{product_id} ({safe.orbit_direction})", expected)
    if job.polarisation not in safe.polarisations:
        raise _error(field, product_id, f"a product with a {job.polarisation} measurement")
