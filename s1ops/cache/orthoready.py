"""OrthoReady files: S1Tiling's cache of calibrated + cut images, before orthorectification.

With ``--cache-before-ortho`` (S1Tiling's option of the same name) the image
of one product and polarisation, calibrated and with its margins cut, is kept
as ``{[Paths] tmp}/S1/{measurement stem}_{calibration}_OrthoReady.tif`` (the
calibration OTB applied, as S1Tiling names them) so that every tile the
product covers orthorectifies from it, and a request calibrated otherwise
never reads it. This module owns that folder and
those names; the maintenance deletes a file once no pending job needs its
product.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import MeasurementName, ProductId
from s1ops.vocabulary import CALIBRATIONS

ORTHOREADY_FOLDER = "S1"  # under [Paths] tmp, as S1Tiling names it
ORTHOREADY_SUFFIX = "_OrthoReady.tif"
_STAMP = "%Y%m%dt%H%M%S"


def orthoready_dir(tmp_dir: str | Path) -> Path:
    """The OrthoReady folder of ``[Paths] tmp``."""
    return Path(tmp_dir) / ORTHOREADY_FOLDER


def orthoready_path(measurement: str | Path, folder: str | Path, *, calibration: str) -> Path:
    """The OrthoReady file of a measurement image (a path, or a /vsizip/ one) calibrated
    by OTB as ``calibration`` (sigma, beta, gamma, dn)."""
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration {calibration!r}: one of {', '.join(CALIBRATIONS)}")
    return Path(folder) / f"{Path(str(measurement)).stem}_{calibration}{ORTHOREADY_SUFFIX}"


def key_of_file(name: str) -> str | None:
    """The product key an OrthoReady file name carries, or None if it is not one."""
    if not name.endswith(ORTHOREADY_SUFFIX):
        return None
    stem, _, calibration = name.removesuffix(ORTHOREADY_SUFFIX).rpartition("_")
    if calibration not in CALIBRATIONS:
        # Named by an older S1Ops, without the calibration: never read again, but the
        # maintenance still deletes it once no job needs its product.
        stem = name.removesuffix(ORTHOREADY_SUFFIX)
    try:
        m = MeasurementName.parse(stem + ".tiff")
    except ProductNameError:
        return None
    return _key(m.unit, m.start, m.stop, m.absolute_orbit, m.datatake)


def key_of_product(product_id: str) -> str | None:
    """The key the OrthoReady files of a product carry (unit, start, stop, orbit, datatake)."""
    try:
        p = ProductId.parse(product_id)
    except ProductNameError:
        return None
    return _key(p.unit, p.start, p.stop, p.absolute_orbit, p.datatake)


def _key(unit: str, start: datetime, stop: datetime, orbit: int, datatake: str) -> str:
    stamps = f"{start.strftime(_STAMP)}-{stop.strftime(_STAMP)}".lower()
    return f"{unit.lower()}-{stamps}-{orbit:06d}-{datatake.lower()}"
