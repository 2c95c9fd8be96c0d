"""OTB subcommands: ``calibrate`` and ``concatenate``."""

from __future__ import annotations

import argparse
import json

from s1ops.cli.argtypes import LOWER_SIGNAL, RAM_MB, THREADS, in_range
from s1ops.vocabulary import CALIBRATIONS


def register(subparsers: argparse._SubParsersAction) -> None:
    cal = subparsers.add_parser("calibrate", help="radiometric calibration of one S1 image")
    cal.add_argument(
        "--in",
        dest="source",
        required=True,
        help="measurement TIFF (OTB extended file names accepted)",
    )
    cal.add_argument("--out", required=True, help="output GeoTIFF (float32)")
    cal.add_argument("--lut", choices=CALIBRATIONS, default="sigma")
    cal.add_argument("--remove-noise", action="store_true", help="thermal-noise removal")
    cal.add_argument(
        "--lower-signal-value",
        type=in_range(LOWER_SIGNAL),
        default=None,
        help="value for pixels denoising brought to 0 (S1Tiling: 1e-7)",
    )
    _resources(cal)
    cal.set_defaults(func=_calibrate)

    cat = subparsers.add_parser(
        "concatenate", help="merge orthorectified images of one day/orbit (first non-zero pixel)"
    )
    cat.add_argument("--output", required=True, help="merged output GeoTIFF")
    cat.add_argument("--mask", default=None, help="also write the border mask here")
    _resources(cat)
    cat.add_argument("inputs", nargs="+", help="orthorectified images, in priority order")
    cat.set_defaults(func=_concatenate)


def _resources(parser: argparse.ArgumentParser) -> None:
    """``--ram-mb`` and ``--threads``, in the ranges of ram_per_process and nb_otb_threads."""
    parser.add_argument(
        "--ram-mb", type=in_range(RAM_MB), default=2048, help=f"OTB's RAM, {RAM_MB.describe()}"
    )
    parser.add_argument(
        "--threads", type=in_range(THREADS), default=1, help=f"OTB's threads, {THREADS.describe()}"
    )


def _calibrate(args: argparse.Namespace) -> int:
    from s1ops.processing.otb.pipelines import calibration_chain, run_with_tags

    chain = calibration_chain(
        args.source,
        args.out,
        lut=args.lut,
        remove_noise=args.remove_noise,
        lower_signal_value=args.lower_signal_value,
        ram_mb=args.ram_mb,
        threads=args.threads,
    )
    result = run_with_tags(chain)
    print(json.dumps({"written": list(result.written), "seconds": round(result.seconds, 3)}))
    return 0


def _concatenate(args: argparse.Namespace) -> int:
    from s1ops.processing.concat import concatenate

    result = concatenate(
        args.inputs, args.output, mask=args.mask, ram_mb=args.ram_mb, threads=args.threads
    )
    print(json.dumps({"written": list(result.written), "seconds": round(result.seconds, 3)}))
    return 0
