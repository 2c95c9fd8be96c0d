"""The output of planning: tile jobs and dropped groups, and their JSON form.

A ``PlanResult`` is what the Airflow layer receives (by XCom, as one line of
JSON) and maps to tasks: one per job to run. A ``TileJob`` then crosses on
its own: to ``select``, to ``process`` (XCom), to ``s1ops process --job`` (a
child process or a container). Their ``from_dict`` is the one reader of that
JSON: it checks every field (``ContractError`` names the bad one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s1ops.contracts import FieldReader, load_json
from s1ops.errors import ContractError
from s1ops.vocabulary import ORBIT_DIRECTIONS, ORBITS_PER_CYCLE, POLARISATIONS

if TYPE_CHECKING:
    from s1ops.outputs.names import OutputName

STATUSES = ("todo", "done", "waiting")


@dataclass(frozen=True)
class TileJob:
    """One output to make (or already made, or waiting for a product)."""

    tile_id: str
    polarisation: str
    day: date
    unit: str  # 'S1A'
    relative_orbit: int
    orbit_direction: str  # 'ASC' or 'DES'
    product_ids: tuple[str, ...]  # sorted by start
    coverage_pct: float
    output_path: str
    mask_path: str | None  # None when border masks are not asked for
    produced: bool
    status: str  # 'todo', 'done' or 'waiting'
    existing_output: str | None = None  # the name found when produced
    product_paths: tuple[str | None, ...] = ()  # local SAFE/zip per product, None if absent
    needs_download: tuple[str, ...] = ()  # available online, not on disk
    waiting_for: tuple[str, ...] = ()  # known in the catalogue, not available yet
    # Done-empty: an earlier run found no valid pixel (s1ops.outputs.empty), and why.
    empty_reason: str | None = None

    def output_name(self) -> OutputName:
        """The output name planning gives this job (from its products and group)."""
        from s1ops.outputs.names import output_name_for
        from s1ops.sentinel1.ids import ProductId

        return output_name_for(
            [ProductId.parse(p) for p in self.product_ids],
            tile_id=self.tile_id,
            polarisation=self.polarisation,
            orbit_direction=self.orbit_direction,
            relative_orbit=self.relative_orbit,
        )

    @property
    def job_id(self) -> str:
        """A stable id, usable as an Airflow task or map index label."""
        return Path(self.output_path).stem

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings): what crosses XCom and the CLI."""
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TileJob:
        """Inverse of ``to_dict``, every field checked; the last five may be absent."""
        f = FieldReader("TileJob", data)
        product_ids = f.texts("product_ids", non_empty=True)
        paths = f.optional_texts("product_paths", default=())
        if paths and len(paths) != len(product_ids):
            raise ContractError(
                "TileJob",
                "product_paths",
                list(paths),
                f"{len(product_ids)} entries, one per product id (null when not on disk), or none",
            )
        return cls(
            tile_id=f.text("tile_id"),
            polarisation=f.text("polarisation", choices=POLARISATIONS),
            day=f.day("day"),
            unit=f.text("unit"),
            relative_orbit=f.integer("relative_orbit", low=1, high=ORBITS_PER_CYCLE),
            orbit_direction=f.text("orbit_direction", choices=ORBIT_DIRECTIONS),
            product_ids=product_ids,
            coverage_pct=f.number("coverage_pct"),
            output_path=f.text("output_path"),
            mask_path=f.optional_text("mask_path"),
            produced=f.flag("produced"),
            status=f.text("status", choices=STATUSES),
            existing_output=f.optional_text("existing_output", default=None),
            product_paths=paths,
            needs_download=f.texts("needs_download", default=()),
            waiting_for=f.texts("waiting_for", default=()),
            empty_reason=f.optional_text("empty_reason", default=None),
        )

    @classmethod
    def from_json(cls, text: str) -> TileJob:
        """Inverse of ``json.dumps(job.to_dict())`` (what ``s1ops process --job`` takes)."""
        return cls.from_dict(load_json("TileJob", text))


@dataclass(frozen=True)
class DroppedGroup:
    """A group of products that makes no output, and why."""

    tile_id: str
    polarisation: str
    day: date
    unit: str
    relative_orbit: int
    orbit_direction: str
    product_ids: tuple[str, ...]
    coverage_pct: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the day as an ISO string)."""
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DroppedGroup:
        """Inverse of ``to_dict``, every field checked."""
        f = FieldReader("DroppedGroup", data)
        return cls(
            tile_id=f.text("tile_id"),
            polarisation=f.text("polarisation", choices=POLARISATIONS),
            day=f.day("day"),
            unit=f.text("unit"),
            relative_orbit=f.integer("relative_orbit", low=1, high=ORBITS_PER_CYCLE),
            orbit_direction=f.text("orbit_direction", choices=ORBIT_DIRECTIONS),
            product_ids=f.texts("product_ids", non_empty=True),
            coverage_pct=f.number("coverage_pct"),
            reason=f.string("reason"),
        )


@dataclass(frozen=True)
class PlanResult:
    """The plan of one tile over a date range: jobs (any status) and dropped groups."""

    tile_id: str
    first_date: date
    last_date: date
    jobs: tuple[TileJob, ...] = ()
    dropped: tuple[DroppedGroup, ...] = ()

    @property
    def todo(self) -> tuple[TileJob, ...]:
        """Jobs that can run now."""
        return tuple(j for j in self.jobs if j.status == "todo")

    @property
    def done(self) -> tuple[TileJob, ...]:
        """Jobs whose output already exists."""
        return tuple(j for j in self.jobs if j.status == "done")

    @property
    def waiting(self) -> tuple[TileJob, ...]:
        """Jobs waiting for a product that is not available yet."""
        return tuple(j for j in self.jobs if j.status == "waiting")

    @property
    def done_empty(self) -> tuple[TileJob, ...]:
        """Done jobs that published nothing: no valid pixel (``TileJob.empty_reason``)."""
        return tuple(j for j in self.done if j.empty_reason is not None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "tile_id": self.tile_id,
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            # "done" counts the done-empty jobs too (nothing to do); "empty" says how many.
            "counts": {s: sum(j.status == s for j in self.jobs) for s in STATUSES}
            | {"empty": len(self.done_empty), "dropped": len(self.dropped)},
            "jobs": [j.to_dict() for j in self.jobs],
            "dropped": [d.to_dict() for d in self.dropped],
        }

    def to_json(self, indent: int | None = None) -> str:
        """JSON text; one line by default (an XCom is a container's last stdout line)."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanResult:
        """Inverse of ``to_dict``, every job checked (``counts`` is derived and ignored)."""
        f = FieldReader("PlanResult", data)
        return cls(
            tile_id=f.text("tile_id"),
            first_date=f.day("first_date"),
            last_date=f.day("last_date"),
            jobs=f.each("jobs", TileJob.from_dict, default=()),
            dropped=f.each("dropped", DroppedGroup.from_dict, default=()),
        )

    @classmethod
    def from_json(cls, text: str) -> PlanResult:
        """Inverse of ``to_json``."""
        return cls.from_dict(load_json("PlanResult", text))


def _to_plain(obj: TileJob | DroppedGroup) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = (
            value.isoformat()
            if isinstance(value, date)
            else list(value)
            if isinstance(value, tuple)
            else value
        )
    return out
