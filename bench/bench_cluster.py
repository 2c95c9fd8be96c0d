"""Benchmark: Airflow's overhead on a tile-day, and throughput, on the cluster and standalone.

The demo site (``s1ops.testing.demo_site``: three tiles, two passes, all
products online) served from the local STAC server, run twice by Airflow:
(a) the cluster of ``scripts/cluster.sh`` (PostgreSQL, Redis, the
CeleryExecutor with 2 workers), in its own folder on free ports; (b)
``airflow standalone`` (SQLite, LocalExecutor), as ``make demo`` runs it.
On each, one manual run of one tile-day (32NNH on the 9th: a pair, VV and
VH): the run's wall time (its start to its end) against the sum of the
``seconds`` its ``s1ops process`` tasks report (their OTB pipelines);
Airflow's overhead is the difference, in % of that sum (the two jobs of a
tile-day run side by side on 2 slots: the sum can exceed the wall time, a
negative overhead), and the wall time beyond the longest job (the run's
critical path: planning, fetching, scheduling and publishing around it), in %
of that job. Then every tile-day of the site at once (one run per
tile, ``force``) and the throughput.
Everything it started is stopped at the end.

usage: python bench/bench_cluster.py [--work DIR] [--resolution M] [--only cluster|standalone]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "cluster.sh"
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"
TILE = "32NNH"
DAY = date(2020, 1, 9)
WORKERS = 2
TIMEOUT_S = 1800
MARK = "S1OPS_BENCH_RUN"
# Not passed on to the cluster: a calling shell's own Airflow and eodag settings.


def runtime() -> Any:
    """``scripts/demo_runtime.py``: free ports, the REST client, ``airflow standalone``."""
    sys.path.insert(0, str(REPO / "scripts"))
    spec = importlib.util.spec_from_file_location(
        "demo_runtime", REPO / "scripts" / "demo_runtime.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_runtime"] = module
    spec.loader.exec_module(module)
    return module


def _seconds(run: dict[str, Any]) -> float:
    start, end = (datetime.fromisoformat(run[key]) for key in ("start_date", "end_date"))
    return (end - start).total_seconds()


def _xcom(api: Any, dag_id: str, run_id: str, ti: dict[str, Any]) -> dict[str, Any]:
    path = (
        f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances/"
        f"{ti['task_id']}/xcomEntries/return_value?map_index={ti['map_index']}"
    )
    value = api._ok("GET", path)["value"]
    while isinstance(value, str):  # the raw serialized value (JSON)
        value = json.loads(value)
    return dict(value)


def measure_runs(
    label: str, api: Any, alive: Any, conf_of: dict[str, dict[str, Any]], hour: int
) -> dict[str, float]:
    """Trigger one run per DAG with its conf, wait; wall time and the tasks' processing time."""
    started = time.monotonic()
    run_ids = {
        dag_id: api.trigger(dag_id, f"{DAY}T{hour:02d}:00:00Z", conf)
        for dag_id, conf in conf_of.items()
    }
    runs = {
        dag_id: api.wait_run_done(dag_id, run_id, alive, TIMEOUT_S)
        for dag_id, run_id in run_ids.items()
    }
    waited = time.monotonic() - started
    failed = [dag_id for dag_id, run in runs.items() if run["state"] != "success"]
    if failed:
        raise SystemExit(f"{label}: runs failed: {failed}")
    processing, longest, tile_days, jobs = 0.0, 0.0, set(), 0
    for dag_id, run_id in run_ids.items():
        for ti in api.task_instances(dag_id, run_id):
            if ti["task_id"].endswith(".process") and ti["map_index"] >= 0:
                if ti["state"] != "success":
                    continue  # an empty job (skipped): nothing processed
                result = _xcom(api, dag_id, run_id, ti)
                processing += float(result["seconds"])
                longest = max(longest, float(result["seconds"]))
                tile_days.add((dag_id, str(result["output"]).rsplit("_", 1)[-1][:9]))
                jobs += 1
    first = min(datetime.fromisoformat(r["start_date"]) for r in runs.values())
    last = max(datetime.fromisoformat(r["end_date"]) for r in runs.values())
    wall = (last - first).total_seconds()
    overhead = wall - processing
    print(
        f"{label:>34}: {len(tile_days)} tile-days, {jobs} jobs; run wall {wall:6.1f} s "
        f"(trigger to seen done {waited:5.1f} s); s1ops process {processing:6.1f} s; "
        f"overhead {overhead:6.1f} s = {100 * overhead / processing:5.0f} % of processing; "
        f"longest job {longest:6.1f} s, wall beyond it {wall - longest:5.1f} s = "
        f"{100 * (wall - longest) / longest:4.0f} %; "
        f"throughput {3600 * len(tile_days) / wall:6.1f} tile-days/h"
    )
    return {
        "wall_s": wall,
        "processing_s": processing,
        "longest_s": longest,
        "tile_days": len(tile_days),
    }


def bench(label: str, api: Any, alive: Any, tiles: tuple[str, ...], first: date, last: date):
    one = {f"s1tiling_{TILE}": {"first_date": str(DAY), "last_date": str(DAY), "force": True}}
    every = {
        f"s1tiling_{tile}": {"first_date": str(first), "last_date": str(last), "force": True}
        for tile in tiles
    }
    dag_ids = [f"s1tiling_{tile}" for tile in tiles]
    api.wait_ready(dag_ids, alive, timeout_s=TIMEOUT_S)
    for dag_id in dag_ids:
        api.unpause(dag_id)
    # The first run warms the workers (imports, caches): measured but not reported.
    measure_runs(f"{label} warm-up 1 tile-day", api, alive, one, 1)
    measure_runs(f"{label} 1 tile-day", api, alive, one, 2)
    measure_runs(f"{label} every tile-day", api, alive, every, 3)


def on_cluster(rt: Any, cfg: Path, tiles: tuple[str, ...], first: date, last: date) -> None:
    folder = Path(tempfile.mkdtemp(prefix="s1ops-bench-cluster-"))
    folder.chmod(0o755)  # PostgreSQL runs as the postgres user when we are root
    env = rt.cluster_env(folder, WORKERS)
    started = time.monotonic()
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start", str(cfg)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"cluster start failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        print(f"cluster ({WORKERS} Celery workers) started in {time.monotonic() - started:.0f} s")
        port = json.loads((folder / "cluster.json").read_text())["api_port"]
        api = rt.AirflowApi(f"http://127.0.0.1:{port}", folder / "airflow")
        bench("(a) cluster", api, lambda: None, tiles, first, last)
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], cwd=REPO, env=env, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def on_standalone(
    rt: Any, work: Path, cfg: Path, tiles: tuple[str, ...], first: date, last: date
) -> None:
    children = rt.Children(MARK)
    port = rt.free_port()
    home = work / "airflow"
    shutil.rmtree(home, ignore_errors=True)
    env = rt.standalone_env(home, cfg, port, MARK, children.run_id)
    try:
        children.start_airflow(env, work / "logs")
        api = rt.AirflowApi(f"http://127.0.0.1:{port}", home)
        api.wait_ready([f"s1tiling_{t}" for t in tiles], children.check_alive, TIMEOUT_S)
        from s1ops_airflow.environment import pools_of

        api.ensure_pools(pools_of(cfg))
        bench("(b) standalone", api, children.check_alive, tiles, first, last)
    finally:
        left = children.stop_all()
        if left:
            print(f"standalone: processes left running: {left}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "work" / "bench-cluster")
    parser.add_argument("--resolution", type=int, default=40, help="m (40: the demo's)")
    parser.add_argument("--only", choices=("cluster", "standalone"), help="one of the two")
    args = parser.parse_args()
    from s1ops.testing.demo_site import (
        DEMO_TILES,
        FIRST_DAY,
        LAST_DAY,
        demo_products,
        make_demo_catalogue,
        write_demo_request,
    )
    from s1ops.testing.eodag_provider import write_provider_config
    from s1ops.testing.stac_server import serve_catalogue

    rt = runtime()
    work = args.work.absolute()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    work.chmod(0o755)
    catalogue = make_demo_catalogue(work, demo_products(offline_polls=0))
    with serve_catalogue(catalogue.products_dir) as server:
        cfg = write_demo_request(
            work / "S1Processor.cfg",
            work_dir=work,
            dem_dir=catalogue.dem_dir,
            geoid_file=GEOID,
            eodag_config=write_provider_config(server.url, work / "eodag.yml"),
            resolution_m=args.resolution,
            poke_interval_s=2,
        )
        print(f"demo site at {args.resolution} m in {work}: {', '.join(DEMO_TILES)}")
        if args.only != "standalone":
            on_cluster(rt, cfg, DEMO_TILES, FIRST_DAY, LAST_DAY)
        if args.only != "cluster":
            on_standalone(rt, work, cfg, DEMO_TILES, FIRST_DAY, LAST_DAY)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
