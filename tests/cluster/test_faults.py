"""Faults the cluster survives, nothing lost: each test reruns a tile (``force``) and breaks
something while a ``process`` task runs.

- A Celery worker SIGKILLed with everything it started: the task's heartbeat
  stops, Airflow fails the attempt after ``task_instance_heartbeat_timeout``
  (30 s here) and retries it on the worker still alive.
- The scheduler SIGKILLed: its supervisor (``scripts/supervise.sh``, standing
  for systemd) starts it again, and the new one adopts the queued and running
  tasks.
- PostgreSQL stopped for 20 s, then started again: Airflow recovers by itself
  (what died of the outage is restarted by its supervisor), retries allowed.

Every time the run succeeds and the outputs are the standalone run's, file for
file and pixel for pixel: nothing partial under a final name, no duplicate.
``scripts/cluster.sh start`` then leaves the cluster whole for the next test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from s1ops.scratch import is_partial_name
from s1ops.testing.demo_site import FIRST_DAY, LAST_DAY
from tests.cluster.conftest import RUN_TIMEOUT_S, Cluster, output_problems

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer", "worker1", "worker2")
DB_OUTAGE_S = 20


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (read before the kill: orphans are re-parented)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rerun(cluster: Cluster, dag_id: str, hour: int) -> str:
    """A manual run of ``dag_id`` over the demo's days, outputs redone; its run id."""
    conf = {"first_date": str(FIRST_DAY), "last_date": str(LAST_DAY), "force": True}
    return str(cluster.api.trigger(dag_id, f"{LAST_DAY}T{hour:02d}:00:00Z", conf))


def _running_process_task(cluster: Cluster, dag_id: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        cluster.alive()
        for ti in cluster.api.task_instances(dag_id, run_id):
            if ti["task_id"].endswith(".process") and ti["state"] == "running" and ti["hostname"]:
                return ti
        time.sleep(0.3)
    pytest.fail(f"no process task of {run_id} ran in {RUN_TIMEOUT_S} s")


def _finish(cluster: Cluster, dag_id: str, run_id: str, standalone: Path) -> dict[str, Any]:
    """Wait for the run; check it succeeded with the standalone outputs; the run."""
    started = time.monotonic()
    run = cluster.api.wait_run_done(dag_id, run_id, lambda: None, RUN_TIMEOUT_S)
    print(f"{dag_id}: the run ended {time.monotonic() - started:.0f} s after the fault")
    assert run["state"] == "success", run
    # Every output redone as the standalone run made it: nothing partial under a final name.
    assert output_problems(standalone, cluster.site / "out", partial_ok=True) == []
    leftovers = [p.name for p in (cluster.site / "out").rglob("*") if is_partial_name(p.name)]
    print(f"partial files left (maintenance removes them): {leftovers}")
    return run


def _start_again(cluster: Cluster) -> None:
    restarted = cluster.script("start", str(cluster.cfg))
    assert restarted.returncode == 0, restarted.stderr
    status = cluster.script("status")
    assert status.returncode == 0, status.stdout


def test_a_task_of_a_killed_worker_is_retried_on_the_other(
    cluster: Cluster, runs, standalone: Path
) -> None:
    dag_id = "s1tiling_32NNH"  # the merged pairs
    run_id = _rerun(cluster, dag_id, 18)
    victim = _running_process_task(cluster, dag_id, run_id)
    worker = str(victim["hostname"]).split("@")[0]
    pids = _descendants(cluster.pid(worker))
    os.killpg(pids[0], signal.SIGKILL)
    for pid in pids:  # OTB children run in sessions of their own
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    print(f"killed {worker} ({len(pids)} processes) in {victim['task_id']}")

    _finish(cluster, dag_id, run_id, standalone)
    (again,) = [
        ti
        for ti in cluster.api.task_instances(dag_id, run_id, task_id=victim["task_id"])
        if ti["map_index"] == victim["map_index"]
    ]
    assert again["state"] == "success" and again["try_number"] == 2, again
    assert str(again["hostname"]).split("@")[0] != worker, again
    _start_again(cluster)


def test_a_killed_scheduler_is_restarted_and_finishes_the_run(
    cluster: Cluster, runs, standalone: Path
) -> None:
    dag_id = "s1tiling_32NNJ"
    run_id = _rerun(cluster, dag_id, 19)
    _running_process_task(cluster, dag_id, run_id)
    old = cluster.main_pid("scheduler")
    assert old is not None
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while cluster.main_pid("scheduler") in (old, None) and time.monotonic() < deadline:
        time.sleep(0.5)
    new = cluster.main_pid("scheduler")
    assert new not in (old, None), "the supervisor did not start the scheduler again in 60 s"
    print(f"scheduler {old} killed, {new} started by its supervisor")
    _finish(cluster, dag_id, run_id, standalone)


def test_a_database_outage_is_survived(cluster: Cluster, runs, standalone: Path) -> None:
    dag_id = "s1tiling_32NNJ"
    run_id = _rerun(cluster, dag_id, 20)
    _running_process_task(cluster, dag_id, run_id)
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    argv = [str(pg_ctl), "stop", "-D", str(cluster.dir / "pg" / "data"), "-m", "fast", "-w"]
    if os.geteuid() == 0:  # PostgreSQL runs as its own user
        argv = ["runuser", "-u", "postgres", "--", *argv]
    supervisors = {name: cluster.pid(name) for name in COMPONENTS}
    before = {name: cluster.main_pid(name) for name in COMPONENTS}
    subprocess.run(argv, cwd="/", check=True, capture_output=True, timeout=120)
    time.sleep(DB_OUTAGE_S)
    # PostgreSQL's own service manager's job: `start` starts it, and nothing of
    # Airflow, whose supervisors are all still there.
    _start_again(cluster)
    assert {name: cluster.pid(name) for name in COMPONENTS} == supervisors
    _finish(cluster, dag_id, run_id, standalone)
    after = {name: cluster.main_pid(name, timeout=60) for name in COMPONENTS}
    restarted = [name for name in COMPONENTS if after[name] != before[name]]
    print(f"restarted by their supervisors after the outage: {restarted or 'nothing'}")
    assert None not in after.values(), after
