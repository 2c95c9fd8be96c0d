"""Reading and writing the GeoTIFF tags of our outputs (with GDAL)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from s1ops.errors import S1OpsError
from s1ops.outputs.publish import gdal_writes
from s1ops.outputs.tags import otb_tags

# S1Tiling's images and border masks both say no-data 0 on their band (OTB
# carries the flag from the image into the mask): tools rely on it.
NODATA = 0.0


def _gdal() -> Any:
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def set_nodata(band: Any, nodata: float | None) -> None:
    """Give a GDAL band ``nodata`` as its no-data value, or none when None."""
    if nodata is None:
        band.DeleteNoDataValue()
    else:
        band.SetNoDataValue(nodata)


def with_otb_tags(found: Mapping[str, str], tags: Mapping[str, str]) -> dict[str, str]:
    """``tags`` over the OTB keys S1Tiling's outputs keep (``OTB_KEYS``) among ``found``."""
    return {**otb_tags(found), **{k: str(v) for k, v in tags.items()}}


def write_tags(
    path: str | os.PathLike[str], tags: Mapping[str, str], *, nodata: float | None = NODATA
) -> None:
    """Replace the default metadata domain of ``path`` with ``tags`` and OTB's kept keys.

    Of what OTB wrote there, only ``OTB_KEYS`` stay, as in S1Tiling's outputs;
    its SAR keyword lists (they can weigh megabytes) are dropped. ``tags`` win
    over OTB's keys; ``TIFFTAG_*`` keys become the native TIFF tags. The band's
    no-data value becomes ``nodata`` (removed when None).
    """
    gdal = _gdal()
    try:
        ds = gdal.Open(str(path), gdal.GA_Update)
    except RuntimeError as exc:
        raise S1OpsError(f"cannot open {path} to write its tags: {exc}") from exc
    # The tags are written when the file is closed: a full disk fails there.
    with gdal_writes():
        ds.SetMetadata(with_otb_tags(ds.GetMetadata() or {}, tags))
        band = ds.GetRasterBand(1)
        band.SetMetadata({})
        set_nodata(band, nodata)
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
