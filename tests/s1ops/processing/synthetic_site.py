"""What the processing tests of the synthetic site share (filtering, normlim, gamma0
RTC): request files over one tile at 100 m (a few seconds a run), its single VV job,
runs of it in several calibrations, a map written on a disk too small, reading a band."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.config.request import load_config
from s1ops.exit_codes import IO_FAILED
from s1ops.planning.jobs import TileJob
from s1ops.testing.request_file import Value, write_site_request
from s1ops.testing.site_jobs import planned_jobs, process_planned
from s1ops.testing.synth_safe import GEOID_SUBPATH
from tests.hostile.harness import assert_clear_error, partial_files, run_cli, run_limited

gdal.UseExceptions()
RES_M = 100
TILE = "32NNJ"


def read(path: str | Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def only_job(cfg_path: Path) -> TileJob:
    """The request's one VV job of TILE."""
    (job,) = planned_jobs(cfg_path, TILE)
    return job


def site_request(
    root: Path,
    products: Path,
    otb_data: Path,
    *,
    masks: bool = True,
    filtering: Mapping[str, Value] | None = None,
    **processing: Value,
) -> Path:
    """A request over ``products`` (make_site_products): TILE at RES_M, border masks
    unless ``masks`` is False, ``filtering`` as [Filtering], ``processing`` over the rest
    of [Processing]."""
    return write_site_request(
        root,
        products,
        otb_data / GEOID_SUBPATH,
        tiles=TILE,
        resolution_m=RES_M,
        masks=masks,
        filtering=filtering or {},
        processing=processing,
    )


def calibrated_runs(
    factory: pytest.TempPathFactory,
    products: Path,
    otb_data: Path,
    calibrations: tuple[str, ...],
    **processing: Value,
) -> dict[str, Path]:
    """The site's job processed in each of ``calibrations``: the request file of each."""
    made = {}
    for calibration in calibrations:
        cfg = site_request(
            factory.mktemp(calibration), products, otb_data, calibration=calibration, **processing
        )
        result = process_planned(cfg, only_job(cfg))
        assert not result.skipped and not result.empty, result
        made[calibration] = cfg
    return made


def check_map_not_published_on_a_full_disk(
    root: Path, products: Path, otb_data: Path, calibration: str, folder: str, prefix: str
) -> None:
    """``s1ops terrain-maps`` with no file allowed past 100 kB: exit 74 naming the map
    ``{prefix}_{TILE}_...``, nothing in ``folder`` (final or partial); then a run with
    room publishes it."""
    cfg = site_request(root, products, otb_data, calibration=calibration)
    safe = next((products / "s1").glob("*.SAFE"))
    args = ("terrain-maps", cfg, "--tile", TILE, "--product", safe)
    run = run_limited(100_000, *args)
    assert_clear_error(run, IO_FAILED, f"{prefix}_{TILE}_", "was not published", "File too large")
    maps = load_config(cfg).paths.output / folder
    assert list(maps.glob("*.tif")) == [] and partial_files(maps) == []
    assert run_cli(*args).returncode == 0  # nothing in the way of the next run
    assert len(list(maps.glob(f"{prefix}_*.tif"))) == 1
