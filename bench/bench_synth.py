"""Time and size of synthetic IW GRD products (prints numbers; not a test).

Run: python bench/bench_synth.py [SCALE ...] (default: 10 1). Each product is
written into a temporary folder, measured, then deleted; SCALE 1 is the full
25 247 x 19 539 pixel product (about 1 GB, two minutes on two cores).
Needs OTB's test data ($S1OPS_OTB_DATA or .cache/otb-data) and GDAL.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from s1ops.testing.synth_safe import SynthSpec, make_product


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def bench(scale: int, zip_it: bool = False) -> None:
    """Generate one product at ``scale`` and print its time and size."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        t0 = time.perf_counter()
        path = make_product(SynthSpec(scale=scale), Path(tmp), zip_it=zip_it)
        elapsed = time.perf_counter() - t0
        size = path.stat().st_size / 1e6 if path.is_file() else _size_mb(path)
        kind = "zip" if zip_it else "SAFE folder"
        print(f"scale {scale:>2}: {elapsed:7.1f} s, {size:8.1f} MB ({kind}) {path.name}")


def main(argv: list[str]) -> int:
    scales = [int(a) for a in argv] or [10, 1]
    for scale in scales:
        bench(scale)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
