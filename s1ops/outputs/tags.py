"""The GeoTIFF tags S1Tiling writes in every output image and border mask."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import ACQUISITION_FORMAT, IMAGE_TYPES, TIFF_DATETIME_FORMAT

log = logging.getLogger(__name__)

# The keys OTB (>= 8) writes into an output's default metadata domain that
# S1Tiling's outputs keep (its tag writer merges): tools keyed on them must work
# on ours too. OTB's SAR keys (SARCalib*, PRF, Polarization, ...) are not among
# them: S1Tiling deletes those after orthorectification.
OTB_KEYS = (
    "DataType",
    "FACILITY_IDENTIFIER",
    "METADATATYPE",
    "OTB_VERSION",
    "ProductType",
    "ProductionDate",
    "TileHintX",
    "TileHintY",
)


def otb_tags(metadata: Mapping[str, str]) -> dict[str, str]:
    """The :data:`OTB_KEYS` found in ``metadata`` (a file's default domain), as found.

    The values are OTB's, even those naming the software (OTB_VERSION is OTB's own).
    """
    return {key: metadata[key] for key in OTB_KEYS if key in metadata}


def acquisition_stamp(moment: datetime) -> str:
    """An acquisition time as S1Tiling writes it: ``2020:01:08T04:41:50Z`` (UTC)."""
    return moment.strftime(ACQUISITION_FORMAT)


def image_description(unit: str, calibration: str, image_type: str) -> str:
    """TIFFTAG_IMAGEDESCRIPTION of an S1Tiling image or border mask.

    These are the strings S1Tiling 1.x writes; its documentation mentions an
    ``on S2 tile`` ending for images that its code and baselines do not have.
    """
    sentinel = f"Sentinel-{unit[1:].upper()}"  # 's1a' -> 'Sentinel-1A'
    if image_type == "MASK":
        return f"Orthorectified {sentinel} IW GRD smoothed border mask S2 tile"
    if calibration == "Normlim":
        return f"Sigma0 Normlim Calibrated {sentinel} IW GRD"
    if calibration == "GammaNaughtRTC":
        return f"Gamma0 RTC Calibrated {sentinel} IW GRD"
    return f"{calibration} calibrated orthorectified {sentinel} IW GRD"


@dataclass(frozen=True)
class TagInputs:
    """Plain values the output tags are made of (everything but the products)."""

    tile_id: str
    polarisation: str
    orbit_direction: str  # 'ASC' or 'DES'
    relative_orbit: int
    calibration: str  # 'sigma', 'beta', 'gamma', 'dn', 'Normlim'
    noise_removed: bool
    interpolator: str  # 'nn', 'linear', 'bco'
    resolution_m: float
    dem_info: str  # [Paths] dem_info, else the DEM folder's base name
    software_version: str
    software_name: str = "S1Ops"
    lower_signal_value: float | None = None  # written when noise is removed


def output_tags(
    products: Sequence[ProductId],
    inputs: TagInputs,
    *,
    image_type: str,
    now: datetime,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The GeoTIFF metadata of an output image (``BACKSCATTERING``) or mask (``MASK``).

    Mirrors S1Tiling: products are listed by sorted SAFE name; the first one
    gives ACQUISITION_DATETIME, ORBIT_NUMBER and FLYING_UNIT_CODE, and each
    input has its ACQUISITION_DATETIME_<n> (a single product has _1 only).
    ``now`` is written as TIFFTAG_DATETIME as given (pass UTC). ``extra``
    holds the request's [Metadata] entries; a computed tag wins over an
    entry of the same name, which is logged.
    """
    if not products:
        raise ValueError("output_tags needs at least one input product")
    if image_type not in IMAGE_TYPES:
        raise ValueError(f"image_type={image_type!r}. Must be one of: {', '.join(IMAGE_TYPES)}")
    ordered = sorted(products, key=lambda p: p.format())
    first = ordered[0]
    tags: dict[str, str] = {
        "ACQUISITION_DATETIME": acquisition_stamp(first.start),
        **{
            f"ACQUISITION_DATETIME_{n}": acquisition_stamp(p.start)
            for n, p in enumerate(ordered, start=1)
        },
        "CALIBRATION": inputs.calibration,
        "DEM_INFO": inputs.dem_info,
        "FLYING_UNIT_CODE": first.unit_code,
        "IMAGE_TYPE": image_type,
        "INPUT_S1_IMAGES": ", ".join(p.format() for p in ordered),
        "NOISE_REMOVED": str(bool(inputs.noise_removed)),
        "ORBIT_NUMBER": f"{first.absolute_orbit:06d}",
        "RELATIVE_ORBIT_NUMBER": f"{inputs.relative_orbit:03d}",
        "ORBIT_DIRECTION": inputs.orbit_direction,
        "ORTHORECTIFICATION_INTERPOLATOR": inputs.interpolator,
        "ORTHORECTIFIED": "true",
        "POLARIZATION": inputs.polarisation.lower(),
        "S2_TILE_CORRESPONDING_CODE": inputs.tile_id,
        "SPATIAL_RESOLUTION": str(float(inputs.resolution_m)),
        "TIFFTAG_DATETIME": now.strftime(TIFF_DATETIME_FORMAT),
        "TIFFTAG_SOFTWARE": f"{inputs.software_name} v{inputs.software_version}",
        "TIFFTAG_IMAGEDESCRIPTION": image_description(
            first.unit_code, inputs.calibration, image_type
        ),
    }
    if inputs.noise_removed and inputs.lower_signal_value is not None:
        tags["LOWER_SIGNAL_VALUE"] = str(inputs.lower_signal_value)
    if not extra:
        return tags
    clashes = sorted(set(extra) & set(tags))
    if clashes:
        log.warning("[Metadata] entries %s are overridden by computed tags", ", ".join(clashes))
    return {**{k: str(v) for k, v in extra.items()}, **tags}


def mask_tags(image_tags: Mapping[str, str]) -> dict[str, str]:
    """The tags of an image's border mask: the image's own, typed and described as a mask.

    ``s1ops process`` and ``s1ops concatenate`` both derive their masks' tags
    here, so a mask says the same whichever command made it.
    """
    tags = dict(image_tags)
    tags["IMAGE_TYPE"] = "MASK"
    unit = tags.get("FLYING_UNIT_CODE")
    if unit:
        tags["TIFFTAG_IMAGEDESCRIPTION"] = image_description(
            unit, tags.get("CALIBRATION", ""), "MASK"
        )
    return tags
