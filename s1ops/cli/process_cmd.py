"""``s1ops process``: produce one tile job (what an Airflow processing task runs).

``process_command`` is the one builder of this command line: the local
runner runs it in a child process, the docker runner in the s1ops image.
Exit codes (``s1ops.exit_codes``): 0 made or already there (the result says
``skipped``) or empty (no valid pixel, nothing published: the result says
``empty`` and why, ``s1ops.outputs.empty``), 75 the job's products are not
on disk, 73 an output or work folder cannot be written, 74 a disk is full,
2 anything else: a job that is not what planning makes for the request file
(``check_job``), an OTB failure (one line: the step, its input and OTB's own reason; OTB's output
with ``-vv``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s1ops.planning.jobs import TileJob


def process_command(config_path: str | Path, job: TileJob, *, force: bool = False) -> list[str]:
    """The arguments of ``s1ops process`` for ``job`` (without the program name)."""
    command = ["process", str(config_path), "--job", json.dumps(job.to_dict())]
    return [*command, "--force"] if force else command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``process``."""
    proc = subparsers.add_parser(
        "process",
        help="calibrate, cut, orthorectify (and merge) one tile job; masks if configured",
        description="Produce one tile job (one of the `jobs` of `s1ops plan`), leasing its "
        "products in [Paths] s1_images while they are read. The job must be one planning "
        "makes for CFG: its output and mask named as planning names them inside [Paths] "
        "output, its products' paths their own entries in [Paths] s1_images. Prints the "
        "result as the last line of JSON. Exit 0 (made, skipped as existing, or empty: no "
        "valid pixel, nothing published, the result says why), 75 "
        "(products not on disk), 73 (a folder it writes cannot be written), 74 (disk full), "
        "2 (a job not as planned, any other error, OTB's included).",
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
    from s1ops.errors import S1OpsError

    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise S1OpsError(
                f"--job {value}: cannot be read ({reason}); expected @FILE naming a file "
                "that holds one job's JSON from `s1ops plan`"
            ) from exc
    return value


def _read_job(value: str) -> TileJob:
    from s1ops.errors import ContractError, S1OpsError
    from s1ops.planning.jobs import TileJob

    try:
        return TileJob.from_json(_read_job_text(value))
    except ContractError as exc:
        raise S1OpsError(
            f"--job: not a tile job ({exc}); expected one job's JSON from `s1ops plan`"
        ) from exc


def _process(args: argparse.Namespace) -> int:
    from s1ops.config.request import load_config
    from s1ops.processing.job import process_job
    from s1ops.processing.job_check import check_job
    from s1ops.processing.settings import settings_from_config

    cfg = load_config(args.config)
    # Checked against the request before anything is read or written: a job is
    # data from outside (a shell, an XCom), trusted only once it is what planning makes.
    job = check_job(_read_job(args.job), cfg)
    result = process_job(
        job,
        settings_from_config(cfg, cache_before_ortho=args.cache_before_ortho),
        dem_dir=cfg.paths.dem_dir,
        force=args.force,
    )
    # The last stdout line is the task's result (DockerOperator's XCom).
    print(json.dumps(result.to_dict()))
    return 0
