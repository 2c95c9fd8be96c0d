"""The "S1 tiles" app (``s1ops_airflow.tiles_page``): refused without signing in, and how a
run's state reads on the page. Signed in, on the demo's runs, in Chromium: tests/test_demo.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from s1ops_airflow.tiles_page import _day_of, create_app, run_state


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
