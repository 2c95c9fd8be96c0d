"""The demo site: its products, failure file, request file and expected outputs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.processing.margins import margin_thresholds, probe_borders
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.demo_site import (
    DEMO_EMPTY,
    DEMO_TILES,
    DemoCatalogue,
    expected_outputs,
    make_demo_catalogue,
    write_demo_request,
)
from s1ops.testing.stac_failures import load_failures

OLD_PASS = date(2020, 1, 3)
NEW_PASS = date(2020, 1, 9)


@pytest.fixture(scope="module")
def site(otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoCatalogue]:
    root = tmp_path_factory.mktemp("demo")
    return root, make_demo_catalogue(root)


@pytest.fixture(scope="module")
def request_file(site: tuple[Path, DemoCatalogue], otb_data: Path) -> Path:
    root, catalogue = site
    return write_demo_request(
        root / "S1Processor.cfg",
        work_dir=root,
        dem_dir=catalogue.dem_dir,
        geoid_file=otb_data / "Input" / "DEM" / "egm96.grd",
        eodag_config=root / "eodag.yml",
    )


def test_two_passes_of_two_slices_one_offline(site: tuple[Path, DemoCatalogue]) -> None:
    _, catalogue = site
    safes = [read_safe(catalogue.products_dir / f"{i}.zip") for i in catalogue.product_ids]
    days = sorted((s.product_id.day, s.product_id.unit) for s in safes)
    assert days == [(OLD_PASS, "S1A"), (OLD_PASS, "S1A"), (NEW_PASS, "S1B"), (NEW_PASS, "S1B")]
    assert {s.relative_orbit for s in safes} == {51}
    # Both slices of a pass belong to one datatake: a same-day pair.
    assert len({(s.product_id.day, s.product_id.datatake) for s in safes}) == 2

    (offline,) = catalogue.offline_ids
    assert offline.startswith("S1B_")
    modes = load_failures(catalogue.failures_file)
    assert set(modes) == {offline}
    assert modes[offline].order_required and modes[offline].offline_polls > 0


def test_the_old_ipf_product_gets_its_margins_cut(site: tuple[Path, DemoCatalogue]) -> None:
    _, catalogue = site
    cuts = {}
    for product_id in catalogue.product_ids:
        safe = read_safe(catalogue.products_dir / f"{product_id}.zip")
        cuts[product_id] = margin_thresholds(probe_borders(safe.measurement_location("vv")), None)
    cut = [pid for pid, thresholds in cuts.items() if thresholds.y_start > 0]
    assert len(cut) == 1 and cut[0].startswith("S1A_IW_GRDH_1SDV_20200103T0505")


def _kept_footprint(measurement: str) -> Polygon:
    """Where the pixels S1Tiling's border cut leaves lie (lon/lat, through the GCPs)."""
    from osgeo import gdal

    gdal.UseExceptions()
    image = gdal.Open(measurement)
    cut = margin_thresholds(probe_borders(measurement), None)
    left, right = cut.x, image.RasterXSize - cut.x
    top, bottom = cut.y_start, image.RasterYSize - cut.y_end
    assert left < right and top < bottom, f"the cut {cut} leaves nothing"
    # Twenty points an edge: the GCP grid is not a plane.
    steps = [i / 20 for i in range(20)]
    ring = [(left + (right - left) * t, top) for t in steps]
    ring += [(right, top + (bottom - top) * t) for t in steps]
    ring += [(right - (right - left) * t, bottom) for t in steps]
    ring += [(left, bottom - (bottom - top) * t) for t in steps]
    transformer = gdal.Transformer(image, None, ["METHOD=GCP_POLYNOMIAL"])
    return Polygon([transformer.TransformPoint(0, x, y)[1][:2] for x, y in ring])


def test_the_old_ipf_product_keeps_data_where_the_demo_shows_it(
    site: tuple[Path, DemoCatalogue],
) -> None:
    _, catalogue = site
    (old,) = [p for p in catalogue.product_ids if p.startswith("S1A_IW_GRDH_1SDV_20200103T0505")]
    safe = read_safe(catalogue.products_dir / f"{old}.zip")
    kept = _kept_footprint(safe.measurement_location("vv"))
    share = {}
    for tile_id in DEMO_TILES:
        tile = parse_tile_id(tile_id).footprint_lonlat()
        share[tile_id] = kept.intersection(tile).area / tile.area
        assert safe.footprint.intersects(tile), tile_id  # planned on every tile
    assert share["32NNJ"] > 0.1 and share["32NNH"] > 0.3  # the IPF < 2.90 path, with data
    assert share["32NPJ"] == 0  # the empty job the demo shows on purpose
    assert set(DEMO_EMPTY) == {("32NPJ", OLD_PASS)}


def test_a_second_call_keeps_the_products(site: tuple[Path, DemoCatalogue]) -> None:
    root, catalogue = site
    zips = sorted(catalogue.products_dir.glob("*.zip"))
    before = {p.name: p.stat().st_mtime_ns for p in zips}
    again = make_demo_catalogue(root)
    assert again == catalogue
    assert {p.name: p.stat().st_mtime_ns for p in zips} == before


def test_the_request_file_reads_as_the_demo_needs(request_file: Path, site) -> None:
    root, _ = site
    cfg = load_config(request_file)
    assert cfg.processing.tiles == DEMO_TILES
    assert cfg.data_source.download and cfg.data_source.eodag_config == root / "eodag.yml"
    assert cfg.mask.generate_border_mask and cfg.quicklook.generate_quicklook
    assert cfg.processing.resolution_m == 40
    assert cfg.airflow.poke_interval_s == 10
    assert cfg.paths.output == root / "out"


def test_expected_outputs_cover_three_tiles_two_days_two_polarisations(
    request_file: Path, site: tuple[Path, DemoCatalogue]
) -> None:
    root, catalogue = site
    expected = expected_outputs(request_file, catalogue.products_dir)
    keys = {(e.tile_id, e.day, e.polarisation) for e in expected}
    assert keys == {
        (tile, day, pol)
        for tile in DEMO_TILES
        for day in (OLD_PASS, NEW_PASS)
        for pol in ("vv", "vh")
    }
    assert len(expected) == len(keys)
    pairs = {e.tile_id for e in expected if len(e.product_ids) == 2}
    assert pairs == {"32NNH"}
    merged = next(
        e for e in expected if (e.tile_id, e.day, e.polarisation) == ("32NNH", OLD_PASS, "vv")
    )
    assert merged.output == root / "out" / "32NNH" / "s1a_32NNH_vv_DES_051_20200103txxxxxx.tif"
    assert merged.mask == merged.output.with_name(f"{merged.output.stem}_BorderMask.tif")
    assert merged.quicklook == merged.output.with_suffix(".jpg")
    assert json.loads(catalogue.failures_file.read_text())  # the server's file is JSON
    empty = {(e.tile_id, e.day, e.polarisation): e.empty for e in expected if e.empty}
    assert empty == {("32NPJ", OLD_PASS, pol): "border cut" for pol in ("vv", "vh")}
