"""Each OTB step's parameters, as DESIGN.md's calibration chain states them (pure: no OTB).

The baselines (test_steps_baselines.py) show what OTB makes of these steps;
these tests pin the parameter values themselves, and the refusals.
"""

from __future__ import annotations

import pytest

from s1ops.grid import parse_tile_id
from s1ops.processing.chains import ortho_grid
from s1ops.processing.otb import steps
from s1ops.processing.otb.steps import MarginThresholds
from s1ops.vocabulary import CALIBRATIONS

MEASUREMENT = "/s1/P.SAFE/measurement/s1a-iw-grd-vv-x-001.tiff"


@pytest.mark.parametrize("lut", ["sigma", "beta", "gamma", "dn"])
@pytest.mark.parametrize("remove_noise", [False, True])
def test_calibration_takes_the_lut_and_the_noise_flag(lut: str, remove_noise: bool) -> None:
    step = steps.calibration(MEASUREMENT, lut=lut, remove_noise=remove_noise)
    assert step.app == "SARCalibration"
    assert step.params == {"lut": lut, "removenoise": remove_noise}
    assert step.inputs == {"in": (MEASUREMENT,)}


def test_the_calibrations_are_sarcalibrations_luts() -> None:
    # DESIGN.md: "SARCalibration (lut sigma|beta|gamma|dn, ...)".
    assert set(CALIBRATIONS) == {"sigma", "beta", "gamma", "dn"}


@pytest.mark.parametrize("lut", ["sigma0", "Sigma", "normlim", ""])
def test_calibration_refuses_other_luts_naming_the_allowed_ones(lut: str) -> None:
    with pytest.raises(ValueError, match=rf"calibration {lut!r}: must be one of sigma, beta"):
        steps.calibration(MEASUREMENT, lut=lut, remove_noise=False)


@pytest.mark.parametrize(("value", "spelled"), [(1e-7, "1e-07"), (0.5, "0.5")])
def test_low_signal_fix_keeps_zero_for_no_data_only(value: float, spelled: str) -> None:
    # DESIGN.md: raw==0 ? 0 : (cal==0 ? lower_signal_value : cal), the raw
    # image first, the calibrated step's output second.
    step = steps.low_signal_fix(MEASUREMENT, 3, lower_signal_value=value)
    assert step.app == "BandMath"
    assert step.inputs == {"il": (MEASUREMENT, 3)}
    assert step.params == {"exp": f"im1b1==0 ? 0 : (im2b1==0 ? {spelled} : im2b1)"}


def test_reset_margin_in_threshold_mode() -> None:
    step = steps.reset_margin(1, MarginThresholds(x=1000, y_start=1600, y_end=0))
    assert step.app == "ResetMargin"
    assert step.inputs == {"in": (1,)}
    assert step.params == {
        "mode": "threshold",
        "threshold.x": 1000,
        "threshold.y.start": 1600,
        "threshold.y.end": 0,
    }


def test_only_all_zero_thresholds_are_a_no_op() -> None:
    assert MarginThresholds().is_noop
    for cut in (MarginThresholds(x=1), MarginThresholds(y_start=1), MarginThresholds(y_end=1)):
        assert not cut.is_noop


@pytest.mark.parametrize(
    ("tile_id", "resolution_m", "zone", "north", "ul", "size_px"),
    [
        # DESIGN.md's upper-left corners; 109 800 m / resolution pixels.
        ("33NWB", 10.0, 33, True, (499980.0, 200040.0), 10980),
        ("33NWB", 20.0, 33, True, (499980.0, 200040.0), 5490),
        ("31TCJ", 60.0, 31, True, (300000.0, 4900020.0), 1830),
        # From ESA's grid sample: EPSG 32701, the southern hemisphere.
        ("01CEH", 100.0, 1, False, (499980.0, 800020.0), 1098),
    ],
)
def test_orthorectification_onto_the_exact_tile_grid(
    tile_id: str,
    resolution_m: float,
    zone: int,
    north: bool,
    ul: tuple[float, float],
    size_px: int,
) -> None:
    grid = ortho_grid(parse_tile_id(tile_id), resolution_m)
    step = steps.orthorectification(
        2,
        grid,
        gridspacing_m=4 * resolution_m,
        interpolator="nn",
        dem_dir="/tmp/dem-cells",
        geoid="/data/egm96.grd",
    )
    assert step.app == "OrthoRectification"
    assert step.inputs == {"io.in": (2,)}
    assert step.params == {
        "map": "utm",
        "map.utm.zone": zone,
        "map.utm.northhem": north,
        "outputs.mode": "auto",
        "outputs.ulx": ul[0],
        "outputs.uly": ul[1],
        "outputs.sizex": size_px,
        "outputs.sizey": size_px,
        "outputs.spacingx": resolution_m,
        "outputs.spacingy": -resolution_m,
        "opt.gridspacing": 4 * resolution_m,
        "interpolator": "nn",
        "elev.dem": "/tmp/dem-cells",
        "elev.geoid": "/data/egm96.grd",
    }


def test_orthorectification_without_dem_or_geoid_sets_neither() -> None:
    grid = ortho_grid(parse_tile_id("33NWB"), 10.0)
    step = steps.orthorectification(
        0, grid, gridspacing_m=40.0, interpolator="linear", dem_dir=None, geoid=None
    )
    assert step.params["interpolator"] == "linear"
    assert not {"elev.dem", "elev.geoid"} & set(step.params)


@pytest.mark.parametrize("interpolator", ["cubic", "NN", ""])
def test_orthorectification_refuses_unknown_interpolators(interpolator: str) -> None:
    grid = ortho_grid(parse_tile_id("33NWB"), 10.0)
    with pytest.raises(ValueError, match=rf"interpolator {interpolator!r}: must be one of"):
        steps.orthorectification(
            0, grid, gridspacing_m=40.0, interpolator=interpolator, dem_dir=None, geoid=None
        )


@pytest.mark.parametrize(
    ("sources", "expression"),
    [
        ((4,), "im1b1"),
        ((1, 3), "(im1b1!=0 ? im1b1 : im2b1)"),
        ((1, 3, 5), "(im1b1!=0 ? im1b1 : (im2b1!=0 ? im2b1 : im3b1))"),
    ],
)
def test_merge_takes_the_first_non_zero_pixel_in_input_order(
    sources: tuple[int, ...], expression: str
) -> None:
    step = steps.first_nonzero(sources)
    assert (step.app, step.inputs, step.params) == (
        "BandMath",
        {"il": sources},
        {"exp": expression},
    )


def test_merge_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one image"):
        steps.first_nonzero(())


def test_border_mask_binarises_then_opens_by_a_ball_of_radius_5() -> None:
    binarise, opening = steps.border_mask(6, first_index=7)
    assert (binarise.app, binarise.inputs) == ("BandMath", {"il": (6,)})
    assert binarise.params == {"exp": "im1b1==0?0:1"}
    assert (opening.app, opening.inputs) == ("BinaryMorphologicalOperation", {"in": (7,)})
    assert opening.params == {
        "structype": "ball",
        "xradius": 5,
        "yradius": 5,
        "filter": "opening",
        "foreval": 1.0,
        "backval": 0.0,
    }


def test_an_elliptic_opening_keeps_both_radii() -> None:
    params = steps.binary_opening(0, radius_px=3, y_radius_px=2).params
    assert (params["xradius"], params["yradius"]) == (3, 2)
