"""Run sarsen's terrain correction (gamma flattening) on one SAFE: the reference side of the
gamma0 RTC test, run by ``s1ops.testing.sarsen_reference`` under ``.venv-sarsen``.

Only sarsen (and what it brings) is imported: this file runs in sarsen's own
venv, which has neither s1ops nor our GDAL bindings. It writes sarsen's outputs as
sarsen makes them, on the DEM's grid (south-up, NaN outside the swath); the
wrapper crops, flips and averages them onto the tile grid.

Usage: python sarsen_gamma0_script.py SAFE GROUP DEM GAMMA0_OUT SIMULATED_OUT
       [--grouping N] [--chunks N] [--threads N]
"""

from __future__ import annotations

import argparse
import logging
import time

# Small 2011's flattening, as sarsen's own `rtc` command runs it.
CORRECT_RADIOMETRY = "gamma_bilinear"
# Bilinear beta0 sampling, as OTB's orthorectification of the calibrated image does.
INTERP_METHOD = "linear"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("safe", help="the .SAFE folder")
    parser.add_argument("group", help="measurement group, e.g. IW/VV")
    parser.add_argument("dem", help="ellipsoidal heights on a projected grid (GeoTIFF)")
    parser.add_argument("gamma0_out", help="terrain-flattened gamma0, linear (GeoTIFF)")
    parser.add_argument("simulated_out", help="the simulated area ratio A_gamma/A_beta")
    # sarsen sums facet areas into bins of N x N SAR pixels: 3 (its default) keeps the
    # per-pixel aliasing of a DEM only a few times finer than the SAR pixel at a few %.
    parser.add_argument("--grouping", type=float, default=3.0)
    # sarsen calibrates and interpolates the whole beta0 image again for every DEM chunk:
    # one chunk for a DEM up to 4096 x 4096 px halves a run (2276^2 px: 97 -> 52 s) for
    # about 10 % more memory (2.3 GB).
    parser.add_argument("--chunks", type=int, default=4096)
    # CI machines are small and shared: one dask worker unless asked otherwise.
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    # Imported here, not at the top: our own venv imports every s1ops module
    # (tests/s1ops/test_no_airflow.py) and has no sarsen.
    import dask
    import sarsen

    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    start = time.monotonic()
    with dask.config.set(num_workers=args.threads):
        product = sarsen.Sentinel1SarProduct(args.safe, measurement_group=args.group)
        sarsen.terrain_correction(
            product,
            dem_urlpath=args.dem,
            output_urlpath=args.gamma0_out,
            simulated_urlpath=args.simulated_out,
            correct_radiometry=CORRECT_RADIOMETRY,
            interp_method=INTERP_METHOD,
            grouping_area_factor=(args.grouping, args.grouping),
            chunks=args.chunks,
        )
    logging.info("sarsen done in %.1f s", time.monotonic() - start)


if __name__ == "__main__":
    main()
