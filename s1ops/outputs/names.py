"""S1Tiling's output file names (their tags are ``s1ops.outputs.tags``).

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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import ORBIT_DIRECTIONS, ORBITS_PER_CYCLE, POLARISATIONS

log = logging.getLogger(__name__)

MERGED_TIME = "xxxxxx"
MASK_SUFFIX = "_BorderMask"

_NAME_RE = re.compile(
    r"(?P<unit>s1[a-f])_(?P<tile>\d{2}[C-HJ-NP-X][A-HJ-NP-Z]{2})_(?P<pol>vv|vh|hh|hv)"
    r"_(?P<dir>ASC|DES)_(?P<orbit>\d{3})_(?P<day>\d{8})t(?P<time>\d{6}|xxxxxx)"
    r"(?P<mask>_BorderMask)?\.tif"
)


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
        if not 1 <= self.relative_orbit <= ORBITS_PER_CYCLE:
            raise ProductNameError(
                str(self.relative_orbit), f"relative orbit must be in 1..{ORBITS_PER_CYCLE}"
            )

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

    def variants(self, starts: Sequence[dt.time]) -> list[OutputName]:
        """The names this output may already exist under (images, not masks).

        ``txxxxxx`` first, then ``t{hhmmss}`` for each of ``starts``.
        """
        merged = replace(self, time=None, mask=False)
        return [merged, *(replace(merged, time=t) for t in starts)]


def mask_file_name(image_name: str) -> str:
    """The file name of an output image's border mask: ``_BorderMask`` before ``.tif``."""
    return f"{image_name.removesuffix('.tif')}{MASK_SUFFIX}.tif"


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
