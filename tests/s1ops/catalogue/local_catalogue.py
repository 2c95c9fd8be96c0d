"""A local STAC catalogue, its eodag config and request files for the download tests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from s1ops.cache.layout import EODAG_RECORDS_DIR, LOCKS_DIR, STAGING_DIR, ZIP_SUFFIX
from s1ops.catalogue.fetch import DownloadPolicy
from s1ops.catalogue.gateway import EodagSource
from s1ops.testing import request_file
from s1ops.testing.eodag_provider import write_provider_config
from s1ops.testing.stac_server import serve_catalogue
from tests.s1ops.safe_builder import P1_COORDS, P2_COORDS, SafeSpec, build_safe_zip
from tests.s1ops.safe_builder import P1_ID as P1
from tests.s1ops.safe_builder import P2_ID as P2

PROVIDER = "s1ops_dl_test"
# P1, P2: real consecutive products over tile 33NWB (relative orbit 7, descending).
# Same place twelve days later, ascending on another orbit (for filters).
P3 = "S1A_IW_GRDH_1SDV_20200120T174150_20200120T174215_030886_038C0A_AB12"
MISSING = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_0000"
# Small pauses: the tests exercise the retries, not the waiting.
FAST = DownloadPolicy(attempts=3, backoff_s=0.01, wait_s=0.1, timeout_s=0.0)


@pytest.fixture(scope="session")
def products(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue")
    build_safe_zip(folder, SafeSpec(product_id=P1, coordinates=P1_COORDS, image_bytes=200_000))
    build_safe_zip(folder, SafeSpec(product_id=P2, coordinates=P2_COORDS))
    p3 = SafeSpec(P3, coordinates=P1_COORDS, relative_orbit=117, orbit_pass="ASCENDING")
    build_safe_zip(folder, p3)
    return folder


@pytest.fixture(scope="session")
def server(products: Path):
    with serve_catalogue(products) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_failures(request):
    if "server" in request.fixturenames:
        request.getfixturevalue("server").catalogue.clear_failures()


@pytest.fixture(scope="session")
def eodag_dir(server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared [Paths] tmp: one eodag gateway per test session."""
    root = tmp_path_factory.mktemp("s1ops-tmp")
    write_provider_config(server.url, root / "eodag-user.yml", PROVIDER)
    saved = {k: v for k, v in os.environ.items() if k.startswith("EODAG")}
    yield root
    for key in [k for k in os.environ if k.startswith("EODAG")]:
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def source(eodag_dir: Path) -> EodagSource:
    return EodagSource(PROVIDER, eodag_dir / "eodag", eodag_dir / "eodag-user.yml")


def write_request(tmp_path: Path, eodag_dir: Path, s1_images: Path, **extra: str) -> Path:
    """A request file using the session's eodag config and ``s1_images``; ``extra`` [DataSource]."""
    paths = request_file.RequestPaths(tmp_path / "out", s1_images, tmp_path / "dem", eodag_dir)
    return request_file.write_request(
        tmp_path / request_file.REQUEST_NAME,
        paths,
        tiles="33NWB",
        data_source={
            "download": True,
            "eodag_config": eodag_dir / "eodag-user.yml",
            "last_date": date(2020, 1, 31),
            **extra,
        },
    )


def assert_clean(cache: Path) -> None:
    """Nothing but whole SAFE folders and our bookkeeping folders in the cache."""
    leftovers = [
        p.relative_to(cache)
        for p in cache.rglob("*")
        if p.name == EODAG_RECORDS_DIR or p.suffix == ZIP_SUFFIX
    ]
    assert leftovers == []
    partial = cache / STAGING_DIR
    assert not partial.exists() or list(partial.iterdir()) == []
    for entry in cache.iterdir():
        assert entry.name in (LOCKS_DIR, STAGING_DIR) or (entry / "manifest.safe").is_file()
