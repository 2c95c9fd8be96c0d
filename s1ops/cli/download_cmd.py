"""``s1ops search``, ``s1ops product status|download``, ``s1ops cache purge``.

Catalogue access goes through eodag with the provider of ``[DataSource]
eodag_config`` only (``--provider`` picks one when the file defines several);
eodag keeps its files under ``{[Paths] tmp}/eodag``. Credentials come from
the environment (``EODAG__<PROVIDER>__AUTH__CREDENTIALS__...``).

Output is JSON on stdout; ``product download`` prints the SAFE path as the
last line's ``safe`` (Airflow's DockerOperator keeps the last stdout line).

Exit codes (``s1ops.exit_codes`` has the table): 0 done (``product status``
always exits 0 once it has an answer), 2 bad input, 66 product not found, 69
quota exceeded, 74 failed after retries, 75 not downloadable yet, 77
credentials refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from s1ops.cli.argtypes import ATTEMPTS, KEEP, WAIT_S, day, in_range


def _print(doc: Any) -> None:
    print(json.dumps(doc), flush=True)


def _source(args: argparse.Namespace) -> Any:
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.config.request import load_config

    cfg = load_config(args.config)
    return cfg, source_from_config(cfg, args.provider)


def _search(args: argparse.Namespace) -> int:
    from s1ops.catalogue.search import criteria_from_config, records_json, search_products

    cfg, source = _source(args)
    criteria = criteria_from_config(cfg, args.tile, args.first, args.last)
    if criteria.first_date > criteria.last_date:
        print(f"s1ops search: error: --from {criteria.first_date} is after --to", file=sys.stderr)
        return 2
    _print(records_json(search_products(source, criteria)))
    return 0


def _status(args: argparse.Namespace) -> int:
    from s1ops.catalogue.search import product_status

    cfg, source = _source(args)
    _print(product_status(source, args.product_id, cfg.paths.s1_images).to_dict())
    return 0


def _download(args: argparse.Namespace) -> int:
    from s1ops.catalogue.fetch import DownloadPolicy, download_product

    cfg, source = _source(args)
    policy = DownloadPolicy(attempts=args.attempts, timeout_s=args.wait_for_staging_s)
    safe = download_product(source, args.product_id, cfg.paths.s1_images, policy)
    _print({"product_id": args.product_id, "status": "on_disk", "safe": str(safe)})
    return 0


def _purge(args: argparse.Namespace) -> int:
    from s1ops.cache.purge import purge_cache
    from s1ops.config.request import load_config

    cfg = load_config(args.config)
    keep = cfg.airflow.s1_cache_max_products if args.keep is None else args.keep
    report = purge_cache(cfg.paths.s1_images, keep=keep, dry_run=args.dry_run)
    _print({"s1_images": str(cfg.paths.s1_images), "keep": keep, **report.to_dict()})
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    parser.add_argument("--provider", help="eodag provider (default: the eodag_config's own)")


def _register_product(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "product",
        help="availability of one product, or its download into [Paths] s1_images",
        description="Check or download one Sentinel-1 product. Exit codes (s1ops.exit_codes): "
        "66 not found, 69 quota, 74 failed, 75 not available yet, 77 credentials.",
    )
    actions = parser.add_subparsers(dest="product_command", required=True, metavar="ACTION")
    status = actions.add_parser(
        "status",
        help="on_disk | online | staging | offline | failed, at once (orders offline products)",
    )
    _common(status)
    status.add_argument("product_id", metavar="PRODUCT_ID")
    status.set_defaults(func=_status)
    download = actions.add_parser(
        "download", help="download, verify and place {id}.SAFE in the cache; prints its path"
    )
    _common(download)
    download.add_argument("product_id", metavar="PRODUCT_ID")
    download.add_argument(
        "--attempts",
        type=in_range(ATTEMPTS),
        default=3,
        help=f"tries on transient failures, {ATTEMPTS.describe()} (default 3)",
    )
    download.add_argument(
        "--wait-for-staging-s",
        type=in_range(WAIT_S),
        default=0.0,
        help="let eodag wait this long for an offline product (default 0: exit 75 at once)",
    )
    download.set_defaults(func=_download)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``search``, ``product status|download`` and ``cache purge``."""
    search = subparsers.add_parser(
        "search",
        help="search the catalogue for a tile's products (JSON list of records)",
        description="Search the eodag provider for the IW GRD products over one tile, with the "
        "request's polarisation, platform, orbit filters; dates default to first/last_date.",
    )
    _common(search)
    search.add_argument("--tile", required=True, help="Sentinel-2 tile id, e.g. 33NWB")
    search.add_argument("--from", dest="first", type=day, help="first day (YYYY-MM-DD)")
    search.add_argument("--to", dest="last", type=day, help="last day, inclusive")
    search.set_defaults(func=_search)
    _register_product(subparsers)
    cache = subparsers.add_parser("cache", help="the S1 product cache ([Paths] s1_images)")
    actions = cache.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    purge = actions.add_parser(
        "purge",
        help="keep the N most recently downloaded products, delete the others not in use",
    )
    purge.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    purge.add_argument(
        "--keep",
        type=in_range(KEEP),
        help="products to keep, from 0 (default: [Airflow] s1_cache_max_products)",
    )
    purge.add_argument("--dry-run", action="store_true", help="report only, delete nothing")
    purge.set_defaults(func=_purge)
