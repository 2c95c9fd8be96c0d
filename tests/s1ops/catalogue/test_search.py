"""Search and the non-blocking status check, with the real eodag against a local STAC API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from s1ops.catalogue.gateway import EodagSource, choose_provider, gateway
from s1ops.catalogue.search import SearchCriteria, product_status, search_products
from s1ops.cli import main
from s1ops.errors import ConfigError, DownloadFailedError, ProductNotFoundError
from s1ops.grid import parse_tile_id
from s1ops.testing.stac_failures import FailureMode
from tests.s1ops.catalogue.local_catalogue import MISSING, P1, P2, P3, write_request

pytestmark = [
    pytest.mark.filterwarnings("ignore:A `Slice\\(\\)` with no parameters:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `Fields\\('\\*'\\)` as a wildcard:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Call to deprecated eodag function/method"),
]

TILE = parse_tile_id("33NWB").footprint_lonlat()


def test_gateway_is_hermetic(source, eodag_dir):
    dag = gateway(source)
    assert list(dag.providers) == [source.provider]
    assert gateway(source) is dag
    # eodag's files stay in our tmp, not in the home folder.
    assert (eodag_dir / "eodag").is_dir()


def test_search_tile_records(source, server):
    criteria = SearchCriteria(TILE, date(2020, 1, 1), date(2020, 1, 31))
    records = search_products(source, criteria)
    assert [r.name for r in records] == [P1, P2, P3]
    first = records[0]
    assert (first.relative_orbit, first.orbit_direction) == (7, "DES")
    assert first.polarisations == ("vv", "vh")
    assert first.availability == "online"
    assert first.download_link == f"{server.url}/download/{P1}.zip"
    assert first.footprint.intersects(TILE)


def test_search_filters(source, server):
    base = {"geometry": TILE, "first_date": date(2020, 1, 1), "last_date": date(2020, 1, 31)}
    ascending = search_products(source, SearchCriteria(**base, orbit_direction="ASC"))
    assert [r.name for r in ascending] == [P3]
    orbits = search_products(source, SearchCriteria(**base, relative_orbits=(7, 8)))
    assert [r.name for r in orbits] == [P1, P2]
    assert search_products(source, SearchCriteria(**base, platforms=("S1B",))) == []
    assert search_products(source, SearchCriteria(**base, polarisations=("hh",))) == []
    one_day = SearchCriteria(TILE, date(2020, 1, 20), date(2020, 1, 20))
    assert [r.name for r in search_products(source, one_day)] == [P3]
    server.set_failure(P2, FailureMode(offline_polls=100))
    day8 = search_products(source, SearchCriteria(TILE, date(2020, 1, 8), date(2020, 1, 8)))
    assert [(r.name, r.availability) for r in day8] == [(P1, "online"), (P2, "offline")]


def test_status_online_and_not_found(source, server, tmp_path):
    assert product_status(source, P1, tmp_path).status == "online"
    with pytest.raises(ProductNotFoundError) as caught:
        product_status(source, MISSING)
    assert caught.value.product_id == MISSING
    (tmp_path / f"{P1}.SAFE").mkdir()
    on_disk = product_status(source, P1, tmp_path)
    assert (on_disk.status, on_disk.local_path) == ("on_disk", tmp_path / f"{P1}.SAFE")


def test_status_orders_offline_product_once(source, server):
    server.set_failure(P2, FailureMode(order_required=True, offline_polls=2))
    first = product_status(source, P2)
    assert (first.status, first.order_placed) == ("staging", True)
    statuses = [product_status(source, P2) for _ in range(3)]
    assert [s.status for s in statuses] == ["staging", "online", "online"]
    assert not any(s.order_placed for s in statuses)
    assert server.stats().orders_by_product[P2] == 1


def test_status_of_unreachable_catalogue_is_a_retryable_error(tmp_path):
    # Nothing listens on port 9 of the loopback: a connection refused, retried, then reported.
    config = tmp_path / "user.yml"
    from s1ops.testing.eodag_provider import write_provider_config

    write_provider_config("http://127.0.0.1:9", config, "s1ops_nowhere")
    gone = EodagSource("s1ops_nowhere", tmp_path / "eodag", config)
    with pytest.raises(DownloadFailedError) as caught:
        from s1ops.catalogue.search import find_product

        find_product(gone, P1, attempts=2, backoff_s=0.01)
    assert caught.value.attempts == 2


def test_choose_provider(tmp_path):
    path = tmp_path / "eodag.yml"
    path.write_text("peps:\n  priority: 1\ncreodias:\n  priority: 3\n")
    assert choose_provider(path) == "creodias"
    path.write_text("peps: {}\ncreodias: {}\n")
    with pytest.raises(ConfigError, match="creodias, peps all have priority 0"):
        choose_provider(path)


def test_cli_search_and_status(source, server, eodag_dir, tmp_path, capsys):
    cfg = write_request(tmp_path, eodag_dir, tmp_path / "s1", orbit_direction="DES")
    assert main(["search", str(cfg), "--tile", "33NWB", "--to", "2020-01-10"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["product_id"] for r in records] == [P1, P2]
    server.set_failure(P1, FailureMode(order_required=True, offline_polls=5))
    assert main(["product", "status", str(cfg), P1]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (line["product_id"], line["status"], line["order_placed"]) == (P1, "staging", True)
    assert main(["product", "status", str(cfg), MISSING]) == 66


def test_cli_plan_searches_the_catalogue_as_a_dag_run_does(
    server, eodag_dir, tmp_path, capsys
) -> None:
    from s1ops.config.request import load_config
    from s1ops.planning.runs import RunPlan, plan_for_run

    cfg = write_request(tmp_path, eodag_dir, tmp_path / "s1")
    flags = ["--interval-start", "2020-01-08", "--lookback", "0"]
    assert main(["plan", str(cfg), "--tile", "33NWB", *flags, "--search"]) == 0
    run = RunPlan.from_dict(json.loads(capsys.readouterr().out))
    assert (run.request.first_date, run.request.last_date) == (date(2020, 1, 8),) * 2
    assert [(j.polarisation, j.product_ids) for j in run.plan.jobs] == [
        ("vv", (P1, P2)),
        ("vh", (P1, P2)),
    ]
    assert run.fetch == (P1, P2)
    # What the DAG's plan task computes for that run ([DataSource] download is on).
    dag_run = plan_for_run(
        load_config(cfg), "33NWB", datetime(2020, 1, 8, tzinfo=UTC), None, {}, lookback_days=0
    )
    assert dag_run == run
    # Without --search, only the disk (empty here) is planned.
    assert main(["plan", str(cfg), "--tile", "33NWB", *flags]) == 0
    assert RunPlan.from_dict(json.loads(capsys.readouterr().out)).plan.jobs == ()
