"""Verified downloads into the S1 cache, against each failure of the local STAC API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from s1ops.cache.locks import product_lock
from s1ops.catalogue.fetch import download_product
from s1ops.catalogue.search import product_status
from s1ops.cli import main
from s1ops.errors import (
    CorruptProductError,
    DownloadAuthError,
    DownloadFailedError,
    ProductNotAvailableError,
    ProductNotFoundError,
    QuotaError,
)
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.stac_failures import FailureMode
from tests.s1ops.catalogue.local_catalogue import FAST, MISSING, P1, P2, assert_clean, write_request

pytestmark = [
    pytest.mark.filterwarnings("ignore:A `Slice\\(\\)` with no parameters:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `Fields\\('\\*'\\)` as a wildcard:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Call to deprecated eodag function/method"),
]

BAD_BODIES = {
    "truncated-with-length": FailureMode(truncate_bytes=150_000),
    "truncated-without-length": FailureMode(truncate_bytes=150_000, send_length=False),
    "not-a-zip": FailureMode(not_a_zip=True),
    "corrupt-member": FailureMode(corrupt_member=True),
    "http-500": FailureMode(http_status=500),
}
# What each bad body becomes once the retries are spent.
FINAL_ERROR = {
    "truncated-with-length": DownloadFailedError,  # a connection cut mid-body
    "truncated-without-length": CorruptProductError,  # eodag's false success
    "not-a-zip": CorruptProductError,
    "corrupt-member": CorruptProductError,
    "http-500": DownloadFailedError,
}


def test_online_product(source, server, tmp_path):
    safe = download_product(source, P1, tmp_path, FAST)
    assert safe == tmp_path / f"{P1}.SAFE"
    product = read_safe(safe)
    assert product.product_id.format() == P1
    assert product.polarisations == ("vv", "vh")
    assert_clean(tmp_path)
    # Already there: no second transfer, and the status says so.
    assert download_product(source, P1, tmp_path, FAST) == safe
    assert server.stats().downloads_by_product[P1] == 1
    assert product_status(source, P1, tmp_path).status == "on_disk"


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_bad_body_is_retried_then_accepted(source, server, tmp_path, name):
    server.set_failure(P1, replace(BAD_BODIES[name], failing_attempts=1))
    safe = download_product(source, P1, tmp_path, FAST)
    assert read_safe(safe).product_id.format() == P1
    assert server.stats().downloads_by_product[P1] == 2
    assert_clean(tmp_path)


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_bad_body_fails_after_bounded_attempts(source, server, tmp_path, name):
    server.set_failure(P1, BAD_BODIES[name])
    with pytest.raises(FINAL_ERROR[name]) as caught:
        download_product(source, P1, tmp_path, FAST)
    assert caught.value.product_id == P1
    assert P1 in str(caught.value)
    assert server.stats().downloads_by_product[P1] == FAST.attempts
    assert not (tmp_path / f"{P1}.SAFE").exists()
    assert_clean(tmp_path)
    # eodag's record of the false success went with the staging folder: once
    # the server behaves, the next call downloads for real.
    server.set_failure(P1, FailureMode())
    assert (download_product(source, P1, tmp_path, FAST) / "manifest.safe").is_file()


@pytest.mark.parametrize(
    ("status", "error"), [(401, DownloadAuthError), (403, DownloadAuthError), (429, QuotaError)]
)
def test_auth_and_quota_fail_at_once(source, server, tmp_path, status, error):
    server.set_failure(P2, FailureMode(http_status=status))
    with pytest.raises(error) as caught:
        download_product(source, P2, tmp_path, FAST)
    assert caught.value.product_id == P2
    assert server.stats().downloads_by_product[P2] == 1
    assert_clean(tmp_path)
    if status == 429:
        assert caught.value.retry_after_s > 0


def test_offline_then_online_after_polls(source, server, tmp_path):
    server.set_failure(P2, FailureMode(offline_polls=4))
    with pytest.raises(ProductNotAvailableError) as caught:
        download_product(source, P2, tmp_path, FAST)
    assert caught.value.product_id == P2
    assert_clean(tmp_path)
    statuses = []
    while not statuses or statuses[-1] != "online":
        statuses.append(product_status(source, P2, tmp_path).status)
        assert len(statuses) < 10
    assert statuses[0] in ("offline", "staging")
    assert (download_product(source, P2, tmp_path, FAST) / "manifest.safe").is_file()


def test_order_flow(source, server, tmp_path):
    # Each search and download attempt is a poll: staging for five of them.
    server.set_failure(P2, FailureMode(order_required=True, offline_polls=5))
    first = product_status(source, P2, tmp_path)
    assert (first.status, first.order_placed) == ("staging", True)
    with pytest.raises(ProductNotAvailableError):
        download_product(source, P2, tmp_path, FAST)
    while product_status(source, P2, tmp_path).status != "online":
        pass
    assert (download_product(source, P2, tmp_path, FAST) / "manifest.safe").is_file()
    stats = server.stats()
    assert stats.orders_by_product[P2] == 1
    assert_clean(tmp_path)


def test_eodag_waits_for_staging_when_asked(source, server, tmp_path):
    server.set_failure(P2, FailureMode(order_required=True, offline_polls=2))
    patient = replace(FAST, wait_s=0.05, timeout_s=5.0)
    assert (download_product(source, P2, tmp_path, patient) / "manifest.safe").is_file()


def test_not_found(source, tmp_path):
    with pytest.raises(ProductNotFoundError):
        download_product(source, MISSING, tmp_path, FAST)


def test_waits_for_lock_then_finds_product(source, server, tmp_path):
    with product_lock(tmp_path, P1), pytest.raises(Exception, match="still held"):
        download_product(source, P1, tmp_path, replace(FAST, lock_timeout_s=0.2))
    assert server.stats().downloads_by_product.get(P1, 0) == 0


def test_cli_exit_codes(source, server, eodag_dir, tmp_path, capsys):
    cfg = write_request(tmp_path, eodag_dir, tmp_path / "s1")
    server.set_failure(P2, FailureMode(http_status=401))
    assert main(["product", "download", str(cfg), P2]) == 77
    assert "refused the credentials" in capsys.readouterr().err
    server.set_failure(P2, FailureMode(offline_polls=100))
    assert main(["product", "download", str(cfg), P2]) == 75
    server.set_failure(P2, FailureMode(http_status=429))
    assert main(["product", "download", str(cfg), P2]) == 69
    assert main(["product", "download", str(cfg), MISSING]) == 66
    capsys.readouterr()
    assert main(["product", "download", str(cfg), P1]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["safe"] == str(tmp_path / "s1" / f"{P1}.SAFE")


def test_two_processes_download_once(source, server, eodag_dir, tmp_path):
    cache = tmp_path / "s1"
    cfg = write_request(tmp_path, eodag_dir, cache)
    # A slow answer keeps the first download under its lock while the second asks.
    server.set_failure(P1, FailureMode(delay_s=2.0))
    command = [sys.executable, "-m", "s1ops", "-v", "product", "download", str(cfg), P1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    procs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["safe"] == str(cache / f"{P1}.SAFE")
    assert server.stats().downloads_by_product[P1] == 1
    # The second one really waited for the first one's lock.
    assert any("meanwhile" in err for _, err in outputs)
    assert_clean(cache)


def test_a_download_says_what_from_where_how_much_how_long_and_what_it_verified(
    source, server, tmp_path, caplog
):
    with caplog.at_level("INFO", logger="s1ops.catalogue.fetch"):
        safe = download_product(source, P1, tmp_path, FAST)
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("downloaded ")]
    assert f"downloaded {P1} from eodag provider {source.provider!r}: " in line
    assert " bytes in " in line and "MD5 against the SAFE's manifest" in line
    assert line.endswith(f"placed at {safe}")
