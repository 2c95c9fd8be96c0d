"""The chain of one tile job, built from plain values (no OTB, no file read).

DESIGN.md's calibration chain: SARCalibration -> (low-signal fix when noise is
removed) -> ResetMargin (skipped when every threshold is 0) ->
OrthoRectification onto the tile's grid (-> first-non-zero merge of a pair).
"""

from __future__ import annotations

import pytest

from s1ops.grid import parse_tile_id
from s1ops.processing.chains import (
    AppliedMap,
    ProductInput,
    group_chain,
    ortho_grid,
    orthoready_steps,
)
from s1ops.processing.otb.chain import FLOAT_CREATION_OPTIONS, Chain, Output
from s1ops.processing.otb.steps import MarginThresholds, OrthoGrid
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import GAMMA_AREA
from tests.s1ops.safe_builder import P1_ID, P2_ID

TILE = parse_tile_id("33NWB")
A, B = "/s1/a.tiff", "/s1/b.tiff"
CUT = MarginThresholds(x=1000, y_start=1600, y_end=0)  # an IPF 2.72 product, ragged top


def product(measurement: str = A, cut: MarginThresholds = CUT, **kwargs: str) -> ProductInput:
    pid = ProductId.parse(P2_ID if measurement == B else P1_ID)
    return ProductInput(pid, measurement, cut, **kwargs)


def chain_of(products: list[ProductInput], settings: ProcessSettings | None = None) -> Chain:
    return group_chain(
        products,
        TILE,
        settings or ProcessSettings(),
        output_path="/out/33NWB/x.tif",
        dem_dir="/tmp/dem",
    )


def test_the_tile_grid_in_its_utm_zone() -> None:
    assert ortho_grid(TILE, 10.0) == OrthoGrid(33, True, 499980.0, 200040.0, 10980, 10.0)
    assert ortho_grid(TILE, 40.0).size_px == 2745
    south = ortho_grid(parse_tile_id("01CEH"), 20.0)
    assert (south.utm_zone, south.north, south.uly) == (1, False, 800020.0)


def test_orthoready_image_is_calibration_alone_without_noise_removal_or_cut() -> None:
    (calibration,) = orthoready_steps(product(cut=MarginThresholds()), 0, ProcessSettings())
    assert calibration.app == "SARCalibration"
    assert calibration.params == {"lut": "sigma", "removenoise": False}
    assert calibration.inputs == {"in": (A,)}


def test_orthoready_steps_point_at_their_own_indices() -> None:
    # As the second product of a pair: its steps start at index 4.
    settings = ProcessSettings(calibration="gamma", remove_noise=True, lower_signal_value=1e-5)
    calibration, fix, cut = orthoready_steps(product(B), 4, settings)
    assert calibration.params == {"lut": "gamma", "removenoise": True}
    assert calibration.inputs == {"in": (B,)}
    assert fix.app == "BandMath" and fix.inputs == {"il": (B, 4)}
    assert fix.params["exp"] == "im1b1==0 ? 0 : (im2b1==0 ? 1e-05 : im2b1)"
    assert cut.app == "ResetMargin" and cut.inputs == {"in": (5,)}
    assert (cut.params["threshold.x"], cut.params["threshold.y.start"]) == (1000, 1600)


def test_a_cut_follows_calibration_directly_without_noise_removal() -> None:
    calibration, cut = orthoready_steps(product(), 0, ProcessSettings())
    assert (calibration.app, cut.app, cut.inputs) == ("SARCalibration", "ResetMargin", {"in": (0,)})


def test_one_product_is_calibrated_cut_and_orthorectified_into_the_output() -> None:
    settings = ProcessSettings(
        resolution_m=20.0, gridspacing_m=80.0, interpolator="linear", geoid="/g/egm96.grd"
    )
    chain = chain_of([product()], settings)
    assert [s.app for s in chain.steps] == ["SARCalibration", "ResetMargin", "OrthoRectification"]
    ortho = chain.steps[2]
    assert ortho.inputs == {"io.in": (1,)}
    assert (ortho.params["outputs.sizex"], ortho.params["outputs.spacingy"]) == (5490, -20.0)
    assert (ortho.params["opt.gridspacing"], ortho.params["interpolator"]) == (80.0, "linear")
    assert (ortho.params["elev.dem"], ortho.params["elev.geoid"]) == ("/tmp/dem", "/g/egm96.grd")
    assert chain.outputs == (Output(2, "/out/33NWB/x.tif", "float", FLOAT_CREATION_OPTIONS),)


def test_ram_and_threads_come_from_the_settings() -> None:
    chain = chain_of([product()], ProcessSettings(ram_mb=1536, threads=3))
    assert (chain.ram_mb, chain.threads) == (1536, 3)


def test_a_pair_is_orthorectified_then_merged_in_one_chain() -> None:
    chain = chain_of([product(A), product(B, cut=MarginThresholds())])
    assert [(s.app, s.inputs) for s in chain.steps] == [
        ("SARCalibration", {"in": (A,)}),
        ("ResetMargin", {"in": (0,)}),
        ("OrthoRectification", {"io.in": (1,)}),
        ("SARCalibration", {"in": (B,)}),
        ("OrthoRectification", {"io.in": (3,)}),
        ("BandMath", {"il": (2, 4)}),
    ]
    assert chain.steps[5].params == {"exp": "(im1b1!=0 ? im1b1 : im2b1)"}
    assert chain.outputs[0].step == 5
    # Both onto the same grid.
    assert chain.steps[2].params == chain.steps[4].params


def test_a_cached_orthoready_image_is_only_orthorectified() -> None:
    cached = product(B, orthoready="/tmp/S1/b_OrthoReady.tif")
    chain = chain_of([product(A, cut=MarginThresholds()), cached])
    assert [(s.app, s.inputs) for s in chain.steps] == [
        ("SARCalibration", {"in": (A,)}),
        ("OrthoRectification", {"io.in": (0,)}),
        ("OrthoRectification", {"io.in": ("/tmp/S1/b_OrthoReady.tif",)}),
        ("BandMath", {"il": (1, 2)}),
    ]


def test_a_job_without_products_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one product"):
        chain_of([])


def test_an_unknown_calibration_is_refused_while_building() -> None:
    with pytest.raises(ValueError, match="calibration 'sigma0'"):
        chain_of([product()], ProcessSettings(calibration="sigma0"))


def test_normlim_calibrates_in_beta0_and_multiplies_the_merged_image_by_sin_lia() -> None:
    settings = ProcessSettings(calibration="normlim", lower_signal_value=1e-7)
    chain = group_chain(
        [product(A), product(B, cut=MarginThresholds())],
        TILE,
        settings,
        output_path="/out/33NWB/x_NormLim.tif",
        dem_dir="/tmp/dem",
        terrain=AppliedMap("sin_LIA", "/out/_LIA/sin_LIA_33NWB_007.tif"),
    )
    assert [s.params["lut"] for s in chain.steps if s.app == "SARCalibration"] == ["beta"] * 2
    last = chain.steps[-1]
    assert (last.app, last.inputs) == ("BandMath", {"il": (5, "/out/_LIA/sin_LIA_33NWB_007.tif")})
    # S1Tiling's expression: no data where either is none, else floored at lower_signal_value.
    assert last.params == {"exp": "(im2b1 != im2b1 || im1b1 == 0) ? 0 : max(1e-07, im1b1*im2b1)"}
    assert chain.outputs[0].step == len(chain.steps) - 1


def test_gamma0_rtc_calibrates_in_sigma0_and_divides_by_the_gamma_area() -> None:
    settings = ProcessSettings(calibration="gamma_naught_rtc", lower_signal_value=1e-7)
    gamma_area = "/out/_GAMMA_AREA/GAMMA_AREA_33NWB_007.tif"
    chain = group_chain(
        [product(A)],
        TILE,
        settings,
        output_path="/out/33NWB/x_GammaNaughtRTC.tif",
        dem_dir="/tmp/dem",
        terrain=AppliedMap(GAMMA_AREA, gamma_area, scale=2 * 100.0, min_area=1.0),
    )
    assert [s.params["lut"] for s in chain.steps if s.app == "SARCalibration"] == ["sigma"]
    last = chain.steps[-1]
    assert (last.app, last.inputs) == ("BandMath", {"il": (len(chain.steps) - 2, gamma_area)})
    # No data where sigma0 has none, the area is unknown (NaN compares false) or in shadow.
    assert last.params == {
        "exp": "(im1b1 != 0 && im2b1 > 0 && im2b1 >= 1.0) ? max(1e-07, im1b1*200.0/im2b1) : 0"
    }
