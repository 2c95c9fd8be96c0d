"""``s1ops plan CFG --tile T``: the jobs of one tile, as one line of JSON.

What a DAG run's ``plan`` task does (``s1ops.planning.runs.plan_for_run``),
from a shell: ``--interval-start``/``--interval-end`` and ``--lookback`` give
the run's window, ``--from``/``--to``, ``--force`` and ``--polarisations``
are a manual trigger's params, ``--search`` searches the catalogue as the DAG
does when ``[DataSource] download`` is on. The output is the plan with the
run's ``request`` and the products to ``fetch``: the task's three XComs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from s1ops.cli.argtypes import LOOKBACK_DAYS, day, in_range

log = logging.getLogger(__name__)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a YYYY-MM-DD day or an ISO date-time"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    """The manual-trigger params the flags stand for (``s1ops.planning.runs.run_request``)."""
    from s1ops.planning.runs import PARAM_FIRST, PARAM_FORCE, PARAM_LAST, PARAM_POLARISATIONS

    return {
        PARAM_FIRST: args.first,
        PARAM_LAST: args.last,
        PARAM_FORCE: args.force,
        PARAM_POLARISATIONS: args.polarisations,
    }


def _error(message: str) -> int:
    print(f"s1ops plan: error: {message}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace, cfg: Any) -> str | None:
    """What is wrong with the arguments beyond their syntax, or None."""
    if args.interval_start is None:
        if args.interval_end is not None or args.lookback is not None:
            return "--interval-end and --lookback need --interval-start (the run's window)"
        first = args.first or cfg.data_source.first_date
        last = args.last or cfg.data_source.last_date
        if first > last:
            return f"first date {first} is after last date {last}"
    if args.products_dir is not None and not Path(args.products_dir).is_dir():
        return f"--products-dir {args.products_dir} does not exist"
    return None


def _plan(args: argparse.Namespace) -> int:
    # Imported here: shapely and pyproj would slow down every other subcommand.
    from s1ops.config.request import load_config
    from s1ops.grid import parse_tile_id
    from s1ops.planning.runs import plan_for_run
    from s1ops.sentinel1.records import ProductRecord

    cfg = load_config(args.config)
    tile_id = parse_tile_id(args.tile).tile_id
    problem = _check(args, cfg)
    if problem:
        return _error(problem)
    known = []
    if args.records:
        try:
            known = [ProductRecord.from_dict(d) for d in json.loads(args.records.read_text())]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return _error(f"--records {args.records}: {exc!r}")
    end = args.interval_end
    if args.interval_start is not None and end is None:
        end = args.interval_start + timedelta(days=1)  # a daily run's interval
    run = plan_for_run(
        cfg,
        tile_id,
        args.interval_start,
        end,
        _params(args),
        lookback_days=args.lookback,
        search=args.search,
        records=known,
        products_dir=args.products_dir,
    )
    print(json.dumps(run.to_dict(), indent=2 if args.pretty else None))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``plan``."""
    parser = subparsers.add_parser(
        "plan",
        help="plan the outputs of one tile: jobs to run, done, waiting, dropped (JSON)",
        description="Scan the products on disk ([Paths] s1_images, or --products-dir), add "
        "catalogue records if given (--records, --search), group them per day and orbit, and "
        "print the tile's jobs as one line of JSON, with the run's request and the products "
        "to fetch: what a DAG run's plan task pushes. Dates default to the request's "
        "first_date/last_date, or to a DAG run's window with --interval-start.",
    )
    parser.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    parser.add_argument("--tile", required=True, help="Sentinel-2 tile id, e.g. 33NWB")
    parser.add_argument(
        "--from", dest="first", type=day, help="first day (YYYY-MM-DD), as a manual trigger's"
    )
    parser.add_argument(
        "--to", dest="last", type=day, help="last day, inclusive, as a manual trigger's"
    )
    parser.add_argument(
        "--interval-start",
        type=_moment,
        help="a DAG run's data interval start (YYYY-MM-DD or ISO date-time, UTC): plan its "
        "window, clipped to the request's dates",
    )
    parser.add_argument(
        "--interval-end", type=_moment, help="its data interval end (default: start + 1 day)"
    )
    parser.add_argument(
        "--lookback",
        type=in_range(LOOKBACK_DAYS),
        metavar="DAYS",
        help="days planned again before the interval (default: [Airflow] lookback_days)",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="search the catalogue (eodag) as a DAG run does when [DataSource] download is on",
    )
    parser.add_argument(
        "--force", action="store_true", help="plan done jobs as to run again (what to fetch)"
    )
    parser.add_argument(
        "--polarisations",
        help="polarisations to plan, e.g. vv or vv,vh (default: the request file's)",
    )
    parser.add_argument("--products-dir", type=Path, help="folder of SAFE products/zips")
    parser.add_argument(
        "--records", type=Path, help="JSON list of product records (e.g. a catalogue search)"
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.set_defaults(func=_plan)
