"""``s1ops tile-info TILE...``: geometry of Sentinel-2 tiles as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys


def _tile_info(args: argparse.Namespace) -> int:
    # Imported here: numpy, shapely and pyproj would slow down every other subcommand.
    from s1ops.errors import TileIdError
    from s1ops.grid import parse_tile_id
    from s1ops.grid_footprints import tile_dicts

    tile_ids = args.tile_ids or sys.stdin.read().split()
    if not tile_ids:
        print("s1ops tile-info: error: no tile id given (arguments or stdin)", file=sys.stderr)
        return 2
    tiles = []
    invalid = 0
    for tile_id in tile_ids:
        try:
            tiles.append(parse_tile_id(tile_id))
        except TileIdError as exc:
            invalid += 1
            print(f"s1ops tile-info: error: {exc}", file=sys.stderr)
    lines = [_json_line(record) for record in tile_dicts(tiles)]
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 2 if invalid else 0


def _json_line(record: dict[str, object]) -> str:
    # The WKT (digits, letters, spaces, '(),.-') needs no escaping, and letting
    # json scan 50 000 kilobyte-long strings costs a second: splice it in.
    fields = {key: value for key, value in record.items() if key != "footprint_wkt"}
    return f'{json.dumps(fields)[:-1]}, "footprint_wkt": "{record["footprint_wkt"]}"}}'


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tile-info``."""
    parser = subparsers.add_parser(
        "tile-info",
        help="UTM corners and lon/lat footprint of Sentinel-2 tiles, as JSON lines",
        description="Print one JSON object per valid tile id (tile_id, epsg, ulx, uly, lrx, "
        "lry, size_m, footprint_wkt). Ids come from the arguments, or from stdin "
        "(whitespace-separated) when there is none. Each malformed id is reported on "
        "stderr; the exit code is then 2, after the valid ones are printed.",
    )
    parser.add_argument(
        "tile_ids", nargs="*", metavar="TILE", help="tile id such as 33NWB, t33nwb or T33NWB"
    )
    parser.set_defaults(func=_tile_info)
