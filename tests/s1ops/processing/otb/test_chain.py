"""A chain as data: its checks, and its JSON crossing to the OTB child process (no OTB)."""

from __future__ import annotations

import json

import pytest

from s1ops.grid import parse_tile_id
from s1ops.processing.chains import ProductInput, group_chain
from s1ops.processing.otb.chain import (
    FLOAT_CREATION_OPTIONS,
    MASK_CREATION_OPTIONS,
    Chain,
    Output,
    Step,
)
from s1ops.processing.otb.steps import MarginThresholds
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.ids import ProductId
from tests.s1ops.safe_builder import P1_ID, P2_ID


def _pair_chain() -> Chain:
    """Every kind of step and value: noise removal, a cut, a cached image, a merge."""
    settings = ProcessSettings(remove_noise=True, geoid="/g/egm96.grd", ram_mb=1024, threads=2)
    products = [
        ProductInput(ProductId.parse(P1_ID), "/s1/a.tiff", MarginThresholds(1000, 1600, 0)),
        ProductInput(ProductId.parse(P2_ID), "/s1/b.tiff", MarginThresholds(), "/tmp/S1/b.tif"),
    ]
    return group_chain(
        products, parse_tile_id("33NWB"), settings, output_path="/out/x.tif", dem_dir="/d"
    )


def test_json_round_trip_gives_the_same_chain() -> None:
    chain = _pair_chain()
    assert [s.app for s in chain.steps] == [
        "SARCalibration",
        "BandMath",
        "ResetMargin",
        "OrthoRectification",
        "OrthoRectification",
        "BandMath",
    ]
    again = Chain.from_json(chain.to_json())
    assert again == chain
    # Equality alone would take True for 1 and 10 for 10.0: the types cross too.
    assert again.steps[0].params["removenoise"] is True
    spacing = again.steps[3].params["outputs.spacingx"]
    assert isinstance(spacing, float) and spacing == 10.0
    assert again.steps[4].inputs == {"io.in": ("/tmp/S1/b.tif",)}


def test_the_json_is_plain_data() -> None:
    data = json.loads(_pair_chain().to_json())
    assert set(data) == {"steps", "outputs", "ram_mb", "threads"}
    assert (data["ram_mb"], data["threads"]) == (1024, 2)
    assert data["steps"][1] == {
        "app": "BandMath",
        "params": {"exp": "im1b1==0 ? 0 : (im2b1==0 ? 1e-07 : im2b1)"},
        "inputs": {"il": ["/s1/a.tiff", 0]},
        "label": "low-signal fix",
    }
    assert data["outputs"] == [
        {
            "step": 5,
            "path": "/out/x.tif",
            "pixel_type": "float",
            "creation_options": ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"],
        }
    ]


def test_a_step_reads_only_earlier_steps() -> None:
    calibrate = Step("SARCalibration", inputs={"in": ("/s1/a.tiff",)})
    with pytest.raises(ValueError, match=r"step 1 \(merge\) input 'il' refers to step 1"):
        Chain((calibrate, Step("BandMath", inputs={"il": (0, 1)}, label="merge")), ())
    with pytest.raises(ValueError, match="refers to step 3: must be an earlier step"):
        Chain((Step("ResetMargin", inputs={"in": (3,)}),), ())
    with pytest.raises(ValueError, match="refers to step -1"):
        Chain((calibrate, Step("ResetMargin", inputs={"in": (-1,)})), ())
    # File names may come anywhere.
    assert len(Chain((calibrate, Step("BandMath", inputs={"il": (0, "/x.tif")})), ()).steps) == 2


def test_an_output_names_an_existing_step() -> None:
    calibrate = Step("SARCalibration", inputs={"in": ("/s1/a.tiff",)})
    with pytest.raises(ValueError, match=r"output /o\.tif refers to missing step 1"):
        Chain((calibrate,), (Output(1, "/o.tif"),))


def test_outputs_are_deflated_tiled_geotiffs_without_a_geom_file() -> None:
    # DESIGN.md: Float32, DEFLATE with PREDICTOR=3, tiled; masks uint8.
    image = Output(0, "/out/x.tif")
    assert (image.pixel_type, image.creation_options) == ("float", FLOAT_CREATION_OPTIONS)
    options = "&gdal:co:COMPRESS=DEFLATE&gdal:co:PREDICTOR=3&gdal:co:TILED=YES"
    assert image.extended_filename() == "/out/x.tif?&writegeom=false" + options
    mask = Output(0, "/out/m.tif", "uint8", MASK_CREATION_OPTIONS)
    # Written under a partial name first: the options go with the name given.
    assert mask.extended_filename("/out/.m.partial") == (
        "/out/.m.partial?&writegeom=false&gdal:co:COMPRESS=DEFLATE&gdal:co:TILED=YES"
    )
