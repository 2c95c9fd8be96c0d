"""The harness itself: an undisturbed run equals the reference, a changed pixel does not."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal

from tests.hostile.harness import (
    Site,
    assert_published_equal,
    process_args,
    published,
    run_cli,
)

pytestmark = [pytest.mark.otb, pytest.mark.slow]


def test_an_undisturbed_run_equals_the_reference(site: Site, reference_site: Site) -> None:
    for job in site.jobs().values():
        assert run_cli(*process_args(site, job)).returncode == 0
    names = [str(p.relative_to(reference_site.output)) for p in published(reference_site.output)]
    assert len(names) == 6  # vv and vh: image, mask, quicklook
    assert_published_equal(site.output, reference_site.output, names=names)


def test_a_changed_pixel_is_a_difference(site: Site, reference_site: Site) -> None:
    job = site.jobs()["vv"]
    assert run_cli(*process_args(site, job)).returncode == 0
    image = gdal.Open(job.output_path, gdal.GA_Update)
    band = image.GetRasterBand(1)
    pixels = band.ReadAsArray()
    pixels[np.nonzero(pixels)[0][0], np.nonzero(pixels)[1][0]] += 1
    band.WriteArray(pixels)
    image = band = None
    with pytest.raises(AssertionError, match="pixels differ"):
        assert_published_equal(site.output, reference_site.output)
