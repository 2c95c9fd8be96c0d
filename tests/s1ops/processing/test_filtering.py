"""Speckle filtering ([Filtering]) end to end on a synthetic product: where the filtered
product goes, its tags, "done", and its pixels against OTB's own ``otbcli_Despeckle``.

100 m output pixels keep each run to a few seconds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.config.filtering import FilteringConfig
from s1ops.config.request import load_config
from s1ops.outputs.geotiff import read_tags
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import existing_outputs
from s1ops.processing.chains import despeckle_chain
from s1ops.processing.otb.pipelines import run_with_tags
from s1ops.processing.settings import settings_from_config
from s1ops.testing.site_jobs import make_site_products, planned_jobs, process_planned
from tests.s1ops.processing.synthetic_site import TILE, read, site_request

gdal.UseExceptions()
LEE = {"filter": "lee", "window_radius": 2, "nblooks": 4}


def _site(
    root: Path,
    products: Path,
    otb_data: Path,
    *,
    masks: bool,
    keep_unfiltered: bool,
    processing: dict[str, str] | None = None,
) -> Path:
    """This module's request: TILE at RES_M with LEE, over ``products``."""
    filtering = {**LEE, "keep_non_filtered_products": keep_unfiltered}
    return site_request(
        root, products, otb_data, masks=masks, filtering=filtering, **(processing or {})
    )


def filtered_path(image: str | Path) -> Path:
    """Where S1Tiling's default naming puts the filtered copy of ``image``."""
    path = Path(image)
    return path.parent.parent / "filtered" / path.parent.name / f"{path.stem}_filtered.tif"


def _jobs(cfg_path: Path) -> list[TileJob]:
    return planned_jobs(cfg_path, TILE)


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory, otb_data: Path) -> Path:
    return make_site_products(tmp_path_factory.mktemp("products"), seed=3)


@pytest.fixture(scope="module")
def kept(otb: None, otb_data: Path, products: Path, tmp_path_factory) -> tuple[Path, TileJob]:
    """A lee-filtered run that keeps the unfiltered image, with masks: (request, its job)."""
    cfg = _site(
        tmp_path_factory.mktemp("kept"), products, otb_data, masks=True, keep_unfiltered=True
    )
    (job,) = _jobs(cfg)
    result = process_planned(cfg, job)
    assert not result.skipped and not result.empty, result
    return cfg, job


def _otbcli_despeckle(image: Path, out: Path, params: dict[str, object]) -> np.ndarray:
    argv = ["otbcli_Despeckle", "-in", str(image), "-out", str(out), "float"]
    for key, value in params.items():
        argv += [f"-{key}", str(value)]
    subprocess.run(argv, check=True, capture_output=True, timeout=300)
    return read(out)


def test_the_filtered_product_is_where_s1tiling_puts_it_with_its_tags(kept) -> None:
    cfg_path, job = kept
    cfg = load_config(cfg_path)
    image = Path(job.output_path)
    filtered = cfg.paths.output / "filtered" / TILE / f"{image.stem}_filtered.tif"
    assert filtered == filtered_path(image)
    assert image.is_file() and filtered.is_file()
    assert job.mask_path is not None and Path(job.mask_path).is_file()
    tags, image_tags = read_tags(filtered), read_tags(image)
    assert tags["FILTERED"] == "true"
    assert tags["FILTERING_METHOD"] == "lee"
    assert tags["FILTERING_WINDOW_RADIUS"] == "2"
    assert tags["FILTERING_NBLOOKS"] == "4.0"
    assert "FILTERING_DERAMP" not in tags
    assert tags["IMAGE_TYPE"] == "BACKSCATTERING"
    assert tags["TIFFTAG_IMAGEDESCRIPTION"].startswith("Orthorectified and despeckled Sentinel-1")
    for key in ("INPUT_S1_IMAGES", "S2_TILE_CORRESPONDING_CODE", "POLARIZATION", "CALIBRATION"):
        assert tags[key] == image_tags[key], key
    # No mask of its own: a mask belongs to the unfiltered image.
    assert sorted(p.name for p in filtered.parent.iterdir()) == [filtered.name]


def test_the_filtered_pixels_are_otbs_despeckle_of_the_image(kept, tmp_path: Path) -> None:
    _, job = kept
    image = Path(job.output_path)
    theirs = _otbcli_despeckle(
        image, tmp_path / "otb.tif", {"filter": "lee", "filter.lee.rad": 2, "filter.lee.nblooks": 4}
    )
    ours = read(filtered_path(image))
    assert ours.dtype == np.float32 and np.count_nonzero(ours) > 0
    assert not np.array_equal(ours, read(image))  # it did filter
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "filtering",
    [
        FilteringConfig("frost", 1, deramp=0.1),
        FilteringConfig("gammamap", 2, nblooks=3.0),
        FilteringConfig("kuan", 1, nblooks=1.0),
    ],
    ids=lambda f: f.method,
)
def test_every_filter_equals_otbcli_despeckle(kept, filtering, tmp_path: Path) -> None:
    cfg_path, job = kept
    settings = settings_from_config(load_config(cfg_path))
    out = tmp_path / "ours.tif"
    run_with_tags(despeckle_chain(job.output_path, filtering, settings, output_path=str(out)))
    theirs = _otbcli_despeckle(Path(job.output_path), tmp_path / "otb.tif", filtering.otb_params)
    np.testing.assert_array_equal(read(out), theirs)


def test_done_means_the_filtered_product_too(kept) -> None:
    cfg_path, job = kept
    # Done: image, mask, quicklook and filtered product.
    assert [j.status for j in _jobs(cfg_path)] == ["done"]
    filtered = filtered_path(job.output_path)
    first = read(filtered)
    filtered.unlink()
    (again,) = _jobs(cfg_path)
    assert (again.job_id, again.status) == (job.job_id, "todo")
    result = process_planned(cfg_path, again)
    assert [Path(p).name for p in result.written] == [filtered.name]  # only what was missing
    np.testing.assert_array_equal(read(filtered), first)


def test_without_the_unfiltered_product_only_the_filtered_one_is_published(
    kept, otb_data: Path, products: Path, tmp_path: Path
) -> None:
    _, kept_job = kept
    cfg = _site(tmp_path / "site", products, otb_data, masks=False, keep_unfiltered=False)
    (job,) = _jobs(cfg)
    result = process_planned(cfg, job)
    image, filtered = Path(job.output_path), filtered_path(job.output_path)
    assert not image.exists() and filtered.is_file()
    quicklook = filtered.with_suffix(".jpg")
    assert sorted(Path(p) for p in result.written) == sorted([filtered, quicklook])
    # Despeckle chained in memory gives the pixels of the separate pass over the file.
    np.testing.assert_array_equal(read(filtered), read(filtered_path(kept_job.output_path)))
    assert read_tags(filtered)["FILTERED"] == "true"
    assert [j.status for j in _jobs(cfg)] == ["done"]  # without the unfiltered image
    assert process_planned(cfg, job).skipped


def test_existing_outputs_include_the_filtered_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for folder in (out / TILE, out / "filtered" / TILE):
        folder.mkdir(parents=True)
    (out / TILE / "a.tif").touch()
    (out / "filtered" / TILE / "a_filtered.tif").touch()
    assert existing_outputs(out, TILE) == {"a.tif", "a_filtered.tif"}


def test_configured_names_folders_and_options_are_followed(
    kept, otb_data: Path, products: Path, tmp_path: Path
) -> None:
    """fname_fmt / dname_fmt / creation_options: process writes there, planning finds them."""
    _, kept_job = kept
    naming = {
        "fname_fmt.concatenation": "{tile_name}_{polarisation!u}_{acquisition_stamp}.tif",
        "fname_fmt.filtered": "{tile_name}_{polarisation!u}_{acquisition_stamp}_lee.tif",
        "dname_fmt.tiled": "{out_dir}/images/{tile_name}",
        "dname_fmt.mask": "{out_dir}/masks/{tile_name}",
        "dname_fmt.filtered": "{out_dir}/speckle/{calibration_type}/{tile_name}",
        "creation_options.tiled": "double COMPRESS=LZW",
        "creation_options.filtered": "float COMPRESS=ZSTD",
        "creation_options.mask": "uint8 COMPRESS=PACKBITS",
    }
    cfg = _site(
        tmp_path / "site", products, otb_data, masks=True, keep_unfiltered=True, processing=naming
    )
    out = load_config(cfg).paths.output
    (job,) = _jobs(cfg)
    stem = f"{TILE}_VV_{Path(kept_job.output_path).stem.rsplit('_', 1)[1]}"
    image = out / "images" / TILE / f"{stem}.tif"
    mask = out / "masks" / TILE / f"{stem}_BorderMask.tif"
    filtered = out / "speckle" / "sigma" / TILE / f"{stem}_lee.tif"
    assert (Path(job.output_path), job.mask_path) == (image, str(mask))
    result = process_planned(cfg, job)
    assert sorted(map(Path, result.written)) == sorted(
        [image, mask, filtered, image.with_suffix(".jpg")]
    )
    written = {
        path: (
            gdal.Open(str(path)).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION"),
            gdal.Open(str(path)).GetRasterBand(1).DataType,
        )
        for path in (image, filtered, mask)
    }
    assert written == {
        image: ("LZW", gdal.GDT_Float64),
        filtered: ("ZSTD", gdal.GDT_Float32),
        mask: ("PACKBITS", gdal.GDT_Byte),
    }
    # The same pixels as S1Tiling's default layout, whatever the names.
    np.testing.assert_array_equal(read(image), read(kept_job.output_path).astype(np.float64))
    np.testing.assert_array_equal(read(filtered), read(filtered_path(kept_job.output_path)))
    assert [j.status for j in _jobs(cfg)] == ["done"]
