"""calibration = gamma_naught_rtc end to end on a synthetic product: the gamma-area map made
once and reused, the product's name, tags and no-data, and its pixels against sigma0 x
pixel area / gamma area.

100 m output pixels keep each run to a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cli import main as cli_main
from s1ops.config.request import load_config
from s1ops.outputs.geotiff import read_tags
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.site_jobs import make_site_products, process_planned
from tests.s1ops.processing.synthetic_site import (
    TILE,
    calibrated_runs,
    check_map_not_published_on_a_full_disk,
    only_job,
    read,
)


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory, otb_data: Path) -> Path:
    return make_site_products(tmp_path_factory.mktemp("products"), seed=5)


@pytest.fixture(scope="module")
def runs(otb: None, otb_data: Path, products: Path, tmp_path_factory) -> dict[str, Path]:
    """The same job calibrated in sigma0 and in gamma0 RTC: request file of each."""
    return calibrated_runs(
        tmp_path_factory, products, otb_data, ("sigma", "gamma_naught_rtc"), min_gamma_area="2.0"
    )


def _gamma_area_map(cfg_path: Path) -> Path:
    orbit = f"{only_job(cfg_path).relative_orbit:03d}"
    return load_config(cfg_path).paths.output / "_GAMMA_AREA" / f"GAMMA_AREA_{TILE}_{orbit}.tif"


def test_gamma0_is_sigma0_times_pixel_area_over_gamma_area_pixel_for_pixel(
    runs: dict[str, Path],
) -> None:
    sigma = read(only_job(runs["sigma"]).output_path).astype(np.float64)
    area = read(_gamma_area_map(runs["gamma_naught_rtc"])).astype(np.float64)
    rtc = read(only_job(runs["gamma_naught_rtc"]).output_path)
    pixel_area = 100.0 * 100.0  # the scaled product's pixel spacings
    # BandMath computes in double and writes float32, as numpy does here.
    valid = (sigma != 0) & (area >= 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(valid, np.maximum(1e-7, sigma * pixel_area / area), 0.0)
    assert rtc.dtype == np.float32
    assert (sigma > 0).mean() > 0.3  # the product covers a good part of the tile
    np.testing.assert_array_equal(rtc, expected.astype(np.float32))


def test_on_flat_ground_gamma0_is_sigma0_over_cos_incidence(
    runs: dict[str, Path], products: Path
) -> None:
    cfg_path = runs["gamma_naught_rtc"]
    safe = next((products / "s1").glob("*.SAFE"))
    assert (
        cli_main(["terrain-maps", str(cfg_path), "--tile", TILE, "--product", str(safe), "--ia"])
        == 0
    )
    orbit = f"{only_job(cfg_path).relative_orbit:03d}"
    ia = read(load_config(cfg_path).paths.output / "_IA" / f"IA_{TILE}_{orbit}.tif") / 100.0
    sigma = read(only_job(runs["sigma"]).output_path).astype(np.float64)
    rtc = read(only_job(cfg_path).output_path).astype(np.float64)
    valid = (sigma > 0) & (rtc > 0)
    ratio = rtc[valid] / sigma[valid] * np.cos(np.radians(ia[valid]))
    # 1 but for the annotated azimuth spacing, nominal: a line covers 1.3 % more ground here.
    p1, p50, p99 = np.percentile(ratio, [1, 50, 99])
    print(f"gamma0 / sigma0 x cos IA: p1 {p1:.4f} median {p50:.4f} p99 {p99:.4f}")
    assert 0.975 < p50 < 1.0 and p99 - p1 < 0.01


def test_gamma0_rtc_product_names_tags_and_map_as_s1tiling(runs: dict[str, Path]) -> None:
    job = only_job(runs["gamma_naught_rtc"])
    output = load_config(runs["gamma_naught_rtc"]).paths.output
    image = Path(job.output_path)
    assert image.name.endswith("_GammaNaughtRTC.tif") and image.parent == output / TILE
    assert job.mask_path is not None
    assert Path(job.mask_path).name.endswith("_GammaNaughtRTC_BorderMask.tif")
    assert Path(job.mask_path).is_file()
    tags = read_tags(image)
    orbit = f"{job.relative_orbit:03d}"
    assert tags["CALIBRATION"] == "GammaNaughtRTC"
    assert tags["GAMMA_AREA_FILE"] == f"GAMMA_AREA_{TILE}_{orbit}.tif"
    assert tags["TIFFTAG_IMAGEDESCRIPTION"] == "Gamma0 RTC Calibrated Sentinel-1A IW GRD"
    assert gdal.Open(str(image)).GetRasterBand(1).GetNoDataValue() == 0
    map_tags = read_tags(_gamma_area_map(runs["gamma_naught_rtc"]))
    assert (map_tags["IMAGE_TYPE"], map_tags["DATA_TYPE"]) == ("GRD", "meters^2")
    assert (map_tags["PixelSpacing"], map_tags["LineSpacing"]) == ("100.0", "100.0")
    assert map_tags["S2_TILE_CORRESPONDING_CODE"] == TILE
    assert map_tags["RELATIVE_ORBIT_NUMBER"] == orbit
    area = read(_gamma_area_map(runs["gamma_naught_rtc"]))
    # About 100 m x 100 m x cos(30-45 degrees) on flat ground.
    assert area.dtype == np.float32 and np.nanmin(area) > 6000 and np.nanmax(area) < 9000


def test_the_map_is_made_once_and_reused(runs: dict[str, Path]) -> None:
    cfg_path = runs["gamma_naught_rtc"]
    folder = _gamma_area_map(cfg_path).parent
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.tif")}
    result = process_planned(cfg_path, only_job(cfg_path), force=True)
    assert not result.skipped
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.tif")} == before


def test_terrain_maps_command_makes_the_map_the_calibration_applies(
    runs: dict[str, Path], products: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    safe = next((products / "s1").glob("*.SAFE"))
    orbit = f"{read_safe(safe).relative_orbit:03d}"
    rtc = ["terrain-maps", str(runs["gamma_naught_rtc"]), "--tile", TILE, "--product", str(safe)]
    assert cli_main(rtc) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert answer == {
        "maps": {"GAMMA_AREA": str(_gamma_area_map(runs["gamma_naught_rtc"]))},
        "made": [],
    }
    # Any request file: --gamma-area adds the map to the LIA maps (S1GammaAreaMap).
    sigma = ["terrain-maps", str(runs["sigma"]), "--tile", TILE, "--product", str(safe)]
    assert cli_main([*sigma, "--gamma-area"]) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(answer["maps"]) == {"sin_LIA", "GAMMA_AREA"}
    assert Path(answer["maps"]["GAMMA_AREA"]).name == f"GAMMA_AREA_{TILE}_{orbit}.tif"
    assert len(answer["made"]) == 2


def test_config_check_accepts_the_rtc_request(runs: dict[str, Path], capsys) -> None:
    assert cli_main(["config", "check", str(runs["gamma_naught_rtc"])]) == 0
    assert "calibration   gamma_naught_rtc" in capsys.readouterr().out


def test_a_gamma_area_map_that_cannot_be_written_whole_is_not_published(
    otb_data: Path, products: Path, tmp_path: Path
) -> None:
    check_map_not_published_on_a_full_disk(
        tmp_path / "limited", products, otb_data, "gamma_naught_rtc", "_GAMMA_AREA", "GAMMA_AREA"
    )
