"""``s1ops synth-product``: write synthetic Sentinel-1 IW GRD products (and flat DEMs)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from s1ops.cli.argtypes import in_range
from s1ops.config.ranges import Range


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date/time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _synth(args: argparse.Namespace) -> int:
    # Imported here: numpy and GDAL would slow down every other subcommand.
    from s1ops.sentinel1.safe import read_safe
    from s1ops.testing.dem import make_flat_dem
    from s1ops.testing.synth_safe import TEMPLATE_START, SynthSpec, make_product

    start = args.start or TEMPLATE_START.replace(tzinfo=UTC)
    if args.date is not None:
        start = datetime.combine(args.date.date(), TEMPLATE_START.time(), tzinfo=UTC)
    spec = SynthSpec(
        start=start,
        unit=args.unit,
        absolute_orbit=args.orbit,
        polarisations=tuple(args.polarisations.lower().split(",")),
        scale=args.scale,
        shift_lon_deg=args.shift_lon,
        shift_lat_deg=args.shift_lat,
        margin_px=args.margin_px,
        cut_top=args.cut_top,
        cut_bottom=args.cut_bottom,
        terrain_height_m=args.height,
        seed=args.seed,
        ipf_version=args.ipf,
    )
    path = make_product(spec, args.out, args.template_dir, zip_it=args.zip)
    print(path)
    if args.dem_dir is not None:
        footprint = read_safe(path).footprint
        for cell in make_flat_dem(footprint, args.dem_dir, args.height, arcsec=args.dem_arcsec):
            print(cell)
    return 0


# The flags' ranges: what a synthetic product can be made with.
ORBIT = Range(1, 999_999, integer=True)  # six digits in a product id
SCALE = Range(1, 100, integer=True)
SHIFT_LON = Range(-360, 360, unit="degrees")
SHIFT_LAT = Range(-90, 90, unit="degrees")
MARGIN_PX = Range(0, 100_000, integer=True, unit="px")
HEIGHT_M = Range(-500, 9_000, unit="m")  # the Dead Sea to above Everest
SEED = Range(0, 2**32 - 1, integer=True)  # numpy's seeds


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``synth-product``."""
    parser = subparsers.add_parser(
        "synth-product",
        help="write a synthetic Sentinel-1 IW GRD SAFE product that OTB reads like a real one",
        description="Rewrite the real IW GRD annotation of OTB's test data (S1A, 2015-12-15, "
        "orbit 9048) for another date, orbit, footprint and pixel size, and write a complete "
        "SAFE (manifest, annotation, calibration, noise, measurement GeoTIFFs, quick-look). "
        "Prints the product path, then the DEM cells written with --dem-dir.",
    )
    parser.add_argument("--out", required=True, help="folder receiving the product")
    parser.add_argument(
        "--template-dir",
        default=None,
        help="OTB's test data Data/ folder (default: $S1OPS_OTB_DATA or <repo>/.cache/otb-data)",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--start", type=_date, help="first-line time (ISO, UTC), e.g. 2020-01-08T05:05:46"
    )
    when.add_argument(
        "--date", type=_date, help="acquisition day; keeps the template's time of day"
    )
    parser.add_argument("--unit", default="S1A", help="S1A, S1B or S1C (default S1A)")
    parser.add_argument(
        "--orbit", type=in_range(ORBIT), default=None, help="absolute orbit (default: same track)"
    )
    parser.add_argument("--polarisations", default="vv,vh", help="vv,vh (default), vv or vh")
    parser.add_argument(
        "--scale", type=in_range(SCALE), default=10, help="pixel reduction per axis; 1 = full size"
    )
    parser.add_argument(
        "--shift-lon", type=in_range(SHIFT_LON), default=0.0, help="footprint shift east, degrees"
    )
    parser.add_argument(
        "--shift-lat", type=in_range(SHIFT_LAT), default=0.0, help="footprint shift north, degrees"
    )
    parser.add_argument(
        "--margin-px",
        type=in_range(MARGIN_PX),
        default=60,
        help="no-data columns per side (full-size px)",
    )
    parser.add_argument(
        "--cut-top", action="store_true", help="blank the first lines (border heuristic)"
    )
    parser.add_argument("--cut-bottom", action="store_true", help="blank the last lines")
    parser.add_argument(
        "--height", type=in_range(HEIGHT_M), default=0.0, help="terrain height above the geoid, m"
    )
    parser.add_argument("--seed", type=in_range(SEED), default=0, help="speckle seed")
    parser.add_argument(
        "--ipf", default="002.72", help="IPF version (>= 002.90: split noise vectors)"
    )
    parser.add_argument("--zip", action="store_true", help="zip the SAFE (and remove the folder)")
    parser.add_argument("--dem-dir", default=None, help="also write flat SRTM cells there")
    parser.add_argument(
        "--dem-arcsec", type=int, choices=(1, 3), default=1, help="DEM cell resolution"
    )
    parser.set_defaults(func=_synth)
