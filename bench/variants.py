"""Variants of one tile's processing that bench_process.py times (not part of the product).

    floor CONFIG JOB_JSON OUT       read the job's measurement(s) whole, write a tile-sized
                                    float image with the product's creation options: the
                                    I/O floor of a job (no calibration, no geometry)
    chain CONFIG JOB_JSON OUT       the job's in-memory OTB chain alone (no lease, tags,
                                    mask, quicklook): what OTB itself costs
    stack CONFIG JOBS_JSON STACK    the geometry shared by the polarisations: each
                                    product's VV and VH calibrated and cut, stacked,
                                    orthorectified once (2 bands, merged when a pair),
                                    written uncompressed and band-interleaved
    split CONFIG STACK BAND OUT     one band of the stack written as a product (GDAL, the
                                    product's creation options)

Every command exits non-zero on failure; bench_process.py compares the pixels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from osgeo import gdal

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.planning.jobs import TileJob
from s1ops.processing.chains import group_chain, ortho_grid, orthoready_steps, orthorectify
from s1ops.processing.job import _inputs, link_dem_cells
from s1ops.processing.otb.chain import Chain, Output, Step
from s1ops.processing.otb.runner import run_chain
from s1ops.processing.settings import ProcessSettings, settings_from_config

gdal.UseExceptions()
STRIP_LINES = 512


def _settings(config: str) -> ProcessSettings:
    return settings_from_config(load_config(config))


def _with_dem(config: str, tile_id: str, name: str) -> tuple[ProcessSettings, Path]:
    """The request's settings, and the DEM cells of ``tile_id`` linked in a folder of
    their own (OTB reads a folder)."""
    cfg = load_config(config)
    links = cfg.paths.tmp / "variants" / name / "dem"
    link_dem_cells(parse_tile_id(tile_id).footprint_lonlat(), cfg.paths.dem_dir, links)
    return settings_from_config(cfg), links


def floor(config: str, job_json: str, out: str) -> None:
    s = _settings(config)
    job = TileJob.from_dict(json.loads(job_json))
    size = round(parse_tile_id(job.tile_id).size_m / s.resolution_m)
    written = s.output_format.image
    dataset = gdal.GetDriverByName("GTiff").Create(
        out, size, size, 1, gdal.GDT_Float32, list(written.options)
    )
    band = dataset.GetRasterBand(1)
    for product in _inputs(job, s):
        measurement = gdal.Open(product.measurement)  # kept: its band needs it alive
        source = measurement.GetRasterBand(1)
        for y0 in range(0, source.YSize, STRIP_LINES):
            lines = min(STRIP_LINES, source.YSize - y0)
            dn = source.ReadAsArray(0, y0, source.XSize, lines)
            if y0 < size:  # a product's pixels as data: what DEFLATE meets in a real one
                rows = min(lines, size - y0)
                values = dn[:rows, :size].astype(np.float32) ** 2 / np.float32(1e6)
                band.WriteArray(values, 0, y0)
    dataset.FlushCache()
    dataset = None


def chain(config: str, job_json: str, out: str) -> None:
    job = TileJob.from_dict(json.loads(job_json))
    tile = parse_tile_id(job.tile_id)
    s, dem = _with_dem(config, job.tile_id, f"chain_{Path(out).stem}")
    run_chain(group_chain(_inputs(job, s), tile, s, output_path=out, dem_dir=str(dem)))


def stack(config: str, jobs_json: str, out: str) -> None:
    jobs = [TileJob.from_dict(j) for j in json.loads(jobs_json)]
    tile = parse_tile_id(jobs[0].tile_id)
    s, dem = _with_dem(config, jobs[0].tile_id, "stack")
    by_pol = [_inputs(job, s) for job in jobs]  # one entry per polarisation, in job order
    grid = ortho_grid(tile, s.resolution_m)
    chain_steps: list[Step] = []
    orthos = []
    for products in zip(*by_pol, strict=True):  # the same product's polarisations
        cut = []
        for product in products:
            chain_steps += orthoready_steps(product, len(chain_steps), s)
            cut.append(len(chain_steps) - 1)
        chain_steps.append(Step("ConcatenateImages", inputs={"il": tuple(cut)}, label="stack"))
        chain_steps.append(orthorectify(len(chain_steps) - 1, grid, s, str(dem)))
        orthos.append(len(chain_steps) - 1)
    if len(orthos) > 1:  # first non-zero wins, band by band (first_nonzero's rule)
        merged = "; ".join(f"(im1b{b} != 0 ? im1b{b} : im2b{b})" for b in range(1, len(jobs) + 1))
        chain_steps.append(
            Step("BandMathX", params={"exp": merged}, inputs={"il": tuple(orthos)}, label="merge")
        )
    # Two threads: this one process does the work of the two per-polarisation chains.
    written = Output(len(chain_steps) - 1, out, "float", ("TILED=YES", "INTERLEAVE=BAND"))
    run_chain(Chain(tuple(chain_steps), (written,), ram_mb=s.ram_mb, threads=2 * s.threads))


def split(config: str, stack_path: str, band: str, out: str) -> None:
    options = list(_settings(config).output_format.image.options)
    gdal.Translate(out, stack_path, bandList=[int(band)], creationOptions=options)


COMMANDS = {"floor": floor, "chain": chain, "stack": stack, "split": split}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
