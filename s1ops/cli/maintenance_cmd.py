"""``s1ops maintenance``: exactly what the maintenance DAG runs, from a shell.

Prints the report (``s1ops.maintenance.report``) as one JSON line, the last
line on stdout. Exit code 0, or 3 (``PARTLY_FAILED``) when a part stopped on an error (the other
parts still ran; the report says which and why).
"""

from __future__ import annotations

import argparse
import json

from s1ops.cli.argtypes import HOURS, in_range

_HOUR_S = 3600.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``maintenance``."""
    from s1ops.maintenance.run import DEFAULT_OLDER_THAN_S

    parser = subparsers.add_parser(
        "maintenance",
        help="purge the S1 cache, delete leftovers nothing needs (what the maintenance DAG runs)",
        description="Purge the S1 cache down to [Airflow] s1_cache_max_products (leases "
        "respected), delete stale partial outputs, s1ops work folders no running job holds, "
        "OrthoReady files no pending job needs and stale download leftovers. Prints a JSON "
        "report of what was (or, with --dry-run, would be) removed and the bytes freed.",
    )
    parser.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    parser.add_argument("--dry-run", action="store_true", help="report only, delete nothing")
    parser.add_argument(
        "--older-than",
        metavar="HOURS",
        type=in_range(HOURS),
        default=DEFAULT_OLDER_THAN_S / _HOUR_S,
        help="age past which a leftover counts as abandoned (default %(default)g); "
        "work folders in use are kept whatever their age",
    )
    parser.set_defaults(func=_maintenance)


def _maintenance(args: argparse.Namespace) -> int:
    from s1ops import exit_codes
    from s1ops.config.request import load_config
    from s1ops.maintenance.run import run_maintenance

    cfg = load_config(args.config)
    report = run_maintenance(cfg, dry_run=args.dry_run, older_than_s=args.older_than * _HOUR_S)
    print(json.dumps(report.to_dict()), flush=True)
    return exit_codes.PARTLY_FAILED if report.failed else exit_codes.OK
