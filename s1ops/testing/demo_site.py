"""The demo site: synthetic Sentinel-1 products over three S2 tiles in January 2020.

Two passes of one relative orbit (51, descending), six days apart, as S1A
and S1B flew it: each pass is a pair of consecutive slices (same day, same
datatake), so the tile between them is merged from both. The first pass is
an old IPF (002.72) with a blank top band: S1Tiling's border heuristic cuts
1 000 columns on each side and 1 600 lines at the top. Its first slice is
made at half size (not a tenth) and a little west, so that what the cut
leaves still covers 32NNJ and 32NNH but nothing of 32NPJ: that tile and day
is the demo's one empty job on purpose (``DEMO_EMPTY``). The second pass's
first slice is OFFLINE in the catalogue until ordered, then staging for a
few polls: the download waits and resumes.

``make_demo_catalogue`` writes the zips, the flat DEM cells and the failure
file the local STAC server reads; ``write_demo_request`` the request file;
``expected_outputs`` what a complete run must have written, or found empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from s1ops.testing.request_file import RequestPaths, write_request
from s1ops.testing.synth_safe import SynthSpec

DEMO_TILES = ("32NNJ", "32NNH", "32NPJ")
FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2020, 1, 10)
# The second slice of a pass starts 25 s later, 1.45 degrees further south
# (and a little west, along the descending track): it covers 32NNH.
NEXT_SLICE = timedelta(seconds=25)
NEXT_SLICE_LAT_DEG = -1.45
NEXT_SLICE_LON_DEG = -0.3
# The old-IPF slice: at 1/10 size (2 525 x 1 954 pixels) the cuts (1 000
# columns each side, 1 600 lines at the top; s1ops.processing.margins) leave
# 525 x 354 pixels, nothing over 32NNJ. At 1/5 (5 050 x 3 908) they leave
# 3 050 x 2 308; moved 0.5 degree west, that covers about a fifth of 32NNJ and
# two thirds of 32NNH, and stops about 10 km short of 32NPJ, which the whole
# slice still covers by a third (tests/s1ops/testing/test_demo_site.py checks it).
OLD_IPF_SCALE = 5
OLD_IPF_SHIFT_LON_DEG = -0.5
# The job the demo shows empty on purpose: (tile, day) -> why, in the summary's words.
DEMO_EMPTY = {("32NPJ", date(2020, 1, 3)): "border cut"}
# 40 m pixels: a tile job in about 9 s on 2 cores (20 m: 28 s and 1 GB).
DEMO_RESOLUTION_M = 40
# How often a waited-for product is checked: short, so that the wait shows in a minute.
DEMO_POKE_INTERVAL_S = 10
# Polls the OFFLINE product answers "staging" after its order. Every catalogue
# search that lists it counts as a poll too (the plans of the other tiles and
# days), so polls alone can bring it online before any fetch has deferred:
# it also stays staging for a time, long enough for the triggerer to poll it.
DEMO_OFFLINE_POLLS = 8
DEMO_STAGING_S = 3 * DEMO_POKE_INTERVAL_S
# The comment at the top of the demo's request file.
DEMO_REQUEST_HEADER = (
    "The s1ops demo: synthetic products from the local STAC server (see `make demo`).\n"
    "{resolution_m} m instead of S1Tiling's 10 m keeps the demo to minutes on 2 cores."
)


@dataclass(frozen=True)
class DemoProduct:
    """One synthetic product and how long the catalogue keeps it offline (0: online)."""

    spec: SynthSpec
    offline_polls: int = 0


@dataclass(frozen=True)
class DemoCatalogue:
    """What ``make_demo_catalogue`` wrote."""

    products_dir: Path  # <PRODUCT_ID>.zip, what the STAC server serves
    dem_dir: Path
    failures_file: Path  # the STAC server's --failures
    product_ids: tuple[str, ...]
    offline_ids: tuple[str, ...]


def _pass(start: datetime, unit: str, ipf_version: str, seed: int) -> tuple[SynthSpec, SynthSpec]:
    first = SynthSpec(start=start, unit=unit, ipf_version=ipf_version, seed=seed)
    second = replace(
        first,
        start=start + NEXT_SLICE,
        seed=seed + 1,
        shift_lat_deg=NEXT_SLICE_LAT_DEG,
        shift_lon_deg=NEXT_SLICE_LON_DEG,
    )
    return first, second


def demo_products(offline_polls: int = DEMO_OFFLINE_POLLS) -> tuple[DemoProduct, ...]:
    """The four products of the demo (see the module docstring)."""
    old_first, old_second = _pass(datetime(2020, 1, 3, 5, 5, 46, tzinfo=UTC), "S1A", "002.72", 1)
    new_first, new_second = _pass(datetime(2020, 1, 9, 5, 5, 46, tzinfo=UTC), "S1B", "003.10", 3)
    return (
        DemoProduct(
            replace(
                old_first, cut_top=True, scale=OLD_IPF_SCALE, shift_lon_deg=OLD_IPF_SHIFT_LON_DEG
            )
        ),
        DemoProduct(old_second),
        DemoProduct(new_first, offline_polls=offline_polls),
        DemoProduct(new_second),
    )


def _failures(products: dict[str, DemoProduct]) -> dict[str, dict[str, object]]:
    return {
        product_id: {
            "offline_polls": p.offline_polls,
            "order_required": True,
            "staging_s": DEMO_STAGING_S,
        }
        for product_id, p in products.items()
        if p.offline_polls
    }


def _write_products(products_dir: Path, products: tuple[DemoProduct, ...]) -> list[str]:
    """Generate the zips, unless a previous demo left the same ones (see the stamp file)."""
    from s1ops.testing.synth_safe import make_product

    stamp = products_dir / "demo-products.json"
    specs = [repr(p.spec) for p in products]
    if stamp.is_file():
        known = json.loads(stamp.read_text())
        if known.get("specs") == specs and all(
            (products_dir / f"{name}.zip").is_file() for name in known["ids"]
        ):
            return list(known["ids"])
    stamp.unlink(missing_ok=True)
    ids = [make_product(p.spec, products_dir, zip_it=True).stem for p in products]
    stamp.write_text(json.dumps({"specs": specs, "ids": ids}, indent=1) + "\n")
    return ids


def make_demo_catalogue(
    folder: str | Path, products: tuple[DemoProduct, ...] | None = None
) -> DemoCatalogue:
    """Write the products (zipped), DEM cells and failure file under ``folder``.

    Products a previous call wrote with the same specs are kept, not regenerated.
    """
    from shapely.ops import unary_union

    from s1ops.sentinel1.safe import read_safe
    from s1ops.testing.dem import make_flat_dem

    root = Path(folder)
    products_dir = root / "catalogue"
    products_dir.mkdir(parents=True, exist_ok=True)
    chosen = products or demo_products()
    ids = _write_products(products_dir, chosen)
    footprint = unary_union([read_safe(products_dir / f"{i}.zip").footprint for i in ids])
    dem_dir = root / "dem"
    make_flat_dem(footprint, dem_dir, arcsec=3)
    failures_file = root / "failures.json"
    failures = _failures(dict(zip(ids, chosen, strict=True)))
    failures_file.write_text(json.dumps(failures, indent=2) + "\n")
    return DemoCatalogue(
        products_dir=products_dir,
        dem_dir=dem_dir,
        failures_file=failures_file,
        product_ids=tuple(sorted(ids)),
        offline_ids=tuple(sorted(failures)),
    )


def write_demo_request(
    path: str | Path,
    *,
    work_dir: str | Path,
    dem_dir: str | Path,
    geoid_file: str | Path,
    eodag_config: str | Path,
    tiles: tuple[str, ...] = DEMO_TILES,
    resolution_m: int = DEMO_RESOLUTION_M,
    poke_interval_s: int = DEMO_POKE_INTERVAL_S,
    runner: Mapping[str, str] | None = None,
) -> Path:
    """The demo's request file: download, masks and quicklooks on; outputs under ``work_dir``.

    ``runner``: extra [Airflow] keys (``runner``, ``image``, ``docker_url``) for
    the docker runner; none for the local one.
    """
    work = Path(work_dir)
    return write_request(
        path,
        RequestPaths(work / "out", work / "s1", dem_dir, work / "tmp", geoid_file),
        tiles=tiles,
        header=DEMO_REQUEST_HEADER.format(resolution_m=resolution_m),
        data_source={
            "download": True,
            "eodag_config": eodag_config,
            "first_date": FIRST_DAY,
            "last_date": LAST_DAY,
        },
        mask={"generate_border_mask": True},
        processing={"output_spatial_resolution": resolution_m, "nb_parallel_processes": 2},
        quicklook={"generate_quicklook": True},
        metadata={"demo": "s1ops make demo"},
        airflow={
            "poke_interval_s": poke_interval_s,
            "retries": 1,
            "retry_delay_s": 10,
            **(runner or {}),
        },
    )


@dataclass(frozen=True)
class ExpectedOutput:
    """One product a complete run writes, with its mask and quicklook.

    ``empty`` is why the demo expects the job to publish nothing (``DEMO_EMPTY``),
    None for a product that must be written with valid pixels.
    """

    tile_id: str
    polarisation: str
    day: date
    product_ids: tuple[str, ...]
    output: Path
    mask: Path | None
    quicklook: Path | None
    empty: str | None = None


def expected_outputs(config_path: str | Path, products_dir: str | Path) -> list[ExpectedOutput]:
    """What the request's tiles get from the products in ``products_dir``, sorted."""
    from s1ops.config.request import load_config
    from s1ops.grid import parse_tile_id
    from s1ops.outputs.quicklook import QuicklookSpec, quicklook_path
    from s1ops.planning.tile import filters_from_config, plan_tile
    from s1ops.sentinel1.safe import scan_products

    cfg = load_config(config_path)
    records = scan_products(products_dir)
    q = cfg.quicklook
    spec = QuicklookSpec(q.format, q.width_px, q.db_min, q.db_max)
    found: list[ExpectedOutput] = []
    for tile_id in cfg.processing.tiles:
        plan = plan_tile(
            records,
            parse_tile_id(tile_id),
            filters_from_config(cfg.data_source),
            output_dir=cfg.paths.output,
            with_mask=cfg.mask.generate_border_mask,
        )
        found.extend(
            ExpectedOutput(
                tile_id=job.tile_id,
                polarisation=job.polarisation,
                day=job.day,
                product_ids=job.product_ids,
                output=Path(job.output_path),
                mask=Path(job.mask_path) if job.mask_path else None,
                quicklook=quicklook_path(job.output_path, spec) if q.generate_quicklook else None,
                empty=DEMO_EMPTY.get((job.tile_id, job.day)),
            )
            for job in plan.jobs
        )
    return sorted(found, key=lambda e: (e.tile_id, e.day, e.polarisation))
