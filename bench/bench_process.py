"""Benchmark: one full S2 tile at 10 m from two full-size synthetic products, VV + VH.

(a) s1ops: calibrate -> cut -> orthorectify -> merge in one in-memory OTB
    pipeline per polarisation, border mask from edge blocks;
(b) the S1Tiling way: calibrate -> cut -> orthorectify in memory, each
    orthorectified product written to disk, the pair merged by Synthetize
    from those files, the mask by BandMath + BinaryMorphologicalOperation
    on the whole tile, each written (bench/s1tiling_way.py).
Both run the two polarisations in parallel, one OTB thread each (S1Tiling's
2 workers x 1 thread). Prints wall time, CPU time and the peak memory of the
whole process tree, and checks that both give the same pixels.

Then, unless --no-variants, what bounds (a) from below (bench/variants.py):
the I/O floor (the measurements read whole, a tile-sized float image written
with the product's creation options, nothing computed), the OTB chain alone
(no lease, tags, mask nor quicklook), and (c) the geometry computed once for
both polarisations (one 2-band orthorectification with two threads, written
uncompressed, then each band written as its product), its pixels compared
with (a)'s.

usage: python bench/bench_process.py [--work DIR] [--scale N] [--resolution M]
                                     [--tile TILE] [--no-variants]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psutil
from osgeo import gdal
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parents[1]
# 32NNH: both products overlap it (a pair, merged); 32NNJ: the first covers 99.8 % of it
# alone (the case of DESIGN.md's S1Tiling figures).
TILE = "32NNH"
START = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)


def products(work: Path, scale: int) -> list[Path]:
    from s1ops.sentinel1.safe import read_safe
    from s1ops.testing.dem import make_flat_dem
    from s1ops.testing.synth_safe import SynthSpec, make_product

    s1 = work / "s1"
    existing = sorted(s1.glob("*.SAFE"))
    if len(existing) == 2:
        return existing
    specs = [
        SynthSpec(start=START, scale=scale, ipf_version="003.10", seed=1),
        SynthSpec(
            start=START + timedelta(seconds=25),
            shift_lat_deg=-1.45,
            shift_lon_deg=-0.3,
            scale=scale,
            ipf_version="003.10",
            seed=2,
        ),
    ]
    started = time.monotonic()
    made = [make_product(spec, s1) for spec in specs]
    print(f"generated 2 products at scale {scale} in {time.monotonic() - started:.0f} s")
    make_flat_dem(unary_union([read_safe(p).footprint for p in made]), work / "dem", arcsec=3)
    return made


def write_config(
    work: Path, resolution: int, out: str, tile: str, calibration: str = "sigma"
) -> Path:
    from s1ops.testing.request_file import RequestPaths, write_request
    from s1ops.testing.synth_safe import GEOID_SUBPATH, default_template_dir

    paths = RequestPaths(
        work / out, work / "s1", work / "dem", work / "tmp", default_template_dir() / GEOID_SUBPATH
    )
    return write_request(
        work / f"{out}.cfg",
        paths,
        tiles=tile,
        data_source={"first_date": START.date(), "last_date": START.date()},
        mask={"generate_border_mask": True},
        processing={
            "calibration": calibration,
            "output_spatial_resolution": resolution,
            "orthorectification_gridspacing": 4 * resolution,
            "ram_per_process": 4096,
            "nb_otb_threads": 1,
        },
    )


class TreeSampler:
    """Peak RSS summed over this process's children, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            time.sleep(0.1)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(label: str, *stages: list[list[str]]) -> dict[str, float]:
    """Run each stage's commands in parallel, the stages one after the other."""
    before = psutil.Process().cpu_times()
    started = time.monotonic()
    with TreeSampler() as sampler:
        for commands in stages:
            procs = [subprocess.Popen(c) for c in commands]
            codes = [p.wait() for p in procs]
            if any(codes):
                raise SystemExit(f"{label}: a run failed with exit codes {codes}")
    wall = time.monotonic() - started
    after = psutil.Process().cpu_times()
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    result = {"wall_s": wall, "cpu_s": cpu, "peak_gib": sampler.peak_bytes / 2**30}
    print(
        f"{label:>28}: wall {wall:6.1f} s   CPU {cpu:6.1f} s   "
        f"peak RSS {result['peak_gib']:5.2f} GiB"
    )
    return result


def report_differences(x: Path, y: Path, between: str) -> None:
    differ = np.count_nonzero(gdal.Open(str(x)).ReadAsArray() != gdal.Open(str(y)).ReadAsArray())
    print(f"{x.name}: {differ} pixels differ between {between}")


def variants(cfg: Path, ours_jobs: list[dict[str, object]], out: Path, b: dict[str, float]) -> None:
    """The floors of (a) and (c), the geometry shared by the polarisations (variants.py)."""
    out.mkdir(parents=True, exist_ok=True)
    script = str(Path(__file__).with_name("variants.py"))
    pols = [str(job["polarisation"]) for job in ours_jobs]
    each = [(json.dumps(job), pol) for job, pol in zip(ours_jobs, pols, strict=True)]
    measure(
        "I/O floor (read, write)",
        [
            [sys.executable, script, "floor", str(cfg), j, str(out / f"floor_{p}.tif")]
            for j, p in each
        ],
    )
    measure(
        "OTB chain alone",
        [
            [sys.executable, script, "chain", str(cfg), j, str(out / f"chain_{p}.tif")]
            for j, p in each
        ],
    )
    stack = out / "stack.tif"
    c = measure(
        "(c) geometry shared",
        [[sys.executable, script, "stack", str(cfg), json.dumps(ours_jobs), str(stack)]],
        [
            [sys.executable, script, "split", str(cfg), str(stack), str(n), str(out / f"c_{p}.tif")]
            for n, p in enumerate(pols, 1)
        ],
    )
    print(
        f"ratio c/b (images only in c): wall {c['wall_s'] / b['wall_s']:.2f}  "
        f"CPU {c['cpu_s'] / b['cpu_s']:.2f}  peak memory {c['peak_gib'] / b['peak_gib']:.2f}"
    )
    for job, pol in zip(ours_jobs, pols, strict=True):
        report_differences(out / f"c_{pol}.tif", Path(str(job["output_path"])), "(c) and (a)")


def jobs(cfg: Path, tile: str) -> list[dict[str, object]]:
    plan = subprocess.run(
        [sys.executable, "-m", "s1ops", "plan", str(cfg), "--tile", tile],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(plan.stdout)["jobs"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "work" / "bench")
    parser.add_argument("--scale", type=int, default=1, help="1 = full-size products")
    parser.add_argument("--resolution", type=int, default=10)
    parser.add_argument("--tile", default=TILE, help="32NNH: a pair; 32NNJ: one product")
    parser.add_argument(
        "--no-variants",
        dest="variants",
        action="store_false",
        help="only (a) and (b): not the floors nor the shared geometry",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    products(args.work, args.scale)

    ours = write_config(args.work, args.resolution, "s1ops", args.tile)
    ours_jobs = jobs(ours, args.tile)
    a = measure(
        "(a) s1ops in memory",
        [
            [
                sys.executable,
                "-m",
                "s1ops",
                "process",
                str(ours),
                "--force",
                "--job",
                json.dumps(job),
            ]
            for job in ours_jobs
        ],
    )
    disk = write_config(args.work, args.resolution, "s1tiling_way", args.tile)
    b = measure(
        "(b) written between steps",
        [
            [
                sys.executable,
                str(Path(__file__).with_name("s1tiling_way.py")),
                str(disk),
                json.dumps(job),
            ]
            for job in jobs(disk, args.tile)
        ],
    )
    print(
        f"ratio a/b: wall {a['wall_s'] / b['wall_s']:.2f}  CPU {a['cpu_s'] / b['cpu_s']:.2f}  "
        f"peak memory {a['peak_gib'] / b['peak_gib']:.2f}"
    )
    for job in ours_jobs:
        mine = Path(str(job["output_path"]))
        theirs = args.work / "s1tiling_way" / args.tile / mine.name
        mask = Path(str(job["mask_path"]))
        report_differences(mine, theirs, "(a) and (b)")
        report_differences(mask, theirs.with_name(mask.name), "(a) and (b)")
    if args.variants:
        variants(ours, ours_jobs, args.work / "variants", b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
