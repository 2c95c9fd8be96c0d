"""Planning: which S1 products make which S2 tile outputs, and which are done or waiting.

A pure function of its inputs (product records from a disk scan and/or a
catalogue search, a tile, date and product filters, the names already in
the output folder). Products are grouped as S1Tiling groups them: by unit,
relative orbit, orbit direction and UTC day of the product start. Each group
gives one job per polarisation.

Coverage is the area of (union of the group's footprints ∩ tile) over the
tile's area, in percent, computed in the tile's UTM projection. Footprints
are taken as straight in lon/lat between their corners (as S1Tiling takes
them) and densified before projection; unlike S1Tiling, which adds up the
products' separate coverages in degrees, the overlap of a pair is counted
once.

A group normally holds 1 or 2 consecutive slices. More happens with
duplicates of one acquisition (reprocessed, another CRC: one is kept,
preferring one on disk) or with three slices touching one tile (a short
last slice): slices adding no coverage to the others are left out, and the
rest are all merged, as S1Tiling's Synthetize does with consecutive images.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from s1ops.config.filtering import FilteringConfig
from s1ops.errors import ConfigError
from s1ops.grid import S2Tile
from s1ops.outputs.empty import empty_record_name, read_empty_record
from s1ops.outputs.names import OutputName, output_name_for
from s1ops.outputs.naming import OutputNaming
from s1ops.outputs.quicklook import QuicklookSpec, requested_quicklook
from s1ops.outputs.requested import JobOutputs
from s1ops.planning.jobs import DroppedGroup, PlanResult, TileJob
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import scan_products

if TYPE_CHECKING:
    from s1ops.config.request import DataSourceConfig, S1Config

__all__ = [
    "DroppedGroup",
    "PlanFilters",
    "PlanResult",
    "ProductIndex",
    "TileJob",
    "existing_outputs",
    "filters_from_config",
    "job_paths",
    "merge_records",
    "plan_tile",
]

log = logging.getLogger(__name__)

# Densification step of footprint edges before projecting them (degrees):
# ~5 km, far below the size of a tile and of a product.
_DENSIFY_DEG = 0.05
# A slice must add this much tile coverage (percent) to be merged with others.
_MIN_GAIN_PCT = 0.01


@dataclass(frozen=True)
class PlanFilters:
    """Which products a plan may use: S1Tiling's [DataSource] filters."""

    first_date: date
    last_date: date
    polarisations: tuple[str, ...] = ("vv", "vh")
    platforms: tuple[str, ...] = ()  # 'S1A', ...; empty: all
    orbit_direction: str | None = None  # 'ASC' or 'DES'; None: both
    relative_orbits: tuple[int, ...] = ()  # empty: all
    min_coverage_pct: float = 0.0  # tile_to_product_overlap_ratio
    modes: tuple[str, ...] = ("IW",)

    def accepts(self, record: ProductRecord) -> bool:
        """Whether ``record`` passes every filter except coverage and polarisation."""
        pid = record.product_id
        return (
            pid.product_type == "GRD"
            and pid.mode in self.modes
            and self.first_date <= pid.day <= self.last_date
            and (not self.platforms or pid.unit in self.platforms)
            and (self.orbit_direction is None or record.orbit_direction == self.orbit_direction)
            and (not self.relative_orbits or record.relative_orbit in self.relative_orbits)
        )


def filters_from_config(
    source: DataSourceConfig, *, first_date: date | None = None, last_date: date | None = None
) -> PlanFilters:
    """The filters of a request's [DataSource]; dates may be narrowed by the caller."""
    return PlanFilters(
        first_date=source.first_date if first_date is None else first_date,
        last_date=source.last_date if last_date is None else last_date,
        polarisations=source.polarisations,
        platforms=source.platforms,
        orbit_direction=source.orbit_direction,
        relative_orbits=source.relative_orbits,
        min_coverage_pct=float(source.overlap_ratio_percent),
    )


class ProductIndex:
    """Product records with a spatial index on their lon/lat footprints.

    Build it once to plan many tiles against one catalogue.
    """

    def __init__(self, records: Iterable[ProductRecord]) -> None:
        self.records = tuple(records)
        self._tree = STRtree([r.footprint for r in self.records])

    def intersecting(self, geometry: BaseGeometry) -> list[ProductRecord]:
        """Records whose footprint intersects ``geometry`` (lon/lat)."""
        hits = self._tree.query(geometry, predicate="intersects")
        return [self.records[i] for i in sorted(hits)]


def merge_records(*sources: Iterable[ProductRecord]) -> list[ProductRecord]:
    """One record per product id: a record on disk wins, keeping a catalogue's download link."""
    merged: dict[str, ProductRecord] = {}
    for record in (r for source in sources for r in source):
        known = merged.get(record.name)
        if known is None:
            merged[record.name] = record
        elif record.availability == "on_disk" and known.availability != "on_disk":
            link = record.download_link or known.download_link
            merged[record.name] = replace(record, download_link=link)
        elif known.download_link is None and record.download_link is not None:
            merged[record.name] = replace(known, download_link=record.download_link)
    return sorted(merged.values(), key=lambda r: r.name)


def existing_outputs(
    output_dir: str | Path, tile_id: str, naming: OutputNaming | None = None
) -> frozenset[str]:
    """Names of the files in the folders of ``tile_id``'s products (``naming``'s; by
    default ``{output_dir}/{tile_id}`` and ``{output_dir}/filtered/{tile_id}``)."""
    names: set[str] = set()
    for folder in (naming or OutputNaming()).tile_folders(output_dir, tile_id):
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if p.is_file())
    return frozenset(names)


@dataclass
class _Group:
    key: tuple[str, int, str, date]  # unit, relative orbit, direction, day
    members: list[tuple[ProductRecord, BaseGeometry]] = field(default_factory=list)


def _utm_shapes(
    records: Sequence[ProductRecord], tile: S2Tile
) -> list[tuple[ProductRecord, BaseGeometry]]:
    """Each record's footprint in the tile's UTM, clipped to the tile; empty ones dropped."""
    if not records:
        return []
    square = box(tile.ulx, tile.uly - tile.size_m, tile.ulx + tile.size_m, tile.uly)
    to_utm = Transformer.from_crs(4326, tile.epsg, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_utm.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    # One vectorised pass over all footprints: per-geometry calls dominate otherwise.
    dense = shapely.segmentize(np.array([r.footprint for r in records]), _DENSIFY_DEG)
    clipped = shapely.intersection(shapely.transform(dense, project), square)
    areas = shapely.area(clipped)
    return [(r, c) for r, c, a in zip(records, clipped, areas, strict=True) if a > 0]


class _Coverage:
    """Tile coverage of sets of clipped footprints, computed once per set."""

    def __init__(self, tile: S2Tile) -> None:
        self.tile_area = tile.size_m * tile.size_m
        self._known: dict[frozenset[str], float] = {}

    def __call__(self, members: Sequence[tuple[ProductRecord, BaseGeometry]]) -> float:
        key = frozenset(m[0].name for m in members)
        if key not in self._known:
            union = shapely.union_all([m[1] for m in members])
            self._known[key] = 100.0 * union.area / self.tile_area
        return self._known[key]


def _preference(record: ProductRecord) -> tuple[int, str]:
    # Of two copies of one acquisition, keep the most readily usable one.
    rank = {"on_disk": 0, "online": 1, "ordered": 2, "offline": 3}.get(record.availability, 4)
    return rank, record.name


def _reduce(
    members: list[tuple[ProductRecord, BaseGeometry]], coverage: _Coverage
) -> list[tuple[ProductRecord, BaseGeometry]]:
    """Drop duplicate acquisitions and slices that add no coverage; sorted by start."""
    by_acquisition: dict[tuple[Any, ...], tuple[ProductRecord, BaseGeometry]] = {}
    for record, shape in sorted(members, key=lambda m: _preference(m[0])):
        pid = record.product_id
        by_acquisition.setdefault((pid.start, pid.stop, pid.absolute_orbit), (record, shape))
    kept = sorted(by_acquisition.values(), key=lambda m: -m[1].area)
    if len(kept) > 2:
        greedy: list[tuple[ProductRecord, BaseGeometry]] = []
        for member in kept:
            if not greedy or coverage([*greedy, member]) - coverage(greedy) > _MIN_GAIN_PCT:
                greedy.append(member)
        kept = greedy
    if len(kept) < len(members):
        left_out = {m[0].name for m in members} - {m[0].name for m in kept}
        log.info(
            "left out of their group (duplicate or redundant): %s", ", ".join(sorted(left_out))
        )
    return sorted(kept, key=lambda m: m[0].product_id.start)


def _group(shapes: list[tuple[ProductRecord, BaseGeometry]]) -> list[_Group]:
    groups: dict[tuple[str, int, str, date], _Group] = {}
    for record, shape in shapes:
        pid = record.product_id
        key = (pid.unit, record.relative_orbit, record.orbit_direction, pid.day)
        groups.setdefault(key, _Group(key)).members.append((record, shape))
    # Chronological, then by unit, orbit and direction.
    return [groups[k] for k in sorted(groups, key=lambda k: (k[3], k[0], k[1], k[2]))]


@dataclass(frozen=True)
class _Context:
    tile: S2Tile
    filters: PlanFilters
    output_dir: Path
    existing: frozenset[str]
    with_mask: bool
    coverage: _Coverage
    quicklook: QuicklookSpec | None = None
    min_valid_fraction: float = 0.0
    filtering: FilteringConfig | None = None
    naming: OutputNaming = field(default_factory=OutputNaming)


def job_paths(
    output_dir: str | Path,
    name: OutputName,
    *,
    with_mask: bool,
    naming: OutputNaming | None = None,
) -> tuple[str, str | None]:
    """Where a job's image and border mask go (mask None without masks): by default
    ``{output}/{tile}/{name}``, else where ``naming`` says. The one rule: planning names
    jobs with it, ``s1ops process`` checks them by it.
    """
    naming = naming or OutputNaming()
    mask = str(naming.mask_path(output_dir, name)) if with_mask else None
    return str(naming.image_path(output_dir, name)), mask


def _find_existing(ctx: _Context, name: OutputName, records: list[ProductRecord]) -> str | None:
    if not ctx.existing:
        return None
    # A single product's own t{hhmmss} counts; a pair's is a partial image of one slice.
    starts = [records[0].product_id.start.time()] if len(records) == 1 else []
    for variant in name.variants(starts):
        # Done: every output the request asks for is there (JobOutputs says which).
        outputs = JobOutputs.named(
            ctx.naming,
            ctx.output_dir,
            variant,
            with_mask=ctx.with_mask,
            quicklook=ctx.quicklook,
            filtering=ctx.filtering,
        )
        if outputs.done(lambda path: path.name in ctx.existing):
            return outputs.image.name
    return None


def _empty_reason(ctx: _Context, output_path: str, records: list[ProductRecord]) -> str | None:
    """Why an earlier run found the job empty, when its record (s1ops.outputs.empty) still
    holds for these products and the request's minimum valid fraction."""
    if empty_record_name(Path(output_path).name) not in ctx.existing:
        return None  # the usual case: no file read
    record = read_empty_record(output_path)
    ids = [r.name for r in records]
    if record is None or not record.still_empty(ids, ctx.min_valid_fraction):
        return None
    return record.reason


def _job(
    ctx: _Context, key: tuple[str, int, str, date], pol: str, members: list[Any], coverage: float
) -> TileJob:
    unit, relorb, direction, day = key
    records: list[ProductRecord] = [m[0] for m in members]
    name = output_name_for(
        [r.product_id for r in records],
        tile_id=ctx.tile.tile_id,
        polarisation=pol,
        orbit_direction=direction,
        relative_orbit=relorb,
    )
    found = _find_existing(ctx, name, records)
    output_path, mask_path = job_paths(
        ctx.output_dir, name, with_mask=ctx.with_mask, naming=ctx.naming
    )
    empty = None if found else _empty_reason(ctx, output_path, records)
    waiting = tuple(r.name for r in records if not r.available_now)
    status = "done" if found or empty else ("waiting" if waiting else "todo")
    return TileJob(
        tile_id=ctx.tile.tile_id,
        polarisation=pol,
        day=day,
        unit=unit,
        relative_orbit=relorb,
        orbit_direction=direction,
        product_ids=tuple(r.name for r in records),
        coverage_pct=round(coverage, 3),
        output_path=output_path,
        mask_path=mask_path,
        produced=found is not None,
        status=status,
        existing_output=found,
        product_paths=tuple(None if r.local_path is None else str(r.local_path) for r in records),
        needs_download=tuple(r.name for r in records if r.availability == "online"),
        waiting_for=waiting,
        empty_reason=empty,
    )


def _plan_group(ctx: _Context, group: _Group) -> list[TileJob | DroppedGroup]:
    out: list[TileJob | DroppedGroup] = []
    unit, relorb, direction, day = group.key
    for pol in ctx.filters.polarisations:
        members = _reduce([m for m in group.members if pol in m[0].polarisations], ctx.coverage)
        ids = tuple(m[0].name for m in members) or tuple(m[0].name for m in group.members)
        coverage = ctx.coverage(members) if members else 0.0
        if not members:
            reason = f"no product of the group has polarisation {pol}"
        elif round(coverage, 2) < ctx.filters.min_coverage_pct:
            reason = (
                f"covers {coverage:.2f}% of the tile, below "
                f"tile_to_product_overlap_ratio={ctx.filters.min_coverage_pct:g}%"
            )
        else:
            out.append(_job(ctx, group.key, pol, members, coverage))
            continue
        out.append(
            DroppedGroup(
                ctx.tile.tile_id, pol, day, unit, relorb, direction, ids, round(coverage, 3), reason
            )
        )
    return out


def plan_tile(
    products: Sequence[ProductRecord] | ProductIndex,
    tile: S2Tile,
    filters: PlanFilters,
    *,
    output_dir: str | Path,
    existing: Collection[str] = frozenset(),
    with_mask: bool = False,
    quicklook: QuicklookSpec | None = None,
    min_valid_fraction: float = 0.0,
    filtering: FilteringConfig | None = None,
    naming: OutputNaming | None = None,
) -> PlanResult:
    """Plan the outputs of ``tile`` from ``products`` under ``filters``.

    ``existing`` holds the file names already in ``{output_dir}/{tile_id}``
    (see ``existing_outputs``): a job is done when its ``txxxxxx`` output is
    there, or for a single product its ``t{hhmmss}`` one, with every other
    output asked for: the border mask when ``with_mask``, the quicklook when
    ``quicklook``, the filtered copy when ``filtering`` (``JobOutputs``, the
    definition ``process`` uses too), named as ``naming`` says (S1Tiling's
    defaults when None); a
    pair's slice made alone is not the pair. A job
    with a product known but not available now (offline, ordered, or of
    unknown availability) is ``waiting``: never planned as a partial output.
    A job an earlier run found empty (its record among ``existing``, still
    holding for its products and ``min_valid_fraction``) is ``done``, with its
    ``empty_reason``.
    """
    index = products if isinstance(products, ProductIndex) else ProductIndex(products)
    candidates = [r for r in index.intersecting(tile.footprint_lonlat()) if filters.accepts(r)]
    ctx = _Context(
        tile,
        filters,
        Path(output_dir),
        frozenset(existing),
        with_mask,
        _Coverage(tile),
        quicklook=quicklook,
        min_valid_fraction=min_valid_fraction,
        filtering=filtering,
        naming=naming or OutputNaming(),
    )
    jobs: list[TileJob] = []
    dropped: list[DroppedGroup] = []
    for group in _group(_utm_shapes(candidates, tile)):
        for item in _plan_group(ctx, group):
            if isinstance(item, TileJob):
                jobs.append(item)
            else:
                dropped.append(item)
    for d in dropped:
        log.info("tile %s %s %s: dropped: %s", d.tile_id, d.day, d.polarisation, d.reason)
    return PlanResult(
        tile.tile_id, filters.first_date, filters.last_date, tuple(jobs), tuple(dropped)
    )


def plan_from_config(
    cfg: S1Config,
    tile: S2Tile,
    filters: PlanFilters,
    *,
    catalogue: Iterable[ProductRecord] = (),
    products_dir: str | Path | None = None,
) -> PlanResult:
    """Plan ``tile`` for a request: products on disk (``[Paths] s1_images`` unless
    ``products_dir``) merged with ``catalogue`` records, outputs found in ``[Paths] output``.
    """
    folder = Path(products_dir or cfg.paths.s1_images)
    if folder.is_dir():
        on_disk = scan_products(folder)
    elif cfg.data_source.download:
        log.warning("products folder %s does not exist yet: no product on disk", folder)
        on_disk = []
    else:
        # Without downloads nothing would ever fill it: every run would plan nothing.
        raise ConfigError(
            "Paths",
            "s1_images",
            str(folder),
            "an existing folder of S1 products ([DataSource] download is False)",
        )
    return plan_tile(
        merge_records(catalogue, on_disk),
        tile,
        filters,
        output_dir=cfg.paths.output,
        existing=existing_outputs(cfg.paths.output, tile.tile_id, cfg.output_format.naming),
        with_mask=cfg.mask.generate_border_mask,
        quicklook=requested_quicklook(cfg),
        min_valid_fraction=cfg.airflow.min_valid_fraction,
        filtering=cfg.filtering,
        naming=cfg.output_format.naming,
    )
