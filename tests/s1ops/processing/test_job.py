"""End to end on synthetic SAFE products: plan -> process -> outputs, masks, tags.

100 m output pixels keep each run to a second or two; the geometry is the
same as at 10 m.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from osgeo import gdal
from shapely.ops import unary_union

from s1ops.cache.orthoready import ORTHOREADY_SUFFIX, orthoready_dir
from s1ops.cli import main
from s1ops.config.request import load_config
from s1ops.errors import ConfigError
from s1ops.grid import parse_tile_id
from s1ops.outputs.geotiff import read_tags
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import existing_outputs, filters_from_config, plan_tile
from s1ops.processing.chains import ProductInput, group_chain
from s1ops.processing.job import process_job
from s1ops.processing.margins import margin_thresholds, probe_borders
from s1ops.processing.otb.runner import run_chain
from s1ops.processing.otb.steps import MarginThresholds
from s1ops.processing.settings import settings_from_config
from s1ops.sentinel1.safe import read_annotation, read_safe, scan_products
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from s1ops.testing.synth_safe import GEOID_SUBPATH, SynthSpec, make_product

gdal.UseExceptions()
START = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)
RES_M = 100


def read(path: str | Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, otb_data: Path) -> Path:
    """Two consecutive products of one pass (a pair), a flat DEM, a request file."""
    root = tmp_path_factory.mktemp("site")
    s1 = root / "s1"
    first = make_product(SynthSpec(start=START, ipf_version="003.10", margin_px=0, seed=1), s1)
    second = make_product(
        SynthSpec(
            start=START + timedelta(seconds=25),
            shift_lat_deg=-1.45,
            shift_lon_deg=-0.3,
            ipf_version="003.10",
            margin_px=0,
            seed=2,
        ),
        s1,
    )
    footprint = unary_union([read_safe(first).footprint, read_safe(second).footprint])
    make_flat_dem(footprint, root / "dem", arcsec=3)
    write_request(
        root / REQUEST_NAME,
        RequestPaths.under(root, geoid_file=otb_data / GEOID_SUBPATH),
        tiles=("32NNH", "32NPJ"),
        mask={"generate_border_mask": True},
        processing={
            "output_spatial_resolution": RES_M,
            "orthorectification_gridspacing": 4 * RES_M,
        },
        quicklook={"generate_quicklook": True},
    )
    return root


def jobs_for(site: Path, tile_id: str, polarisation: str = "vv") -> list[TileJob]:
    cfg = load_config(site / "S1Processor.cfg")
    plan = plan_tile(
        scan_products(cfg.paths.s1_images),
        parse_tile_id(tile_id),
        filters_from_config(cfg.data_source),
        output_dir=cfg.paths.output,
        existing=existing_outputs(cfg.paths.output, tile_id),
        with_mask=True,
    )
    return [j for j in plan.jobs if j.polarisation == polarisation]


def run(site: Path, job: TileJob, **kwargs: object) -> object:
    cfg = load_config(site / "S1Processor.cfg")
    settings = settings_from_config(cfg, **kwargs)  # type: ignore[arg-type]
    return process_job(job, settings, dem_dir=cfg.paths.dem_dir)


def process_single(
    site: Path, safe_path: Path, tile_id: str, out: Path, cut: MarginThresholds | None = None
) -> np.ndarray:
    """One product through our in-memory chain, margins as the heuristic (or ``cut``) says."""
    cfg = load_config(site / "S1Processor.cfg")
    safe = read_safe(safe_path)
    measurement = safe.measurement_location("vv")
    if cut is None:
        cut = margin_thresholds(probe_borders(measurement), None)
    chain = group_chain(
        [ProductInput(safe.product_id, measurement, cut)],
        parse_tile_id(tile_id),
        settings_from_config(cfg),
        output_path=str(out),
        dem_dir=str(cfg.paths.dem_dir),
    )
    run_chain(chain)
    return read(out)


def utm_outline(safe_path: Path, epsg: int) -> shapely.Geometry:
    safe = read_safe(safe_path)
    member = next(m for p, m in safe.measurements if p == "vv")
    xml = (safe_path / member.replace("measurement/", "annotation/")).with_suffix(".xml")
    outline = read_annotation(xml.read_bytes()).footprint
    to_utm = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform
    return shapely.transform(outline, lambda xy: np.column_stack(to_utm(xy[:, 0], xy[:, 1])))


@pytest.mark.otb
@pytest.mark.slow
def test_footprint_matches_the_geolocation_grid_within_two_pixels(otb: None, site: Path) -> None:
    (job,) = jobs_for(site, "32NPJ")  # the products' east edge crosses this tile
    assert len(job.product_ids) == 1 and 5 < job.coverage_pct < 95
    run(site, job)
    ds = gdal.Open(job.output_path)
    ulx, res, _, uly, _, _ = ds.GetGeoTransform()
    tile = parse_tile_id("32NPJ")
    assert (ulx, uly, res) == (tile.ulx, tile.uly, RES_M)
    valid = ds.ReadAsArray() != 0
    cols, rows = np.meshgrid(np.arange(valid.shape[1]), np.arange(valid.shape[0]))
    x, y = ulx + (cols + 0.5) * res, uly - (rows + 0.5) * res
    first = site / "s1" / f"{job.product_ids[0]}.SAFE"
    outline = utm_outline(first, tile.epsg)
    inside = shapely.contains_xy(outline, x, y)
    disagree = valid != inside
    assert disagree.sum() < 0.01 * valid.size
    distance = shapely.distance(outline.exterior, shapely.points(x[disagree], y[disagree]))
    assert distance.max() <= 2 * RES_M


@pytest.mark.otb
@pytest.mark.slow
def test_a_pair_is_merged_first_nonzero_into_txxxxxx(otb: None, site: Path) -> None:
    (job,) = jobs_for(site, "32NNH")
    assert len(job.product_ids) == 2
    assert job.output_path.endswith("_20200108txxxxxx.tif")
    run(site, job)
    merged = read(job.output_path)

    a, b = (
        process_single(site, site / "s1" / f"{p}.SAFE", "32NNH", site / f"single_{p}.tif")
        for p in job.product_ids
    )
    assert np.count_nonzero(a) and np.count_nonzero((a == 0) & (b != 0))
    np.testing.assert_array_equal(merged, np.where(a != 0, a, b))

    tags = read_tags(job.output_path)
    assert tags["ACQUISITION_DATETIME"] == "2020:01:08T05:05:46Z"
    assert tags["ACQUISITION_DATETIME_2"] == "2020:01:08T05:06:11Z"
    assert tags["INPUT_S1_IMAGES"] == ", ".join(sorted(job.product_ids))
    assert tags["S2_TILE_CORRESPONDING_CODE"] == "32NNH"
    assert tags["IMAGE_TYPE"] == "BACKSCATTERING"
    assert tags["SPATIAL_RESOLUTION"] == f"{float(RES_M)}"
    # Of OTB's own keys, only those S1Tiling's outputs keep (OTB_KEYS): no SAR keys.
    assert tags["METADATATYPE"] == "OTB" and "OTB_VERSION" in tags
    assert not [k for k in tags if k.startswith(("SAR", "Polarization", "PRF"))]
    structure = gdal.Open(job.output_path).GetMetadata("IMAGE_STRUCTURE")
    assert (structure["COMPRESSION"], structure["PREDICTOR"]) == ("DEFLATE", "3")


def box_sum(a: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(a.astype(np.int64), radius + 1)
    c = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k])[: a.shape[0], : a.shape[1]]


@pytest.mark.otb
@pytest.mark.slow
def test_border_mask_and_quicklook(otb: None, site: Path) -> None:
    (job,) = jobs_for(site, "32NPJ", "vh")  # partly covered: the mask has both values
    run(site, job)
    assert job.mask_path is not None
    mask, image = read(job.mask_path), read(job.output_path)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 1}
    assert not np.any((mask == 1) & (image == 0))  # never valid where there is no data
    interior = box_sum(image != 0, 5) == 121  # 11 x 11 neighbourhood all valid
    assert np.all(mask[interior] == 1)
    assert gdal.Open(job.mask_path).GetRasterBand(1).GetNoDataValue() == 0  # as S1Tiling's
    tags = read_tags(job.mask_path)
    assert tags["IMAGE_TYPE"] == "MASK" and tags["POLARIZATION"] == "vh"
    quicklook = Path(job.output_path).with_suffix(".jpg")
    assert gdal.Open(str(quicklook)).GetDriver().ShortName == "JPEG"


@pytest.mark.otb
@pytest.mark.slow
def test_second_run_skips_and_force_redoes(otb: None, site: Path) -> None:
    (job,) = jobs_for(site, "32NNH", "vh")
    first = run(site, job)
    assert not first.skipped  # type: ignore[attr-defined]
    again = run(site, job)
    assert again.skipped  # type: ignore[attr-defined]
    (replanned,) = jobs_for(site, "32NNH", "vh")
    assert replanned.status == "done"


@pytest.mark.otb
@pytest.mark.slow
def test_cache_before_ortho_gives_nearly_identical_pixels(otb: None, site: Path) -> None:
    (job,) = jobs_for(site, "32NNH")
    cached = replace(
        job,
        output_path=str(site / "cached" / Path(job.output_path).name),
        mask_path=None,
    )
    run(site, cached, cache_before_ortho=True)
    orthoready = sorted(orthoready_dir(site / "tmp").glob(f"*{ORTHOREADY_SUFFIX}"))
    assert len(orthoready) == 2
    if not Path(job.output_path).exists():
        run(site, job)
    cached_pixels, in_memory = read(cached.output_path), read(job.output_path)
    # OTB re-reads the SAR metadata from the OrthoReady file's tags with less
    # precision than the SAFE gives: a few nearest-neighbour picks move by one
    # source pixel. The no-data outline is the same.
    differ = cached_pixels != in_memory
    assert differ.mean() < 0.01
    np.testing.assert_array_equal(cached_pixels == 0, in_memory == 0)


@pytest.mark.otb
def test_margins_cut_for_old_ipf_and_blank_lines(otb: None, tmp_path: Path) -> None:
    old = make_product(SynthSpec(start=START, ipf_version="002.72", cut_top=True), tmp_path)
    measurement = read_safe(old).measurement_location("vv")
    probe = probe_borders(measurement)
    assert probe.ipf_version == (2, 72)
    assert margin_thresholds(probe, None) == MarginThresholds(x=1000, y_start=1600, y_end=0)
    assert margin_thresholds(probe, False).y_start == 0
    assert margin_thresholds(probe, True).y_end == 1600
    recent = make_product(SynthSpec(start=START, ipf_version="003.10", seed=4), tmp_path / "r")
    probe = probe_borders(read_safe(recent).measurement_location("vv"))
    assert margin_thresholds(probe, None).is_noop


@pytest.mark.otb
def test_cut_margins_are_blank_in_the_output(otb: None, site: Path, tmp_path: Path) -> None:
    old = make_product(
        SynthSpec(start=START, ipf_version="002.72", margin_px=0, cut_top=True), tmp_path
    )
    thresholds = margin_thresholds(probe_borders(read_safe(old).measurement_location("vv")), None)
    outputs = {
        name: np.count_nonzero(process_single(site, old, "32NNJ", tmp_path / f"{name}.tif", cut))
        for name, cut in (("cut", thresholds), ("uncut", replace(thresholds, x=0, y_start=0)))
    }
    # 1000 of 2525 columns blanked on each side: most of the reduced image is cut.
    assert outputs["cut"] < 0.5 * outputs["uncut"]


def test_a_missing_geoid_file_is_an_error_not_a_silent_shift(site: Path, tmp_path: Path) -> None:
    (job,) = jobs_for(site, "32NNJ")
    cfg = load_config(site / "S1Processor.cfg")
    settings = replace(settings_from_config(cfg), geoid=str(tmp_path / "missing.grd"))
    with pytest.raises(ConfigError, match="geoid_file"):
        process_job(
            replace(job, output_path=str(tmp_path / "x.tif")), settings, dem_dir=cfg.paths.dem_dir
        )


def test_process_cli_names_a_bad_job(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(site / "S1Processor.cfg"), "--job", "{not json"]) == 2
    assert "--job: not a tile job" in capsys.readouterr().err
