"""The pixel grid of a GRD image: which line and column a zero-Doppler time and slant range
fall on, from the annotation's image information and slant-to-ground-range polynomials.

Lines follow azimuth time (``productFirstLineUtcTime``, ``azimuthTimeInterval``);
columns follow ground range (``srgrCoefficients`` about ``sr0``, the records
of ``coordinateConversionList`` blended linearly in azimuth time, over
``rangePixelSpacing``). Times are in seconds from the orbit's epoch so that
they match :class:`~s1ops.terrain.orbit.Orbit`'s.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from s1ops.terrain.orbit import OrbitError, parse_utc

_INFO = "imageAnnotation/imageInformation/"
_RECORDS = "coordinateConversion/coordinateConversionList/coordinateConversion"


@dataclass(frozen=True)
class RadarGrid:
    """A GRD image's lines and columns as functions of azimuth time and slant range."""

    first_line_s: float  # time of line 0, seconds from the orbit's epoch
    line_interval_s: float
    range_spacing_m: float  # rangePixelSpacing (ground range)
    azimuth_spacing_m: float  # azimuthPixelSpacing
    record_times_s: np.ndarray  # (k,) azimuth times of the srgr records, increasing
    slant_origins_m: np.ndarray  # (k,) sr0
    srgr: np.ndarray  # (k, degree + 1) slant range - sr0 -> ground range

    @property
    def pixel_area_m2(self) -> float:
        """The nominal ground area of a pixel (what sigma0 is normalised to)."""
        return self.range_spacing_m * self.azimuth_spacing_m

    def lines(self, t: np.ndarray) -> np.ndarray:
        return (t - self.first_line_s) / self.line_interval_s

    def columns(self, t: np.ndarray, slant_m: np.ndarray) -> np.ndarray:
        """Columns (fractional) of slant ranges ``slant_m`` seen at times ``t``."""
        return self.ground_range(t, slant_m) / self.range_spacing_m

    def ground_range(self, t: np.ndarray, slant_m: np.ndarray) -> np.ndarray:
        """Ground ranges, each record's polynomial blended linearly with the next one's in
        time, as OTB's sensor model does (the image's pixels are orthorectified by OTB)."""
        times = self.record_times_s
        if len(times) == 1:
            only = np.zeros(np.shape(t), dtype=int)
            return _rows_polynomial(self.srgr[only], slant_m - self.slant_origins_m[only])
        k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
        mu = np.clip((t - times[k]) / (times[k + 1] - times[k]), 0.0, 1.0)
        before = _rows_polynomial(self.srgr[k], slant_m - self.slant_origins_m[k])
        after = _rows_polynomial(self.srgr[k + 1], slant_m - self.slant_origins_m[k + 1])
        return before * (1 - mu) + after * mu


def _rows_polynomial(coefs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Polynomial ``coefs[i]`` at ``x[i]`` for every i."""
    out = np.array(coefs[..., -1], dtype=float)
    for k in range(coefs.shape[-1] - 2, -1, -1):
        out *= x
        out += coefs[..., k]
    return out


def radar_grid_from_annotation(xml: bytes, epoch: datetime, where: str = "annotation") -> RadarGrid:
    """The image grid of an annotation XML, times in seconds from ``epoch``."""

    def number(node: ET.Element, path: str) -> float:
        text = node.findtext(path)
        if text is None:
            raise OrbitError(f"{where}: no {path}")
        return float(text)

    try:
        root = ET.fromstring(xml)
        first = parse_utc(root.findtext(_INFO + "productFirstLineUtcTime"))
        records = root.findall(_RECORDS)
        times = [(parse_utc(r.findtext("azimuthTime")) - epoch).total_seconds() for r in records]
        origins = [number(r, "sr0") for r in records]
        coefs = [
            [float(c) for c in (r.findtext("srgrCoefficients") or "").split()] for r in records
        ]
        grid = RadarGrid(
            first_line_s=(first - epoch).total_seconds(),
            line_interval_s=number(root, _INFO + "azimuthTimeInterval"),
            range_spacing_m=number(root, _INFO + "rangePixelSpacing"),
            azimuth_spacing_m=number(root, _INFO + "azimuthPixelSpacing"),
            record_times_s=np.array(times),
            slant_origins_m=np.array(origins),
            srgr=np.array(coefs, dtype=float),
        )
    except (ET.ParseError, ValueError) as exc:
        raise OrbitError(f"{where}: the image grid cannot be read ({exc})") from exc
    if not records or grid.srgr.ndim != 2 or grid.srgr.shape[1] == 0:
        raise OrbitError(f"{where}: no slant-to-ground-range polynomial (srgrCoefficients)")
    if len(times) > 1 and np.any(np.diff(grid.record_times_s) <= 0):
        raise OrbitError(f"{where}: slant-to-ground-range records are not in time order")
    return grid
