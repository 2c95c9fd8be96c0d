"""The maintenance DAG with dag.test(): what it deletes, and what it must not."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from airflow.utils.state import DagRunState

from s1ops.cache.locks import hold_products
from tests import airflow_session as session

DAY_S = 86_400


def _age(path: Path, days: float = 2) -> Path:
    old = time.time() - days * DAY_S
    os.utime(path, (old, old))
    return path


def _product(cache: Path, name: str, age_days: float) -> Path:
    safe = cache / f"{name}.SAFE"
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
    stale = out / ".s1a_32NNJ_vv_DES_051_20151215t050546.partial-ab12.tif"
    stale.write_bytes(b"half")
    _age(stale)
    fresh = out / ".s1a_32NNJ_vh_DES_051_20151215t050546.partial-cd34.tif"
    fresh.write_bytes(b"being written")
    (tmp / "s1ops-dem-x").mkdir(parents=True)
    _age(tmp / "s1ops-dem-x")
    staging = cache / ".partial" / session.SINGLE
    staging.mkdir(parents=True)
    (staging / "eodag.zip").write_bytes(b"\0" * 500)
    _age(staging)
    dag = session.load_dags(cfg)["s1tiling_maintenance"]

    with hold_products([held.name.removesuffix(".SAFE")], cache):
        run = dag.test(logical_date=datetime(2015, 12, 16, tzinfo=UTC))

    assert run.state == DagRunState.SUCCESS
    assert newest.is_dir() and held.is_dir()  # kept: most recent, and leased by a job
    assert not oldest.exists()
    assert product.read_bytes() == b"image"
    assert fresh.exists() and not stale.exists()
    assert not (tmp / "s1ops-dem-x").exists()
    assert not staging.exists()
    report = next(t for t in run.get_task_instances() if t.task_id == "report")
    summary = report.xcom_pull(task_ids="report")
    assert summary["freed_bytes"] >= 1000 + 4 + 500
    assert summary["tasks"]["purge_s1_cache"]["held"] == [session.PAIR[0]]
    shutil.rmtree(cache)
