"""A cluster of the session's own: ``scripts/cluster.sh`` in a temporary folder, on free ports.

PostgreSQL, Redis, Airflow's api-server, scheduler, dag-processor, triggerer
and two Celery workers, as ``make cluster`` starts them, serving the demo
site (``s1ops.testing.demo_site``: its three tiles and days, at 100 m so
that a job takes seconds) from the local STAC server. Without PostgreSQL or
Redis the tests skip, and fail when CI is set: `make setup` installs both.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "cluster.sh"
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"
WORKERS = 2
RESOLUTION_M = 100  # the demo's 40 m takes 9 s a job on 2 cores; 100 m about 2 s
START_TIMEOUT_S = 600
RUN_TIMEOUT_S = 900
# A task whose worker died is failed (then retried) after this many seconds
# without a heartbeat (Airflow's default: 300).
HEARTBEAT_TIMEOUT_S = 30
# A task still queued after this many seconds is queued again (Airflow's default: 600).
# A worker that picks a task up while PostgreSQL is down cannot start it, nor record
# in Celery's result backend (the same database) that it failed: the task instance
# stays queued and Celery forgets it, which stalled a run 10 minutes after the
# outage of test_faults. Every Celery slot here takes a task at once: nothing
# waits in the queue that long otherwise.
QUEUED_TIMEOUT_S = 120


def runtime() -> Any:
    """``scripts/demo_runtime.py``: free ports and the REST client of the demo."""
    if "demo_runtime" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "demo_runtime", REPO / "scripts" / "demo_runtime.py"
        )
        assert spec is not None and spec.loader is not None
        sys.modules["demo_runtime"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["demo_runtime"])
    return sys.modules["demo_runtime"]


def missing_services() -> str | None:
    """Why this machine cannot run the cluster (None: it can)."""
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "PostgreSQL is not installed (Debian's postgresql)"
    if shutil.which("redis-server") is None:
        return "Redis is not installed (Debian's redis-server)"
    return None


def marked_processes(cluster_dir: Path) -> list[int]:
    """The processes carrying ``S1OPS_CLUSTER=<cluster_dir>`` (what the cluster started)."""
    entry = f"S1OPS_CLUSTER={cluster_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if entry in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@dataclass
class Cluster:
    """A running cluster and the site it serves."""

    dir: Path
    env: dict[str, str]
    api: Any  # demo_runtime.AirflowApi
    cfg: Path
    site: Path
    products_dir: Path
    start_seconds: float

    def script(self, *args: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(SCRIPT), *args],
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def pid(self, name: str) -> int:
        """The pid of the component's supervisor (scripts/supervise.sh)."""
        return int((self.dir / "run" / f"{name}.pid").read_text())

    def main_pid(self, name: str, timeout: float = 0.0) -> int | None:
        """The pid of the component itself; None while its supervisor restarts it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return int((self.dir / "run" / f"{name}.main.pid").read_text())
            except (FileNotFoundError, ValueError):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.5)

    def alive(self) -> None:
        """Fail the test with the log's tail when a component died."""
        for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
            try:
                os.kill(self.pid(name), 0)
            except ProcessLookupError:
                log = (self.dir / "logs" / f"{name}.log").read_text(errors="replace")
                pytest.fail(f"{name} died:\n{log[-3000:]}")


@pytest.fixture(scope="session")
def cluster_services() -> None:
    reason = missing_services()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: `make setup` installs it")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_site(otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo's products (all online), served; yields (site folder, request file, products)."""
    from s1ops.testing.demo_site import demo_products, make_demo_catalogue, write_demo_request
    from s1ops.testing.eodag_provider import write_provider_config
    from s1ops.testing.stac_server import serve_catalogue

    site = tmp_path_factory.mktemp("cluster-site")
    catalogue = make_demo_catalogue(site, demo_products(offline_polls=0))
    with serve_catalogue(catalogue.products_dir) as server:
        eodag = write_provider_config(server.url, site / "eodag.yml")
        cfg = write_demo_request(
            site / "S1Processor.cfg",
            work_dir=site,
            dem_dir=catalogue.dem_dir,
            geoid_file=GEOID,
            eodag_config=eodag,
            resolution_m=RESOLUTION_M,
            poke_interval_s=2,
        )
        yield site, cfg, catalogue.products_dir


@pytest.fixture(scope="session")
def cluster(cluster_services: None, demo_site) -> Iterator[Cluster]:
    """``scripts/cluster.sh start`` on free ports, stopped (everything) at the end."""
    site, cfg, products_dir = demo_site
    rt = runtime()
    # PostgreSQL runs as the postgres user when we are root: its folder must be reachable.
    folder = Path(tempfile.mkdtemp(prefix="s1ops-cluster-"))
    folder.chmod(0o755)
    env = rt.cluster_env(
        folder,
        WORKERS,
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT_S),
        AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT=str(QUEUED_TIMEOUT_S),
    )
    started = time.monotonic()
    cluster = None
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start", str(cfg)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
        )
        seconds = time.monotonic() - started
        print(f"cluster start: {seconds:.0f} s\n{done.stdout}\n{done.stderr[-3000:]}")
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        settings = json.loads((folder / "cluster.json").read_text())
        api = rt.AirflowApi(f"http://127.0.0.1:{settings['api_port']}", folder / "airflow")
        cluster = Cluster(folder, env, api, cfg, site, products_dir, seconds)
        yield cluster
    finally:
        stopped = subprocess.run(
            ["bash", str(SCRIPT), "stop"], cwd=REPO, env=env, capture_output=True, text=True
        )
        left = marked_processes(folder)
        if not left:
            shutil.rmtree(folder, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert left == [], f"processes left running: {left}"


def output_problems(expected: Path, actual: Path, *, partial_ok: bool = False) -> list[str]:
    """What differs between two output folders: the same files (no duplicate, nothing else),
    GeoTIFFs equal pixel for pixel and tag for tag, quicklooks byte for byte, empty-job
    records equal but for when they were written. ``partial_ok``: hidden partial files (a
    killed writer's, which maintenance removes) are left out of ``actual``."""
    from s1ops.outputs.stac_catalogue import STAC_FOLDER
    from s1ops.scratch import is_partial_name
    from s1ops.testing.compare import output_differences

    def files(root: Path) -> list[str]:
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file()
            and p.relative_to(root).parts[0] != STAC_FOLDER  # publish's, not process's
            and not (partial_ok and root == actual and is_partial_name(p.name))
        )

    names = files(expected)
    if names != files(actual):
        return [f"files differ: {sorted(set(names) ^ set(files(actual)))}"]
    records = [name for name in names if name.endswith(".empty.json")]
    found = output_differences(expected, actual, only=[n for n in names if n not in records])
    for name in records:
        a, b = (json.loads((root / name).read_text()) for root in (expected, actual))
        if {**a, "recorded_at": None} != {**b, "recorded_at": None}:
            found.append(f"{name}: {a} != {b}")
    return found


def _s1ops(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "s1ops", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_NUMERIC": "C"},
        timeout=600,
    )
    assert done.returncode == 0, f"s1ops {args[0]}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def runs(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """One manual run per demo tile DAG over the demo's days, all done: DAG id -> run."""
    from s1ops.testing.demo_site import DEMO_TILES, FIRST_DAY, LAST_DAY

    dag_ids = [f"s1tiling_{tile}" for tile in DEMO_TILES]
    # What the UI's trigger form sends: every day of the demo.
    conf = {"first_date": FIRST_DAY.isoformat(), "last_date": LAST_DAY.isoformat()}
    api = cluster.api
    started = time.monotonic()
    api.wait_ready(dag_ids, cluster.alive, timeout_s=RUN_TIMEOUT_S)
    run_ids = {dag_id: api.trigger(dag_id, f"{LAST_DAY}T12:00:00Z", conf) for dag_id in dag_ids}
    for dag_id in dag_ids:
        api.unpause(dag_id)
    done = {
        dag_id: api.wait_run_done(dag_id, run_id, cluster.alive, RUN_TIMEOUT_S)
        for dag_id, run_id in run_ids.items()
    }
    print(f"{len(dag_ids)} tile runs on the cluster: {time.monotonic() - started:.0f} s")
    return done


@pytest.fixture(scope="session")
def standalone(cluster: Cluster, runs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same request run from a shell (``s1ops plan``, ``s1ops process``; no Airflow) on
    the products the cluster downloaded; its output folder."""
    from s1ops.testing.demo_site import DEMO_TILES, write_demo_request

    work = tmp_path_factory.mktemp("standalone")
    cfg = write_demo_request(
        work / "S1Processor.cfg",
        work_dir=work,
        dem_dir=cluster.site / "dem",
        geoid_file=GEOID,
        eodag_config=cluster.site / "eodag.yml",
        resolution_m=RESOLUTION_M,
    )
    cfg.write_text(cfg.read_text().replace("download : True", "download : False"))
    shutil.copytree(cluster.site / "s1", work / "s1", copy_function=os.link)
    started = time.monotonic()
    for tile in DEMO_TILES:
        plan = json.loads(_s1ops("plan", str(cfg), "--tile", tile))
        for job in plan["jobs"]:
            if job["status"] == "todo":
                _s1ops("process", str(cfg), "--job", json.dumps(job))
    print(f"standalone: {time.monotonic() - started:.0f} s")
    return work / "out"
