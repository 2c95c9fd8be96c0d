"""What the runner makes of a failed OTB child's output (pure: no OTB): the one-line
reason in OTB's own words, the input the failed step read, and the chatter at DEBUG."""

from __future__ import annotations

import logging

import pytest

from s1ops.errors import OtbError
from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import Chain, Output
from s1ops.processing.otb.runner import _log_chatter, _otb_reason, _step_input

ITK = (
    "orthorectification: Exception thrown in otbApplication Application_UpdateParameters: "
    "./Modules/Core/Transform/include/otbImageToGenericRSOutputParameters.hxx:52:\n"
    "itk::ERROR: ImageToGenericRSOutputParameters(0x55a661482930): No information in the "
    "metadata, please set an image with non empty metadata"
)


def test_the_reason_is_otbs_own_itk_message() -> None:
    answer = {"error": ITK, "step": "orthorectification"}
    assert _otb_reason(answer, "") == (
        "No information in the metadata, please set an image with non empty metadata"
    )


def test_without_an_itk_message_the_last_otb_or_gdal_error_line_is_the_reason() -> None:
    log_text = "2026-01-01 10:00:00 (INFO): banner\nERROR 4: a.tif: No such file or directory\n"
    assert _otb_reason({}, log_text) == "ERROR 4: a.tif: No such file or directory"
    log_text = "2026-01-01 10:00:00 (FATAL) BandMath: bad expression\n"
    assert _otb_reason({}, log_text) == "BandMath: bad expression"
    assert _otb_reason({}, "just a banner\n") == ""  # a crash: the caller says the signal


def test_the_failed_steps_input_is_found_upstream() -> None:
    measurement = "/s1/X.SAFE/measurement/s1a-iw-grd-vv-001.tiff"
    calibration = steps.calibration(measurement, lut="sigma", remove_noise=False)
    chain = Chain((calibration,), (Output(0, "/out/a.tif"),))
    assert _step_input(chain, 0) == "s1a-iw-grd-vv-001.tiff"
    assert _step_input(chain, None) == ""


def test_an_otb_error_is_one_line() -> None:
    error = OtbError("merge", 3, "banner\nmore banner\nERROR 1: why", on="a.tiff")
    assert str(error) == "OTB step 'merge' failed on a.tiff (exit code 3): ERROR 1: why"
    assert error.log_tail.endswith("ERROR 1: why")


def test_chatter_is_debug_each_line_once(caplog: pytest.LogCaptureFixture) -> None:
    text = (
        "2026-01-01 10:00:00 (INFO): Loading metadata\n"
        "2026-01-01 10:00:01 (INFO): Loading metadata\n"
        '{"written": []}\n'
    )
    with caplog.at_level(logging.DEBUG, logger="s1ops.processing.otb.runner"):
        _log_chatter(text)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "otb: (INFO): Loading metadata")
    ]
