"""What planning knows of one Sentinel-1 product: a disk scan's or a catalogue's record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely import wkt
from shapely.geometry.base import BaseGeometry

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import ORBIT_DIRECTIONS, ORBITS_PER_CYCLE

# Where a product stands: on this machine, or in a catalogue and downloadable
# now ('online'), or still to be restored from long-term archive.
AVAILABILITIES = ("on_disk", "online", "offline", "ordered", "unknown")
AVAILABLE_NOW = frozenset({"on_disk", "online"})


@dataclass(frozen=True)
class ProductRecord:
    """What planning needs to know about one product, from a disk scan or a catalogue.

    ``footprint`` is in lon/lat (EPSG:4326), split at the antimeridian when
    it crosses it. ``relative_orbit`` and ``orbit_direction`` come from the
    product's metadata (manifest, or catalogue properties), not from its name.
    """

    product_id: ProductId
    footprint: BaseGeometry
    relative_orbit: int
    orbit_direction: str  # 'ASC' or 'DES'
    polarisations: tuple[str, ...]
    availability: str = "on_disk"
    local_path: Path | None = None
    download_link: str | None = None

    def __post_init__(self) -> None:
        if self.orbit_direction not in ORBIT_DIRECTIONS:
            raise ProductNameError(
                self.product_id.format(),
                f"orbit_direction={self.orbit_direction!r}. Must be one of: ASC, DES",
            )
        if self.availability not in AVAILABILITIES:
            raise ProductNameError(
                self.product_id.format(),
                f"availability={self.availability!r}. Must be one of: {', '.join(AVAILABILITIES)}",
            )
        if not 1 <= self.relative_orbit <= ORBITS_PER_CYCLE:
            raise ProductNameError(
                self.product_id.format(),
                f"relative_orbit={self.relative_orbit}: must be 1..{ORBITS_PER_CYCLE}",
            )

    @property
    def name(self) -> str:
        """The product id as a string."""
        return self.product_id.format()

    @property
    def available_now(self) -> bool:
        """On disk, or downloadable without waiting for an archive restore."""
        return self.availability in AVAILABLE_NOW

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (footprint as WKT)."""
        return {
            "product_id": self.name,
            "footprint_wkt": self.footprint.wkt,
            "relative_orbit": self.relative_orbit,
            "orbit_direction": self.orbit_direction,
            "polarisations": list(self.polarisations),
            "availability": self.availability,
            "local_path": None if self.local_path is None else str(self.local_path),
            "download_link": self.download_link,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProductRecord:
        """Inverse of ``to_dict``."""
        local = data.get("local_path")
        return cls(
            product_id=ProductId.parse(data["product_id"]),
            footprint=wkt.loads(data["footprint_wkt"]),
            relative_orbit=int(data["relative_orbit"]),
            orbit_direction=data["orbit_direction"],
            polarisations=tuple(data["polarisations"]),
            availability=data.get("availability", "unknown"),
            local_path=None if local is None else Path(local),
            download_link=data.get("download_link"),
        )
