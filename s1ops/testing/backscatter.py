"""A plausible C-band backscatter field and the measurement GeoTIFF holding it.

The scene is a function of latitude and longitude (hashed value noise), so
two products over the same place show the same coast lines, whatever their
date or pixel size; only the speckle changes with the seed. Land is bright
and textured, water dark and darker at far range; intensities follow a gamma
law (about 4.4 looks, as in GRDH). Digital numbers are sqrt(sigma0) * A from
the product's own sigma0 LUT, so calibration gives back the field.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from s1ops.errors import SynthError
from s1ops.testing.annotation import Geometry
from s1ops.testing.calibration import interpolate_grid, sigma_lut

log = logging.getLogger(__name__)

# Equivalent number of looks of IW GRDH (ESA product definition: 4.4).
GRDH_LOOKS = 4.4
# Backscatter levels (dB) for VV over land and water, VH offsets.
LAND_VV_DB = -8.0
LAND_TEXTURE_DB = 3.0
WATER_VV_DB_NEAR = -16.0
WATER_DB_PER_DEGREE = -0.5  # darker with incidence
CROSS_POL_OFFSET_DB = {"vv": 0.0, "hh": 0.0, "vh": -7.0, "hv": -7.0}
WATER_CROSS_POL_EXTRA_DB = -4.0
# Water where the coast noise (gathered around 0.5) is below this: about a third of the scene.
WATER_THRESHOLD = 0.45
# Scene features, in degrees: coasts at ~20 km, fields at ~3 km.
COAST_CELL_DEG = (0.4, 0.15, 0.05)
TEXTURE_CELL_DEG = (0.03, 0.012)
# The field is evaluated every COARSE pixels and interpolated in between.
COARSE = 8
STRIP_LINES = 512
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _hash01(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    # splitmix64 of the lattice indices: a repeatable pseudo-random value per node.
    with np.errstate(over="ignore"):
        x = i.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= j.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F) + np.uint64(salt)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9) & _MASK64
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB) & _MASK64
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def value_noise(lat: np.ndarray, lon: np.ndarray, cell_deg: float, salt: int) -> np.ndarray:
    """Smooth noise in [0, 1) on a lat/lon lattice of ``cell_deg`` spacing."""
    y, x = lat / cell_deg, lon / cell_deg
    i0, j0 = np.floor(y).astype(np.int64), np.floor(x).astype(np.int64)
    fy, fx = y - i0, x - j0
    sy, sx = fy * fy * (3 - 2 * fy), fx * fx * (3 - 2 * fx)
    # Shift to non-negative lattice indices before hashing.
    i0, j0 = i0 + (1 << 20), j0 + (1 << 21)
    top = _hash01(i0, j0, salt) * (1 - sx) + _hash01(i0, j0 + 1, salt) * sx
    bottom = _hash01(i0 + 1, j0, salt) * (1 - sx) + _hash01(i0 + 1, j0 + 1, salt) * sx
    return top * (1 - sy) + bottom * sy


def _fbm(lat: np.ndarray, lon: np.ndarray, cells: tuple[float, ...], salt: int) -> np.ndarray:
    total = np.zeros(np.shape(lat))
    weights = 0.0
    for k, cell in enumerate(cells):
        total += 0.5**k * value_noise(lat, lon, cell, salt + k)
        weights += 0.5**k
    return total / weights


def sigma0_db(
    lat: np.ndarray, lon: np.ndarray, incidence_deg: np.ndarray, polarisation: str
) -> np.ndarray:
    """Noise-free backscatter (dB) of the synthetic world at the given points."""
    coast = _fbm(lat, lon, COAST_CELL_DEG, salt=11)
    water = coast < WATER_THRESHOLD
    texture = _fbm(lat, lon, TEXTURE_CELL_DEG, salt=29) - 0.5
    land = LAND_VV_DB + 2 * LAND_TEXTURE_DB * texture
    sea = WATER_VV_DB_NEAR + WATER_DB_PER_DEGREE * (incidence_deg - 30.0)
    offset = CROSS_POL_OFFSET_DB[polarisation]
    extra = WATER_CROSS_POL_EXTRA_DB if offset else 0.0
    return np.where(water, sea + offset + extra, land + offset)


@dataclass(frozen=True)
class NoData:
    """Zero-valued borders: columns at both sides, optionally lines at the top and bottom."""

    columns: int = 0
    top_lines: int = 0
    bottom_lines: int = 0


def _coarse_field(geo: Geometry, polarisation: str) -> tuple[np.ndarray, np.ndarray]:
    lines = np.arange(0, geo.height + COARSE, COARSE, dtype=float)
    pixels = np.arange(0, geo.width + COARSE, COARSE, dtype=float)
    lat = interpolate_grid(geo, geo.lat, lines, pixels)
    lon = interpolate_grid(geo, geo.lon, lines, pixels)
    inc = interpolate_grid(geo, geo.incidence_deg, lines, pixels)
    field = 10 ** (sigma0_db(lat, lon, inc, polarisation) / 10)
    # Digital-number amplitude of the noise-free field, with the LUT at the
    # same nodes: DN = A sqrt(sigma0).
    amplitude = sigma_lut(geo, lines, pixels) * np.sqrt(field)
    return amplitude.astype(np.float32), pixels


def _upsample(coarse: np.ndarray, y0: int, y1: int, width: int) -> np.ndarray:
    rows = np.arange(y0, y1) / COARSE
    r0 = np.floor(rows).astype(int)
    fr = (rows - r0).astype(np.float32)[:, None]
    band = coarse[r0] * (1 - fr) + coarse[r0 + 1] * fr
    cols = np.arange(width) / COARSE
    c0 = np.floor(cols).astype(int)
    fc = (cols - c0).astype(np.float32)
    return band[:, c0] * (1 - fc) + band[:, c0 + 1] * fc


def digital_numbers(
    geo: Geometry, polarisation: str, seed: int, no_data: NoData
) -> Iterator[tuple[int, np.ndarray]]:
    """Strips of uint16 digital numbers, as (first line, array), top to bottom."""
    coarse, _ = _coarse_field(geo, polarisation)
    rng = np.random.default_rng([seed, sum(map(ord, polarisation))])
    for y0 in range(0, geo.height, STRIP_LINES):
        y1 = min(y0 + STRIP_LINES, geo.height)
        amplitude = _upsample(coarse, y0, y1, geo.width)
        speckle = (
            rng.standard_gamma(GRDH_LOOKS, size=amplitude.shape, dtype=np.float32) / GRDH_LOOKS
        )
        dn = np.clip(np.rint(amplitude * np.sqrt(speckle)), 1, 65535).astype(np.uint16)
        _blank(dn, y0, geo.height, no_data)
        yield y0, dn


def _blank(dn: np.ndarray, y0: int, height: int, no_data: NoData) -> None:
    if no_data.columns:
        dn[:, : no_data.columns] = 0
        dn[:, -no_data.columns :] = 0
    rows = np.arange(y0, y0 + dn.shape[0])
    dn[rows < no_data.top_lines] = 0
    dn[rows >= height - no_data.bottom_lines] = 0


@dataclass(frozen=True)
class TiffTags:
    """Header tags of a measurement image, as ESA writes them."""

    description: str  # 'Sentinel-1A IW GRD HR L1'
    software: str  # 'Sentinel-1 IPF 002.72'
    datetime: str  # 'YYYY:MM:DD HH:MM:SS'


def write_measurement(
    path: Path, geo: Geometry, strips: Iterator[tuple[int, np.ndarray]], tags: TiffTags
) -> None:
    """Write an uncompressed uint16 GeoTIFF in one-line strips, as ESA's IPF does, with
    the geolocation grid as GCPs.

    Real IW GRD measurements are not compressed: a compressed synthetic product
    would make every benchmark pay a decoding that users never pay.
    """
    try:
        from osgeo import gdal, osr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SynthError("writing measurement images needs GDAL's Python bindings (osgeo)") from exc
    gdal.UseExceptions()
    options = ["BLOCKYSIZE=1"]
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), geo.width, geo.height, 1, gdal.GDT_UInt16, options
    )
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    gcps = [
        gdal.GCP(
            float(geo.lon[i, j]),
            float(geo.lat[i, j]),
            float(geo.height_m[i, j]),
            float(p),
            float(line),
        )
        for i, line in enumerate(geo.grid_lines)
        for j, p in enumerate(geo.grid_pixels)
    ]
    dataset.SetGCPs(gcps, srs.ExportToWkt())
    dataset.SetMetadata(
        {
            "TIFFTAG_IMAGEDESCRIPTION": tags.description,
            "TIFFTAG_SOFTWARE": tags.software,
            "TIFFTAG_DATETIME": tags.datetime,
        }
    )
    band = dataset.GetRasterBand(1)
    for y0, dn in strips:
        band.WriteArray(dn, 0, y0)
    dataset.FlushCache()
    dataset = None
    log.info("wrote %s (%d x %d)", path, geo.width, geo.height)
