"""``s1ops terrain-maps``: the terrain maps of a tile for a product's relative orbit.

S1Tiling's ``S1LIAMap``, ``S1IAMap`` and ``S1GammaAreaMap`` in one command: the
maps the request file's calibration applies (the gamma area for
gamma_naught_rtc, sin(LIA) otherwise) and those asked for with ``--ia`` and
``--gamma-area``, where and as the request file says (``[Paths] lia``/``ia``/
``gamma_area``, ``[Processing] produce_lia_map``, ``ia_maps_to_produce``),
made from the DEM, the geoid and the orbit state vectors and image grid of the
product, when they are missing (``--force``: again). What a tile DAG's
``terrain`` task runs; ``s1ops process`` makes a missing map itself too. Exit
codes: 0 made or already there, 73 a folder cannot be written, 74 a disk is
full, 2 anything else (a bad tile, an unreadable product, a DEM cell or geoid
that cannot be used).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def terrain_command(
    config_path: str | Path, tile_id: str, product: str | Path, *, ia: bool = False
) -> list[str]:
    """The arguments of ``s1ops terrain-maps`` (without the program name)."""
    command = ["terrain-maps", str(config_path), "--tile", tile_id, "--product", str(product)]
    return [*command, "--ia"] if ia else command


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``terrain-maps``."""
    parser = subparsers.add_parser(
        "terrain-maps",
        help="make the sin(LIA)/LIA, IA or gamma-area maps of a tile for a product's orbit",
        description="Make the terrain maps of TILE for the relative orbit of PRODUCT, as the "
        "request file CFG asks for them: the map its calibration applies (the gamma area "
        "in [Paths] gamma_area for gamma_naught_rtc; otherwise sin(LIA), and LIA in "
        "degrees x 100 with produce_lia_map, in [Paths] lia); with --ia, the IA maps of "
        "ia_maps_to_produce in [Paths] ia; with --gamma-area, the gamma area. The orbit and "
        "image grid come from PRODUCT's annotation; heights from the DEM cells of dem_dir "
        "and the geoid_file. Maps that exist are kept unless --force. Prints the maps as "
        "JSON. Exit 0 (made or there), 73 (a folder cannot be written), 74 (disk full), 2 "
        "(any other error).",
    )
    parser.add_argument("config", help="S1Tiling request file")
    parser.add_argument("--tile", required=True, help="S2 tile id, such as 33NWB")
    parser.add_argument("--product", required=True, help="a SAFE folder or zip of the orbit")
    parser.add_argument("--ia", action="store_true", help="also the IA maps (S1IAMap)")
    parser.add_argument(
        "--gamma-area", action="store_true", help="also the gamma-area map (S1GammaAreaMap)"
    )
    parser.add_argument("--force", action="store_true", help="make the maps again")
    parser.set_defaults(func=_terrain_maps)


def _terrain_maps(args: argparse.Namespace) -> int:
    from s1ops.cache.locks import hold_products
    from s1ops.config.request import load_config
    from s1ops.grid import parse_tile_id
    from s1ops.processing.terrain_map import RTC, SOFTWARE
    from s1ops.sentinel1.safe import read_safe
    from s1ops.terrain.ensure import ensure_maps
    from s1ops.terrain.maps import TerrainRequest

    cfg = load_config(args.config)
    tile = parse_tile_id(args.tile)
    product = read_safe(args.product)
    rtc = cfg.processing.calibration == RTC
    request = TerrainRequest.from_config(
        cfg.terrain,
        tile=tile,
        relative_orbit=product.relative_orbit,
        orbit_direction=product.orbit_direction,
        resolution_m=cfg.processing.resolution_m,
        dem_info=cfg.paths.dem_info,
        lia=not rtc,
        ia=args.ia,
        gamma_area=rtc or args.gamma_area,
    )
    # Leased while its annotation is read: the maintenance's purge leaves it alone.
    with hold_products([product.product_id.format()], cfg.paths.s1_images):
        made = ensure_maps(
            request,
            product,
            dem_dir=cfg.paths.dem_dir,
            geoid_file=cfg.paths.geoid_file,
            software=SOFTWARE,
            force=args.force,
        )
    maps = {kind: str(path) for kind, path in request.paths().items()}
    print(json.dumps({"maps": maps, "made": [str(p) for p in made]}))
    return 0
