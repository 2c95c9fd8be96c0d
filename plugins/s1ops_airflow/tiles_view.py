"""The "S1 tiles" page as HTML, from plain values (no Airflow, no I/O).

A map of the configured S2 tiles (their lon/lat footprints drawn as SVG),
each coloured by the state of its latest run, and a tile x day matrix for a
range of days, each cell linked to its DAG run and its quicklooks. Every
element a test or a user script looks for carries ``data-tile``,
``data-day`` and ``data-state`` attributes. No script, no external asset:
the page works offline and behind any proxy (links are relative).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

# A tile or cell's state, in the words of the page's legend, and its colour.
STATES = {
    "done": "#2e7d32",
    "running": "#1565c0",
    "waiting": "#f9a825",
    "failed": "#c62828",
    "never run": "#9e9e9e",
}
POLARISATIONS = ("vv", "vh", "hh", "hv")
MAP_WIDTH_PX = 720
MAP_HEIGHT_PX = 420
MAP_MARGIN_PX = 24


@dataclass(frozen=True)
class Cell:
    """One tile's run for one day (``run_id`` None: never run)."""

    state: str
    run_id: str | None = None
    quicklooks: tuple[str, ...] = ()  # file names in the tile's image folder


@dataclass(frozen=True)
class TileRow:
    tile_id: str
    dag_id: str
    footprint: Sequence[tuple[float, float]]  # lon/lat ring
    latest: str  # state of the tile's latest run
    cells: Mapping[date, Cell] = field(default_factory=dict)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _projected(rows: Sequence[TileRow]) -> dict[str, list[tuple[float, float]]]:
    """Footprints in map pixels: lon/lat scaled into the map, north up, one scale for both."""
    points = [p for row in rows for p in row.footprint]
    if not points:
        return {}
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    usable_w, usable_h = MAP_WIDTH_PX - 2 * MAP_MARGIN_PX, MAP_HEIGHT_PX - 2 * MAP_MARGIN_PX
    scale = min(usable_w / max(east - west, 1e-6), usable_h / max(north - south, 1e-6))
    return {
        row.tile_id: [
            (MAP_MARGIN_PX + (lon - west) * scale, MAP_MARGIN_PX + (north - lat) * scale)
            for lon, lat in row.footprint
        ]
        for row in rows
    }


def tiles_map(rows: Sequence[TileRow]) -> str:
    """The SVG map: one polygon and label per tile, filled with its latest state's colour."""
    shapes = []
    projected = _projected(rows)  # one scale for the whole map: computed once
    for row in rows:
        ring = projected.get(row.tile_id, [])
        if not ring:
            continue
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in ring)
        colour = STATES.get(row.latest, STATES["never run"])
        shapes.append(
            f'<g class="tile" data-tile="{_e(row.tile_id)}" data-state="{_e(row.latest)}">'
            f'<polygon points="{points}" fill="{colour}" fill-opacity="0.55" stroke="#333"/>'
            f'<text x="{(min(xs) + max(xs)) / 2:.1f}" y="{(min(ys) + max(ys)) / 2:.1f}" '
            f'text-anchor="middle">{_e(row.tile_id)}</text>'
            f"<title>{_e(row.tile_id)}: {_e(row.latest)}</title></g>"
        )
    return (
        f'<svg id="tiles-map" viewBox="0 0 {MAP_WIDTH_PX} {MAP_HEIGHT_PX}" '
        f'width="{MAP_WIDTH_PX}" height="{MAP_HEIGHT_PX}" role="img" '
        'aria-label="configured S2 tiles by latest state">' + "".join(shapes) + "</svg>"
    )


def quicklook_label(name: str) -> str:
    """A short link text for a quicklook file: its polarisation (S1Tiling's names)."""
    for part in name.lower().split("_"):
        if part in POLARISATIONS:
            return f"{part.upper()} quicklook"
    return name


def _cell(row: TileRow, day: date, cell: Cell | None) -> str:
    cell = cell or Cell("never run")
    colour = STATES.get(cell.state, STATES["never run"])
    attrs = (
        f'data-tile="{_e(row.tile_id)}" data-day="{day.isoformat()}" data-state="{_e(cell.state)}"'
    )
    parts = []
    if cell.run_id is not None:
        href = f"../dags/{quote(row.dag_id)}/runs/{quote(cell.run_id, safe='')}"
        parts.append(f'<a class="run" href="{_e(href)}" target="_top">{_e(cell.state)}</a>')
    else:
        parts.append(_e(cell.state))
    for name in cell.quicklooks:
        href = f"quicklook/{quote(row.tile_id)}/{quote(name)}"
        parts.append(
            f'<a class="quicklook" href="{_e(href)}" target="_blank" title="{_e(name)}">'
            f"{_e(quicklook_label(name))}</a>"
        )
    return f'<td {attrs} style="background:{colour}">{"<br>".join(parts)}</td>'


def tiles_page(rows: Sequence[TileRow], days: Sequence[date], *, note: str = "") -> str:
    """The whole page: legend, map, matrix (``days`` as columns)."""
    legend = "".join(
        f'<span class="legend" style="background:{c}">{_e(s)}</span>' for s, c in STATES.items()
    )
    head = "".join(f"<th>{day.isoformat()}</th>" for day in days)
    body = "".join(
        f'<tr><th data-tile="{_e(r.tile_id)}">{_e(r.tile_id)}</th>'
        + "".join(_cell(r, d, r.cells.get(d)) for d in days)
        + "</tr>"
        for r in rows
    )
    first, last = (days[0].isoformat(), days[-1].isoformat()) if days else ("", "")
    form = (
        '<form method="get">from <input type="date" name="start" value="'
        f'{first}"> to <input type="date" name="end" value="{last}"> '
        '<button type="submit">show</button></form>'
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>S1 tiles</title><style>"
        "body{font-family:sans-serif;margin:16px;color:#222}"
        "td,th{border:1px solid #ccc;padding:4px;font-size:12px;text-align:center}"
        "td{color:#fff}td a{color:#fff}table{border-collapse:collapse;margin-top:12px}"
        ".legend{color:#fff;padding:2px 8px;margin-right:6px;border-radius:3px}"
        "svg text{font-size:11px}"
        "</style></head><body>"
        f"<h2>S1 tiles</h2><p>{legend}</p><p>{_e(note)}</p>{tiles_map(rows)}{form}"
        f'<table id="tiles-matrix"><tr><th>tile</th>{head}</tr>{body}</table>'
        "</body></html>"
    )
