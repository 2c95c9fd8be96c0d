"""Compare two output trees: the same files, GeoTIFFs equal bit for bit.

Used to prove that two runners (local, docker) produce the same outputs.
Only the write time (``TIFFTAG_DATETIME``) may differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from s1ops.outputs.geotiff import read_tags

IGNORED_TAGS = frozenset({"TIFFTAG_DATETIME"})


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _tiff_differences(a: Path, b: Path) -> list[str]:
    from osgeo import gdal

    da, db = gdal.OpenEx(str(a)), gdal.OpenEx(str(b))
    found = []
    for what, get in (
        ("geotransform", lambda d: d.GetGeoTransform()),
        ("projection", lambda d: d.GetProjection()),
        (
            "nodata",
            lambda d: [d.GetRasterBand(i + 1).GetNoDataValue() for i in range(d.RasterCount)],
        ),
    ):
        if get(da) != get(db):
            found.append(f"{what}: {get(da)} != {get(db)}")
    pa, pb = da.ReadAsArray(), db.ReadAsArray()
    if pa.dtype != pb.dtype or pa.shape != pb.shape or not np.array_equal(pa, pb):
        found.append(f"pixels differ ({pa.dtype}{pa.shape} vs {pb.dtype}{pb.shape})")
    ta, tb = read_tags(a), read_tags(b)
    for key in sorted((set(ta) | set(tb)) - IGNORED_TAGS):
        if ta.get(key) != tb.get(key):
            found.append(f"tag {key}: {ta.get(key)!r} != {tb.get(key)!r}")
    return found


def output_differences(
    expected: str | Path, actual: str | Path, *, only: Sequence[str] | None = None
) -> list[str]:
    """What differs between two output folders (empty: the same outputs).

    Files other than GeoTIFFs (quicklooks) must be equal byte for byte.
    ``only`` compares just those relative paths (each must be in both).
    """
    expected, actual = Path(expected), Path(actual)
    if only is None:
        names, other = _files(expected), _files(actual)
    else:
        names = [Path(n) for n in only]
        other = [n for n in names if (expected / n).is_file() and (actual / n).is_file()]
    if names != other:
        return [f"files: {[str(n) for n in names]} != {[str(n) for n in other]}"]
    found = []
    for name in names:
        a, b = expected / name, actual / name
        if name.suffix.lower() in (".tif", ".tiff"):
            found += [f"{name}: {d}" for d in _tiff_differences(a, b)]
        elif a.read_bytes() != b.read_bytes():
            found.append(f"{name}: bytes differ")
    return found
