"""What the terrain-calibration tests share: their synthetic site's request files over one
tile at 100 m (a few seconds a run), its single VV job, and reading a band."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from osgeo import gdal

from s1ops.planning.jobs import TileJob
from s1ops.testing.request_file import write_site_request
from s1ops.testing.site_jobs import planned_jobs
from s1ops.testing.synth_safe import GEOID_SUBPATH

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
    root: Path, products: Path, otb_data: Path, *, masks: bool = True, **processing: object
) -> Path:
    """A request over ``products`` (make_site_products): TILE at RES_M, border masks,
    ``processing`` over the rest of [Processing]."""
    return write_site_request(
        root,
        products,
        otb_data / GEOID_SUBPATH,
        tiles=TILE,
        resolution_m=RES_M,
        masks=masks,
        filtering={},
        processing=processing,
    )
