"""A global geoid grid (OTB's ``egm96.grd``, PROJ's ``.gtx``...), bilinearly interpolated.

OTB adds the geoid to the DEM the same way when it orthorectifies; the terrain
maps add it here so their heights are the ones the orthorectification used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from s1ops.errors import S1OpsError


class GeoidError(S1OpsError):
    """A geoid file that is not a global latitude/longitude grid."""


@dataclass(frozen=True)
class Geoid:
    """Undulations (m) on a global grid whose first row is ``north`` and first column ``west``,
    both pixel centres, spaced ``step_deg``; longitudes wrap around."""

    undulation_m: np.ndarray
    north: float
    west: float
    step_deg: float

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Geoid:
        from osgeo import gdal

        gdal.UseExceptions()
        try:
            dataset = gdal.Open(str(path))
            values = dataset.GetRasterBand(1).ReadAsArray().astype(float)
            x0, dx, rx, y0, ry, dy = dataset.GetGeoTransform()
        except (RuntimeError, AttributeError) as exc:
            raise GeoidError(f"{path}: GDAL cannot read it as a geoid grid ({exc})") from exc
        finally:
            dataset = None
        if rx or ry or dx <= 0 or abs(dy + dx) > 1e-9 or dx * values.shape[1] < 359.99:
            raise GeoidError(f"{path}: not a global north-up grid of square cells in degrees")
        return cls(values, y0 + dy / 2, x0 + dx / 2, dx)

    def height(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Geoid height above the ellipsoid (m) at the given points."""
        u = self.undulation_m
        row = (self.north - np.asarray(lat_deg)) / self.step_deg
        col = np.mod(np.asarray(lon_deg) - self.west, 360.0) / self.step_deg
        r0 = np.clip(np.floor(row).astype(int), 0, u.shape[0] - 2)
        c0 = np.floor(col).astype(int)
        c1 = (c0 + 1) % u.shape[1]
        c0 %= u.shape[1]
        fr, fc = row - r0, col - np.floor(col)
        top = u[r0, c0] * (1 - fc) + u[r0, c1] * fc
        bottom = u[r0 + 1, c0] * (1 - fc) + u[r0 + 1, c1] * fc
        return top * (1 - fr) + bottom * fr
