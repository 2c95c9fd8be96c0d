"""``s1ops process``: produce one tile job (what an Airflow processing task runs)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    proc = subparsers.add_parser(
        "process",
        help="calibrate, cut, orthorectify (and merge) one tile job; masks if configured",
    )
    proc.add_argument("config", help="S1Tiling request file")
    proc.add_argument(
        "--job",
        required=True,
        help="the tile job as JSON (from `s1ops plan`), @FILE, or - for stdin",
    )
    proc.add_argument("--force", action="store_true", help="redo existing outputs")
    proc.add_argument(
        "--cache-before-ortho",
        action="store_true",
        help="keep calibrated + cut images in {tmp}/S1 for other tiles (S1Tiling's option)",
    )
    proc.set_defaults(func=_process)


def _read_job_text(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        return Path(value[1:]).read_text()
    return value


def _process(args: argparse.Namespace) -> int:
    from s1ops.config.request import load_config
    from s1ops.errors import S1OpsError
    from s1ops.planning.jobs import TileJob
    from s1ops.processing.job import process_job
    from s1ops.processing.settings import settings_from_config

    cfg = load_config(args.config)
    try:
        job = TileJob.from_dict(json.loads(_read_job_text(args.job)))
    except (ValueError, KeyError, TypeError) as exc:
        raise S1OpsError(
            f"--job: not a tile job ({exc!r}); expected one job's JSON from `s1ops plan`"
        ) from exc
    result = process_job(
        job,
        settings_from_config(cfg, cache_before_ortho=args.cache_before_ortho),
        dem_dir=cfg.paths.dem_dir,
        force=args.force,
    )
    # The last stdout line is the task's result (DockerOperator's XCom).
    print(json.dumps(result.to_dict()))
    return 0
