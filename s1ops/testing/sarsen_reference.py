"""sarsen's terrain-flattened gamma0 on a tile grid: an independent reference for our RTC.

sarsen (B-Open's pure-Python terrain correction, Small 2011's gamma
flattening) runs in its own venv, ``.venv-sarsen`` (``make setup``): its
rasterio bundles a GDAL 3.10 that must not share a process with the system's
GDAL 3.6 our bindings and OTB use, so it is run as a child process
(``sarsen_gamma0_script.py``) and only files cross over.

What sarsen needs, and this module provides (``sarsen_dem``):

* a DEM already on the output grid: sarsen's output grid *is* the DEM's grid;
* heights above the ellipsoid: sarsen reads a projected DEM's values as
  ellipsoidal heights and, without PROJ's network grids, silently ignores a
  geoid in a compound CRS, so the geoid is added here;
* a margin around the tile: sarsen's simulated area is too small within
  about 1 km of the DEM's edge (the facets beyond it are missing);
* pixels finer than the SAR pixel: sarsen sums DEM facets into bins of 3 x 3
  SAR pixels, and with few facets per bin the sum aliases. Measured against an
  exact A_gamma/A_beta on the 100 m synthetic site, per 100 m pixel (p1..p99):
  100 m DEM 0.87..1.13, 50 m 0.976..1.023, 25 m 0.992..1.008.

``sarsen_gamma0`` then crops sarsen's south-up output back to the tile,
flips it north-up and averages it down to the tile's pixel size.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from s1ops.sentinel1.safe import read_safe
from s1ops.terrain.angles import ROWS_PER_BLOCK, MapGrid
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.maps import dem_on_grid

REPO = Path(__file__).resolve().parents[2]
# `make setup` (scripts/setup.sh, step_venv_sarsen) creates it; $S1OPS_SARSEN_PYTHON
# names another interpreter with sarsen (e.g. a venv outside the checkout).
SARSEN_PYTHON = Path(
    os.environ.get("S1OPS_SARSEN_PYTHON", REPO / ".venv-sarsen" / "bin" / "python")
)
SCRIPT = Path(__file__).with_name("sarsen_gamma0_script.py")

DEM_SUFFIXES = (".hgt", ".tif", ".tiff")
DEM_PAD_M = 2000.0
# For 100 m grids: the coarsest DEM whose aliasing (+-2.3 %, see above) stays well inside
# a 0.1 dB budget; sarsen then takes about a minute for the whole padded 32NNJ
# (2276 x 2276 px, 2.3 GB), 25 m would take about four.
DEM_RESOLUTION_M = 50.0
GROUPING = 3.0
TIMEOUT_S = 900.0
STDERR_TAIL = 3000  # characters of the script's stderr an error message carries
FLOAT_OPTIONS = ("TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3")
# GDAL/PROJ settings meant for Debian's libraries would point .venv-sarsen's wheels
# (their own, newer GDAL and PROJ) at data they refuse: "proj.db ... comes from another
# PROJ installation".
CHILD_ENV_DROPPED = ("PYTHONPATH", "PYTHONHOME", "GDAL_DATA", "PROJ_LIB", "PROJ_DATA")


def sarsen_available() -> bool:
    """Whether the interpreter of ``SARSEN_PYTHON`` exists (``make setup`` made it)."""
    return os.access(SARSEN_PYTHON, os.X_OK)


def simulated_path(out: Path) -> Path:
    """Where ``sarsen_gamma0`` writes the simulated A_gamma/A_beta next to ``out``."""
    return out.with_name(f"{out.stem}_sim{out.suffix}")


def _whole(value: float, what: str, minimum: int = 1) -> int:
    """``value`` as an integer, when it is one (grid ratios and offsets must be)."""
    n = round(value)
    if n < minimum or abs(value - n) > 1e-6:
        raise ValueError(f"{what} = {value:g}: must be a whole number >= {minimum}")
    return n


def padded_grid(grid: MapGrid, pad_m: float, resolution_m: float) -> MapGrid:
    """``grid`` grown by ``pad_m`` on every side, at ``resolution_m``: its pixels tile
    ``grid``'s exactly, so averaging them gives ``grid``'s pixels."""
    factor = _whole(grid.resolution_m / resolution_m, "grid resolution / DEM resolution")
    pad = _whole(pad_m / resolution_m, "pad_m / DEM resolution", minimum=0)
    return MapGrid(
        grid.epsg,
        grid.ulx - pad * resolution_m,
        grid.uly + pad * resolution_m,
        grid.width * factor + 2 * pad,
        grid.height * factor + 2 * pad,
        resolution_m,
    )


def dem_cells(dem_dir: Path) -> list[Path]:
    """The DEM cells (SRTM ``.hgt`` or GeoTIFF, EPSG:4326) in ``dem_dir``."""
    return sorted(p for p in dem_dir.iterdir() if p.suffix.lower() in DEM_SUFFIXES)


def geoid_on_grid(geoid: Geoid, grid: MapGrid) -> np.ndarray:
    """Geoid undulations (m) at ``grid``'s pixel centres (float32), interpolated from coarse
    nodes a block of rows at a time (the geoid varies over tens of kilometres)."""
    undulation = np.empty((grid.height, grid.width), dtype=np.float32)
    for first in range(0, grid.height, ROWS_PER_BLOCK):
        rows = slice(first, min(first + ROWS_PER_BLOCK, grid.height))
        nodes = grid.coarse(rows)
        undulation[rows] = nodes.fill(geoid.height(nodes.lat, nodes.lon))
    return undulation


def _gdal() -> Any:
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def write_on_grid(path: Path, grid: MapGrid, values: np.ndarray, nodata: float | None) -> Path:
    """Write ``values`` (float32) as a north-up GeoTIFF on ``grid``."""
    from osgeo import osr

    gdal = _gdal()
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), grid.width, grid.height, 1, gdal.GDT_Float32, options=list(FLOAT_OPTIONS)
    )
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(grid.epsg)
    dataset.SetProjection(srs.ExportToWkt())
    r = grid.resolution_m
    dataset.SetGeoTransform((grid.ulx, r, 0.0, grid.uly, 0.0, -r))
    band = dataset.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(values.astype(np.float32))
    dataset = None  # closing writes the file
    return path


def sarsen_dem(
    dem_dir: Path,
    geoid_file: Path,
    grid: MapGrid,
    pad_m: float = DEM_PAD_M,
    resolution_m: float = DEM_RESOLUTION_M,
    *,
    out: Path,
) -> Path:
    """The DEM sarsen needs for ``grid``, written to ``out`` (float32 GeoTIFF): the cells of
    ``dem_dir`` (heights above the geoid) warped (cubic) onto ``grid`` padded by ``pad_m``
    at ``resolution_m``, plus the undulation of ``geoid_file`` (ellipsoidal heights).

    ``resolution_m`` must divide ``grid.resolution_m`` and ``pad_m``.
    """
    padded = padded_grid(grid, pad_m, resolution_m)
    cells = dem_cells(dem_dir)
    heights = dem_on_grid(padded, cells, "cubic")
    missing = np.count_nonzero(np.isnan(heights))
    if missing:
        # sarsen would spread a hole's NaN over the neighbouring SAR bins' areas.
        raise ValueError(
            f"{dem_dir}: {len(cells)} DEM cells leave {missing} of {heights.size} pixels "
            f"of the padded grid {padded} without a height"
        )
    heights += geoid_on_grid(Geoid.read(geoid_file), padded)
    return write_on_grid(out, padded, heights, nodata=None)


def measurement_group(safe: Path, polarisation: str) -> str:
    """sarsen's name of a polarisation's image: ``IW/VV``."""
    return f"{read_safe(safe).product_id.mode}/{polarisation.upper()}"


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROPPED}


def run_script(
    safe: Path, group: str, dem: Path, gamma0: Path, simulated: Path, *, timeout_s: float
) -> None:
    """Run sarsen (``sarsen_gamma0_script.py`` under ``SARSEN_PYTHON``); its outputs are on
    the DEM's grid. Raises RuntimeError with the end of its stderr when it fails."""
    if not sarsen_available():
        raise RuntimeError(f"{SARSEN_PYTHON} is missing: `make setup` creates .venv-sarsen")
    command = [str(SARSEN_PYTHON), str(SCRIPT), str(safe), group, str(dem), str(gamma0)]
    command += [str(simulated), "--grouping", str(GROUPING)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=_child_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        # run() leaves bytes there whatever `text` says.
        err = exc.stderr or b""
        tail = err.decode(errors="replace") if isinstance(err, bytes) else err
        raise RuntimeError(
            f"sarsen timed out after {timeout_s:g} s:\n{tail[-STDERR_TAIL:]}"
        ) from exc
    if done.returncode != 0:
        raise RuntimeError(
            f"sarsen failed (exit {done.returncode}): {' '.join(command)}\n"
            f"{done.stderr[-STDERR_TAIL:]}"
        )


def block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """Means of ``factor`` x ``factor`` blocks; NaN unless every value of a block is finite."""
    finite = np.where(np.isfinite(values), values.astype(np.float64), np.nan)
    rows, cols = values.shape[0] // factor, values.shape[1] // factor
    blocks = finite[: rows * factor, : cols * factor].reshape(rows, factor, cols, factor)
    return blocks.mean(axis=(1, 3))  # a NaN in a block makes its mean NaN


def read_onto_grid(path: Path, grid: MapGrid) -> np.ndarray:
    """A raster whose pixels tile ``grid``'s (any row order: sarsen writes south-up),
    cropped to ``grid``, north-up, averaged to ``grid``'s pixel size (float32)."""
    gdal = _gdal()
    dataset = gdal.Open(str(path))
    values = dataset.GetRasterBand(1).ReadAsArray()
    x0, dx, rx, y0, ry, dy = dataset.GetGeoTransform()
    dataset = None
    if rx or ry:
        raise ValueError(f"{path}: a rotated grid")
    if dy > 0:  # south-up: the first row is the southernmost
        values, y0, dy = values[::-1], y0 + dy * values.shape[0], -dy
    factor = _whole(grid.resolution_m / dx, f"{path}: grid resolution / pixel size")
    if abs(dy + dx) > 1e-9 * dx:
        raise ValueError(f"{path}: pixels of {dx:g} x {-dy:g} m are not square")
    col = _whole((grid.ulx - x0) / dx, f"{path}: columns left of the grid", minimum=0)
    row = _whole((y0 - grid.uly) / dx, f"{path}: rows above the grid", minimum=0)
    window = values[row : row + grid.height * factor, col : col + grid.width * factor]
    if window.shape != (grid.height * factor, grid.width * factor):
        raise ValueError(f"{path}: does not cover {grid}")
    return block_mean(window, factor).astype(np.float32)


def sarsen_gamma0(
    safe: Path,
    polarisation: str,
    dem: Path,
    grid: MapGrid,
    out: Path,
    *,
    timeout_s: float = TIMEOUT_S,
) -> Path:
    """sarsen's terrain-flattened gamma0 (linear, float32, NaN where invalid) of
    ``polarisation`` of ``safe`` on ``grid``, written to ``out``; the simulated
    A_gamma/A_beta goes to ``simulated_path(out)``.

    ``dem`` comes from ``sarsen_dem`` for the same ``grid``: sarsen's pixels are
    averaged to ``grid``'s (a block with any invalid pixel is NaN), never interpolated.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sarsen-", dir=out.parent) as work:
        raw_gamma0, raw_simulated = Path(work) / "gamma0.tif", Path(work) / "simulated.tif"
        group = measurement_group(safe, polarisation)
        run_script(safe, group, dem, raw_gamma0, raw_simulated, timeout_s=timeout_s)
        gamma0 = read_onto_grid(raw_gamma0, grid)
        simulated = read_onto_grid(raw_simulated, grid)
    write_on_grid(simulated_path(out), grid, simulated, nodata=float("nan"))
    return write_on_grid(out, grid, gamma0, nodata=float("nan"))
