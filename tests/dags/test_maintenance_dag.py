"""The maintenance DAG with dag.test(): what it deletes, and what it must not.

Its one task runs ``s1ops.maintenance.run.run_maintenance``, as ``s1ops maintenance``
does (tests/s1ops/maintenance/test_run.py covers the parts in detail).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from airflow.utils.state import DagRunState
from s1ops_airflow.factory import MAINTENANCE_TASK_ID

from s1ops.cache.layout import CacheLayout
from s1ops.cache.locks import hold_products
from s1ops.maintenance.run import S1_CACHE
from s1ops.scratch import partial_path
from tests import airflow_session as session
from tests.s1ops.maintenance.site import abandoned_work_folder

DAY_S = 86_400


def _age(path: Path, days: float = 2) -> Path:
    old = time.time() - days * DAY_S
    os.utime(path, (old, old))
    return path


def _product(cache: Path, name: str, age_days: float) -> Path:
    safe = CacheLayout.of(cache).safe_dir(name)
    (safe / "measurement").mkdir(parents=True)
    (safe / "manifest.safe").write_text("<xfdu/>")
    (safe / "measurement" / "m.tiff").write_bytes(b"\0" * 1000)
    return _age(safe, age_days)


def test_maintenance_purges_what_it_should_and_nothing_else(
    airflow_db, request_file, synthetic
) -> None:
    cfg = request_file(s1_cache_max_products=1)
    root = cfg.parent
    cache, out, tmp = root / "s1", root / "out" / "32NNJ", root / "tmp"
    newest = _product(cache, session.PAIR[1], 1)
    oldest = _product(cache, session.SINGLE, 3)
    held = _product(cache, session.PAIR[0], 2)
    out.mkdir(parents=True)
    product = out / "s1a_32NNJ_vv_DES_051_20151215t050546.tif"
    product.write_bytes(b"image")
    _age(product, 30)  # an old output product is never a candidate
    stale = partial_path(product)
    stale.write_bytes(b"half")
    _age(stale)
    fresh = partial_path(product.with_name("s1a_32NNJ_vh_DES_051_20151215t050546.tif"))
    fresh.write_bytes(b"being written")
    work = _age(abandoned_work_folder(tmp))  # left by a killed job
    staging = CacheLayout.of(cache).staging_dir(session.SINGLE)
    staging.mkdir(parents=True)
    (staging / "eodag.zip").write_bytes(b"\0" * 500)
    _age(staging)
    dag = session.load_dags(cfg)["s1tiling_maintenance"]

    with hold_products([session.PAIR[0]], cache):
        run = dag.test(logical_date=datetime(2015, 12, 16, tzinfo=UTC))

    assert run.state == DagRunState.SUCCESS
    assert newest.is_dir() and held.is_dir()  # kept: most recent, and leased by a job
    assert not oldest.exists()
    assert product.read_bytes() == b"image"
    assert fresh.exists() and not stale.exists()
    assert not work.exists()
    assert not staging.exists()
    task = next(t for t in run.get_task_instances() if t.task_id == MAINTENANCE_TASK_ID)
    summary = task.xcom_pull(task_ids=MAINTENANCE_TASK_ID)
    assert summary["freed_bytes"] >= 1000 + 4 + 500 + 300
    assert not summary["dry_run"] and not summary["failed"]
    assert [k["path"] for k in summary["parts"][S1_CACHE]["kept"]] == [str(held)]
    assert [r["path"] for r in summary["parts"][S1_CACHE]["removed"]] == [str(oldest)]
    shutil.rmtree(cache)
