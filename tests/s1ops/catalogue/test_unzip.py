"""Zipped products in the cache become ``{id}.SAFE`` on first use, by the downloads' checks."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import LockTimeoutError, product_lock
from s1ops.catalogue.fetch import ensure_unzipped
from s1ops.errors import ZippedProductError
from s1ops.sentinel1.safe import read_safe
from tests.s1ops.safe_builder import P1_ID, SafeSpec, build_safe_dir, build_safe_zip

SPEC = SafeSpec(image_bytes=5_000)
OLD_NS = 1_500_000_000 * 10**9  # 2017: the zip's date, kept by its SAFE


def _zip(folder: Path) -> Path:
    zipped = build_safe_zip(folder, SPEC)
    os.utime(zipped, ns=(OLD_NS, OLD_NS))
    return zipped


def test_a_zip_becomes_its_safe_and_goes(tmp_path: Path) -> None:
    zipped = _zip(tmp_path)
    safe = ensure_unzipped(tmp_path, P1_ID)
    assert safe == tmp_path / f"{P1_ID}.SAFE"
    assert read_safe(safe).polarisations == ("vv", "vh")
    assert not zipped.exists()
    assert safe.stat().st_mtime_ns == OLD_NS  # the purge's order is the zip's
    assert not CacheLayout.of(tmp_path).staging_dir(P1_ID).exists()
    assert ensure_unzipped(tmp_path, P1_ID) == safe  # then found as it is


def test_a_zip_one_level_down_is_unzipped_at_the_top(tmp_path: Path) -> None:
    zipped = _zip(tmp_path / "eodag")
    assert ensure_unzipped(tmp_path, P1_ID) == tmp_path / f"{P1_ID}.SAFE"
    assert not zipped.exists()


def test_folders_and_absent_products_are_left_alone(tmp_path: Path) -> None:
    assert ensure_unzipped(tmp_path, P1_ID) is None
    safe = build_safe_dir(tmp_path, SPEC)
    with product_lock(tmp_path, P1_ID):  # no lock is needed to find a folder
        assert ensure_unzipped(tmp_path, P1_ID, lock_timeout_s=0) == safe


def test_a_bad_zip_is_refused_and_left_in_place(tmp_path: Path) -> None:
    zipped = _zip(tmp_path)
    zipped.write_bytes(zipped.read_bytes()[:-100])  # its central directory cut
    with pytest.raises(ZippedProductError, match="left in place") as caught:
        ensure_unzipped(tmp_path, P1_ID)
    assert caught.value.path == str(zipped)
    assert caught.value.product_id == P1_ID
    assert "not a zip file" in caught.value.reason
    assert zipped.is_file()
    assert not (tmp_path / f"{P1_ID}.SAFE").exists()
    assert not CacheLayout.of(tmp_path).staging_dir(P1_ID).exists()


def test_another_process_unzipping_is_waited_for(tmp_path: Path) -> None:
    _zip(tmp_path)
    with product_lock(tmp_path, P1_ID), pytest.raises(LockTimeoutError):
        ensure_unzipped(tmp_path, P1_ID, lock_timeout_s=0.2)
    # Its SAFE is taken as soon as it is in place, even while its lock is still held.
    other = tmp_path / "other"
    build_safe_dir(other, SPEC)

    def finish() -> None:
        time.sleep(0.3)
        (other / f"{P1_ID}.SAFE").rename(tmp_path / f"{P1_ID}.SAFE")

    with product_lock(tmp_path, P1_ID):
        mover = threading.Thread(target=finish)
        mover.start()
        assert ensure_unzipped(tmp_path, P1_ID, lock_timeout_s=10) == tmp_path / f"{P1_ID}.SAFE"
        mover.join()
