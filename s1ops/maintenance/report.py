"""What a maintenance run removed (or, dry, would remove): the report the CLI prints and
the DAG returns as XCom.

One ``PartReport`` per part of the run, each listing what it removed (path,
bytes, reason), what it kept although a candidate (path, why: a lease, a
running job, a pending job), and the error that stopped it, if any.
``to_dict``/``from_dict`` are the JSON form::

    {"dry_run": false, "older_than_s": 86400.0, "freed_bytes": 1024, "failed": false,
     "parts": {"work_folders": {"freed_bytes": 1024, "error": null,
                                "removed": [{"path": "...", "bytes": 1024, "reason": "..."}],
                                "kept": [{"path": "...", "reason": "..."}]}, ...}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from s1ops.maintenance.cleanup import Removed


@dataclass(frozen=True)
class Kept:
    """A candidate left in place, and why (in use, or needed)."""

    path: str
    reason: str


@dataclass(frozen=True)
class PartReport:
    """One part of a maintenance run."""

    name: str
    removed: tuple[Removed, ...] = ()
    kept: tuple[Kept, ...] = ()
    error: str | None = None  # the part stopped on this error; the other parts still ran

    @property
    def freed_bytes(self) -> int:
        """Bytes freed (or that would be) by this part."""
        return sum(r.size_bytes for r in self.removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the part's name is its key in the run's report)."""
        return {
            "freed_bytes": self.freed_bytes,
            "removed": [
                {"path": r.path, "bytes": r.size_bytes, "reason": r.reason} for r in self.removed
            ],
            "kept": [{"path": k.path, "reason": k.reason} for k in self.kept],
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> PartReport:
        """Inverse of ``to_dict``; ``ValueError`` naming the part and key when malformed."""
        try:
            removed = tuple(
                Removed(str(r["path"]), int(r["bytes"]), str(r["reason"])) for r in data["removed"]
            )
            kept = tuple(Kept(str(k["path"]), str(k["reason"])) for k in data["kept"])
            error = data["error"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"maintenance report part {name!r}: {exc!r}; expected removed, kept and error"
            ) from exc
        return cls(name, removed, kept, None if error is None else str(error))


@dataclass(frozen=True)
class MaintenanceReport:
    """A whole maintenance run: its settings and its parts, in the order they ran."""

    dry_run: bool
    older_than_s: float
    parts: tuple[PartReport, ...]

    @property
    def freed_bytes(self) -> int:
        """Bytes freed (or that would be) in all."""
        return sum(p.freed_bytes for p in self.parts)

    @property
    def failed(self) -> bool:
        """Whether a part stopped on an error."""
        return any(p.error is not None for p in self.parts)

    def part(self, name: str) -> PartReport:
        """The part called ``name``; ``KeyError`` naming the parts there are."""
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(f"no maintenance part {name!r}; parts: {[p.name for p in self.parts]}")

    def errors(self) -> dict[str, str]:
        """The error of each part that stopped on one, by part name."""
        return {p.name: p.error for p in self.parts if p.error is not None}

    def removed_paths(self) -> set[str]:
        """Every path removed (or that would be), all parts together."""
        return {r.path for p in self.parts for r in p.removed}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``s1ops maintenance`` prints and the maintenance task returns."""
        return {
            "dry_run": self.dry_run,
            "older_than_s": self.older_than_s,
            "freed_bytes": self.freed_bytes,
            "failed": self.failed,
            "parts": {p.name: p.to_dict() for p in self.parts},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaintenanceReport:
        """Inverse of ``to_dict`` (the totals are derived and ignored)."""
        try:
            dry_run, older_than_s, parts = data["dry_run"], data["older_than_s"], data["parts"]
        except (KeyError, TypeError) as exc:
            raise ValueError(
                f"maintenance report: {exc!r}; expected dry_run, older_than_s and parts"
            ) from exc
        if not isinstance(dry_run, bool) or not isinstance(parts, dict):
            raise ValueError(
                f"maintenance report: dry_run={dry_run!r}, parts of type "
                f"{type(parts).__name__}; expected a boolean and an object"
            )
        return cls(
            dry_run,
            float(older_than_s),
            tuple(PartReport.from_dict(name, part) for name, part in parts.items()),
        )
