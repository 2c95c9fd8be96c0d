"""``s1ops synth-catalogue serve|eodag-config``: a local STAC API over synthetic products."""

from __future__ import annotations

import argparse
import contextlib

from s1ops.cli.argtypes import PORT, in_range


def _serve(args: argparse.Namespace) -> int:
    # Imported here: shapely would slow down every other subcommand.
    from s1ops.testing.stac_failures import load_failures
    from s1ops.testing.stac_server import CatalogueServer

    failures = load_failures(args.failures) if args.failures else None
    server = CatalogueServer(args.products, failures, host=args.host, port=args.port)
    # The first stdout line is the URL, so that a parent process that asked
    # for port 0 learns the real one.
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _eodag_config(args: argparse.Namespace) -> int:
    from s1ops.testing.eodag_provider import write_provider_config

    path = write_provider_config(args.url, args.out, args.name, discover=args.discover)
    print(path)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``synth-catalogue`` with its ``serve`` and ``eodag-config`` subcommands."""
    parser = subparsers.add_parser(
        "synth-catalogue",
        help="a local STAC API over a folder of zipped SAFE products (tests, demos)",
        description="Serve zipped SAFE products as a STAC API on this machine, standing in "
        "for Copernicus, and write the eodag provider config that uses it.",
    )
    commands = parser.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")

    serve = commands.add_parser(
        "serve",
        help="serve a folder of <PRODUCT_ID>.zip files until interrupted",
        description="Serve /search, /collections, /queryables, item, order and download "
        "endpoints over the zipped SAFE products of a folder. Prints the root URL on the "
        "first line of stdout.",
    )
    serve.add_argument("--products", required=True, metavar="DIR", help="folder of SAFE zips")
    serve.add_argument(
        "--port", type=in_range(PORT), default=0, help="TCP port (default 0: any free one)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--failures",
        metavar="FILE.json",
        help='failure modes per product: {"<product id>": {"offline_polls": 2, ...}}',
    )
    serve.set_defaults(func=_serve)

    config = commands.add_parser(
        "eodag-config",
        help="write the eodag provider config for a running catalogue",
        description="Write an eodag 4 provider file (STAC search, HTTP download with order) "
        "for the catalogue at URL. Put it in the folder EODAG_PROVIDERS_CFG_DIR names.",
    )
    config.add_argument("--url", required=True, help="root URL of the catalogue")
    config.add_argument("--out", required=True, metavar="FILE", help="provider file to write")
    config.add_argument("--name", default="s1ops_local", help="provider name (s1ops_local)")
    config.add_argument(
        "--discover",
        action="store_true",
        help="let eodag fetch collections and queryables from the catalogue",
    )
    config.set_defaults(func=_eodag_config)
