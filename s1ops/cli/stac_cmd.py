"""``s1ops stac rebuild CFG``: the STAC catalogue of what is on disk under ``[Paths] output``.

Works on any S1Tiling output tree (products are recognised by their tags):
the tiles of the request file and every folder under ``[Paths] output`` named
like a tile. Prints one JSON line: the catalogue's root, the tiles and the
number of Items. The publish task keeps the catalogue up to date afterwards.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``stac``."""
    parser = subparsers.add_parser(
        "stac",
        help="the STAC catalogue of the products ({output}/stac)",
        description="STAC catalogue of the products under [Paths] output: a root catalogue, "
        "one collection per tile, one Item per product (image, mask, quicklook, filtered "
        "copy as assets).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rebuild = actions.add_parser(
        "rebuild",
        help="make the catalogue anew from the products on disk",
        description="Make {output}/stac from the products on disk (S1Tiling's tags tell "
        "each image, mask and filtered copy): Items of products no longer there are removed.",
    )
    rebuild.add_argument("config", metavar="CFG", help="S1Tiling request file (.cfg)")
    rebuild.set_defaults(func=_rebuild)


def _tiles_on_disk(output: Path) -> list[str]:
    from s1ops.errors import TileIdError
    from s1ops.grid import parse_tile_id

    found = []
    for folder in sorted(p for p in output.iterdir() if p.is_dir()) if output.is_dir() else ():
        try:
            found.append(parse_tile_id(folder.name).tile_id)
        except TileIdError:
            continue  # stac/, filtered/, anything else
    return found


def _rebuild(args: argparse.Namespace) -> int:
    from s1ops.config.request import load_config
    from s1ops.outputs.stac_catalogue import catalogue_root, rebuild, tifs_on_disk
    from s1ops.outputs.stac_items import product_groups

    cfg = load_config(args.config)
    output = cfg.paths.output
    naming = cfg.output_format.naming
    tiles = list(dict.fromkeys([*cfg.processing.tiles, *_tiles_on_disk(output)]))
    folders = [f for tile in tiles for f in naming.tile_folders(output, tile)]
    products = product_groups(tifs_on_disk(folders))
    items = rebuild(output, products)
    summary = {
        "catalog": str(catalogue_root(output) / "catalog.json"),
        "tiles": sorted({p.parent.parent.name for p in items}),
        "items": len(items),
    }
    print(json.dumps(summary))
    return 0
