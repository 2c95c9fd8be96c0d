"""The local STAC catalogue, through plain HTTP and through the real eodag 4 client."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from s1ops.cache.layout import EODAG_RECORDS_DIR
from s1ops.errors import ConfigFileError, StacRequestError
from s1ops.grid import parse_tile_id
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.eodag_provider import (
    EODAG_COLLECTION,
    PROVIDER_NAME,
    eodag_env,
    write_provider_config,
)
from s1ops.testing.stac_failures import FailureMode, ProductState, load_failures
from s1ops.testing.stac_server import serve_catalogue
from tests.s1ops.safe_builder import P1_COORDS, P2_COORDS, SafeSpec, build_safe_zip
from tests.s1ops.safe_builder import P1_ID as P1
from tests.s1ops.safe_builder import P2_ID as P2

# eodag 4.10.1 warns about its own use of jsonpath-ng and of its own
# deprecated paging helper (called by SearchResult.next_page): not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:A `Slice\\(\\)` with no parameters:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `Fields\\('\\*'\\)` as a wildcard:DeprecationWarning"),
    pytest.mark.filterwarnings(
        "ignore:Call to deprecated eodag function/method search_iter_page_plugin"
    ),
]

eodag = pytest.importorskip("eodag", reason="the eodag tests need the 'download' extra")
from eodag.utils.exceptions import (  # noqa: E402
    AuthenticationError,
    DownloadError,
    NotAvailableError,
    QuotaExceededError,
)

# P1, P2: two real consecutive products over tile 33NWB (S1Tiling's test data):
# relative orbit 7, descending.
# eodag's download wait and timeout are in minutes: 0.12 s between tries, 1.2 s in all.
WAIT_MIN = 0.002
TIMEOUT_MIN = 0.02


def _pid(start: datetime, crc: str, orbit: int = 30704, unit: str = "S1A") -> str:
    stop = start + timedelta(seconds=25)
    return ProductId(
        unit, "IW", "GRD", "H", "1", "S", "DV", start, stop, orbit, "038506", crc
    ).format()


FAR = _pid(datetime(2020, 1, 8, 17, 30, tzinfo=UTC), "FA00", orbit=30711)
LATER = _pid(datetime(2020, 1, 20, 4, 41, 50, tzinfo=UTC), "1A7E", orbit=30879)
# Five consecutive slices of one datatake, far from the others: for paging.
TRACK = [
    _pid(datetime(2020, 2, 1, 10, tzinfo=UTC) + timedelta(seconds=25 * k), f"BB0{k}", 31050)
    for k in range(5)
]


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("products")
    far = "45.0,5.0 45.0,7.0 46.0,7.0 46.0,5.0"
    specs = [
        SafeSpec(product_id=P1, coordinates=P1_COORDS, image_bytes=200_000),
        SafeSpec(product_id=P2, coordinates=P2_COORDS),
        SafeSpec(product_id=FAR, coordinates=far, relative_orbit=88, orbit_pass="ASCENDING"),
        SafeSpec(product_id=LATER, coordinates=P1_COORDS),
    ]
    for k, pid in enumerate(TRACK):
        lat = -20.0 + 1.5 * k
        coords = f"{lat},100.0 {lat},102.0 {lat + 1.6},102.0 {lat + 1.6},100.0"
        specs.append(SafeSpec(product_id=pid, coordinates=coords))
    for spec in specs:
        build_safe_zip(folder, spec)
    (folder / "notes.txt").write_text("not a product")
    return folder


@pytest.fixture(scope="module")
def server(products: Path):
    with serve_catalogue(products) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_failures(server):
    server.catalogue.clear_failures()


@pytest.fixture(scope="module")
def dag(server, tmp_path_factory: pytest.TempPathFactory):
    env = eodag_env(tmp_path_factory.mktemp("eodag"), PROVIDER_NAME, server.url)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield eodag.EODataAccessGateway()


def _search(dag, **kwargs):
    return dag.search(
        collection=EODAG_COLLECTION, provider=PROVIDER_NAME, raise_errors=True, **kwargs
    )


def _one(dag, product_id: str):
    (product,) = _search(dag, id=product_id)
    return product


def _download(dag, product_id: str, out: Path, timeout: float = TIMEOUT_MIN) -> Path:
    product = _one(dag, product_id)
    return Path(product.download(output_dir=str(out), wait=WAIT_MIN, timeout=timeout))


# --- plain HTTP ------------------------------------------------------------


def test_search_get_pages_with_next_links(server):
    url = f"{server.url}/search?bbox=99,-21,103,-10&datetime=2020-02-01T00:00:00Z/..&limit=2"
    seen = []
    while url:
        page = requests.get(url, timeout=5).json()
        assert page["numberMatched"] == 5
        seen += [item["id"] for item in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == TRACK


def test_search_post_intersects_and_item_properties(server):
    tile = parse_tile_id("33NWB").footprint_lonlat()
    body = {
        "intersects": tile.__geo_interface__,
        "datetime": "2020-01-08T00:00:00Z/2020-01-08T23:59:59Z",
    }
    page = requests.post(f"{server.url}/search", json=body, timeout=5).json()
    assert [item["id"] for item in page["features"]] == [P1, P2]
    props = page["features"][0]["properties"]
    assert props["platform"] == "sentinel-1a"
    assert props["start_datetime"] == "2020-01-08T04:41:50.000000Z"
    assert (props["sat:orbit_state"], props["sat:relative_orbit"]) == ("descending", 7)
    assert props["sat:absolute_orbit"] == 30704
    assert props["sar:polarizations"] == ["VV", "VH"]
    assert (props["sar:instrument_mode"], props["sar:product_type"]) == ("IW", "GRD")
    assert props["storage:tier"] == "online"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/search?datetime=yesterday", 400),
        ("/search?limit=0", 400),
        ("/search?bbox=1,2,3", 400),
        ("/collections/nope/items", 404),
        (f"/collections/sentinel-1-grd/items/{P1}x", 404),
        ("/download/S1A_nothing.zip", 404),
    ],
)
def test_bad_requests(server, path, status):
    response = requests.get(server.url + path, timeout=5)
    assert response.status_code == status
    assert response.json()["code"] in ("BadRequest", "NotFound")


def test_collections_and_queryables(server):
    (collection,) = requests.get(f"{server.url}/collections", timeout=5).json()["collections"]
    assert collection["id"] == "sentinel-1-grd"
    schema = requests.get(f"{server.url}/collections/sentinel-1-grd/queryables", timeout=5).json()
    assert {"sat:relative_orbit", "sat:orbit_state", "sar:polarizations"} <= set(
        schema["properties"]
    )


def test_order_then_staging_then_online(server):
    server.set_failure(P2, FailureMode(order_required=True, offline_polls=1))
    item_url = f"{server.url}/collections/sentinel-1-grd/items/{P2}"
    download_url = f"{server.url}/download/{P2}.zip"
    assert requests.get(download_url, timeout=5).status_code == 202
    assert requests.get(item_url, timeout=5).json()["properties"]["storage:tier"] == "offline"
    ordered = requests.post(f"{item_url}/order", json={}, timeout=5).json()
    assert ordered["properties"]["storage:tier"] == "staging"
    assert requests.get(item_url, timeout=5).json()["properties"]["storage:tier"] == "staging"
    response = requests.get(download_url, timeout=5)
    assert response.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    stats = server.stats()
    assert (stats.orders_by_product[P2], stats.downloads_by_product[P2]) == (1, 2)


def test_an_ordered_product_stays_staging_for_its_time_whatever_the_polls():
    state = ProductState(FailureMode(order_required=True, offline_polls=1, staging_s=0.5))
    assert state.poll() == "offline"
    assert state.order() == "staging"
    assert [state.poll() for _ in range(5)] == ["staging"] * 5
    time.sleep(0.6)
    assert state.order() == "online"  # a second order does not restart the time
    with pytest.raises(ValueError, match="staging_s=-1"):
        FailureMode(staging_s=-1)


def test_failures_file(tmp_path):
    path = tmp_path / "failures.json"
    path.write_text(json.dumps({P1: {"offline_polls": 3, "http_status": 429}}))
    assert load_failures(path) == {P1: FailureMode(offline_polls=3, http_status=429)}
    path.write_text(json.dumps({P1: {"offline": 3}}))
    with pytest.raises(ConfigFileError, match="unknown failure mode key"):
        load_failures(path)
    with pytest.raises(ValueError, match="http_status=200"):
        FailureMode(http_status=200)


def test_set_failure_unknown_product(server):
    with pytest.raises(StacRequestError, match="not a zipped product"):
        server.set_failure(
            "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_0000", FailureMode()
        )


# --- through eodag ---------------------------------------------------------


def test_eodag_search_tile_and_day(dag, server):
    tile = parse_tile_id("33NWB").footprint_lonlat()
    found = _search(dag, geom=tile, start="2020-01-08", end="2020-01-09", count=True)
    assert found.number_matched == 2
    assert sorted(p.properties["id"] for p in found) == [P1, P2]
    props = found[0].properties
    assert props["platform"] == "sentinel-1a"
    assert props["sat:orbit_state"] == "descending"
    assert props["sat:relative_orbit"] == 7
    assert props["sar:polarizations"] == ["VV", "VH"]
    assert props["order:status"] == "succeeded"
    assert props["eodag:download_link"] == f"{server.url}/download/{props['id']}.zip"


def test_eodag_query_filters(dag):
    period = {"start": "2020-01-01", "end": "2020-03-01"}
    by_orbit = _search(dag, **{"sat:relative_orbit": 88}, **period)
    assert [p.properties["id"] for p in by_orbit] == [FAR]
    ascending = _search(dag, **{"sat:orbit_state": "ascending"}, **period)
    assert [p.properties["id"] for p in ascending] == [FAR]


def test_eodag_pages_over_more_than_limit(dag):
    area = {"geom": (99, -21, 103, -10), "start": "2020-02-01", "end": "2020-02-02"}
    first = _search(dag, limit=2, count=True, **area)
    assert (len(first), first.number_matched) == (2, 5)
    pages = [first, *first.next_page(update=False)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [p.properties["id"] for page in pages for p in page] == TRACK


def test_eodag_download_extracts_the_safe(dag, tmp_path):
    path = _download(dag, P1, tmp_path)
    safe = read_safe(path / f"{P1}.SAFE")
    assert safe.product_id.format() == P1
    assert safe.polarisations == ("vv", "vh")


def test_eodag_queryables(server, tmp_path, monkeypatch):
    env = eodag_env(tmp_path / "eodag", "s1ops_discover")
    write_provider_config(
        server.url, tmp_path / "eodag/providers/d.yml", "s1ops_discover", discover=True
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    gateway = eodag.EODataAccessGateway()
    queryables = gateway.list_queryables(provider="s1ops_discover", collection=EODAG_COLLECTION)
    assert {"sat_relative_orbit", "sat_orbit_state"} <= set(queryables)
    found = gateway.search(collection=EODAG_COLLECTION, provider="s1ops_discover", id=FAR)
    assert [p.properties["id"] for p in found] == [FAR]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (429, QuotaExceededError),
        (500, DownloadError),
    ],
)
def test_eodag_http_errors(dag, server, tmp_path, status, error):
    server.set_failure(P2, FailureMode(http_status=status))
    with pytest.raises(error):
        _download(dag, P2, tmp_path)
    assert server.stats().downloads_by_product[P2] == 1
    assert not list((tmp_path / EODAG_RECORDS_DIR).iterdir())


def test_eodag_retry_after_transient_error(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(http_status=500, failing_attempts=1))
    with pytest.raises(DownloadError):
        _download(dag, P2, tmp_path)
    assert (_download(dag, P2, tmp_path) / f"{P2}.SAFE/manifest.safe").is_file()


def test_eodag_waits_for_offline_product(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(offline_polls=3))
    product = _one(dag, P2)  # poll 1
    assert product.properties["order:status"] == "orderable"
    path = Path(product.download(output_dir=str(tmp_path), wait=WAIT_MIN, timeout=TIMEOUT_MIN))
    assert (path / f"{P2}.SAFE/manifest.safe").is_file()
    stats = server.stats()
    assert stats.polls_by_product[P2] >= 4
    assert stats.downloads_by_product[P2] >= 2


def test_eodag_offline_until_timeout(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(offline_polls=10_000))
    with pytest.raises(NotAvailableError, match="timeout reached"):
        _download(dag, P2, tmp_path)
    assert server.stats().downloads_by_product[P2] >= 2


def test_eodag_single_attempt_with_zero_timeout(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(offline_polls=10_000))
    with pytest.raises(NotAvailableError):
        _download(dag, P2, tmp_path, timeout=0)
    assert server.stats().downloads_by_product[P2] == 1


def test_eodag_orders_then_waits(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(order_required=True, offline_polls=2))
    path = _download(dag, P2, tmp_path)
    assert (path / f"{P2}.SAFE/manifest.safe").is_file()
    stats = server.stats()
    assert stats.orders_by_product[P2] == 1
    assert stats.downloads_by_product[P2] >= 2


def test_eodag_truncated_with_length_raises_raw_requests_error(dag, server, tmp_path):
    server.set_failure(P1, FailureMode(truncate_bytes=150_000))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _download(dag, P1, tmp_path)
    # The partial file (whole 64 KiB chunks) stays where the next attempt
    # writes, and is not recorded as downloaded.
    assert (tmp_path / f"{P1}.zip").stat().st_size == 2 * 64 * 1024
    assert not list((tmp_path / EODAG_RECORDS_DIR).iterdir())


@pytest.mark.parametrize(
    "mode",
    [FailureMode(truncate_bytes=1000, send_length=False), FailureMode(not_a_zip=True)],
    ids=["truncated-without-length", "not-a-zip"],
)
def test_eodag_records_bad_bodies_as_downloaded(dag, server, tmp_path, mode):
    server.set_failure(P1, mode)
    path = _download(dag, P1, tmp_path)
    (kept,) = path.iterdir()
    assert not zipfile.is_zipfile(kept)
    assert len(list((tmp_path / EODAG_RECORDS_DIR).iterdir())) == 1


def test_eodag_corrupt_member_fails_extraction_after_recording(dag, server, tmp_path):
    server.set_failure(P1, FailureMode(corrupt_member=True))
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        _download(dag, P1, tmp_path)
    assert len(list((tmp_path / EODAG_RECORDS_DIR).iterdir())) == 1


def test_eodag_slow_download(dag, server, tmp_path):
    server.set_failure(P2, FailureMode(delay_s=1.0))
    product = _one(dag, P2)
    started = time.monotonic()
    product.download(output_dir=str(tmp_path), wait=WAIT_MIN, timeout=TIMEOUT_MIN)
    assert time.monotonic() - started >= 1.0


# --- CLI -------------------------------------------------------------------


def test_cli_serve_and_eodag_config(products, tmp_path):
    failures = tmp_path / "failures.json"
    failures.write_text(json.dumps({P1: {"http_status": 429}}))
    command = [
        sys.executable,
        "-m",
        "s1ops",
        "synth-catalogue",
        "serve",
        "--products",
        str(products),
        "--port",
        "0",
        "--failures",
        str(failures),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        page = requests.get(f"{url}/search?ids={P1}", timeout=5).json()
        assert [item["id"] for item in page["features"]] == [P1]
        assert requests.get(f"{url}/download/{P1}.zip", timeout=5).status_code == 429
    finally:
        process.terminate()
        process.wait(timeout=10)
    out = tmp_path / "provider.yml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "s1ops",
            "synth-catalogue",
            "eodag-config",
            "--url",
            url,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    import yaml  # eodag's own dependency: the file must be YAML eodag can read

    config = yaml.safe_load(out.read_text())
    assert config[PROVIDER_NAME]["search"]["api_endpoint"] == f"{url}/search"
