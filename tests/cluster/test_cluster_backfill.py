"""A backfill on the cluster (two Celery workers) processes each day once.

What the UI's *Backfill* sends (``POST /api/v2/backfills``, one run at a
time) over three days of one tile, around the demo's second pass (the 9th).
The session's runs made that tile-day already: its outputs are moved aside
first (and must come back the same, pixel for pixel), so the test holds in
any order with the other cluster tests, which use manual runs only.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from s1ops.scratch import is_partial_name
from s1ops.testing.demo_site import expected_outputs
from tests.cluster.conftest import RUN_TIMEOUT_S, Cluster, output_problems, runtime

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

TILE = "32NNH"
DAG_ID = f"s1tiling_{TILE}"
PASS_DAY = date(2020, 1, 9)
DAYS = [date(2020, 1, 8), PASS_DAY, date(2020, 1, 10)]


def _tile_day_files(out: Path) -> list[str]:
    """Every file under ``out`` of the tile and day (any name: a partial one too)."""
    stamp = PASS_DAY.strftime("%Y%m%d")
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and TILE in p.name and stamp in p.name and "stac" not in p.parts
    )


def test_a_backfill_processes_each_day_once(cluster: Cluster, runs, tmp_path: Path) -> None:
    out = cluster.site / "out"
    expected = [
        e
        for e in expected_outputs(cluster.cfg, cluster.products_dir)
        if e.tile_id == TILE and e.day == PASS_DAY
    ]
    assert sorted(e.polarisation for e in expected) == ["vh", "vv"]
    assert not any(e.empty for e in expected)
    names = sorted(
        str(path.relative_to(out))
        for e in expected
        for path in (e.output, e.mask, e.quicklook)
        if path is not None
    )
    # The session's runs made them: set them aside, to be made again by the backfill.
    assert _tile_day_files(out) == names
    before = tmp_path / "before"
    for name in names:
        (before / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out / name, before / name)

    api = cluster.api
    api.backfill(DAG_ID, DAYS[0], DAYS[-1])
    backfills = runtime().wait_for_backfills(
        api,
        len(DAYS),
        deadline=time.monotonic() + RUN_TIMEOUT_S,
        alive=cluster.alive,
        log=cluster.dir / "logs" / "scheduler.log",
    )
    backfills = [r for r in backfills if r["dag_id"] == DAG_ID]
    assert sorted((r["logical_date"][:10], r["state"]) for r in backfills) == [
        (str(day), "success") for day in DAYS
    ]
    # One process task per polarisation, run once (on either worker), by the 9th's run;
    # the 10th's run plans the 9th again (lookback) and leaves it be.
    process = [
        ti
        for run in backfills
        for ti in api.task_instances(DAG_ID, run["dag_run_id"])
        if ti["task_id"].endswith(".process") and ti["map_index"] >= 0
    ]
    assert sorted(
        (ti["task_id"], ti["state"], ti["try_number"], ti["logical_date"][:10]) for ti in process
    ) == [(f"{pol}.process", "success", 1, str(PASS_DAY)) for pol in ("vh", "vv")]
    assert {str(ti["hostname"]).split("@")[0] for ti in process} <= {"worker1", "worker2"}
    # Made again exactly once, no partial file left, the same pixels as the runs made.
    made = _tile_day_files(out)
    assert made == names
    assert not [name for name in made if is_partial_name(Path(name).name)]
    after = tmp_path / "after"
    for name in made:
        (after / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / name, after / name)
    assert output_problems(before, after) == []
