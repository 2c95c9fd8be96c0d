"""The demo's tiles and days on the cluster (PostgreSQL, Redis, two Celery workers).

One manual run per tile DAG over the demo's days: every expected product is
made exactly once, with the pixels a standalone run (``s1ops plan`` and
``s1ops process`` from a shell, no Airflow) makes from the same products,
and the tasks really ran on both workers (the hostname each task instance
records is its worker's Celery name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s1ops.testing.demo_site import DEMO_TILES, expected_outputs
from tests.cluster.conftest import WORKERS, Cluster, output_problems

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DAG_IDS = [f"s1tiling_{tile}" for tile in DEMO_TILES]


def _task_instances(cluster: Cluster, runs) -> list[dict[str, Any]]:
    return [
        ti
        for dag_id, run in runs.items()
        for ti in cluster.api.task_instances(dag_id, run["dag_run_id"])
    ]


def test_every_run_succeeds(runs) -> None:
    assert {dag_id: run["state"] for dag_id, run in runs.items()} == dict.fromkeys(
        DAG_IDS, "success"
    )


def test_every_expected_product_is_made_once_as_standalone_makes_it(
    cluster: Cluster, runs, standalone: Path
) -> None:
    expected = expected_outputs(cluster.cfg, cluster.products_dir)
    made = [e for e in expected if not e.empty]
    assert made and all(e.output.is_file() and e.mask and e.mask.is_file() for e in made)
    # The same files (no duplicate, nothing under a partial name), the same pixels and tags.
    assert output_problems(standalone, cluster.site / "out") == []
    # One process task per job, run once: made (success) or empty (skipped).
    process = [
        ti
        for ti in _task_instances(cluster, runs)
        if ti["task_id"].endswith(".process") and ti["map_index"] >= 0
    ]
    assert sorted(
        (ti["dag_id"], ti["task_id"].split(".")[0], ti["state"], ti["try_number"]) for ti in process
    ) == sorted(
        (f"s1tiling_{e.tile_id}", e.polarisation, "skipped" if e.empty else "success", 1)
        for e in expected
    )


def test_tasks_ran_on_both_workers(cluster: Cluster, runs) -> None:
    ran = [ti for ti in _task_instances(cluster, runs) if ti["state"] == "success"]
    workers = {str(ti["hostname"]).split("@")[0] for ti in ran}
    assert workers == {f"worker{i}" for i in range(1, WORKERS + 1)}, workers


def test_starting_again_leaves_the_running_cluster_be(cluster: Cluster, runs) -> None:
    names = ("api-server", "scheduler", "dag-processor", "triggerer", "worker1", "worker2")
    pids = {name: cluster.pid(name) for name in names}
    again = cluster.script("start", str(cluster.cfg))
    assert again.returncode == 0, again.stderr
    assert "Airflow UI: http://127.0.0.1:" in again.stdout
    assert {name: cluster.pid(name) for name in names} == pids
    status = cluster.script("status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.count(" running ") == len(names) + 2  # and PostgreSQL, Redis
