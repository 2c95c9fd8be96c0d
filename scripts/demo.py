"""``make demo``: the tile DAGs on Airflow's embedded defaults, end to end, on this machine.

1. Without ``$S1OPS_CONFIG``: synthetic products over three S2 tiles in
   January 2020 (``s1ops.testing.demo_site``), served by the local STAC
   server on 127.0.0.1, with the eodag provider file and request file for it.
   With ``$S1OPS_CONFIG``: that request file, its provider, nothing synthetic.
2. ``airflow standalone`` (SQLite, LocalExecutor, scheduler, dag-processor,
   triggerer, API server and UI on 127.0.0.1:8080 or a free port), with
   AIRFLOW_HOME under the demo folder (``<repo>/work/demo`` or
   ``$S1OPS_DEMO_DIR``), started afresh each time.
3. Through Airflow's REST API: the pools, one backfill per tile DAG over the
   request's days, then unpause the DAGs; progress until every run is done.
4. A summary; then, on a terminal, Airflow stays up until Ctrl-C. Every
   process started here is stopped at the end. Exit code 0 only when every
   run succeeded and every expected product is on disk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "plugins"), str(REPO / "scripts")]

from demo_runtime import (  # noqa: E402
    AirflowApi,
    Children,
    DemoFailed,
    free_port,
    print_summary,
    scan_outputs,
    standalone_env,
    wait_for_backfills,
)
from s1ops_airflow.environment import pools_of  # noqa: E402

from s1ops.config.request import load_config  # noqa: E402
from s1ops.testing.demo_site import DEMO_TILES  # noqa: E402

DEFAULT_PORT = 8080
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"
# Every process started here carries this variable: the final sweep (and the
# test) find the ones a process group kill missed (OTB children start their own).
MARK = "S1OPS_DEMO_RUN"


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def synthetic_site(work: Path, children: Children, tiles: tuple[str, ...]) -> tuple[Path, Path]:
    """The demo catalogue, served; returns the request file and the products folder."""
    from s1ops.testing.demo_site import make_demo_catalogue, write_demo_request
    from s1ops.testing.eodag_provider import write_provider_config

    started = time.monotonic()
    catalogue = make_demo_catalogue(work)
    print(
        f"  {len(catalogue.product_ids)} synthetic products in {catalogue.products_dir} "
        f"({time.monotonic() - started:.0f} s); OFFLINE until ordered: "
        f"{', '.join(catalogue.offline_ids)}"
    )
    for name in ("out", "s1", "tmp"):
        _fresh(work / name)
    url = children.start_stac(catalogue.products_dir, catalogue.failures_file, work / "logs")
    print(f"  local STAC server: {url}")
    eodag = write_provider_config(url, work / "eodag.yml")
    cfg = write_demo_request(
        work / "S1Processor.cfg",
        work_dir=work,
        dem_dir=catalogue.dem_dir,
        geoid_file=GEOID,
        eodag_config=eodag,
        tiles=tiles,
    )
    return cfg, catalogue.products_dir


def backfill_days(cfg_path: Path) -> tuple[date, date]:
    """The request's days: each daily run's data interval covers one of them."""
    source = load_config(cfg_path).data_source
    return source.first_date, source.last_date


def run_demo(args: argparse.Namespace, children: Children) -> int:
    started = time.monotonic()
    work = args.dir
    work.mkdir(parents=True, exist_ok=True)
    real = os.environ.get("S1OPS_CONFIG")
    print(f"s1ops demo in {work}")
    if real:
        cfg, products_dir = Path(real).resolve(), None
        print(f"  request file from S1OPS_CONFIG: {cfg} (no synthetic data)")
    else:
        cfg, products_dir = synthetic_site(work, children, args.tiles)
        print(f"  request file: {cfg} (40 m pixels, masks and quicklooks on)")
    config = load_config(cfg)
    tiles = list(config.processing.tiles)
    port = free_port(args.port)
    if port != args.port:
        print(f"  port {args.port} is busy on 127.0.0.1: Airflow's UI goes to port {port}")
    env = standalone_env(work / "airflow", cfg, port, MARK, children.run_id)
    _fresh(work / "airflow")
    print("  starting Airflow (airflow standalone: SQLite, LocalExecutor) ...")
    children.start_airflow(env, work / "logs")
    api = AirflowApi(f"http://127.0.0.1:{port}", work / "airflow")
    api.wait_ready(
        [f"s1tiling_{tile}" for tile in tiles], children.check_alive, timeout_s=args.timeout
    )
    print(f"  Airflow up after {time.monotonic() - started:.0f} s: {api.base}")
    api.ensure_pools(pools_of(cfg))
    first, last = backfill_days(cfg)
    dag_ids = [f"s1tiling_{tile}" for tile in tiles]
    # Backfill runs wait while their DAG is paused: all are created before the
    # scheduler starts on any (on SQLite, a creation that meets a lock is undone,
    # and a run deleted under the scheduler's feet stops it).
    for dag_id in dag_ids:
        api.backfill(dag_id, first, last)
    for dag_id in dag_ids:
        api.unpause(dag_id)
    print(
        f"  backfill {first} .. {last} for {', '.join(dag_ids)} "
        f"(as: airflow backfill create --dag-id DAG --from-date {first} "
        f"--to-date {last} --max-active-runs 1)"
    )
    total = len(dag_ids) * ((last - first) // timedelta(days=1) + 1)
    runs = wait_for_backfills(
        api,
        total,
        deadline=started + args.timeout,
        alive=children.check_alive,
        log=work / "logs" / "airflow.log",
    )
    outputs = scan_outputs(config.paths.output, tiles)
    ok = print_summary(
        outputs,
        runs,
        cfg_path=cfg,
        products_dir=products_dir,
        seconds=time.monotonic() - started,
        api=api,
    )
    if sys.stdin.isatty() and not args.no_wait:
        print("\nAirflow keeps running: press Ctrl-C to stop it (and everything the demo started).")
        try:
            signal.pause()
        except KeyboardInterrupt:
            print()
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo.sh", description=__doc__.split("\n")[0])
    default_dir = Path(os.environ.get("S1OPS_DEMO_DIR") or REPO / "work" / "demo")
    parser.add_argument("--dir", type=Path, default=default_dir, help=f"({default_dir})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="UI port (8080)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds (1800)")
    parser.add_argument("--no-wait", action="store_true", help="exit after the summary")
    parser.add_argument(
        "--tiles",
        type=lambda text: tuple(t.strip() for t in text.split(",") if t.strip()),
        default=DEMO_TILES,
        help=f"synthetic demo only: tiles among {','.join(DEMO_TILES)} (all)",
    )
    args = parser.parse_args(argv)
    args.dir = args.dir.absolute()
    children = Children(MARK)
    # SIGTERM (e.g. a CI timeout) stops the children as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run_demo(args, children)
    except DemoFailed as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted")
        return 130
    finally:
        print("stopping what the demo started ...", flush=True)
        left = children.stop_all()
        print("stopped" if not left else f"could not stop: {left}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
