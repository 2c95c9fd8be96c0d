"""S1Tiling's fname_fmt / dname_fmt templates: the default names, custom ones, and what a
bad template gets when the request file is read."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import pytest

from s1ops.config.output_format import CreationOptions, OutputFormat
from s1ops.config.request import parse_config_text
from s1ops.errors import ConfigError
from s1ops.outputs.names import OutputName
from s1ops.outputs.naming import (
    NAME_FIELDS,
    OutputNaming,
    TemplateFormatter,
    template_problem,
)
from s1ops.outputs.requested import JobOutputs
from s1ops.testing.request_file import RequestPaths, render, request_sections

SINGLE = OutputName("s1a", "33NWB", "vv", "DES", 7, date(2020, 1, 8), dt.time(4, 41, 50))
MERGED = OutputName("s1b", "33NWB", "vh", "ASC", 117, date(2020, 1, 8), None)
OUT = Path("/o")
PATHS = RequestPaths(output="/o", s1_images="/s1", dem_dir="/dem/srtm", tmp="/t")


def naming_of(processing: dict[str, object]) -> OutputFormat:
    sections = request_sections(PATHS, tiles="33NWB", processing=processing)  # type: ignore[arg-type]
    return parse_config_text(render(sections), environ={}, base_dir=Path("/b")).output_format


def test_the_defaults_are_s1tilings_layout() -> None:
    naming = OutputNaming()
    assert naming.image_path(OUT, SINGLE) == OUT / "33NWB" / SINGLE.format()
    assert naming.image_path(OUT, MERGED) == OUT / "33NWB" / MERGED.format()
    assert naming.mask_path(OUT, MERGED) == OUT / "33NWB" / MERGED.as_mask().format()
    assert naming.filtered_path(OUT, SINGLE) == (
        OUT / "filtered" / "33NWB" / "s1a_33NWB_vv_DES_007_20200108t044150_filtered.tif"
    )
    assert naming.tile_folders(OUT, "33NWB") == (OUT / "33NWB", OUT / "filtered" / "33NWB")


def test_conversions_and_format_specs() -> None:
    text = "{a!u}_{b!l}_{c!c}_{d:_>5}"
    assert (
        TemplateFormatter().format(text, a="vv", b="DES", c="sIGMA", d="x") == "VV_des_Sigma_____x"
    )


def test_custom_names_and_folders() -> None:
    fmt = naming_of(
        {
            "calibration": "gamma",
            "fname_fmt.concatenation": (
                "{tile_name}_{polarisation!u}_{acquisition_stamp}_{calibration_type}.tif"
            ),
            "fname_fmt.filtered": "{tile_name}_{polarisation!u}_{acquisition_day}_lee.tif",
            "dname_fmt.tiled": "{out_dir}/S1/{tile_name}",
            "dname_fmt.mask": "{out_dir}/masks/{tile_name}",
            "dname_fmt.filtered": "/elsewhere/{calibration_type}/{tile_name}",
        }
    )
    naming = fmt.naming
    image = naming.image_path(OUT, SINGLE)
    assert image == OUT / "S1" / "33NWB" / "33NWB_VV_20200108t044150_gamma.tif"
    assert naming.mask_path(OUT, SINGLE) == (
        OUT / "masks" / "33NWB" / "33NWB_VV_20200108t044150_gamma_BorderMask.tif"
    )
    assert naming.filtered_path(OUT, SINGLE) == Path(
        "/elsewhere/gamma/33NWB/33NWB_VV_20200108txxxxxx_lee.tif"
    )
    outputs = JobOutputs.named(naming, OUT, SINGLE, with_mask=True, quicklook=None)
    assert outputs.files == (image, naming.mask_path(OUT, SINGLE))


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("fname_fmt.concatenation", "{tile_name}_{day}.tif", "unknown field(s) {day}"),
        ("fname_fmt.concatenation", "{tile_name}.jpg", "must end in .tif"),
        ("fname_fmt.concatenation", "{tile_name", "not a valid template"),
        ("fname_fmt.concatenation", "a/{tile_name}.tif", "without folder"),
        (
            "fname_fmt.filtered",
            "{flying_unit_code}_{tile_name}_{polarisation}_{orbit_direction}"
            "_{orbit}_{acquisition_stamp}.tif",
            "a name other than fname_fmt.concatenation",
        ),
        ("dname_fmt.tiled", "{out_dir}/{orbit}", "unknown field(s) {orbit}"),
        ("creation_options.tiled", "float COMPRESS=DEFLATE tiled=yes", "'tiled=yes' is not"),
        ("creation_options.mask", "byte COMPRESS=DEFLATE", "'byte' is not"),
    ],
)
def test_a_bad_template_or_option_is_named(key: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        naming_of({key: value})
    assert (info.value.section, info.value.key) == ("Processing", key)
    assert expected in str(info.value)


def test_creation_options_replace_the_defaults() -> None:
    fmt = naming_of(
        {
            "creation_options.tiled": "float64 COMPRESS=LZW, PREDICTOR=3",
            "creation_options.filtered": "COMPRESS=ZSTD",
            "creation_options.mask": "uint16",
        }
    )
    assert fmt.image == CreationOptions("double", ("COMPRESS=LZW", "PREDICTOR=3"))
    assert fmt.filtered == CreationOptions("float", ("COMPRESS=ZSTD",))
    assert fmt.mask == CreationOptions("uint16", ())
    assert naming_of({}) == OutputFormat(naming=OutputNaming(calibration="sigma"))


def test_every_name_field_has_a_value() -> None:
    assert tuple(OutputNaming().name_fields(SINGLE)) == NAME_FIELDS
    every = "_".join("{" + f + "}" for f in NAME_FIELDS) + ".tif"
    assert template_problem(every, NAME_FIELDS, suffix=".tif") is None
    assert OutputNaming().name_fields(MERGED)["acquisition_stamp"] == "20200108txxxxxx"
