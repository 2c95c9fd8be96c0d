"""``s1ops config check FILE``: read a request file, check its paths, summarise it."""

from __future__ import annotations

import argparse
import sys

from s1ops.cli.argtypes import PROVIDER_TIMEOUT, in_range


def _check(args: argparse.Namespace) -> int:
    from s1ops.config.folders import ERROR, check_paths
    from s1ops.config.request import config_summary, load_config
    from s1ops.exit_codes import BAD_INPUT, OK

    # A ConfigError propagates: the main wrapper prints it and exits 2.
    cfg = load_config(args.file)
    if args.deep:
        from s1ops.preflight import deep_check

        problems = deep_check(cfg, provider_timeout_s=args.timeout_s)
    else:
        problems = [] if args.no_paths else check_paths(cfg)
    print(config_summary(cfg))
    # Warnings first: the last line is an error when there is one.
    for problem in sorted(problems, key=lambda p: p.severity == ERROR):
        print(f"s1ops config check: {problem.severity}: {problem}", file=sys.stderr)
    return BAD_INPUT if any(p.severity == ERROR for p in problems) else OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``config`` and its ``check`` subcommand."""
    parser = subparsers.add_parser("config", help="request files (S1Processor.cfg)")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="read a request file, report every problem, print a summary",
        description="Print a summary of FILE. Exit 2 naming the section, key, value and "
        "what is allowed when a value is invalid (every number has a range); exit 2 too "
        "when a path is unusable on this machine (errors: a missing dem_dir, a geoid_file "
        "that is not a file, a missing s1_images with download off, an output or tmp that "
        "cannot be written or created), each reported on stderr. Warnings (folders still "
        "to be created, no geoid_file, a dem_dir without .hgt cells) and keys s1ops "
        "ignores do not change the exit code.",
    )
    check.add_argument("file", metavar="FILE", help="S1Tiling request file (.cfg)")
    check.add_argument(
        "--no-paths",
        action="store_true",
        help="check the file alone, not its folders (on a machine without the data)",
    )
    check.add_argument(
        "--deep",
        action="store_true",
        help="the preflight before a production run: also the geoid and the DEM cells of "
        "each tile (whole and readable), one catalogue search when [DataSource] download is "
        "True (its credentials), free space for one tile's files; writes nothing but "
        "eodag's settings under [Paths] tmp",
    )
    check.add_argument(
        "--timeout-s",
        type=in_range(PROVIDER_TIMEOUT),
        default=20.0,
        help=f"with --deep: how long the catalogue has to answer, {PROVIDER_TIMEOUT.describe()} "
        "(default 20)",
    )
    check.set_defaults(func=_check)
