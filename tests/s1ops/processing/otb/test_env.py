"""The environment of an OTB child process."""

from __future__ import annotations

from s1ops.processing.otb.env import otb_environment


def test_several_threads_compress_on_as_many_gdal_threads() -> None:
    env = otb_environment({}, threads=2, ram_mb=1024)
    assert env["ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"] == "2"
    assert env["GDAL_NUM_THREADS"] == "2"
    assert env["OTB_MAX_RAM_HINT"] == "1024"
    assert env["LC_NUMERIC"] == "C"


def test_one_thread_leaves_gdal_alone() -> None:
    assert "GDAL_NUM_THREADS" not in otb_environment({}, threads=1)
    assert "GDAL_NUM_THREADS" not in otb_environment({})


def test_gdal_threads_set_by_the_operator_win() -> None:
    env = otb_environment({"GDAL_NUM_THREADS": "1", "LC_NUMERIC": "fr_FR"}, threads=4)
    assert env["GDAL_NUM_THREADS"] == "1"
    assert env["LC_NUMERIC"] == "C"  # never a comma-decimal locale
