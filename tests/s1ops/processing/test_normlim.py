"""calibration = normlim end to end on a synthetic product: the sin(LIA) map made once and
reused, the product's name, tags and no-data, and its pixels against beta0 x sin(LIA).

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
    """The same job calibrated in beta0 and in normlim: request file of each."""
    return calibrated_runs(
        tmp_path_factory, products, otb_data, ("beta", "normlim"), produce_lia_map="True"
    )


def test_normlim_is_beta0_times_sin_lia_pixel_for_pixel(runs: dict[str, Path]) -> None:
    beta_job, normlim_job = only_job(runs["beta"]), only_job(runs["normlim"])
    cfg = load_config(runs["normlim"])
    sin_lia = cfg.paths.output / "_LIA" / f"sin_LIA_{TILE}_{normlim_job.relative_orbit:03d}.tif"
    beta = read(beta_job.output_path).astype(np.float64)
    sin = read(sin_lia).astype(np.float64)
    normlim = read(normlim_job.output_path)
    # BandMath computes in double and writes float32, as numpy does here.
    product = np.maximum(1e-7, beta * sin)
    expected = np.where((beta == 0) | np.isnan(sin), 0.0, product).astype(np.float32)
    assert normlim.dtype == np.float32
    assert (beta > 0).mean() > 0.3  # the product covers a good part of the tile
    np.testing.assert_array_equal(normlim, expected)


def test_normlim_product_names_tags_and_maps_as_s1tiling(runs: dict[str, Path]) -> None:
    job = only_job(runs["normlim"])
    output = load_config(runs["normlim"]).paths.output
    image = Path(job.output_path)
    assert image.name.endswith("_NormLim.tif") and image.parent == output / TILE
    assert job.mask_path is not None and Path(job.mask_path).name.endswith(
        "_NormLim_BorderMask.tif"
    )
    assert Path(job.mask_path).is_file()
    tags = read_tags(image)
    orbit = f"{job.relative_orbit:03d}"
    assert tags["CALIBRATION"] == "Normlim"
    assert tags["LIA_FILE"] == f"sin_LIA_{TILE}_{orbit}.tif"
    assert tags["TIFFTAG_IMAGEDESCRIPTION"] == "Sigma0 Normlim Calibrated Sentinel-1A IW GRD"
    assert gdal.Open(str(image)).GetRasterBand(1).GetNoDataValue() == 0
    sin_tags = read_tags(output / "_LIA" / f"sin_LIA_{TILE}_{orbit}.tif")
    assert (sin_tags["IMAGE_TYPE"], sin_tags["DATA_TYPE"]) == ("LIA", "sin(LIA)")
    assert sin_tags["S2_TILE_CORRESPONDING_CODE"] == TILE
    assert sin_tags["RELATIVE_ORBIT_NUMBER"] == orbit
    degrees = read(output / "_LIA" / f"LIA_{TILE}_{orbit}.tif")
    assert degrees.dtype == np.uint16 and degrees.min() > 2500 and degrees.max() < 5000


def test_the_map_is_made_once_and_reused(runs: dict[str, Path]) -> None:
    cfg_path = runs["normlim"]
    job = only_job(cfg_path)
    sin_lia = load_config(cfg_path).paths.output / "_LIA"
    before = {p.name: p.stat().st_mtime_ns for p in sin_lia.glob("*.tif")}
    result = process_planned(cfg_path, job, force=True)
    assert not result.skipped
    assert {p.name: p.stat().st_mtime_ns for p in sin_lia.glob("*.tif")} == before


def test_terrain_maps_command_makes_ia_maps_and_keeps_existing_ones(
    runs: dict[str, Path], products: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg_path = runs["normlim"]
    safe = next((products / "s1").glob("*.SAFE"))
    argv = ["terrain-maps", str(cfg_path), "--tile", TILE, "--product", str(safe), "--ia"]
    assert cli_main(argv) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    orbit = f"{read_safe(safe).relative_orbit:03d}"
    assert set(answer["maps"]) == {"sin_LIA", "LIA", "IA"}  # ia_maps_to_produce: deg
    assert Path(answer["maps"]["IA"]).name == f"IA_{TILE}_{orbit}.tif"
    assert Path(answer["maps"]["IA"]).parent == load_config(cfg_path).paths.output / "_IA"
    assert answer["made"] == [answer["maps"]["IA"]]  # only what was missing
    assert cli_main(argv) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["made"] == []
    assert cli_main(["terrain-maps", str(cfg_path), "--tile", "99ZZZ", "--product", str(safe)]) == 2


def test_config_check_accepts_the_normlim_request(runs: dict[str, Path], capsys) -> None:
    assert cli_main(["config", "check", str(runs["normlim"])]) == 0
    assert "calibration   normlim" in capsys.readouterr().out


def test_maps_that_cannot_be_written_whole_are_not_published(
    otb_data: Path, products: Path, tmp_path: Path
) -> None:
    check_map_not_published_on_a_full_disk(
        tmp_path / "limited", products, otb_data, "normlim", "_LIA", "sin_LIA"
    )
