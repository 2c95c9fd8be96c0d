"""A small processing site for tests: one synthetic product and its flat DEM, and the jobs
a request file over them plans and processes (what the filtering, COG and normlim tests
share)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import filters_from_config, plan_from_config
from s1ops.processing.job import JobResult, process_job
from s1ops.processing.settings import settings_from_config
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.dem import make_flat_dem, make_relief_dem
from s1ops.testing.synth_safe import SynthSpec, make_product

# The template product's pass on 8 January 2020: it covers most of 32NNJ.
SITE_START = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)


def make_site_products(root: Path, *, seed: int, relief: bool = False) -> Path:
    """``root`` with ``s1/`` (one product, IPF 3.10, no margins) and ``dem/`` (3", flat or
    with ``s1ops.testing.dem.relief_height``'s ridges and hills)."""
    spec = SynthSpec(start=SITE_START, ipf_version="003.10", margin_px=0, seed=seed)
    safe = make_product(spec, root / "s1")
    footprint = read_safe(safe).footprint
    if relief:
        make_relief_dem(footprint, root / "dem", arcsec=3)
    else:
        make_flat_dem(footprint, root / "dem", arcsec=3)
    return root


def planned_jobs(cfg_path: Path, tile_id: str, polarisation: str = "vv") -> list[TileJob]:
    """The jobs of ``tile_id`` and ``polarisation`` the request file plans."""
    cfg = load_config(cfg_path)
    plan = plan_from_config(cfg, parse_tile_id(tile_id), filters_from_config(cfg.data_source))
    return [j for j in plan.jobs if j.polarisation == polarisation]


def process_planned(cfg_path: Path, job: TileJob, *, force: bool = False) -> JobResult:
    """``job`` processed with the request file's settings, as ``s1ops process`` does."""
    cfg = load_config(cfg_path)
    return process_job(job, settings_from_config(cfg), dem_dir=cfg.paths.dem_dir, force=force)
