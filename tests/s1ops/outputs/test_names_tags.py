"""Tests of S1Tiling output names and output tags."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from s1ops.errors import ProductNameError
from s1ops.outputs.names import OutputName, output_name_for
from s1ops.outputs.tags import TagInputs, image_description, mask_tags, output_tags
from s1ops.sentinel1.ids import ProductId

P1 = ProductId.parse("S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5")
P2 = ProductId.parse("S1A_IW_GRDH_1SDV_20200108T044215_20200108T044240_030704_038506_D953")

INPUTS = TagInputs(
    tile_id="33NWB",
    polarisation="vv",
    orbit_direction="DES",
    relative_orbit=7,
    calibration="sigma",
    noise_removed=False,
    interpolator="nn",
    resolution_m=10,
    dem_info="SRTM_30_hgt",
    software_version="0.1.0",
)
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "name",
    [
        "s1a_33NWB_vv_DES_007_20200108t044150.tif",
        "s1a_33NWB_vh_DES_007_20200108txxxxxx.tif",
        "s1b_31TCJ_hh_ASC_175_20210301t101010_BorderMask.tif",
        "s1a_33NWB_vv_DES_007_20200108txxxxxx_BorderMask.tif",
    ],
)
def test_output_name_round_trip(name):
    parsed = OutputName.parse(name)
    assert parsed.format() == name
    assert OutputName.parse("/out/33NWB/" + name) == parsed


def test_output_name_fields():
    name = OutputName.parse("s1a_33NWB_vv_DES_007_20200108t044150.tif")
    assert name == OutputName("s1a", "33NWB", "vv", "DES", 7, date(2020, 1, 8), time(4, 41, 50))
    assert not name.merged and not name.mask
    assert name.as_merged().format() == "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    assert name.as_mask().format() == "s1a_33NWB_vv_DES_007_20200108t044150_BorderMask.tif"
    assert name.as_mask().as_image() == name
    assert name.path("/data/out") == Path(
        "/data/out/33NWB/s1a_33NWB_vv_DES_007_20200108t044150.tif"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "s1a_33NWB_vv_DSC_007_20200108t044150.tif",
        "s1a_33NWB_vv_DES_7_20200108t044150.tif",
        "s1a_33NWB_vv_DES_007_20200108t044150.tiff",
        "s1a_33NWB_vv_DES_007_20201308t044150.tif",
        "s1a_33NWB_vv_DES_007_20200108t256150.tif",
        "s1a_33NWB_vv_DES_007_20200108t044150_BorderMask_TMP.tif",
        "s1a_33NWB_vv_DES_000_20200108t044150.tif",
    ],
)
def test_output_name_rejects(bad):
    with pytest.raises(ProductNameError):
        OutputName.parse(bad)


def test_output_name_for_single_and_pair():
    kw = {"tile_id": "33NWB", "polarisation": "VV", "orbit_direction": "DES", "relative_orbit": 7}
    assert output_name_for([P1], **kw).format() == "s1a_33NWB_vv_DES_007_20200108t044150.tif"
    assert output_name_for([P2, P1], **kw).format() == "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    variants = output_name_for([P1, P2], **kw).variants([P1.start.time(), P2.start.time()])
    stem = "s1a_33NWB_vv_DES_007_20200108"
    assert [v.format() for v in variants] == [
        f"{stem}txxxxxx.tif",
        f"{stem}t044150.tif",
        f"{stem}t044215.tif",
    ]
    assert output_name_for([P1], **kw).as_mask().variants([]) == variants[:1]


def test_tags_of_the_real_33NWB_pair():
    # The values S1Tiling's own baseline of this pair holds.
    tags = output_tags([P2, P1], INPUTS, image_type="BACKSCATTERING", now=NOW)
    assert tags == {
        "ACQUISITION_DATETIME": "2020:01:08T04:41:50Z",
        "ACQUISITION_DATETIME_1": "2020:01:08T04:41:50Z",
        "ACQUISITION_DATETIME_2": "2020:01:08T04:42:15Z",
        "CALIBRATION": "sigma",
        "DEM_INFO": "SRTM_30_hgt",
        "FLYING_UNIT_CODE": "s1a",
        "IMAGE_TYPE": "BACKSCATTERING",
        "INPUT_S1_IMAGES": f"{P1}, {P2}",
        "NOISE_REMOVED": "False",
        "ORBIT_NUMBER": "030704",
        "RELATIVE_ORBIT_NUMBER": "007",
        "ORBIT_DIRECTION": "DES",
        "ORTHORECTIFICATION_INTERPOLATOR": "nn",
        "ORTHORECTIFIED": "true",
        "POLARIZATION": "vv",
        "S2_TILE_CORRESPONDING_CODE": "33NWB",
        "SPATIAL_RESOLUTION": "10.0",
        "TIFFTAG_DATETIME": "2024:05:06 07:08:09",
        "TIFFTAG_SOFTWARE": "S1Ops v0.1.0",
        "TIFFTAG_IMAGEDESCRIPTION": "sigma calibrated orthorectified Sentinel-1A IW GRD",
    }


def test_tags_of_a_mask_and_a_single_product():
    mask = output_tags([P1], INPUTS, image_type="MASK", now=NOW)
    assert mask["IMAGE_TYPE"] == "MASK"
    assert mask["TIFFTAG_IMAGEDESCRIPTION"] == (
        "Orthorectified Sentinel-1A IW GRD smoothed border mask S2 tile"
    )
    assert mask["INPUT_S1_IMAGES"] == str(P1)
    assert mask["ACQUISITION_DATETIME_1"] == mask["ACQUISITION_DATETIME"] == "2020:01:08T04:41:50Z"
    assert "ACQUISITION_DATETIME_2" not in mask


def test_tags_noise_removed_extra_metadata_and_errors():
    from dataclasses import replace

    inputs = replace(INPUTS, noise_removed=True, lower_signal_value=1e-7, calibration="gamma")
    extra = {"PROJECT": "demo", "CALIBRATION": "ignored"}
    tags = output_tags([P1], inputs, image_type="BACKSCATTERING", now=NOW, extra=extra)
    assert tags["NOISE_REMOVED"] == "True"
    assert tags["LOWER_SIGNAL_VALUE"] == "1e-07"
    assert tags["PROJECT"] == "demo"
    assert tags["CALIBRATION"] == "gamma"
    assert image_description("s1b", "beta", "BACKSCATTERING").endswith("Sentinel-1B IW GRD")
    with pytest.raises(ValueError, match="image_type='GRD'"):
        output_tags([P1], INPUTS, image_type="GRD", now=NOW)
    with pytest.raises(ValueError):
        output_tags([], INPUTS, image_type="MASK", now=NOW)


@pytest.mark.parametrize("products", [[P1], [P2, P1]])
def test_mask_tags_derived_from_the_image_equal_the_masks_own(products):
    image = output_tags(products, INPUTS, image_type="BACKSCATTERING", now=NOW)
    assert mask_tags(image) == output_tags(products, INPUTS, image_type="MASK", now=NOW)
