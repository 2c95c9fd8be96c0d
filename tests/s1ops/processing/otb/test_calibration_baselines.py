"""Calibration through our own code path equals OTB's baselines, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cli import main

gdal.UseExceptions()


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


@pytest.mark.otb
@pytest.mark.parametrize(
    ("remove_noise", "baseline"),
    [
        (False, "apTvRaSARCalibration_SENTINEL1_recent.tif"),
        (True, "apTvRaSARCalibration_SENTINEL1_recent_noise.tif"),
    ],
)
def test_sigma0_of_the_s1b_grd_extract_equals_otb_baseline(
    otb: None, otb_data: Path, tmp_path: Path, remove_noise: bool, baseline: str
) -> None:
    source = otb_data / "Input" / "s1b-iw-grd-vh-roi.tif"
    geom = otb_data / "Input" / "s1b-iw-grd-vh-roi.geom"
    out = tmp_path / "calibrated.tif"
    args = ["calibrate", "--in", f"{source}?&geom={geom}", "--out", str(out), "--lut", "sigma"]
    if remove_noise:
        args.append("--remove-noise")
    assert main(args) == 0
    expected = read(otb_data / "Baseline" / "OTB" / "Images" / baseline)
    actual = read(out)
    assert actual.dtype == expected.dtype == np.float32
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)
    # Published atomically: nothing but the output is left in the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calibrated.tif"]
