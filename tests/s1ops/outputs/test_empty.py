"""The empty decision, its reason and its record (``s1ops.outputs.empty``), without OTB."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.outputs.empty import (
    EmptyRecord,
    ProductCut,
    ValidCount,
    count_array,
    count_valid,
    empty_reason,
    empty_record_name,
    empty_record_path,
    is_empty,
    new_record,
    read_empty_record,
    remove_empty_record,
    write_empty_record,
)
from s1ops.scratch import is_partial_name

gdal.UseExceptions()
IMAGE = "s1a_32NNJ_vv_DES_051_20200103t050546.tif"
PRODUCT = "S1A_IW_GRDH_1SDV_20200103T050546_20200103T050615_030573_03C484_8587"


def _first_nonzero(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    # Synthetize's rule, as the chain's merge step applies it (s1ops.processing.otb.steps).
    return np.where(first != 0, first, second)


def test_an_image_without_any_valid_pixel_is_empty() -> None:
    count = count_array(np.zeros((50, 40), dtype=np.float32))
    assert count == ValidCount(0, 2000)
    assert is_empty(count)
    assert is_empty(count, 0.5)


def test_one_valid_pixel_makes_a_product_by_default() -> None:
    pixels = np.zeros((50, 40), dtype=np.float32)
    pixels[49, 39] = 1e-7  # the low-signal value after noise removal is data, not no-data
    count = count_array(pixels)
    assert count == ValidCount(1, 2000)
    assert not is_empty(count)


def test_the_minimum_fraction_is_included_in_empty() -> None:
    pixels = np.zeros(1000, dtype=np.float32)
    pixels[:10] = 0.3  # 1 % valid
    count = count_array(pixels)
    assert count.fraction == pytest.approx(0.01)
    assert is_empty(count, 0.01)  # at the minimum: empty
    assert is_empty(count, 0.02)
    assert not is_empty(count, 0.009)  # just above: a product
    assert not is_empty(ValidCount(11, 1000), 0.01)


def test_nan_counts_as_valid_as_the_border_mask_counts_it() -> None:
    # The mask's BandMath im1b1==0?0:1 keeps NaN as data: one rule for both.
    assert count_array(np.array([0.0, np.nan], dtype=np.float32)) == ValidCount(1, 2)


def test_a_merge_with_an_empty_partner_gets_the_partners_pixels() -> None:
    rng = np.random.default_rng(3)
    partner = rng.gamma(1.0, 0.05, size=(60, 60)).astype(np.float32)
    partner[:, :20] = 0  # its own no-data border
    empty = np.zeros_like(partner)
    for merged in (_first_nonzero(empty, partner), _first_nonzero(partner, empty)):
        np.testing.assert_array_equal(merged, partner)
        assert count_array(merged) == count_array(partner)
        assert not is_empty(count_array(merged))
    assert is_empty(count_array(_first_nonzero(empty, empty)))


def _write(path: Path, pixels: np.ndarray, block: int = 16) -> Path:
    options = ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES", f"BLOCKXSIZE={block}"]
    options.append(f"BLOCKYSIZE={block}")
    height, width = pixels.shape
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), width, height, 1, gdal.GDT_Float32, options=options
    )
    ds.GetRasterBand(1).WriteArray(pixels)
    ds = None
    return path


def test_count_valid_reads_a_tiled_geotiff_row_of_blocks_by_row_of_blocks(tmp_path: Path) -> None:
    pixels = np.zeros((37, 53), dtype=np.float32)  # partial blocks at both edges
    pixels[36, 52] = 2.0
    pixels[0, 0] = 1.0
    assert count_valid(_write(tmp_path / "a.tif", pixels)) == ValidCount(2, 37 * 53)
    empty = _write(tmp_path / "b.tif", np.zeros((37, 53), dtype=np.float32))
    assert count_valid(empty) == ValidCount(0, 37 * 53)


def test_the_reason_names_the_tile_the_cuts_and_the_coverage() -> None:
    cut = ProductCut(PRODUCT, (2, 72), 1000, 1600, 0)
    reason = empty_reason(
        "32NNJ", ValidCount(0, 100), min_valid_fraction=0.0, cuts=[cut], coverage_pct=18.42
    )
    assert reason == (
        "no valid pixel over 32NNJ: IPF 002.72 border cut blanks 1 000 columns on each side "
        "and 1 600 lines at the top; the product covers 18.4% of the tile"
    )


def test_the_reason_of_a_pair_below_the_minimum_names_each_product() -> None:
    cuts = [
        ProductCut("A", (3, 10), 0, 0, 0),
        ProductCut("B", None, 0, 0, 1600),
    ]
    reason = empty_reason(
        "32NNH", ValidCount(3, 1000), min_valid_fraction=0.01, cuts=cuts, coverage_pct=40.0
    )
    assert reason.startswith("0.3% valid pixels over 32NNH, at or below ")
    assert "[Airflow] min_valid_fraction=0.01" in reason
    assert "A: IPF 003.10 no border cut; B: border cut blanks 1 600 lines at the bottom" in reason
    assert reason.endswith("the products cover 40.0% of the tile")


def _record(**changes: object) -> EmptyRecord:
    record = new_record(
        "s1a_32NNJ_vv_DES_051_20200103t050546",
        "no valid pixel over 32NNJ: ...",
        ValidCount(0, 1210),
        min_valid_fraction=0.0,
        product_ids=[PRODUCT],
    )
    return EmptyRecord(**{**record.to_dict(), "product_ids": (PRODUCT,), **changes})


def test_the_record_is_hidden_never_a_product_name_and_round_trips(tmp_path: Path) -> None:
    image = tmp_path / "32NNJ" / IMAGE
    assert empty_record_name(IMAGE) == f".{IMAGE[:-4]}.empty.json"
    assert empty_record_path(image).name.startswith(".")
    assert not empty_record_path(image).name.endswith(".tif")
    assert not is_partial_name(empty_record_path(image).name)  # maintenance leaves it
    assert read_empty_record(image) is None

    record = _record()
    path = write_empty_record(image, record)
    assert path == empty_record_path(image)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no partial left
    assert read_empty_record(image) == record
    assert json.loads(path.read_text())["reason"] == record.reason

    assert remove_empty_record(image)
    assert not path.exists()
    assert not remove_empty_record(image)


def test_a_damaged_record_is_no_record(tmp_path: Path) -> None:
    image = tmp_path / IMAGE
    empty_record_path(image).write_text('{"job_id": "x"')
    assert read_empty_record(image) is None
    empty_record_path(image).write_text('{"job_id": "x"}')
    assert read_empty_record(image) is None


def test_a_record_holds_for_the_same_products_under_the_same_minimum() -> None:
    record = _record(valid_px=5, total_px=1000, valid_fraction=0.005, min_valid_fraction=0.01)
    assert record.still_empty([PRODUCT], 0.01)
    assert not record.still_empty([PRODUCT], 0.0)  # a lowered minimum: worth doing again
    assert not record.still_empty([PRODUCT, "S1A_other"], 0.01)  # another group of products
    assert _record().still_empty([PRODUCT], 0.0)
