"""The keys OTB writes that S1Tiling's outputs keep, and no-data 0, on images and masks.

Measured with OTB 8.1: OTB writes DataType (the ITK component type of the
chain's first input: 3 for the uint16 S1 measurement), TileHintX/Y (that
input's block size), METADATATYPE=OTB and OTB_VERSION into every output, and
FACILITY_IDENTIFIER, ProductType, ProductionDate when it read an S1 product.
Reading an image that carries them, OTB writes them unchanged, so S1Tiling's
border mask has the image's values.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.outputs.geotiff import read_tags, write_tags
from s1ops.outputs.mask import write_border_mask
from s1ops.outputs.tags import OTB_KEYS
from tests.s1ops.processing.test_job import jobs_for, run, site  # noqa: F401

gdal.UseExceptions()

# What OTB writes into a chain's output besides OTB_KEYS (S1Tiling deletes these).
SAR_KEYS = {
    "SAR",
    "PRF",
    "RadarFrequency",
    "RedDisplayChannel",
    "AbsoluteCalibrationConstant",
    "AcquisitionStartTime",
    "AverageSceneHeight",
    "BeamMode",
    "Instrument",
    "Mission",
    "OrbitDirection",
    "OrbitNumber",
    "SensorID",
    "Swath",
    "NumberOfLines",
    "Polarization",
}
OTB_WRITTEN = {
    "DataType": "3",
    "FACILITY_IDENTIFIER": "ESA Sentinel-1 IPF 003.10",
    "METADATATYPE": "OTB",
    "OTB_VERSION": "8.1.1",
    "ProductType": "GRD",
    "ProductionDate": "2020-01-08T05:56:15.008838Z",
    "TileHintX": "512",
    "TileHintY": "512",
}


def _image(path: Path, metadata: dict[str, str]) -> Path:
    """A small float32 image, half of it no-data, with ``metadata`` as OTB would leave it."""
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 64, 48, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((499980, 10, 0, 200040, 0, -10))
    values = np.ones((48, 64), np.float32)
    values[:, :32] = 0
    ds.GetRasterBand(1).WriteArray(values)
    ds.GetRasterBand(1).SetMetadata({"NoData": "0"})
    ds.SetMetadata(metadata)
    ds = None
    return path


def _nodata(path: str | Path) -> float | None:
    ds = gdal.Open(str(path))  # kept: a band outliving its dataset crashes
    return ds.GetRasterBand(1).GetNoDataValue()


def test_otb_keys_stay_sar_keys_go_and_ours_win(tmp_path: Path) -> None:
    leaked = {key: "x" for key in SAR_KEYS} | {"SARCalib.CalibrationLookupFlag": "1"}
    image = _image(tmp_path / "image.tif", {**OTB_WRITTEN, **leaked})
    write_tags(image, {"IMAGE_TYPE": "BACKSCATTERING", "TileHintX": "ours"})
    tags = read_tags(image)
    assert tags == {
        **OTB_WRITTEN,
        "TileHintX": "ours",
        "IMAGE_TYPE": "BACKSCATTERING",
    }
    assert _nodata(image) == 0
    ds = gdal.Open(str(image))  # kept: a band outliving its dataset crashes
    assert ds.GetRasterBand(1).GetMetadata() == {}


def test_write_tags_can_remove_the_nodata_value(tmp_path: Path) -> None:
    image = _image(tmp_path / "image.tif", {})
    write_tags(image, {"IMAGE_TYPE": "BACKSCATTERING"})
    assert _nodata(image) == 0
    write_tags(image, {"IMAGE_TYPE": "BACKSCATTERING"}, nodata=None)
    assert _nodata(image) is None


def test_a_mask_carries_its_images_otb_keys_and_nodata_0(tmp_path: Path) -> None:
    image = _image(tmp_path / "image.tif", {**OTB_WRITTEN, "PRF": "67.3"})
    mask = write_border_mask(image, tmp_path / "mask.tif", {"IMAGE_TYPE": "MASK"})
    assert read_tags(mask) == {**OTB_WRITTEN, "IMAGE_TYPE": "MASK"}
    assert _nodata(mask) == 0


def test_a_mask_of_an_image_without_otb_keys_has_just_its_tags(tmp_path: Path) -> None:
    image = _image(tmp_path / "image.tif", {})
    mask = write_border_mask(image, tmp_path / "mask.tif", {"IMAGE_TYPE": "MASK"})
    assert read_tags(mask) == {"IMAGE_TYPE": "MASK"}


@pytest.mark.otb
@pytest.mark.slow
def test_a_chain_output_and_its_mask_keep_otbs_keys(otb: None, site: Path) -> None:  # noqa: F811
    (job,) = jobs_for(site, "32NPJ", "vh")
    run(site, job)
    assert job.mask_path is not None
    image, mask = read_tags(job.output_path), read_tags(job.mask_path)

    otb_keys = {k: image[k] for k in OTB_KEYS}
    measurement = next((site / "s1").glob(f"*{job.product_ids[0]}*/measurement/*-vh-*.tiff"))
    block = gdal.Open(str(measurement)).GetRasterBand(1).GetBlockSize()
    assert otb_keys == {
        # ITK's code for the S1 measurement's uint16, and the measurement's blocks.
        "DataType": "3",
        "TileHintX": str(block[0]),
        "TileHintY": str(block[1]),
        "FACILITY_IDENTIFIER": "ESA Sentinel-1 IPF 003.10",  # the product's IPF
        "METADATATYPE": "OTB",
        "OTB_VERSION": otb_keys["OTB_VERSION"],
        "ProductType": "GRD",
        "ProductionDate": otb_keys["ProductionDate"],
    }
    assert re.fullmatch(r"([89]|\d\d)\.\d+\.\d+", otb_keys["OTB_VERSION"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", otb_keys["ProductionDate"])
    assert {k: mask[k] for k in OTB_KEYS} == otb_keys

    for tags in (image, mask):
        assert not [k for k in tags if k in SAR_KEYS or k.startswith("SARCalib")]
        # Ours (upper case) and OTB's kept keys only.
        assert {k for k in tags if not k.isupper() or k == "OTB_VERSION"} <= set(OTB_KEYS)
    assert _nodata(job.output_path) == 0
    assert _nodata(job.mask_path) == 0
