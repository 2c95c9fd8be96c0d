"""``s1ops config check FILE``: read a request file and summarise it."""

from __future__ import annotations

import argparse

from s1ops.config.request import config_summary, load_config


def _check(args: argparse.Namespace) -> int:
    # A ConfigError propagates: the main wrapper prints it and exits 2.
    print(config_summary(load_config(args.file)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``config`` and its ``check`` subcommand."""
    parser = subparsers.add_parser("config", help="request files (S1Processor.cfg)")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="read a request file, report every problem, print a summary",
        description="Exit 0 and print a summary when FILE is valid; exit 2 naming the "
        "section, key and value otherwise. Keys s1ops ignores are logged as warnings.",
    )
    check.add_argument("file", metavar="FILE", help="S1Tiling request file (.cfg)")
    check.set_defaults(func=_check)
