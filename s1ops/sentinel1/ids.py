"""Sentinel-1 product ids and measurement file names (ESA naming).

A product id such as
``S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5`` reads:
unit, beam mode, product type + resolution class, processing level + product
class + polarisation code, start and stop (UTC), absolute orbit, mission
datatake id (hex) and a product CRC (hex).

The measurement images inside a SAFE are named
``s1a-iw-grd-vv-20200108t044150-20200108t044215-030704-038506-001.tiff``:
unit, swath, product type, polarisation, start, stop, absolute orbit,
datatake id, image number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from s1ops.errors import ProductNameError
from s1ops.vocabulary import ORBITS_PER_CYCLE

# Polarisation code of the product id -> polarisations it holds (ESA product
# specification: S = single, D = dual; the partial-dual codes name one channel).
POLARISATION_CODES: dict[str, tuple[str, ...]] = {
    "SV": ("vv",),
    "SH": ("hh",),
    "DV": ("vv", "vh"),
    "DH": ("hh", "hv"),
    "VV": ("vv",),
    "VH": ("vh",),
    "HH": ("hh",),
    "HV": ("hv",),
}

# Relative orbit = (absolute - offset) mod ORBITS_PER_CYCLE + 1. S1A and S1B
# offsets are ESA's; the S1C one was checked against catalogue entries (S1C
# absolute orbits 005664, 005839 and 006014 are all on relative orbit 068).
# Other units need the product's metadata.
RELATIVE_ORBIT_OFFSETS = {"S1A": 73, "S1B": 27, "S1C": 172}

_STAMP = "%Y%m%dT%H%M%S"
_ID_RE = re.compile(
    r"(?P<unit>S1[A-F])_(?P<mode>IW|EW|SM|WV|S[1-6])_(?P<ptype>GRD|SLC|RAW|OCN)"
    r"(?P<res>[HMF_])_(?P<level>[0-2])(?P<pclass>[SAN])(?P<pol>SV|SH|DV|DH|VV|VH|HH|HV)"
    r"_(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})_(?P<orbit>\d{6})"
    r"_(?P<datatake>[0-9A-F]{6})_(?P<crc>[0-9A-F]{4})"
)
_MEASUREMENT_RE = re.compile(
    r"(?P<unit>s1[a-f])-(?P<swath>iw[1-3]?|ew[1-5]?|s[1-6]|wv[12])-(?P<ptype>grd|slc)"
    r"-(?P<pol>vv|vh|hh|hv)-(?P<start>\d{8}t\d{6})-(?P<stop>\d{8}t\d{6})"
    r"-(?P<orbit>\d{6})-(?P<datatake>[0-9a-fA-F]{6})-(?P<image>\d{3})\.(?P<ext>tiff?)"
)
_SUFFIXES = (".SAFE.zip", ".zip", ".SAFE", ".SAFE/")


def _parse_stamp(text: str, name: str) -> datetime:
    try:
        return datetime.strptime(text.upper(), _STAMP).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ProductNameError(name, f"{text!r} is not a valid YYYYMMDDThhmmss time") from exc


def relative_orbit_from_absolute(unit: str, absolute_orbit: int) -> int | None:
    """Relative orbit (1-175) of ``absolute_orbit`` for ``unit`` ('S1A', 's1b'...).

    Returns None for units whose orbit phasing is not known here: their
    relative orbit must come from the product's metadata.
    """
    offset = RELATIVE_ORBIT_OFFSETS.get(unit.upper())
    if offset is None:
        return None
    return (absolute_orbit - offset) % ORBITS_PER_CYCLE + 1


@dataclass(frozen=True)
class ProductId:
    """A parsed Sentinel-1 product id; ``format()`` gives back the exact id."""

    unit: str  # 'S1A'
    mode: str  # 'IW'
    product_type: str  # 'GRD'
    resolution: str  # 'H', 'M', 'F' or '_'
    level: str  # '1'
    product_class: str  # 'S' (standard), 'A' (annotation), 'N' (noise)
    polarisation_code: str  # 'DV', 'SV', 'DH', 'SH'...
    start: datetime  # UTC, timezone aware
    stop: datetime
    absolute_orbit: int
    datatake: str  # 6 upper-case hex digits
    crc: str  # 4 upper-case hex digits
    # The formatted id, made once: formatting times is slow and planning
    # asks for names often.
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_text", self._format())

    @classmethod
    def parse(cls, text: str) -> ProductId:
        """Parse a product id, optionally ending in ``.SAFE``, ``.zip`` or ``.SAFE.zip``."""
        name = text
        for suffix in _SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        match = _ID_RE.fullmatch(name)
        if match is None:
            raise ProductNameError(
                text,
                "not a Sentinel-1 product id; expected e.g. "
                "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5",
            )
        g = match.groupdict()
        start, stop = _parse_stamp(g["start"], text), _parse_stamp(g["stop"], text)
        if stop < start:
            raise ProductNameError(text, f"stop {g['stop']} is before start {g['start']}")
        return cls(
            unit=g["unit"],
            mode=g["mode"],
            product_type=g["ptype"],
            resolution=g["res"],
            level=g["level"],
            product_class=g["pclass"],
            polarisation_code=g["pol"],
            start=start,
            stop=stop,
            absolute_orbit=int(g["orbit"]),
            datatake=g["datatake"],
            crc=g["crc"],
        )

    def format(self) -> str:
        """The product id, without suffix."""
        return self._text

    def _format(self) -> str:
        return (
            f"{self.unit}_{self.mode}_{self.product_type}{self.resolution}_"
            f"{self.level}{self.product_class}{self.polarisation_code}_"
            f"{self.start.strftime(_STAMP)}_{self.stop.strftime(_STAMP)}_"
            f"{self.absolute_orbit:06d}_{self.datatake}_{self.crc}"
        )

    def __str__(self) -> str:
        return self.format()

    @property
    def safe_name(self) -> str:
        """Name of the product's SAFE folder."""
        return self.format() + ".SAFE"

    @property
    def unit_code(self) -> str:
        """Lower-case unit, as in measurement and output names: 's1a'."""
        return self.unit.lower()

    @property
    def polarisations(self) -> tuple[str, ...]:
        """Polarisations held by the product, lower case: ('vv', 'vh')."""
        return POLARISATION_CODES[self.polarisation_code]

    @property
    def day(self) -> date:
        """UTC acquisition day of the product start."""
        return self.start.date()

    @property
    def relative_orbit(self) -> int | None:
        """Relative orbit computed from the absolute one, None for an unknown unit."""
        return relative_orbit_from_absolute(self.unit, self.absolute_orbit)

    def measurement(self, polarisation: str, image_number: int | None = None) -> MeasurementName:
        """The measurement file name for ``polarisation`` of this (GRD or SLC) product.

        ``image_number`` defaults to the position of the polarisation in the
        product (vv -> 001, vh -> 002 for a dual VV+VH product), which is how
        ESA numbers GRD images; read the real name from the SAFE when it
        matters.
        """
        pol = polarisation.lower()
        if pol not in self.polarisations:
            raise ProductNameError(
                self.format(),
                f"polarisation={polarisation!r}. Must be one of: {', '.join(self.polarisations)}",
            )
        number = self.polarisations.index(pol) + 1 if image_number is None else image_number
        return MeasurementName(
            unit=self.unit_code,
            swath=self.mode.lower(),
            product_type=self.product_type.lower(),
            polarisation=pol,
            start=self.start,
            stop=self.stop,
            absolute_orbit=self.absolute_orbit,
            datatake=self.datatake.lower(),
            image_number=number,
        )


@dataclass(frozen=True)
class MeasurementName:
    """A parsed measurement image name of a SAFE (``measurement/*.tiff``)."""

    unit: str  # 's1a'
    swath: str  # 'iw' (GRD) or 'iw1'... (SLC)
    product_type: str  # 'grd'
    polarisation: str  # 'vv'
    start: datetime  # UTC
    stop: datetime
    absolute_orbit: int
    datatake: str  # 6 lower-case hex digits (ESA's spelling in file names)
    image_number: int
    extension: str = "tiff"

    @classmethod
    def parse(cls, text: str) -> MeasurementName:
        """Parse a measurement file name (a bare name, or a path ending in one)."""
        name = text.rsplit("/", 1)[-1]
        match = _MEASUREMENT_RE.fullmatch(name)
        if match is None:
            raise ProductNameError(
                text,
                "not a Sentinel-1 measurement file name; expected e.g. "
                "s1a-iw-grd-vv-20200108t044150-20200108t044215-030704-038506-001.tiff",
            )
        g = match.groupdict()
        return cls(
            unit=g["unit"],
            swath=g["swath"],
            product_type=g["ptype"],
            polarisation=g["pol"],
            start=_parse_stamp(g["start"], text),
            stop=_parse_stamp(g["stop"], text),
            absolute_orbit=int(g["orbit"]),
            datatake=g["datatake"].lower(),
            image_number=int(g["image"]),
            extension=g["ext"],
        )

    def format(self) -> str:
        """The file name (no folder)."""
        return (
            f"{self.unit}-{self.swath}-{self.product_type}-{self.polarisation}-"
            f"{self.start.strftime(_STAMP).lower()}-{self.stop.strftime(_STAMP).lower()}-"
            f"{self.absolute_orbit:06d}-{self.datatake}-{self.image_number:03d}.{self.extension}"
        )

    def __str__(self) -> str:
        return self.format()

    def belongs_to(self, product: ProductId) -> bool:
        """Whether this image is one of ``product``'s measurements."""
        return (
            self.unit == product.unit_code
            and self.swath.startswith(product.mode.lower())
            and self.product_type == product.product_type.lower()
            and self.start == product.start
            and self.stop == product.stop
            and self.absolute_orbit == product.absolute_orbit
            and self.datatake == product.datatake.lower()
            and self.polarisation in product.polarisations
        )
