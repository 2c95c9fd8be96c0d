"""The ``s1ops`` command line: parses, configures logging, calls the library.

Each subcommand lives in its own module exposing ``register(subparsers)``; the
module sets ``func`` on its parser, a callable taking the parsed arguments and
returning an exit code. An s1ops error is printed on stderr and exits with its
code from ``s1ops.exit_codes`` (the table of every code). A file-system refusal
(``OSError`` of a read-only, full or misplaced path) that no command caught
where its meaning is known is reported the same way, with its path: a safety
net; every other exception keeps its traceback (exit 1: a bug).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from s1ops.errors import FileSystemError, S1OpsError
from s1ops.exit_codes import exit_code

# Subcommand modules, imported lazily so `s1ops --help` stays fast and a
# module that needs OTB does not break the others.
SUBCOMMAND_MODULES = (
    "s1ops.cli.config_cmd",
    "s1ops.cli.grid_cmd",
    "s1ops.cli.plan_cmd",
    "s1ops.cli.otb_cmd",
    "s1ops.cli.process_cmd",
    "s1ops.cli.synth_cmd",
    "s1ops.cli.catalogue_cmd",
    "s1ops.cli.download_cmd",
    "s1ops.cli.maintenance_cmd",
    "s1ops.cli.stac_cmd",
    "s1ops.cli.terrain_cmd",
)

log = logging.getLogger(__name__)

# Each record starts with its level: the Airflow layer reads it to relay a child's
# records at their own level (s1ops_airflow.child).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s1ops", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format=LOG_FORMAT)
    # eodag logs each refused request with its traceback at ERROR; s1ops translates the
    # error into its own one line. eodag's own words are for -vv.
    logging.getLogger("eodag").setLevel(logging.DEBUG if args.verbose >= 2 else logging.CRITICAL)
    try:
        return int(args.func(args) or 0)
    except S1OpsError as exc:
        return _report(args.command, exc)
    except OSError as exc:
        refusal = FileSystemError.from_os_error(exc)
        if refusal is None:
            raise  # not a refusal of the file system: a bug, with its traceback
        log.debug("file-system refusal caught by main", exc_info=True)
        return _report(args.command, refusal)


def _report(command: str, error: S1OpsError) -> int:
    """Print ``error`` as the command's one error line; its exit code."""
    print(f"s1ops {command}: error: {error}", file=sys.stderr)
    return exit_code(error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
