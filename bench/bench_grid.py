"""Time tile ids -> full tile info on 50 000 ids (prints numbers; not a test).

Run: python bench/bench_grid.py [N]. The ids are drawn (with repetition, fixed
seed) from the grid that s1ops.grid itself enumerates. Two paths are timed: the
library (parse_tile_id + tile_dicts) and the CLI (`s1ops tile-info` reading
stdin, writing JSON lines), both with a cold parse cache.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import time

from s1ops import grid, grid_footprints
from s1ops.cli import main as cli_main


def _library(ids: list[str]) -> None:
    grid.parse_tile_id.cache_clear()
    t0 = time.perf_counter()
    tiles = [grid.parse_tile_id(i) for i in ids]
    t1 = time.perf_counter()
    footprints = grid_footprints.footprints_lonlat(tiles)
    t2 = time.perf_counter()
    records = grid_footprints.tile_dicts(tiles)
    t3 = time.perf_counter()
    warm = [grid.parse_tile_id(i) for i in ids]
    t4 = time.perf_counter()
    assert warm == tiles and len(footprints) == len(records) == len(ids)
    print(f"parse, cold cache ({len(set(ids))} distinct): {t1 - t0:.3f} s")
    print(f"parse, warm cache: {t4 - t3:.3f} s")
    print(f"footprints_lonlat: {t2 - t1:.3f} s")
    print(f"tile_dicts (footprints + WKT): {t3 - t2:.3f} s")
    print(f"library total, parse + tile_dicts: {t1 - t0 + t3 - t2:.3f} s")


def _cli(ids: list[str]) -> None:
    grid.parse_tile_id.cache_clear()
    stdin, out = io.StringIO("\n".join(ids) + "\n"), io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = stdin
    try:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = cli_main(["tile-info"])
        t1 = time.perf_counter()
    finally:
        sys.stdin = real_stdin
    lines = out.getvalue().count("\n")
    assert code == 0 and lines == len(ids)
    size_mb = len(out.getvalue()) / 1e6
    print(f"CLI tile-info, stdin -> {lines} JSON lines ({size_mb:.1f} MB): {t1 - t0:.3f} s")


def main(n: int = 50_000) -> None:
    t0 = time.perf_counter()
    all_ids = grid.enumerate_tile_ids()
    print(f"grid tables + enumerate {len(all_ids)} ids: {time.perf_counter() - t0:.3f} s")
    ids = random.Random(42).choices(all_ids, k=n)
    _library(ids)
    _cli(ids)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
