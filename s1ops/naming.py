"""S1Tiling's output file names and the GeoTIFF tags written in every output.

Outputs must be interchangeable with S1Tiling's, so both follow its
conventions exactly:

* ``{output}/{TILE}/{s1a}_{TILE}_{vv}_{DES|ASC}_{relorb:03d}_{YYYYMMDD}t{hhmmss}.tif``
  for a tile made from one product (the time is that product's start);
* ``..._{YYYYMMDD}txxxxxx.tif`` when two products of the same day and orbit
  were merged;
* border masks: the image name with ``_BorderMask`` before ``.tif``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from s1ops.errors import ProductNameError
from s1ops.products import POLARISATIONS, ProductId

log = logging.getLogger(__name__)

ORBIT_DIRECTIONS = ("ASC", "DES")
MERGED_TIME = "xxxxxx"
MASK_SUFFIX = "_BorderMask"
IMAGE_TYPES = ("BACKSCATTERING", "MASK")
CALIBRATIONS = ("sigma", "beta", "gamma", "dn")

_NAME_RE = re.compile(
    r"(?P<unit>s1[a-f])_(?P<tile>\d{2}[C-HJ-NP-X][A-HJ-NP-Z]{2})_(?P<pol>vv|vh|hh|hv)"
    r"_(?P<dir>ASC|DES)_(?P<orbit>\d{3})_(?P<day>\d{8})t(?P<time>\d{6}|xxxxxx)"
    r"(?P<mask>_BorderMask)?\.tif"
)
# S1Tiling stamps acquisition times as 'YYYY:MM:DDThh:mm:ssZ' (UTC) and
# TIFFTAG_DATETIME in the TIFF 6 'YYYY:MM:DD hh:mm:ss' form.
_ACQUISITION_FMT = "%Y:%m:%dT%H:%M:%SZ"
_TIFF_DATETIME_FMT = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class OutputName:
    """An S1Tiling output (or border mask) file name; ``time`` None means merged."""

    unit: str  # 's1a'
    tile_id: str  # '33NWB'
    polarisation: str  # 'vv'
    orbit_direction: str  # 'ASC' or 'DES'
    relative_orbit: int
    day: date
    time: dt.time | None  # product start (single product) or None ('txxxxxx')
    mask: bool = False

    def __post_init__(self) -> None:
        if self.orbit_direction not in ORBIT_DIRECTIONS:
            raise ProductNameError(
                self.orbit_direction, f"orbit direction must be one of {ORBIT_DIRECTIONS}"
            )
        if self.polarisation not in POLARISATIONS:
            raise ProductNameError(
                self.polarisation, f"polarisation must be one of {', '.join(POLARISATIONS)}"
            )
        if not 1 <= self.relative_orbit <= 175:
            raise ProductNameError(str(self.relative_orbit), "relative orbit must be in 1..175")

    @classmethod
    def parse(cls, text: str) -> OutputName:
        """Parse an output or mask file name (a bare name, or a path ending in one)."""
        name = Path(text).name
        match = _NAME_RE.fullmatch(name)
        if match is None:
            raise ProductNameError(
                text,
                "not an S1Tiling output name; expected e.g. "
                "s1a_33NWB_vv_DES_007_20200108t044150.tif or ..._20200108txxxxxx_BorderMask.tif",
            )
        g = match.groupdict()
        try:
            day = datetime.strptime(g["day"], "%Y%m%d").date()
            stamp = None if g["time"] == MERGED_TIME else datetime.strptime(g["time"], "%H%M%S")
        except ValueError as exc:
            raise ProductNameError(text, "invalid date or time in the name") from exc
        return cls(
            unit=g["unit"],
            tile_id=g["tile"],
            polarisation=g["pol"],
            orbit_direction=g["dir"],
            relative_orbit=int(g["orbit"]),
            day=day,
            time=None if stamp is None else stamp.time(),
            mask=g["mask"] is not None,
        )

    def format(self) -> str:
        """The file name, without folder."""
        stamp = MERGED_TIME if self.time is None else self.time.strftime("%H%M%S")
        suffix = MASK_SUFFIX if self.mask else ""
        return (
            f"{self.unit}_{self.tile_id}_{self.polarisation}_{self.orbit_direction}_"
            f"{self.relative_orbit:03d}_{self.day.strftime('%Y%m%d')}t{stamp}{suffix}.tif"
        )

    def __str__(self) -> str:
        return self.format()

    def path(self, output_dir: str | Path) -> Path:
        """Where S1Tiling puts this file: ``{output_dir}/{tile_id}/{name}``."""
        return Path(output_dir) / self.tile_id / self.format()

    @property
    def merged(self) -> bool:
        """Whether this is the name of a merged pair (``txxxxxx``)."""
        return self.time is None

    def as_mask(self) -> OutputName:
        """The border mask name of this image."""
        return replace(self, mask=True)

    def as_image(self) -> OutputName:
        """The image name of this mask."""
        return replace(self, mask=False)

    def as_merged(self) -> OutputName:
        """The same output with the ``txxxxxx`` stamp of a merged pair."""
        return replace(self, time=None)

    def variants(self, starts: Sequence[dt.time]) -> list[tuple[str, str]]:
        """(image, mask) names this output may already exist under.

        ``txxxxxx`` first, then ``t{hhmmss}`` for each of ``starts``.
        """
        merged = replace(self, time=None, mask=False).format()
        stem = merged[: -len(MERGED_TIME + ".tif")]
        stamps = [MERGED_TIME, *(t.strftime("%H%M%S") for t in starts)]
        return [(f"{stem}{s}.tif", f"{stem}{s}{MASK_SUFFIX}.tif") for s in stamps]


def output_name_for(
    products: Sequence[ProductId],
    *,
    tile_id: str,
    polarisation: str,
    orbit_direction: str,
    relative_orbit: int,
) -> OutputName:
    """The output name S1Tiling gives the tile made from ``products`` (1 or more).

    One product keeps its start time; several are merged (``txxxxxx``), dated
    by the first product's start day.
    """
    if not products:
        raise ValueError("output_name_for needs at least one product")
    first = min(products, key=lambda p: p.start)
    return OutputName(
        unit=first.unit_code,
        tile_id=tile_id,
        polarisation=polarisation.lower(),
        orbit_direction=orbit_direction,
        relative_orbit=relative_orbit,
        day=first.start.date(),
        time=first.start.time() if len(products) == 1 else None,
    )


def acquisition_stamp(moment: datetime) -> str:
    """An acquisition time as S1Tiling writes it: ``2020:01:08T04:41:50Z`` (UTC)."""
    return moment.strftime(_ACQUISITION_FMT)


def image_description(unit: str, calibration: str, image_type: str) -> str:
    """TIFFTAG_IMAGEDESCRIPTION of an S1Tiling image or border mask.

    These are the strings S1Tiling 1.x writes; its documentation mentions an
    ``on S2 tile`` ending for images that its code and baselines do not have.
    """
    sentinel = f"Sentinel-{unit[1:].upper()}"  # 's1a' -> 'Sentinel-1A'
    if image_type == "MASK":
        return f"Orthorectified {sentinel} IW GRD smoothed border mask S2 tile"
    return f"{calibration} calibrated orthorectified {sentinel} IW GRD"


@dataclass(frozen=True)
class TagInputs:
    """Plain values the output tags are made of (everything but the products)."""

    tile_id: str
    polarisation: str
    orbit_direction: str  # 'ASC' or 'DES'
    relative_orbit: int
    calibration: str  # 'sigma', 'beta', 'gamma', 'dn'
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
        "TIFFTAG_DATETIME": now.strftime(_TIFF_DATETIME_FMT),
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
