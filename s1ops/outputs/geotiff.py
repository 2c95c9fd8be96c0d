"""Reading and writing the GeoTIFF tags of our outputs (with GDAL)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from s1ops.errors import S1OpsError
from s1ops.outputs.publish import gdal_writes


def _gdal() -> Any:
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def write_tags(
    path: str | os.PathLike[str], tags: Mapping[str, str], *, keep_nodata: bool = True
) -> None:
    """Replace the default metadata domain of ``path`` with exactly ``tags``.

    Whatever OTB wrote there (its SAR keyword lists can weigh megabytes) is
    dropped; ``TIFFTAG_*`` keys become the native TIFF tags. Without
    ``keep_nodata`` the band's no-data value is removed (a mask's 0 is a value).
    """
    gdal = _gdal()
    try:
        ds = gdal.Open(str(path), gdal.GA_Update)
    except RuntimeError as exc:
        raise S1OpsError(f"cannot open {path} to write its tags: {exc}") from exc
    # The tags are written when the file is closed: a full disk fails there.
    with gdal_writes():
        ds.SetMetadata({k: str(v) for k, v in tags.items()})
        band = ds.GetRasterBand(1)
        band.SetMetadata({})
        if not keep_nodata:
            band.DeleteNoDataValue()
        band = ds = None
    aux = Path(f"{path}.aux.xml")
    if aux.exists():
        # GDAL falls back to a sidecar only when the file cannot hold the tags.
        raise S1OpsError(f"GDAL wrote {aux} instead of storing the tags in {path}")


def read_tags(path: str | os.PathLike[str]) -> dict[str, str]:
    """The default-domain metadata of ``path`` (TIFFTAG_* included)."""
    gdal = _gdal()
    ds = gdal.Open(str(path))
    try:
        return dict(ds.GetMetadata() or {})
    finally:
        ds = None
