"""``[Processing] output_format = COG``: the options GDAL's COG driver gets, and a job
published as COGs against the same job as GeoTIFFs (pixels, tags, GDAL's COG validator).

100 m output pixels keep each run to a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.config.request import load_config, parse_config_text
from s1ops.errors import ConfigError
from s1ops.outputs.cog import (
    FIRST_WRITE_OPTIONS,
    IMAGE_DEFAULTS,
    MASK_DEFAULTS,
    cog_options,
    cog_problems,
    rewrite_as_cog,
)
from s1ops.outputs.geotiff import read_tags
from s1ops.planning.jobs import TileJob
from s1ops.scratch import is_partial_name
from s1ops.testing.compare import IGNORED_TAGS
from s1ops.testing.request_file import RequestPaths, request_text, write_site_request
from s1ops.testing.site_jobs import make_site_products, planned_jobs, process_planned
from s1ops.testing.synth_safe import GEOID_SUBPATH

gdal.UseExceptions()
RES_M = 100
TILE = "32NNJ"
LEE = {"filter": "lee", "window_radius": 2, "nblooks": 4, "keep_non_filtered_products": True}


def _request(**processing: str) -> str:
    paths = RequestPaths.under(Path("/tmp/s1ops-cog-test"), geoid_file=Path("/tmp/egm96.grd"))
    return request_text(paths, tiles=TILE, processing=processing)  # type: ignore[arg-type]


# -- the options --------------------------------------------------------------------------


def test_the_defaults_are_deflate_with_the_float_predictor_and_overviews() -> None:
    assert cog_options((), IMAGE_DEFAULTS) == IMAGE_DEFAULTS
    assert "PREDICTOR=FLOATING_POINT" in IMAGE_DEFAULTS
    assert "RESAMPLING=NEAREST" in MASK_DEFAULTS  # a mask's overview keeps 0 and 1


def test_gtiff_options_are_translated_for_the_cog_driver() -> None:
    options = cog_options(
        ("COMPRESS=ZSTD", "PREDICTOR=2", "TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"),
        IMAGE_DEFAULTS,
    )
    assert "COMPRESS=ZSTD" in options and "PREDICTOR=STANDARD" in options
    assert "BLOCKSIZE=256" in options and "BLOCKSIZE=512" not in options
    assert not any(o.startswith(("TILED", "BLOCKX", "BLOCKY")) for o in options)
    assert "LEVEL=9" in cog_options(("ZLEVEL=9",), IMAGE_DEFAULTS)


def test_an_option_the_cog_driver_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="INTERLEAVE=BAND"):
        cog_options(("INTERLEAVE=BAND",), IMAGE_DEFAULTS)


@pytest.mark.parametrize("option", ["TILING_SCHEME=GoogleMapsCompatible", "TARGET_SRS=EPSG:4326"])
def test_an_option_that_would_leave_the_tiles_grid_is_refused(option: str) -> None:
    with pytest.raises(ValueError, match="off its S2 tile's grid"):
        cog_options((option,), IMAGE_DEFAULTS)


def test_the_request_file_key() -> None:
    plain = parse_config_text(_request()).output_format
    assert plain.image.cog is None and plain.mask.cog is None
    cog = parse_config_text(_request(output_format="cog")).output_format
    assert cog.image.options == FIRST_WRITE_OPTIONS and cog.image.cog == IMAGE_DEFAULTS
    assert cog.mask.cog == MASK_DEFAULTS and cog.mask.pixel_type == "uint8"
    assert cog.filtered.cog == IMAGE_DEFAULTS


def test_a_wrong_format_or_option_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"output_format.*GTiff, COG"):
        parse_config_text(_request(output_format="JPEG"))
    with pytest.raises(ConfigError, match=r"creation_options.mask.*INTERLEAVE"):
        parse_config_text(
            _request(output_format="COG", **{"creation_options.mask": "uint8 INTERLEAVE=BAND"})
        )


def test_a_cog_is_rewritten_in_place_with_tags_and_nodata(tmp_path: Path) -> None:
    path = tmp_path / "image.tif"
    data = np.arange(600 * 700, dtype=np.float32).reshape(600, 700)
    data[:, :50] = 0
    dst = gdal.GetDriverByName("GTiff").Create(str(path), 700, 600, 1, gdal.GDT_Float32)
    dst.SetGeoTransform((600000, 10, 0, 100000, 0, -10))
    dst.GetRasterBand(1).WriteArray(data)
    dst.GetRasterBand(1).SetNoDataValue(0)
    dst.SetMetadata({"CALIBRATION": "sigma", "POLARIZATION": "vv"})
    dst = None
    assert cog_problems(path)  # a plain striped GeoTIFF is no COG
    rewrite_as_cog(path, cog_options((), IMAGE_DEFAULTS))
    assert cog_problems(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.tif"]
    ds = gdal.Open(str(path))
    np.testing.assert_array_equal(ds.ReadAsArray(), data)
    assert ds.GetRasterBand(1).GetNoDataValue() == 0
    assert ds.GetRasterBand(1).GetOverviewCount() >= 1
    assert ds.GetMetadata()["CALIBRATION"] == "sigma"


# -- a job published as COGs ----------------------------------------------------------------


def _published(cfg_path: Path) -> tuple[TileJob, list[Path]]:
    """Plan and process the site's VV job: (the job, every file under the output)."""
    (job,) = planned_jobs(cfg_path, TILE)
    result = process_planned(cfg_path, job)
    assert not result.skipped and not result.empty, result
    files = sorted(p for p in load_config(cfg_path).paths.output.rglob("*") if p.is_file())
    return job, files


@pytest.fixture(scope="module")
def both(otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same job published as GeoTIFFs and as COGs: each site's (job, files)."""
    products = make_site_products(tmp_path_factory.mktemp("products"), seed=3)
    gtiff, cog = (
        _published(
            write_site_request(
                tmp_path_factory.mktemp(output_format.lower()),
                products,
                otb_data / GEOID_SUBPATH,
                tiles=TILE,
                resolution_m=RES_M,
                masks=True,
                filtering=LEE,
                processing={"output_format": output_format},
            )
        )
        for output_format in ("GTiff", "COG")
    )
    return gtiff, cog


def _tifs(files: list[Path], root_of: Path) -> dict[str, Path]:
    return {str(p.relative_to(root_of)): p for p in files if p.suffix == ".tif"}


def test_cogs_have_the_gtiffs_names_pixels_and_tags(both) -> None:
    (gtiff_job, gtiff_files), (cog_job, cog_files) = both
    gtiff_root = Path(gtiff_job.output_path).parents[1]
    cog_root = Path(cog_job.output_path).parents[1]
    plain, cogs = _tifs(gtiff_files, gtiff_root), _tifs(cog_files, cog_root)
    # image, mask and filtered image, under the same names
    assert sorted(plain) == sorted(cogs) and len(cogs) == 3
    for name, path in cogs.items():
        ours, theirs = gdal.Open(str(path)), gdal.Open(str(plain[name]))
        np.testing.assert_array_equal(ours.ReadAsArray(), theirs.ReadAsArray(), err_msg=name)
        assert np.count_nonzero(ours.ReadAsArray()) > 0, name
        tags, plain_tags = read_tags(path), read_tags(plain[name])
        for key in IGNORED_TAGS:  # the time of writing
            assert tags.pop(key) and plain_tags.pop(key), key
        assert tags == plain_tags, name
        band, other = ours.GetRasterBand(1), theirs.GetRasterBand(1)
        assert band.DataType == other.DataType and band.GetNoDataValue() == 0, name
        assert ours.GetGeoTransform() == theirs.GetGeoTransform(), name
        assert ours.GetProjection() == theirs.GetProjection(), name


def test_every_published_tif_is_a_valid_cog_and_no_partial_is_left(both) -> None:
    _gtiff, (_job, files) = both
    tifs = [p for p in files if p.suffix == ".tif"]
    assert len(tifs) == 3
    for path in tifs:
        assert cog_problems(path) == [], path
        assert gdal.Open(str(path)).GetRasterBand(1).GetOverviewCount() >= 1, path
    assert not [p for p in files if is_partial_name(p.name)]
    quicklooks = [p for p in files if p.suffix == ".jpg"]
    assert quicklooks  # made from the COG as from the GeoTIFF


def test_a_gtiff_site_publishes_no_cog(both) -> None:
    (_job, files), _cog = both
    image = next(p for p in files if p.suffix == ".tif")
    assert gdal.Open(str(image)).GetRasterBand(1).GetOverviewCount() == 0
