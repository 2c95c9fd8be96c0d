"""DEM cells and the geoid are checked before OTB reads them: whole, and of plausible heights."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.errors import DemError, DemFileError
from s1ops.processing.dem_checks import check_dem_cell, check_geoid
from s1ops.testing.dem import write_flat_cell
from s1ops.testing.synth_safe import GEOID_SUBPATH

SRTM3_BYTES = 1201 * 1201 * 2


def test_whole_cells_pass(tmp_path: Path) -> None:
    check_dem_cell(write_flat_cell(tmp_path / "N02E009.hgt", 120, arcsec=1))
    check_dem_cell(write_flat_cell(tmp_path / "s01w072.hgt", -400, arcsec=3))  # lower case too
    heights = np.full((1201, 1201), 8800, dtype=">i2")
    heights[:10] = -32768  # SRTM's voids are no heights
    heights.tofile(tmp_path / "N27E086.hgt")
    check_dem_cell(tmp_path / "N27E086.hgt")


@pytest.mark.parametrize(
    ("write", "problem", "expected"),
    [
        (lambda p: p.write_bytes(b""), "0 bytes", "25934402 bytes (3601 x 3601"),
        (lambda p: p.write_bytes(bytes(SRTM3_BYTES - 2)), f"{SRTM3_BYTES - 2} bytes", "1201"),
        (lambda p: write_flat_cell(p, 20000, arcsec=3), "heights 20000..20000 m", "-500..9000 m"),
        (lambda p: write_flat_cell(p, -9999, arcsec=3), "heights -9999..-9999 m", "-32768"),
    ],
    ids=["empty", "truncated", "too-high", "no-data-of-another-product"],
)
def test_bad_cells_are_named(tmp_path: Path, write, problem: str, expected: str) -> None:
    cell = tmp_path / "N02E009.hgt"
    write(cell)
    with pytest.raises(DemFileError) as caught:
        check_dem_cell(cell)
    error = caught.value
    assert isinstance(error, DemError)  # callers catching the DEM's errors catch it too
    assert (error.path, error.kind, error.dem_dir) == (str(cell), "DEM cell", str(tmp_path))
    assert str(error).startswith(f"DEM cell {cell}: {problem}; expected ")
    assert expected in str(error)


def test_a_cell_gdal_does_not_take_for_srtm_is_refused(tmp_path: Path) -> None:
    # The right size under a name GDAL's SRTM driver does not recognise: OTB would skip it.
    cell = write_flat_cell(tmp_path / "cell.hgt", 100, arcsec=3)
    with pytest.raises(DemFileError, match="GDAL cannot read it"):
        check_dem_cell(cell)


@pytest.fixture
def geoid(otb_data: Path, tmp_path: Path) -> Path:
    """OTB's EGM96 grid and its ENVI header, copied."""
    source = otb_data / GEOID_SUBPATH
    for path in (source, source.with_name(source.name + ".hdr")):
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path / source.name


def _grid(value: float) -> bytes:
    """EGM96's 1441 x 721 undulations all equal to ``value``, as its ENVI header stores them."""
    return np.full(1441 * 721, value, ">f4").tobytes()


def test_otbs_geoid_passes(geoid: Path) -> None:
    check_geoid(geoid)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda data: b"", "GDAL cannot read it"),
        (lambda data: data[: len(data) // 2], "2077934 bytes; expected 4155868 bytes"),
        (lambda data: data[:24] + _grid(2e9), r"undulations 2e\+09\.\.2e\+09 m"),
        (lambda data: data[:24] + _grid(np.nan), "1038961 values are not numbers"),
    ],
    ids=["empty", "truncated", "absurd", "nan"],
)
def test_bad_geoids_are_named(geoid: Path, damage, problem: str) -> None:
    geoid.write_bytes(damage(geoid.read_bytes()))
    with pytest.raises(DemFileError, match=problem) as caught:
        check_geoid(geoid)
    assert str(caught.value).startswith(f"geoid file {geoid}: ")


def test_a_geotiff_geoid_with_nodata_passes_and_its_nodata_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "geoid.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 8, 4, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((-180, 45, 0, 90, 0, -45))
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(-9999)
    values = np.full((4, 8), 30.0, dtype=np.float32)
    values[0, 0] = -9999
    band.WriteArray(values)
    dataset = band = None
    check_geoid(path)
    with pytest.raises(DemFileError, match="No such file"):
        check_geoid(tmp_path / "missing.grd")
