"""The S1 cache purge and product leases (no catalogue needed)."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import LockTimeoutError, hold_products, product_lock
from s1ops.cache.purge import cached_products, purge_cache
from s1ops.cli import main
from tests.s1ops.catalogue.local_catalogue import P1, P2, P3, write_request

OLDER = "S1B_IW_GRDH_1SDV_20200102T044110_20200102T044135_019633_0251D3_1A2B"


def _safe(cache: Path, product_id: str, age_s: float, size: int = 1000) -> Path:
    safe = cache / f"{product_id}.SAFE"
    (safe / "measurement").mkdir(parents=True)
    (safe / "manifest.safe").write_bytes(b"m" * size)
    stamp = time.time() - age_s
    os.utime(safe, (stamp, stamp))
    return safe


def test_purge_keeps_most_recent_and_held(tmp_path):
    _safe(tmp_path, P1, age_s=10)
    _safe(tmp_path, P2, age_s=20)
    _safe(tmp_path, P3, age_s=30, size=3000)
    _safe(tmp_path, OLDER, age_s=40, size=5000)
    (tmp_path / "notes.txt").write_text("not a product")
    assert [p.product_id for p in cached_products(tmp_path)] == [P1, P2, P3, OLDER]
    with hold_products([OLDER], tmp_path):
        report = purge_cache(tmp_path, keep=2)
    assert report.kept == (P1, P2)
    assert report.deleted == (P3,)
    assert report.held == (OLDER,)
    assert report.freed_bytes == 3000
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        f"{P1}.SAFE",
        f"{P2}.SAFE",
        f"{OLDER}.SAFE",
        "notes.txt",
    ]
    assert list(CacheLayout.of(tmp_path).trash_dir.iterdir()) == []
    # Released: the next purge deletes it.
    assert purge_cache(tmp_path, keep=2).deleted == (OLDER,)


def test_purge_dry_run(tmp_path):
    _safe(tmp_path, P1, age_s=10)
    _safe(tmp_path, P2, age_s=20, size=700)
    report = purge_cache(tmp_path, keep=1, dry_run=True)
    assert (report.deleted, report.freed_bytes) == ((P2,), 700)
    assert (tmp_path / f"{P2}.SAFE").is_dir()


def _hold_then_signal(cache: str, ready, release) -> None:
    with hold_products([P2], cache):
        ready.set()
        release.wait(10)


def test_lease_held_by_another_process(tmp_path):
    _safe(tmp_path, P1, age_s=10)
    _safe(tmp_path, P2, age_s=20)
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_then_signal, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        assert purge_cache(tmp_path, keep=0).held == (P2,)
        # A download would wait for the lease.
        with pytest.raises(LockTimeoutError), product_lock(tmp_path, P2, timeout_s=0.1):
            pass
    finally:
        release.set()
        holder.join(10)
    assert purge_cache(tmp_path, keep=0).deleted == (P2,)


def test_cli_purge(tmp_path, capsys):
    cache = tmp_path / "s1"
    _safe(cache, P1, age_s=10)
    _safe(cache, P2, age_s=20, size=400)
    cfg = write_request(tmp_path, tmp_path, cache)
    assert main(["cache", "purge", str(cfg), "--keep", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["kept"], report["deleted"], report["freed_bytes"]) == (1, [P2], 400)
