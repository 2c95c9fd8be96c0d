"""Border masks with numpy equal OTB's BandMath + BinaryMorphologicalOperation, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.outputs.empty import read_valid_map
from s1ops.outputs.mask import (
    ball_half_widths,
    binary_opening,
    border_mask,
    border_mask_by_blocks,
    write_border_mask,
)
from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import MASK_CREATION_OPTIONS, Chain, Output
from s1ops.processing.otb.runner import run_chain

gdal.UseExceptions()


def test_ball_of_radius_5_follows_itks_ellipsoid_rule() -> None:
    widths = ball_half_widths(5, 5)
    assert [widths[dy] for dy in range(0, 6)] == [5, 5, 5, 4, 3, 2]
    assert widths[-3] == widths[3]


def blobs(seed: int, shape: tuple[int, int] = (300, 260)) -> np.ndarray:
    """Data with a ragged diagonal edge, holes and specks, touching the image borders."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices(shape)
    valid = cols + rows * 0.7 + rng.normal(0, 6, shape).cumsum(axis=1) * 0.05 > 150
    valid &= rng.random(shape) > 0.002  # isolated holes
    valid |= rng.random(shape) > 0.998  # isolated specks
    return valid


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_computation_equals_whole_image(seed: int) -> None:
    valid = blobs(seed)
    np.testing.assert_array_equal(border_mask_by_blocks(valid, block_px=37), border_mask(valid))


def test_opening_equals_otb_baseline(otb_data: Path) -> None:
    image = gdal.Open(str(otb_data / "Input" / "QB_Toulouse_Ortho_PAN_Mask.tif")).ReadAsArray()
    baseline = otb_data / "Baseline" / "OTB" / "Images" / "apTvFEBinaryMorphologicalOperation.tif"
    expected = gdal.Open(str(baseline)).ReadAsArray()
    # OTB's test: ball, xradius 10, yradius left at its default 5.
    np.testing.assert_array_equal(binary_opening(image == 1, 10, 5).astype(np.float32), expected)


@pytest.mark.otb
@pytest.mark.parametrize("seed", [3, 4])
def test_written_mask_equals_s1tilings_otb_chain(otb: None, tmp_path: Path, seed: int) -> None:
    valid = blobs(seed, (700, 650))
    values = np.where(valid, np.random.default_rng(seed).random(valid.shape) + 0.01, 0)
    image = tmp_path / "image.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(image), 650, 700, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((499980, 10, 0, 200040, 0, -10))
    ds.GetRasterBand(1).WriteArray(values.astype(np.float32))
    ds = None

    reference = tmp_path / "otb_mask.tif"
    binarize, smooth = steps.border_mask(str(image), first_index=0)
    output = Output(1, str(reference), "uint8", MASK_CREATION_OPTIONS)
    run_chain(Chain((binarize, smooth), (output,)))

    ours = write_border_mask(image, tmp_path / "mask.tif", {"IMAGE_TYPE": "MASK"})
    mask = gdal.Open(str(ours))
    np.testing.assert_array_equal(mask.ReadAsArray(), gdal.Open(str(reference)).ReadAsArray())
    assert mask.GetGeoTransform() == (499980, 10, 0, 200040, 0, -10)
    assert mask.GetMetadataItem("IMAGE_TYPE") == "MASK"
    assert mask.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"

    # A job hands over the valid map its empty check read: the same file comes out.
    valid_map = read_valid_map(image)
    np.testing.assert_array_equal(valid_map, values != 0)
    again = write_border_mask(
        image, tmp_path / "mask_from_map.tif", {"IMAGE_TYPE": "MASK"}, valid=valid_map
    )
    from_map = gdal.Open(str(again))
    np.testing.assert_array_equal(from_map.ReadAsArray(), mask.ReadAsArray())
    assert from_map.GetMetadata() == mask.GetMetadata()
    assert from_map.GetGeoTransform() == mask.GetGeoTransform()
    assert from_map.GetRasterBand(1).GetNoDataValue() == mask.GetRasterBand(1).GetNoDataValue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "image.tif",
        "mask.tif",
        "mask_from_map.tif",
        "otb_mask.tif",
    ]
