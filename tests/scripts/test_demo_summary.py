"""The demo's summary judges products by their pixels (scripts/demo_summary.py)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from s1ops.outputs.empty import ValidCount, new_record, write_empty_record
from s1ops.testing.demo_site import ExpectedOutput

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from demo_summary import (
    print_empty,
    problems,
    scan_empty,
    scan_outputs,
    short_reason,
    verdict,
)

DAY = date(2020, 1, 3)
CUT = (
    "no valid pixel over 32NPJ: IPF 002.72 border cut blanks 1 000 columns on each side and "
    "1 600 lines at the top; the product covers 33.0% of the tile"
)


def _tif(path: Path, pixels: np.ndarray) -> Path:
    from osgeo import gdal

    gdal.UseExceptions()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), pixels.shape[1], pixels.shape[0], 1, 6)
    ds.GetRasterBand(1).WriteArray(pixels)
    ds = None
    return path


def _expected(out: Path, tile_id: str, pol: str, empty: str | None = None) -> ExpectedOutput:
    image = out / tile_id / f"s1a_{tile_id}_{pol}_DES_051_20200103t050546.tif"
    return ExpectedOutput(tile_id, pol, DAY, ("P",), image, None, None, empty)


def _record(e: ExpectedOutput) -> None:
    count = ValidCount(0, 100)
    record = new_record("job", CUT, count, min_valid_fraction=0.0, product_ids=["P"])
    write_empty_record(e.output, record)


def test_a_product_with_data_and_the_empty_case_on_purpose_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = np.zeros((10, 10), dtype=np.float32)
    data[:4] = 0.5
    good = _expected(tmp_path, "32NNJ", "vv")
    _tif(good.output, data)
    empty = _expected(tmp_path, "32NPJ", "vv", empty="border cut")
    _record(empty)

    written = scan_outputs(tmp_path, ["32NNJ", "32NPJ"])
    found_empty = scan_empty(tmp_path, ["32NNJ", "32NPJ"])
    assert [(w.path, w.valid) for w in written] == [(good.output, ValidCount(40, 100))]
    assert [(e.image, e.reason) for e in found_empty] == [(empty.output, CUT)]
    assert problems(written, found_empty, [good, empty]) == []
    print_empty(found_empty, [good, empty])
    assert "32NPJ 2020-01-03: empty, border cut" in capsys.readouterr().out
    assert "valid pixels (40.0% to 40.0% of its tile)" in verdict(written, found_empty, [])


def test_a_black_product_fails_the_demo(tmp_path: Path) -> None:
    black = _expected(tmp_path, "32NPJ", "vh")
    _tif(black.output, np.zeros((10, 10), dtype=np.float32))
    written = scan_outputs(tmp_path, ["32NPJ"])
    assert problems(written, [], None) == [f"NO VALID PIXEL: {black.output}"]
    # Meant to be empty, but published: the demo does not show what it claims.
    meant = _expected(tmp_path, "32NPJ", "vh", empty="border cut")
    assert problems(written, [], [meant]) == [
        f"NO VALID PIXEL: {black.output}",
        f"WRITTEN, expected empty (border cut): {black.output}",
    ]


def test_missing_products_and_records_fail_the_demo(tmp_path: Path) -> None:
    wanted = _expected(tmp_path, "32NNJ", "vv")
    meant = _expected(tmp_path, "32NPJ", "vv", empty="border cut")
    assert problems([], [], [wanted, meant]) == [
        f"MISSING: {wanted.output}",
        f"NO EMPTY RECORD next to the outputs for {meant.output}",
    ]
    _record(wanted)  # empty where the demo wants pixels
    assert f"EMPTY, expected with data: {wanted.output}" in problems(
        [], scan_empty(tmp_path, ["32NNJ"]), [wanted]
    )


def test_the_short_reason_names_the_border_cut() -> None:
    assert short_reason(CUT) == "border cut"
    assert short_reason("no valid pixel over 32NNJ: no border cut") == "no valid pixel over 32NNJ"
