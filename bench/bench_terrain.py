"""Benchmark: the terrain maps of one S2 tile (sin(LIA), LIA; optionally IA) at a resolution.

Makes a synthetic product (its annotation gives the orbit), a flat DEM under the
tile, then times ``s1ops.terrain.maps.make_maps`` and prints wall time, CPU time
and the peak memory (RSS) of this process, for the LIA maps alone and with the
IA maps (deg, sin) as well.

usage: python bench/bench_terrain.py [--work DIR] [--tile TILE] [--resolution M]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from s1ops.grid import parse_tile_id  # noqa: E402
from s1ops.processing.dem import dem_coverage  # noqa: E402
from s1ops.terrain.geoid import Geoid  # noqa: E402
from s1ops.terrain.maps import TerrainRequest, make_maps  # noqa: E402
from s1ops.terrain.orbit import orbit_from_annotation  # noqa: E402
from s1ops.testing.dem import make_flat_dem  # noqa: E402
from s1ops.testing.synth_safe import SynthSpec, default_template_dir, make_product  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/s1ops-bench-terrain"))
    parser.add_argument("--tile", default="32NNJ")
    parser.add_argument("--resolution", type=float, default=10.0)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    template = default_template_dir()
    safe = next(args.work.glob("*.SAFE"), None) or make_product(
        SynthSpec(scale=20), args.work, template
    )
    tile = parse_tile_id(args.tile)
    make_flat_dem(tile.footprint_lonlat(), args.work / "dem", 0)
    cells, _ = dem_coverage(tile.footprint_lonlat(), args.work / "dem")
    orbit = orbit_from_annotation(next((safe / "annotation").glob("*-vv-*.xml")).read_bytes())
    geoid = Geoid.read(template / "Input" / "DEM" / "egm96.grd")
    for ia in ((), ("deg", "sin")):
        request = TerrainRequest(
            tile=tile,
            relative_orbit=1,
            orbit_direction="DES",
            resolution_m=args.resolution,
            lia_dir=args.work / "lia",
            lia_degrees=True,
            ia_dir=args.work / "ia",
            ia_kinds=ia,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        made = make_maps(
            request, orbit, dem_cells=cells, geoid=geoid, source_product=safe.name, software="bench"
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        names = ", ".join(p.name for p in made)
        print(f"{args.tile} {args.resolution:g} m: {wall:.1f} s wall, {cpu:.1f} s CPU, "
              f"peak {peak_gib:.2f} GiB (so far) -- {names}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
