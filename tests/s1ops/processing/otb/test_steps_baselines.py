"""OTB steps as our chains configure them, against OTB's own baselines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import Chain, Output
from s1ops.processing.otb.runner import run_chain

gdal.UseExceptions()


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


@pytest.mark.otb
def test_reset_margin_threshold_mode_equals_baseline(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    source = str(otb_data / "Input" / "ResetMarginInput100x100.tiff")
    out = tmp_path / "reset.tif"
    step = steps.reset_margin(source, steps.MarginThresholds(x=10, y_start=12, y_end=25))
    run_chain(Chain((step,), (Output(0, str(out), "float"),)))
    expected = read(
        otb_data / "Baseline" / "OTB-Applications" / "Images" / "ResetMarginBaseline100x100.tiff"
    )
    np.testing.assert_array_equal(read(out), expected.astype(np.float32))


@pytest.mark.otb
def test_binary_opening_by_a_ball_equals_baseline(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    source = str(otb_data / "Input" / "QB_Toulouse_Ortho_PAN_Mask.tif")
    out = tmp_path / "opened.tif"
    # OTB's test sets only xradius: yradius keeps its default, 5.
    run_chain(
        Chain((steps.binary_opening(source, radius_px=10, y_radius_px=5),), (Output(0, str(out)),))
    )
    expected = read(
        otb_data / "Baseline" / "OTB" / "Images" / "apTvFEBinaryMorphologicalOperation.tif"
    )
    np.testing.assert_array_equal(read(out), expected)
