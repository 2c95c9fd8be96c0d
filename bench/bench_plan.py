"""Time planning one tile against a 10 000-product catalogue (prints numbers; not a test).

Run: python bench/bench_plan.py [N]. Two catalogues of N products (fixed seed):

* realistic: two years of S1A + S1B passes over 33NWB (4 tracks, 2 slices,
  every 12 days per unit: 976 products over the tile), the rest elsewhere;
* dense: a quarter of the products (2 500) scattered over the tile's
  region on random days and orbits: far more than any real tile sees.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta

from shapely import affinity

from s1ops.grid import parse_tile_id
from s1ops.planning.tile import PlanFilters, ProductIndex, plan_tile
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint

# The real 33NWB pair of 2020-01-08 ("lat,lon" corners from its manifests).
PAIR = [
    "1.137156,14.233953 0.660935,16.461103 2.173307,16.775520 2.645077,14.545785",
    "-0.370174,13.917268 -0.851051,16.143845 0.660845,16.461084 1.137179,14.233407",
]
TRACKS = [(7, "DES", 0.0), (80, "DES", -1.2), (36, "ASC", 0.8), (138, "ASC", -0.6)]
FIRST = datetime(2020, 1, 1, 4, 41, 50)


class Catalogue:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records: list[ProductRecord] = []

    def add(self, unit: str, moment: datetime, footprint, relorb: int, direction: str) -> None:
        i = len(self.records)
        start, stop = f"{moment:%Y%m%dT%H%M%S}", f"{moment + timedelta(seconds=25):%Y%m%dT%H%M%S}"
        pid = ProductId.parse(f"{unit}_IW_GRDH_1SDV_{start}_{stop}_{i:06d}_038506_{i % 65536:04X}")
        availability = self.rng.choice(["on_disk", "online", "offline"])
        self.records.append(
            ProductRecord(pid, footprint, relorb, direction, ("vv", "vh"), availability)
        )

    def fill_elsewhere(self, n: int) -> None:
        while len(self.records) < n:
            lon, lat = self.rng.uniform(-170, 170), self.rng.uniform(-60, 70)
            if abs(lon - 15) < 10 and abs(lat - 1) < 10:
                continue
            self.add_random(lon, lat)

    def add_random(self, lon: float, lat: float) -> None:
        moment = FIRST + timedelta(days=self.rng.randrange(730), seconds=self.rng.randrange(86400))
        footprint = parse_footprint(
            f"{lat + 1},{lon} {lat + 0.5},{lon + 2.2} {lat - 1},{lon + 1.9} {lat - 0.5},{lon - 0.3}"
        )
        relorb = self.rng.randrange(1, 176)
        self.add("S1A", moment, footprint, relorb, self.rng.choice(["ASC", "DES"]))


def realistic(n: int) -> list[ProductRecord]:
    cat = Catalogue(1)
    pair = [parse_footprint(c) for c in PAIR]
    for cycle in range(61):
        for unit, offset in (("S1A", 0), ("S1B", 6)):
            for k, (relorb, direction, dlon) in enumerate(TRACKS):
                moment = FIRST + timedelta(days=12 * cycle + offset + k, hours=13 * (k % 2))
                for j, shape in enumerate(pair):
                    footprint = affinity.translate(shape, xoff=dlon)
                    cat.add(unit, moment + timedelta(seconds=25 * j), footprint, relorb, direction)
    cat.fill_elsewhere(n)
    return cat.records


def dense(n: int) -> list[ProductRecord]:
    cat = Catalogue(2)
    for _ in range(n // 4):
        cat.add_random(cat.rng.uniform(14.0, 16.5), cat.rng.uniform(0.0, 2.5))
    cat.fill_elsewhere(n)
    return cat.records


def timed(label: str, func, repeat: int = 5):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    print(f"{label}: {best:.3f} s (best of {repeat})")
    return result


def main(n: int = 10_000) -> None:
    tile = parse_tile_id("33NWB")
    filters = PlanFilters(date(2020, 1, 1), date(2021, 12, 31), min_coverage_pct=10)
    for name, make in (("realistic", realistic), ("dense", dense)):
        records = make(n)
        print(f"-- {name}: {len(records)} products")
        index = timed("build the spatial index", lambda r=records: ProductIndex(r))
        result = timed(
            "plan 33NWB from the list",
            lambda r=records: plan_tile(r, tile, filters, output_dir="/out"),
        )
        timed(
            "plan 33NWB from a prebuilt index",
            lambda i=index: plan_tile(i, tile, filters, output_dir="/out"),
        )
        text = timed("plan -> JSON", result.to_json)
        print(
            f"jobs {len(result.jobs)} (todo {len(result.todo)}, waiting {len(result.waiting)}), "
            f"dropped {len(result.dropped)}, JSON {len(text) / 1e3:.0f} kB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
