"""The "S1 tiles" app (``s1ops_airflow.tiles_page``): refused without signing in, how a
run's state reads on the page, and which runs of the metadata database make its rows.
Signed in, on the demo's runs, in Chromium: tests/test_demo.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from s1ops_airflow.tiles_page import _day_of, build_rows, create_app, run_state

from s1ops.config.request import load_config
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request

# Tiles no other test runs a DAG of: the metadata database is the session's.
RUN_TILE, IDLE_TILE = "31UDQ", "31UEQ"


@pytest.mark.parametrize("path", ["/tiles", "/tiles?start=2020-01-01", "/quicklook/32NNJ/a.jpg"])
def test_every_route_is_refused_without_a_signed_in_user(path: str) -> None:
    from airflow.plugins_manager import AirflowPlugin  # the page needs Airflow: slow layer

    assert AirflowPlugin
    answer = TestClient(create_app()).get(path)
    assert answer.status_code == 401, answer.text
    assert "tile" not in answer.text.lower()  # nothing of the page


def test_the_plugin_mounts_the_app_and_adds_a_nav_entry() -> None:
    import s1ops_tiles_plugin as plugin

    (app,) = plugin.S1OpsTilesPlugin.fastapi_apps
    assert app["url_prefix"] == "/s1ops"
    (view,) = plugin.S1OpsTilesPlugin.external_views
    assert view["href"] == "s1ops/tiles" and view["url_route"] == "s1-tiles"


def test_run_states_in_the_pages_words() -> None:
    assert run_state("success", False) == "done"
    assert run_state("failed", True) == "failed"
    assert run_state("running", True) == "waiting"  # a deferred fetch: a product not yet there
    assert run_state("running", False) == "running"
    assert run_state("queued", False) == "running"


def test_the_day_of_a_product_name() -> None:
    assert _day_of("s1a_32NNJ_vv_DES_051_20200103t050546.jpg") == "20200103"
    assert _day_of("s1a_32NNH_vh_DES_051_20200109txxxxxx.png") == "20200109"
    assert _day_of("notes.jpg") is None


def _add_run(session, tile_id: str, day: date, state: str, *, hours_late: int = 0) -> str:
    """A run of ``tile_id``'s DAG whose data interval starts on ``day`` (``hours_late``: a
    manual run of the same interval, made later); its run_id."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.types import DagRunType
    from s1ops_airflow.factory import dag_id_for

    start = datetime.combine(day, datetime.min.time(), UTC)
    kind = DagRunType.MANUAL if hours_late else DagRunType.SCHEDULED
    run_id = f"{kind.value}__{day.isoformat()}_{hours_late}"
    session.add(
        DagRun(
            dag_id=dag_id_for(tile_id),
            run_id=run_id,
            run_type=kind,
            logical_date=start + timedelta(hours=hours_late),
            data_interval=(start, start + timedelta(days=1)),
            run_after=start + timedelta(days=1, hours=hours_late),
            state=state,
        )
    )
    session.flush()
    return run_id


def test_rows_show_each_tiles_latest_run_and_the_runs_of_the_days_shown(
    airflow_db: float, tmp_path: Path
) -> None:
    from airflow.utils.session import create_session

    paths = RequestPaths.under(tmp_path, geoid_file=tmp_path / "egm96.grd")
    cfg = load_config(write_request(tmp_path / REQUEST_NAME, paths, tiles=(RUN_TILE, IDLE_TILE)))
    first = date(2020, 1, 1)
    with create_session() as session:
        _add_run(session, RUN_TILE, date(2019, 6, 1), "success")  # long before: never read
        for n in range(20):
            _add_run(
                session, RUN_TILE, first + timedelta(days=n), "success" if n < 19 else "failed"
            )
        redone = _add_run(session, RUN_TILE, date(2020, 1, 10), "running", hours_late=2)
    images = tmp_path / "out" / RUN_TILE
    images.mkdir(parents=True)
    (images / f"s1a_{RUN_TILE}_vv_DES_051_20200110t050546.jpg").touch()

    rows, days = build_rows(cfg, None, None)  # the 14 days up to the latest run
    assert (days[0], days[-1], len(days)) == (date(2020, 1, 7), date(2020, 1, 20), 14)
    ran, idle = rows
    assert (ran.tile_id, ran.latest, idle.latest, idle.cells) == (
        RUN_TILE,
        "failed",
        "never run",
        {},
    )
    assert sorted(ran.cells) == days
    assert ran.cells[date(2020, 1, 10)].run_id == redone  # a day's latest run is its cell
    assert ran.cells[date(2020, 1, 10)].state == "running"
    assert ran.cells[date(2020, 1, 10)].quicklooks == (
        f"s1a_{RUN_TILE}_vv_DES_051_20200110t050546.jpg",
    )
    assert ran.cells[date(2020, 1, 9)].quicklooks == ()

    rows, days = build_rows(cfg, date(2019, 12, 31), date(2020, 1, 2))
    assert sorted(rows[0].cells) == [date(2020, 1, 1), date(2020, 1, 2)] and len(days) == 3
    rows, days = build_rows(cfg, date(2020, 1, 15), None)
    assert (days[-1], rows[0].latest) == (date(2020, 1, 28), "failed")
    assert sorted(rows[0].cells) == [first + timedelta(days=n) for n in range(14, 20)]
