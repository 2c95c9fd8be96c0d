"""Benchmark: the terrain maps of one 10 m S2 tile, and what normlim and gamma0 RTC add to a
day's jobs.

On bench_process.py's full-size synthetic products (tile 32NNJ: one product):
(1) ``s1ops terrain-maps`` making the sin(LIA) map of the tile for the
product's orbit, (2) the same with the IA map in degrees too, (3) the
gamma-area map, then (4) the day's two jobs (VV and VH side by side, as
bench_process.py runs them) in sigma0, normlim and gamma_naught_rtc (the maps
made already, as on every day but the first). Prints wall time, CPU time and
the peak memory of the process tree of each.

usage: python bench/bench_terrain.py [--work DIR] [--scale N] [--resolution M] [--tile T]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench_process import REPO, jobs, measure, products, write_config


def _process_all(cfg: Path, tile: str) -> list[list[str]]:
    return [
        [sys.executable, "-m", "s1ops", "process", str(cfg), "--force", "--job", json.dumps(job)]
        for job in jobs(cfg, tile)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "work" / "bench")
    parser.add_argument("--scale", type=int, default=1, help="1 = full-size products")
    parser.add_argument("--resolution", type=int, default=10)
    parser.add_argument("--tile", default="32NNJ")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    made = products(args.work, args.scale)
    sigma = write_config(args.work, args.resolution, "sigma", args.tile)
    normlim = write_config(args.work, args.resolution, "normlim", args.tile, "normlim")
    rtc = write_config(args.work, args.resolution, "rtc", args.tile, "gamma_naught_rtc")
    product = ["--tile", args.tile, "--product", str(made[0]), "--force"]
    maps = [sys.executable, "-m", "s1ops", "terrain-maps", str(normlim), *product]
    measure("(1) sin(LIA) map", [maps])
    measure("(2) with the IA map (deg)", [[*maps, "--ia"]])
    gamma = [sys.executable, "-m", "s1ops", "terrain-maps", str(rtc), *product]
    measure("(3) gamma-area map", [gamma])
    s = measure("(4) day in sigma0", _process_all(sigma, args.tile))
    for name, cfg in (("normlim", normlim), ("gamma0 RTC", rtc)):
        n = measure(f"(4) day in {name}", _process_all(cfg, args.tile))
        print(
            f"{name} / sigma0: wall {n['wall_s'] / s['wall_s']:.2f}  "
            f"CPU {n['cpu_s'] / s['cpu_s']:.2f}  peak memory {n['peak_gib'] / s['peak_gib']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
