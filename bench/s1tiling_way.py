"""One tile job processed the S1Tiling way, for bench_process.py (not part of the product).

As S1Tiling 1.x does: calibration -> margin reset -> orthorectification in
memory, each orthorectified product written to disk; a pair is merged by
Synthetize from those files into the output; the border mask is BandMath then
BinaryMorphologicalOperation, each written, the opening on the whole tile.

usage: python bench/s1tiling_way.py CONFIG JOB_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.planning.jobs import TileJob
from s1ops.processing.chains import ortho_grid, orthoready_steps, orthorectify
from s1ops.processing.job import _inputs, link_dem_cells
from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import MASK_CREATION_OPTIONS, Chain, Output, Step
from s1ops.processing.otb.runner import run_chain
from s1ops.processing.settings import settings_from_config


def one_step(step: Step, out: Path, ram_mb: int, pixel: str = "float") -> str:
    options = MASK_CREATION_OPTIONS if pixel == "uint8" else ("TILED=YES",)
    run_chain(Chain((step,), (Output(0, str(out), pixel, options),), ram_mb=ram_mb))
    return str(out)


def main() -> int:
    cfg = load_config(sys.argv[1])
    job = TileJob.from_dict(json.loads(sys.argv[2]))
    s = settings_from_config(cfg)
    work = cfg.paths.tmp / "steps" / job.job_id
    work.mkdir(parents=True, exist_ok=True)
    tile = parse_tile_id(job.tile_id)
    dem = work / "dem"
    link_dem_cells(tile.footprint_lonlat(), cfg.paths.dem_dir, dem)
    orthos = []
    grid = ortho_grid(tile, s.resolution_m)
    for n, product in enumerate(_inputs(job, s)):
        chain_steps = orthoready_steps(product, 0, s)
        chain_steps.append(orthorectify(len(chain_steps) - 1, grid, s, str(dem)))
        ortho = work / f"p{n}_ortho.tif"
        output = Output(len(chain_steps) - 1, str(ortho), "float", ("TILED=YES",))
        run_chain(Chain(tuple(chain_steps), (output,), ram_mb=s.ram_mb))
        orthos.append(str(ortho))
    out = Path(job.output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    merge = Step("Synthetize", inputs={"il": tuple(orthos)}, label="merge")
    run_chain(Chain((merge,), (Output(0, str(out)),), ram_mb=s.ram_mb))
    if job.mask_path:
        binarize, _ = steps.border_mask(str(out), first_index=0)
        binary = one_step(binarize, work / "mask_binary.tif", s.ram_mb, "uint8")
        # S1Tiling computes the opening on the whole tile at once.
        smooth = steps.binary_opening(binary)
        whole_tile_ram = max(s.ram_mb, 4096)
        one_step(smooth, Path(job.mask_path), whole_tile_ram, "uint8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
