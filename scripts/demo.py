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
4. A summary (``demo_summary``): every product with its valid-pixel share
   and size, every empty job with its reason; then, on a terminal, Airflow
   stays up until Ctrl-C. Every process started here is stopped at the end.
   Exit code 0 only when every run succeeded, every expected product is on
   disk with valid pixels, no listed product lacks them, and the job the demo
   shows empty on purpose is recorded empty.

``--runner docker`` (``make demo RUNNER=docker``): the same with ``[Airflow]
runner = docker``; the engine and image are made ready first
(``demo_docker``), and an engine started for the demo is stopped with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "plugins"), str(REPO / "scripts")]

from demo_docker import DockerSetup, DockerUnavailable, prepare_docker  # noqa: E402
from demo_runtime import (  # noqa: E402
    AirflowApi,
    Children,
    DemoFailed,
    failure_reasons,
    free_port,
    print_summary,
    show_tiles_page,
    standalone_env,
    wait_for_backfills,
)
from s1ops_airflow.environment import pools_of  # noqa: E402

from s1ops.config.request import load_config  # noqa: E402
from s1ops.testing.demo_site import DEMO_TILES, ExpectedOutput, expected_outputs  # noqa: E402

DEFAULT_PORT = 8080
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"
# Every process started here carries this variable: the final sweep (and the
# test) find the ones a process group kill missed (OTB children start their own).
MARK = "S1OPS_DEMO_RUN"
RUNNERS = ("local", "docker")
LOCAL_RUNNER = "local (OTB in the Airflow worker's task processes)"


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def synthetic_site(
    work: Path, children: Children, tiles: tuple[str, ...], docker: DockerSetup | None
) -> tuple[Path, Path]:
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
        runner=docker.request_keys() if docker else None,
    )
    return cfg, catalogue.products_dir


def backfill_days(cfg_path: Path) -> tuple[date, date]:
    """The request's days: each daily run's data interval covers one of them."""
    source = load_config(cfg_path).data_source
    return source.first_date, source.last_date


def preflight(cfg: Path) -> None:
    """``s1ops config check --deep`` on a user's request file: nothing starts if it refuses.

    Paths, geoid, DEM cells, catalogue and free space are checked in seconds,
    where a run in Airflow would fail minutes later with the reason in task logs.
    """
    print("  preflight: s1ops config check --deep ...")
    argv = [sys.executable, "-m", "s1ops", "config", "check", "--deep", str(cfg)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DemoFailed(f"the request file {cfg} is refused, nothing started:\n{done.stderr}")


def _request(
    args: argparse.Namespace, children: Children, docker: DockerSetup | None
) -> tuple[Path, list[ExpectedOutput] | None]:
    """The request file, and the synthetic site's plan (None on a user's request file)."""
    real = os.environ.get("S1OPS_CONFIG")
    if real:
        cfg = Path(real).resolve()
        print(f"  request file from S1OPS_CONFIG: {cfg} (no synthetic data)")
        preflight(cfg)
        return cfg, None
    cfg, products_dir = synthetic_site(args.dir, children, args.tiles, docker)
    print(f"  request file: {cfg} (40 m pixels, masks and quicklooks on)")
    return cfg, expected_outputs(cfg, products_dir)


def run_demo(args: argparse.Namespace, children: Children, docker: DockerSetup | None) -> int:
    started = time.monotonic()
    work = args.dir
    work.mkdir(parents=True, exist_ok=True)
    print(f"s1ops demo in {work}")
    cfg, expected = _request(args, children, docker)
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
    ok = print_summary(
        runs,
        output_dir=config.paths.output,
        tiles=tiles,
        expected=expected,
        runner=docker.describe() if docker else _runner_of(config.airflow.runner),
        seconds=time.monotonic() - started,
        api=api,
        # A run's logical date may be its interval's end: one day more.
        reasons=lambda: failure_reasons(env, first, last + timedelta(days=1)),
    )
    ok = show_tiles_page(api, work, tiles) and ok
    if sys.stdin.isatty() and not args.no_wait:
        print("\nAirflow keeps running: press Ctrl-C to stop it (and everything the demo started).")
        try:
            signal.pause()
        except KeyboardInterrupt:
            print()
    return 0 if ok else 1


def _runner_of(name: str) -> str:
    return LOCAL_RUNNER if name == "local" else f"{name} (the request file's [Airflow] runner)"


def _prepare_runner(args: argparse.Namespace) -> DockerSetup | None:
    """The docker runner's engine and image (None for the local runner)."""
    if args.runner != "docker":
        return None
    if os.environ.get("S1OPS_CONFIG"):
        raise DemoFailed(
            "--runner docker applies to the synthetic demo; with S1OPS_CONFIG set "
            "[Airflow] runner = docker, image and docker_url in the request file instead"
        )
    try:
        return prepare_docker(args.dir / "logs")
    except DockerUnavailable as exc:
        raise DemoFailed(f"the docker runner is not available: {exc}") from exc


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
    parser.add_argument(
        "--runner",
        choices=RUNNERS,
        default="local",
        help="[Airflow] runner of the synthetic demo: local (default), or docker (builds "
        "the image and starts the private engine if needed; make demo RUNNER=docker)",
    )
    args = parser.parse_args(argv)
    args.dir = args.dir.absolute()
    children = Children(MARK)
    docker: DockerSetup | None = None
    # SIGTERM (e.g. a CI timeout) stops the children as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        docker = _prepare_runner(args)
        return run_demo(args, children, docker)
    except DemoFailed as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted")
        return 130
    finally:
        print("stopping what the demo started ...", flush=True)
        left = children.stop_all()
        if docker is not None:
            docker.stop()
        print("stopped" if not left else f"could not stop: {left}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
