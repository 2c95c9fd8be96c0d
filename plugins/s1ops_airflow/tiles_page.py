"""The "S1 tiles" page of the Airflow UI: a FastAPI app the plugin mounts at ``/s1ops``.

``GET /s1ops/tiles[?start=YYYY-MM-DD&end=YYYY-MM-DD]``: the page
(``s1ops_airflow.tiles_view``) for the tiles of ``$S1OPS_CONFIG``, with the
states of their runs from Airflow's metadata database (a day is a run's data
interval start: the daily run at midnight makes the day before) and their
quicklooks from the output tree; the default range is the 14 days up to the
latest run. ``GET /s1ops/quicklook/{tile}/{name}``: a quicklook file.

Every route needs a signed-in Airflow user (the UI's session cookie or a
bearer token, Airflow's own ``get_user``): anything else gets 401 or 403.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse

from s1ops_airflow.tiles_view import Cell, TileRow, tiles_page

URL_PREFIX = "/s1ops"
DEFAULT_DAYS = 14
MAX_DAYS = 366
CONFIG_ENV = "S1OPS_CONFIG"
QUICKLOOK_SUFFIXES = (".jpg", ".jpeg", ".png")


def _signed_in() -> Any:
    from airflow.api_fastapi.core_api.security import get_user

    return Depends(get_user)


def _config() -> Any:
    from s1ops.config.request import load_config
    from s1ops.errors import S1OpsError

    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise HTTPException(500, f"${CONFIG_ENV} is not set: the page needs the request file")
    try:
        return load_config(path)
    except S1OpsError as exc:
        raise HTTPException(500, f"the request file {path} cannot be read: {exc}") from exc


def run_state(run_state_value: str, has_deferred: bool) -> str:
    """A run's state in the page's words."""
    if run_state_value == "success":
        return "done"
    if run_state_value == "failed":
        return "failed"
    return "waiting" if has_deferred else "running"


class _Run(NamedTuple):
    """A tile DAG's run as the page shows it."""

    dag_id: str
    run_id: str
    state: str  # in the page's words (run_state)
    day: date  # its data interval start's (UTC)


def _deferred(session: Any, dag_ids: Sequence[str]) -> set[tuple[str, str]]:
    """The (dag_id, run_id) of the runs with a deferred task (few: only those in flight)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    query = select(TaskInstance.dag_id, TaskInstance.run_id).where(
        TaskInstance.dag_id.in_(dag_ids), TaskInstance.state == TaskInstanceState.DEFERRED
    )
    return {(dag_id, run_id) for dag_id, run_id in session.execute(query).all()}


def _as_runs(rows: Sequence[Any], deferred: set[tuple[str, str]]) -> list[_Run]:
    return [
        _Run(
            r.dag_id,
            r.run_id,
            run_state(str(r.state), (r.dag_id, r.run_id) in deferred),
            r.data_interval_start.date(),
        )
        for r in rows
    ]


def _run_query() -> Any:
    """The columns of a run the page shows (a select to narrow)."""
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    return select(DagRun.dag_id, DagRun.run_id, DagRun.state, DagRun.data_interval_start)


def _latest_runs(
    session: Any, dag_ids: Sequence[str], deferred: set[tuple[str, str]]
) -> list[_Run]:
    """Each DAG's run of the latest data interval start (of two with the same, the one
    made last), in one query whatever the number of runs kept."""
    from airflow.models.dagrun import DagRun
    from sqlalchemy import and_, func, select

    newest = (
        select(DagRun.dag_id, func.max(DagRun.data_interval_start).label("start"))
        .where(DagRun.dag_id.in_(dag_ids))
        .group_by(DagRun.dag_id)
        .subquery()
    )
    query = (
        _run_query()
        .join(
            newest,
            and_(DagRun.dag_id == newest.c.dag_id, DagRun.data_interval_start == newest.c.start),
        )
        .order_by(DagRun.id)
    )
    latest = {run.dag_id: run for run in _as_runs(session.execute(query).all(), deferred)}
    return list(latest.values())


def _runs_between(
    session: Any, dag_ids: Sequence[str], start: date, end: date, deferred: set[tuple[str, str]]
) -> list[_Run]:
    """The runs whose day is in [start, end], in time order (of a day's, the latest last)."""
    from airflow.models.dagrun import DagRun

    low = datetime.combine(start, datetime.min.time(), UTC)
    high = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    query = (
        _run_query()
        .where(
            DagRun.dag_id.in_(dag_ids),
            DagRun.data_interval_start >= low,
            DagRun.data_interval_start < high,
        )
        .order_by(DagRun.data_interval_start, DagRun.id)
    )
    return _as_runs(session.execute(query).all(), deferred)


def _day_range(start: date | None, end: date | None, newest: date | None) -> tuple[date, date]:
    """The page's days: as asked, else DEFAULT_DAYS from ``start`` or up to ``end``, else
    up to the day of the latest run (``newest``; None: today)."""
    if end is None and start is not None:
        end = start + timedelta(days=DEFAULT_DAYS - 1)
    if end is None:
        end = newest if newest is not None else datetime.now(UTC).date()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def _quicklooks(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in QUICKLOOK_SUFFIXES)


def _image_folder(cfg: Any, tile_id: str) -> Path:
    naming = cfg.output_format.naming
    return naming.folder(naming.image_dir, cfg.paths.output, tile_id)


def build_rows(cfg: Any, start: date | None, end: date | None) -> tuple[list[TileRow], list[date]]:
    from airflow.utils.session import create_session

    from s1ops.grid import parse_tile_id
    from s1ops_airflow.factory import dag_id_for

    tiles = list(cfg.processing.tiles)
    dag_ids = [dag_id_for(t) for t in tiles]
    # Two bounded reads, not every run ever: the latest run of each DAG (its tile's
    # colour, the default range's end) and the runs of the days shown.
    with create_session() as session:
        deferred = _deferred(session, dag_ids)
        latest_runs = _latest_runs(session, dag_ids, deferred)
        start, end = _day_range(start, end, max((r.day for r in latest_runs), default=None))
        shown_runs = _runs_between(session, dag_ids, start, end, deferred)
    latest = {r.dag_id: r.state for r in latest_runs}
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    cells: dict[str, dict[date, Cell]] = {d: {} for d in dag_ids}
    shown = {d.strftime("%Y%m%d") for d in days}
    for run in shown_runs:  # in time order: a day's latest run is its cell
        cells[run.dag_id][run.day] = Cell(run.state, run.run_id)
    rows = []
    for tile_id, dag_id in zip(tiles, dag_ids, strict=True):
        looks = [n for n in _quicklooks(_image_folder(cfg, tile_id)) if _day_of(n) in shown]
        for day, cell in list(cells[dag_id].items()):
            stamp = day.strftime("%Y%m%d")
            mine = tuple(n for n in looks if _day_of(n) == stamp)
            cells[dag_id][day] = Cell(cell.state, cell.run_id, mine)
        ring = list(parse_tile_id(tile_id).footprint_lonlat().exterior.coords)
        rows.append(TileRow(tile_id, dag_id, ring, latest.get(dag_id, "never run"), cells[dag_id]))
    return rows, days


def _day_of(name: str) -> str | None:
    """The acquisition day (YYYYMMDD) in an S1Tiling product name, if any."""
    for part in Path(name).stem.split("_"):
        if len(part) == 15 and part[8] == "t" and part[:8].isdigit():
            return part[:8]
    return None


def _day(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(422, f"{name}={value!r}: expected a date YYYY-MM-DD") from exc


def create_app() -> FastAPI:
    """The app the plugin mounts at ``URL_PREFIX``; every route needs a signed-in user."""
    app = FastAPI(title="s1ops tiles", dependencies=[_signed_in()])

    @app.get("/tiles", response_class=HTMLResponse)
    def tiles(start: str | None = Query(None), end: str | None = Query(None)) -> str:
        first, last = _day(start, "start"), _day(end, "end")
        if first is not None and last is not None:
            if last < first:
                raise HTTPException(422, f"end {last} is before start {first}")
            if (last - first).days >= MAX_DAYS:
                raise HTTPException(422, f"at most {MAX_DAYS} days at once")
        cfg = _config()
        rows, days = build_rows(cfg, first, last)
        return tiles_page(rows, days, note=f"request file {cfg.source}; outputs {cfg.paths.output}")

    @app.get("/quicklook/{tile_id}/{name}")
    def quicklook(tile_id: str, name: str) -> FileResponse:
        from s1ops.errors import TileIdError
        from s1ops.grid import parse_tile_id

        cfg = _config()
        try:
            tile = parse_tile_id(tile_id).tile_id
        except TileIdError as exc:
            raise HTTPException(404, str(exc)) from exc
        if tile not in cfg.processing.tiles or Path(name).name != name:
            raise HTTPException(404, "no such quicklook")
        path = _image_folder(cfg, tile) / name
        if path.suffix.lower() not in QUICKLOOK_SUFFIXES or not path.is_file():
            raise HTTPException(404, "no such quicklook")
        return FileResponse(path)

    return app
