"""Backfills and reruns under Airflow's own scheduler (``airflow standalone``).

One Airflow for the module, on the products of ``airflow_session`` put on
disk (download off): 32NNJ has one product on 2015-12-15 and a pair on
2015-12-27; each run re-plans the 3 days before its own.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import airflow_session as session

pytestmark = pytest.mark.slow

DAG_ID = f"s1tiling_{session.TILE}"
MARK = "S1OPS_TEST_STACK"
TIMEOUT_S = 600
LOCKED_RETRIES = 10
AIRFLOW = str(session.REPO / ".venv" / "bin" / "airflow")


def _runtime() -> Any:
    """``scripts/demo_runtime.py``: the demo's child processes and REST client."""
    if "demo_runtime" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "demo_runtime", session.REPO / "scripts" / "demo_runtime.py"
        )
        assert spec is not None and spec.loader is not None
        sys.modules["demo_runtime"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["demo_runtime"])
    return sys.modules["demo_runtime"]


@dataclass
class Stack:
    api: Any
    children: Any
    env: dict[str, str]
    work: Path

    def cli(self, *args: str) -> str:
        """``airflow ARGS``, run again while SQLite refuses it ("database is locked").

        SQLite answers at once, without waiting, when a transaction that read
        would write while the scheduler writes; the refused command is rolled
        back whole, so running it again is what an operator does.
        """
        for _ in range(LOCKED_RETRIES):
            done = subprocess.run(
                [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=300
            )
            if done.returncode == 0 or "database is locked" not in done.stderr:
                break
            time.sleep(2)
        assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def outputs(self) -> dict[str, int]:
        """Output (and mask) file name -> mtime (ns), for the tile."""
        folder = self.work / "out" / session.TILE
        return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.tif"))}

    def process_attempts(self, run_id: str = "~") -> dict[tuple[str, int, str], tuple[str, int]]:
        """(task, map index, run id) -> (state, try number) of the mapped process tasks."""
        found = {}
        for pol in ("vv", "vh"):
            for ti in self.api.task_instances(DAG_ID, run_id, task_id=f"{pol}.process"):
                if ti["map_index"] >= 0:
                    key = (ti["task_id"], ti["map_index"], ti["dag_run_id"])
                    found[key] = (ti["state"], ti["try_number"])
        return found


@pytest.fixture(scope="module")
def stack(synthetic: Path, tmp_path_factory: pytest.TempPathFactory):
    from s1ops_airflow.environment import pools_of

    runtime = _runtime()
    work = tmp_path_factory.mktemp("stack")
    cfg = session.write_request(work, synthetic / "dem", work / "no-eodag.yml")
    cfg.write_text(cfg.read_text().replace("download : True", "download : False"))
    for archive in sorted((synthetic / "catalogue").glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(work / "s1")
    children = runtime.Children(MARK)
    port = runtime.free_port()
    env = runtime.standalone_env(work / "airflow", cfg, port, MARK, children.run_id)
    try:
        children.start_airflow(env, work / "logs")
        api = runtime.AirflowApi(f"http://127.0.0.1:{port}", work / "airflow")
        api.wait_ready([DAG_ID], children.check_alive, timeout_s=TIMEOUT_S)
        api.ensure_pools(pools_of(cfg))
        yield Stack(api, children, env, work)
    finally:
        left = children.stop_all()
    assert left == [], f"processes left running: {left}"


def test_a_backfill_processes_each_day_once(stack: Stack) -> None:
    # As an operator would: the CLI, while the DAG is still paused.
    stack.cli(
        "backfill", "create", "--dag-id", DAG_ID, "--from-date", "2015-12-14",
        "--to-date", "2015-12-18", "--max-active-runs", "1",
    )  # fmt: skip
    stack.api.unpause(DAG_ID)
    runs = _runtime().wait_for_backfills(
        stack.api,
        5,
        deadline=time.monotonic() + TIMEOUT_S,
        alive=stack.children.check_alive,
        log=stack.work / "logs" / "airflow.log",
    )
    assert sorted((r["logical_date"][:10], r["state"]) for r in runs) == [
        (f"2015-12-{day}", "success") for day in range(14, 19)
    ]
    # The runs of the 16th, 17th and 18th re-plan the 15th (lookback) and leave it be.
    attempts = stack.process_attempts()
    assert sorted((task, state, tries) for (task, _, _), (state, tries) in attempts.items()) == [
        ("vh.process", "success", 1),
        ("vv.process", "success", 1),
    ]
    assert {run_id for _, _, run_id in attempts} == {
        r["dag_run_id"] for r in runs if r["logical_date"].startswith("2015-12-15")
    }
    assert sorted(stack.outputs()) == [
        f"s1a_32NNJ_{pol}_DES_051_20151215t050546{mask}.tif"
        for pol in ("vh", "vv")
        for mask in ("", "_BorderMask")
    ]


def test_clearing_a_failed_task_reprocesses_exactly_what_failed(stack: Stack) -> None:
    safe = stack.work / "s1" / f"{session.PAIR[0]}.SAFE"
    (measurement,) = (safe / "measurement").glob("*-vv-*.tiff")
    saved = measurement.read_bytes()
    measurement.write_bytes(b"not a TIFF: a product damaged on disk")
    stack.api.unpause(DAG_ID)  # already, if the backfill test ran first
    # A manual trigger (the UI's form): both days, outputs redone.
    conf = {"first_date": "2015-12-15", "last_date": "2015-12-27", "force": True}
    run_id = stack.api.trigger(DAG_ID, "2015-12-28T00:00:00Z", conf)
    alive = stack.children.check_alive
    assert stack.api.wait_run_done(DAG_ID, run_id, alive, TIMEOUT_S)["state"] == "failed"
    first = stack.process_attempts(run_id)
    failed = [key for key, (state, _) in first.items() if state == "failed"]
    assert len(first) == 4 and len(failed) == 1 and failed[0][0] == "vv.process", first
    assert all(state == "success" for key, (state, _) in first.items() if key not in failed)
    done_before = stack.outputs()
    assert len(done_before) == 6  # the 15th in VV and VH, the 27th in VH, and their masks

    measurement.write_bytes(saved)
    stack.cli("tasks", "clear", DAG_ID, "--only-failed", "--yes",
              "--start-date", "2015-12-28", "--end-date", "2015-12-28T23:59:59")  # fmt: skip
    assert stack.api.wait_run_done(DAG_ID, run_id, alive, TIMEOUT_S)["state"] == "success"
    again = stack.process_attempts(run_id)
    assert again == {
        key: ("success", tries + 1 if key in failed else tries) for key, (_, tries) in first.items()
    }
    after = stack.outputs()
    assert {name: after[name] for name in done_before} == done_before  # not redone
    assert sorted(set(after) - set(done_before)) == [
        "s1a_32NNJ_vv_DES_051_20151227txxxxxx.tif",
        "s1a_32NNJ_vv_DES_051_20151227txxxxxx_BorderMask.tif",
    ]
