"""The output of planning: tile jobs and dropped groups, and their JSON form.

A ``PlanResult`` is what the Airflow layer receives (by XCom, as one line of
JSON) and maps to tasks: one per job to run, a sensor per waiting job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

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

    @property
    def job_id(self) -> str:
        """A stable id, usable as an Airflow task or map index label."""
        return Path(self.output_path).stem

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings): what crosses XCom and the CLI."""
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TileJob:
        return _from_plain(cls, data)


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "tile_id": self.tile_id,
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "counts": {s: sum(j.status == s for j in self.jobs) for s in STATUSES}
            | {"dropped": len(self.dropped)},
            "jobs": [_to_plain(j) for j in self.jobs],
            "dropped": [_to_plain(d) for d in self.dropped],
        }

    def to_json(self, indent: int | None = None) -> str:
        """JSON text; one line by default (an XCom is a container's last stdout line)."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanResult:
        """Inverse of ``to_dict`` (``counts`` is derived and ignored)."""
        return cls(
            tile_id=data["tile_id"],
            first_date=date.fromisoformat(data["first_date"]),
            last_date=date.fromisoformat(data["last_date"]),
            jobs=tuple(_from_plain(TileJob, j) for j in data.get("jobs", ())),
            dropped=tuple(_from_plain(DroppedGroup, d) for d in data.get("dropped", ())),
        )

    @classmethod
    def from_json(cls, text: str) -> PlanResult:
        """Inverse of ``to_json``."""
        return cls.from_dict(json.loads(text))


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


def _from_plain(cls: type, data: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "day":
            value = date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)
