"""``s1ops plan CFG --tile T``: the jobs of one tile, as one line of JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def _plan(args: argparse.Namespace) -> int:
    # Imported here: shapely and pyproj would slow down every other subcommand.
    from s1ops.config.request import load_config
    from s1ops.grid import parse_tile_id
    from s1ops.planning.tile import filters_from_config, plan_from_config
    from s1ops.sentinel1.records import ProductRecord

    cfg = load_config(args.config)
    tile = parse_tile_id(args.tile)
    filters = filters_from_config(cfg.data_source, first_date=args.first, last_date=args.last)
    if filters.first_date > filters.last_date:
        print(
            f"s1ops plan: error: first date {filters.first_date} is after last date "
            f"{filters.last_date}",
            file=sys.stderr,
        )
        return 2
    if args.products_dir is not None and not Path(args.products_dir).is_dir():
        print(
            f"s1ops plan: error: --products-dir {args.products_dir} does not exist", file=sys.stderr
        )
        return 2
    known = []
    if args.records:
        try:
            known = [ProductRecord.from_dict(d) for d in json.loads(args.records.read_text())]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"s1ops plan: error: --records {args.records}: {exc!r}", file=sys.stderr)
            return 2
    result = plan_from_config(cfg, tile, filters, catalogue=known, products_dir=args.products_dir)
    print(result.to_json(indent=2 if args.pretty else None))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``plan``."""
    parser = subparsers.add_parser(
        "plan",
        help="plan the outputs of one tile: jobs to run, done, waiting, dropped (JSON)",
        description="Scan the products on disk ([Paths] s1_images, or --products-dir), add "
        "catalogue records if given, group them per day and orbit, and print the tile's "
        "jobs as one line of JSON. Dates default to the request's first_date/last_date.",
    )
    parser.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    parser.add_argument("--tile", required=True, help="Sentinel-2 tile id, e.g. 33NWB")
    parser.add_argument("--from", dest="first", type=_day, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last", type=_day, help="last day, inclusive")
    parser.add_argument("--products-dir", type=Path, help="folder of SAFE products/zips")
    parser.add_argument(
        "--records", type=Path, help="JSON list of product records (e.g. a catalogue search)"
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(func=_plan)
