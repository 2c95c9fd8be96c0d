"""The demo's summary: what is on disk, judged by its pixels, and what the demo meant to show.

A product counts as written only with valid pixels (``count_valid``: not 0,
S1Tiling's no-data value); a job that published nothing is shown as empty
with the reason its record gives (``s1ops.outputs.empty``). For the
synthetic site, the plan (``expected_outputs``) says which products must be
there and which job is empty on purpose (``DEMO_EMPTY``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from s1ops.outputs.empty import EMPTY_RECORD_SUFFIX, ValidCount
from s1ops.testing.demo_site import ExpectedOutput

if TYPE_CHECKING:
    from s1ops.outputs.names import OutputName

# What the summary says of an empty job whose record does not name a border cut.
NO_VALID_PIXEL = "no valid pixel"


@dataclass(frozen=True)
class Written:
    """One product found on disk, with its valid pixels, size, mask and quicklook."""

    tile_id: str
    polarisation: str
    day: date
    path: Path
    mask: Path | None
    quicklook: Path | None
    valid: ValidCount
    size_bytes: int


@dataclass(frozen=True)
class EmptyJob:
    """A job that published nothing, as its record next to the outputs tells it."""

    tile_id: str
    polarisation: str
    day: date
    image: Path  # where its product would be
    reason: str  # the record's words


def _written(path: Path, name: OutputName) -> Written:
    from s1ops.outputs.empty import count_valid

    mask = path.with_name(f"{path.stem}_BorderMask.tif")
    looks = [path.with_suffix(s) for s in (".jpg", ".png") if path.with_suffix(s).exists()]
    return Written(
        name.tile_id,
        name.polarisation,
        name.day,
        path,
        mask if mask.exists() else None,
        looks[0] if looks else None,
        count_valid(path),
        path.stat().st_size,
    )


def scan_outputs(output_dir: Path, tiles: Iterable[str]) -> list[Written]:
    """The products under ``{output_dir}/{tile}``, each read once for its valid pixels."""
    from s1ops.errors import ProductNameError
    from s1ops.outputs.names import OutputName

    found = []
    for tile_id in tiles:
        for path in sorted((output_dir / tile_id).glob("*.tif")):
            try:
                name = OutputName.parse(path.name)
            except ProductNameError:
                continue
            if not name.mask:
                found.append(_written(path, name))
    return sorted(found, key=lambda w: (w.tile_id, w.day, w.polarisation))


def scan_empty(output_dir: Path, tiles: Iterable[str]) -> list[EmptyJob]:
    """The empty jobs whose records lie under ``{output_dir}/{tile}``."""
    from s1ops.errors import ProductNameError
    from s1ops.outputs.empty import read_empty_record
    from s1ops.outputs.names import OutputName

    found = []
    for tile_id in tiles:
        for record in sorted((output_dir / tile_id).glob(f".*{EMPTY_RECORD_SUFFIX}")):
            image = record.with_name(record.name[1 : -len(EMPTY_RECORD_SUFFIX)] + ".tif")
            try:
                name = OutputName.parse(image.name)
            except ProductNameError:
                continue
            read = read_empty_record(image)
            reason = read.reason if read is not None else f"{record} cannot be read"
            found.append(EmptyJob(name.tile_id, name.polarisation, name.day, image, reason))
    return sorted(found, key=lambda e: (e.tile_id, e.day, e.polarisation))


def short_reason(record_reason: str) -> str:
    """``border cut`` when S1Tiling's border cut left nothing, else the record's head."""
    if "border cut blanks" in record_reason:
        return "border cut"
    return record_reason.split(":", 1)[0] or NO_VALID_PIXEL


def problems(
    written: Sequence[Written], empty: Sequence[EmptyJob], expected: Sequence[ExpectedOutput] | None
) -> list[str]:
    """Everything that makes the demo fail, one line each (none: it shows what it claims)."""
    found = [f"NO VALID PIXEL: {w.path}" for w in written if w.valid.valid_px == 0]
    if expected is None:  # a user's request file: no plan to hold the outputs to
        return found
    on_disk = {w.path for w in written}
    recorded = {e.image for e in empty}
    for e in expected:
        if e.empty is None:
            wanted = [p for p in (e.output, e.mask, e.quicklook) if p is not None]
            found += [f"MISSING: {p}" for p in wanted if p != e.output and not p.is_file()]
            if e.output not in on_disk:
                found.append(f"MISSING: {e.output}")
            if e.output in recorded:
                found.append(f"EMPTY, expected with data: {e.output}")
        elif e.output in on_disk:
            found.append(f"WRITTEN, expected empty ({e.empty}): {e.output}")
        elif e.output not in recorded:
            found.append(f"NO EMPTY RECORD next to the outputs for {e.output}")
    return found


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1e6:.1f} MB" if size_bytes >= 1e5 else f"{size_bytes / 1e3:.1f} kB"


def print_products(written: Sequence[Written]) -> None:
    """Each product with its valid-pixel share of the tile, its size, mask and quicklook."""
    pols = Counter(w.polarisation for w in written)
    detail = ", ".join(f"{pol} {n}" for pol, n in sorted(pols.items()))
    print(f"Products written: {len(written)} ({detail or 'none'}); valid pixels, size:")
    for w in written:
        share = f"{100 * w.valid.fraction:5.1f}% valid  {_size(w.size_bytes):>8}"
        print(f"  {w.tile_id} {w.day} {w.polarisation}  {share}  {w.path}")
        print(f"      mask      {w.mask or '-'}")
        print(f"      quicklook {w.quicklook or '-'}")


def print_empty(empty: Sequence[EmptyJob], expected: Sequence[ExpectedOutput] | None) -> None:
    """One line per tile and day that published nothing, with why."""
    meant = {(e.tile_id, e.day): e.empty for e in expected or () if e.empty}
    days: dict[tuple[str, date], list[EmptyJob]] = {}
    for job in empty:
        days.setdefault((job.tile_id, job.day), []).append(job)
    if not days:
        return
    print(f"Empty, nothing published: {len(days)} tile/day")
    for (tile_id, day), jobs in sorted(days.items()):
        why = meant.get((tile_id, day)) or short_reason(jobs[0].reason)
        on_purpose = " (on purpose: the demo shows one)" if (tile_id, day) in meant else ""
        print(f"  {tile_id} {day}: empty, {why}{on_purpose}")
        for job in jobs:
            print(f"      {job.polarisation}: {job.reason}")


def verdict(written: Sequence[Written], empty: Sequence[EmptyJob], found: Sequence[str]) -> str:
    """The success line, from the pixels: only printed when ``found`` is empty."""
    if not written:
        return "No product was written."
    low = min(w.valid.fraction for w in written)
    high = max(w.valid.fraction for w in written)
    line = (
        f"Every listed product has valid pixels ({100 * low:.1f}% to {100 * high:.1f}% of its "
        "tile), with its mask and quicklook where the request asks for them"
    )
    days = sorted({(e.tile_id, e.day) for e in empty})
    if days:
        line += "; empty as shown: " + ", ".join(f"{t} {d}" for t, d in days)
    return line + "."
