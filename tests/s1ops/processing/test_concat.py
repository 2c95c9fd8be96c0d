"""`s1ops concatenate` on S1Tiling's two 33NWB extracts from OTB's test data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cli import main
from s1ops.outputs.geotiff import read_tags
from s1ops.outputs.tags import mask_tags
from s1ops.processing.concat import merged_tags

gdal.UseExceptions()
FIRST = "s1a_33NWB_vv_DES_007_20200108t044150_100x100.tif"
SECOND = "s1a_33NWB_vv_DES_007_20200108t044215_100x100.tif"
BASELINE = "s1a_33NWB_vv_DES_007_20200108txxxxxx_100x100.tif"


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def test_merged_tags_number_each_acquisition_and_list_products_once() -> None:
    a = {"ACQUISITION_DATETIME": "2020:01:08T04:41:50Z", "INPUT_S1_IMAGES": "B, A", "X": "1"}
    b = {"ACQUISITION_DATETIME": "2020:01:08T04:42:15Z", "INPUT_S1_IMAGES": "C", "X": "2"}
    tags = merged_tags([b, a], datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert tags["ACQUISITION_DATETIME"] == "2020:01:08T04:41:50Z"
    assert tags["ACQUISITION_DATETIME_1"] == "2020:01:08T04:41:50Z"
    assert tags["ACQUISITION_DATETIME_2"] == "2020:01:08T04:42:15Z"
    assert tags["INPUT_S1_IMAGES"] == "A, B, C"
    assert tags["X"] == "2"  # the first input's common tags
    assert tags["TIFFTAG_DATETIME"] == "2026:01:02 03:04:05"


@pytest.mark.otb
def test_concatenate_the_33nwb_pair_equals_s1tiling_baseline(
    otb: None, otb_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = otb_data / "Input" / FIRST, otb_data / "Input" / SECOND
    out = tmp_path / "33NWB" / BASELINE.replace("_100x100", "")
    assert main(["concatenate", "--output", str(out), str(first), str(second)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["written"] == [str(out)]

    merged, a, b = read(out), read(first), read(second)
    # First non-zero pixel: the first image wherever it has data, else the second.
    np.testing.assert_array_equal(merged, np.where(a != 0, a, b))
    assert np.count_nonzero(a) and np.count_nonzero((a == 0) & (b != 0))
    baseline = otb_data / "Baseline" / "OTB-Applications" / "Images" / BASELINE
    np.testing.assert_array_equal(merged, read(baseline))

    ds = gdal.Open(str(out))
    assert ds.GetGeoTransform() == gdal.Open(str(first)).GetGeoTransform()
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Float32
    structure = ds.GetMetadata("IMAGE_STRUCTURE")
    assert structure["COMPRESSION"] == "DEFLATE"
    assert structure.get("PREDICTOR") == "3"
    tags = read_tags(out)
    assert tags["ACQUISITION_DATETIME_1"] == "2020:01:08 04:41:50"
    assert tags["ACQUISITION_DATETIME_2"] == "2020:01:08 04:42:15"
    assert tags["S2_TILE_CORRESPONDING_CODE"] == "33NWB"
    assert tags["POLARIZATION"] == "vv"
    # Of OTB's own metadata keys, only those S1Tiling's outputs keep (OTB_KEYS).
    assert tags["METADATATYPE"] == "OTB"
    assert not [k for k in tags if k.startswith(("SAR", "Polarization", "PRF"))]


@pytest.mark.otb
def test_concatenate_with_mask_writes_a_uint8_border_mask(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    first, second = otb_data / "Input" / FIRST, otb_data / "Input" / SECOND
    out, mask = tmp_path / "merged.tif", tmp_path / "merged_BorderMask.tif"
    args = ["concatenate", "--output", str(out), "--mask", str(mask), str(first), str(second)]
    assert main(args) == 0
    m = read(mask)
    assert m.dtype == np.uint8
    assert set(np.unique(m)) <= {0, 1}
    # The same tags `s1ops process` gives a mask: the image's, typed and described as a mask.
    assert read_tags(mask) == {**mask_tags(read_tags(out)), "TIFFTAG_DATETIME": ANY}
    assert read_tags(mask)["IMAGE_TYPE"] == "MASK"
    # Opening only removes: the mask never marks a no-data pixel as valid.
    assert not np.any((m == 1) & (read(out) == 0))
