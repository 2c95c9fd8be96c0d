"""Calibration and noise annotation (``annotation/calibration/*.xml``) for synthetic products.

OTB indexes these tables without bounds checks, so the layout rules are
strict: every vector has the same integer pixel list ending on the last
column; the last calibration vector lies beyond the last line (OTB looks for
the first vector with ``line > y``); azimuth noise blocks cover every pixel.
"""

from __future__ import annotations

import copy
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from s1ops.testing.annotation import Geometry, format_time

# IPF 2.x GRD products carry betaNought = 237 everywhere (ESA's S-1 calibration
# notes); sigma0 = beta0 sin(theta) and gamma0 = beta0 tan(theta) give the others.
BETA_NOUGHT = 237.0
# Full-size products give a calibration vector about every second of azimuth
# time and a node every 40 columns.
VECTOR_INTERVAL_S = 1.0
PIXEL_STEP = 40
# Noise-equivalent sigma0 of IW (around -24 dB, a few dB of scalloping per sub-swath).
NESZ_DB = -24.0
NESZ_RIPPLE_DB = 2.0
SUBSWATHS = ("IW1", "IW2", "IW3")
# IPF 2.90 split noise into range and azimuth vectors.
NOISE_SPLIT_IPF = (2, 90)


@dataclass(frozen=True)
class LutLayout:
    """Lines and pixels of the calibration and noise vectors."""

    lines: np.ndarray
    pixels: np.ndarray

    @classmethod
    def for_geometry(cls, geo: Geometry) -> LutLayout:
        """One vector per second of azimuth time, the last one beyond the last line."""
        step = max(2, round(VECTOR_INTERVAL_S / geo.line_interval_s))
        count = math.ceil(geo.height / step) + 1
        pixels = np.array([*range(0, geo.width - 1, PIXEL_STEP), geo.width - 1])
        return cls(np.arange(count) * step, pixels)


def interpolate_grid(
    geo: Geometry, field: np.ndarray, lines: np.ndarray, pixels: np.ndarray
) -> np.ndarray:
    """Bilinear value of a geolocation-grid field at lines x pixels (edge values beyond)."""
    along = np.array([np.interp(pixels, geo.grid_pixels, row) for row in field])
    return np.array([np.interp(lines, geo.grid_lines, col) for col in along.T]).T


def sigma_lut(geo: Geometry, lines: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Sigma0 calibration values A (sigma0 = DN^2 / A^2) at lines x pixels."""
    theta = np.radians(interpolate_grid(geo, geo.incidence_deg, lines, pixels))
    return BETA_NOUGHT / np.sqrt(np.sin(theta))


def nesz(geo: Geometry, lines: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Noise-equivalent sigma0 (linear) at lines x pixels: lowest mid sub-swath."""
    phase = (pixels / geo.width * len(SUBSWATHS)) % 1.0
    ripple = NESZ_RIPPLE_DB * np.cos(2 * np.pi * phase)
    return np.broadcast_to(10 ** ((NESZ_DB + ripple) / 10), (len(lines), len(pixels)))


def _numbers(values: Sequence[float] | np.ndarray, fmt: Callable[[float], str]) -> str:
    return " ".join(fmt(v) for v in values)


def _sci6(value: float) -> str:
    return f"{value:.6e}"


def _vector_list(parent: ET.Element, tag: str, count: int) -> ET.Element:
    return ET.SubElement(parent, tag, count=str(count))


def _array(parent: ET.Element, tag: str, text: str, count: int) -> None:
    ET.SubElement(parent, tag, count=str(count)).text = text


def calibration_xml(ads_header: ET.Element, geo: Geometry, layout: LutLayout) -> ET.Element:
    """The ``calibration`` document for one polarisation."""
    root = ET.Element("calibration")
    root.append(copy.deepcopy(ads_header))
    info = ET.SubElement(root, "calibrationInformation")
    ET.SubElement(info, "absoluteCalibrationConstant").text = _sci6(1.0)
    sigma = sigma_lut(geo, layout.lines, layout.pixels)
    theta = np.radians(interpolate_grid(geo, geo.incidence_deg, layout.lines, layout.pixels))
    gamma = BETA_NOUGHT / np.sqrt(np.tan(theta))
    vectors = _vector_list(root, "calibrationVectorList", len(layout.lines))
    n = len(layout.pixels)
    pixel_text = _numbers(layout.pixels, lambda v: str(int(v)))
    for i, line in enumerate(layout.lines):
        vector = ET.SubElement(vectors, "calibrationVector")
        ET.SubElement(vector, "azimuthTime").text = format_time(geo.line_time(int(line)))
        ET.SubElement(vector, "line").text = str(int(line))
        _array(vector, "pixel", pixel_text, n)
        _array(vector, "sigmaNought", _numbers(sigma[i], _sci6), n)
        _array(vector, "betaNought", _numbers(np.full(n, BETA_NOUGHT), _sci6), n)
        _array(vector, "gamma", _numbers(gamma[i], _sci6), n)
        _array(vector, "dn", _numbers(np.full(n, BETA_NOUGHT), _sci6), n)
    ET.indent(root, space="  ")
    return root


def noise_xml(
    ads_header: ET.Element, geo: Geometry, layout: LutLayout, ipf: tuple[int, int]
) -> ET.Element:
    """The ``noise`` document: one range list before IPF 2.90, range and azimuth lists after."""
    root = ET.Element("noise")
    root.append(copy.deepcopy(ads_header))
    power = (
        nesz(geo, layout.lines, layout.pixels) * sigma_lut(geo, layout.lines, layout.pixels) ** 2
    )
    split = ipf >= NOISE_SPLIT_IPF
    list_tag, vec_tag, lut_tag = (
        ("noiseRangeVectorList", "noiseRangeVector", "noiseRangeLut")
        if split
        else ("noiseVectorList", "noiseVector", "noiseLut")
    )
    vectors = _vector_list(root, list_tag, len(layout.lines))
    n = len(layout.pixels)
    pixel_text = _numbers(layout.pixels, lambda v: str(int(v)))
    for i, line in enumerate(layout.lines):
        vector = ET.SubElement(vectors, vec_tag)
        ET.SubElement(vector, "azimuthTime").text = format_time(geo.line_time(int(line)))
        ET.SubElement(vector, "line").text = str(int(line))
        _array(vector, "pixel", pixel_text, n)
        _array(vector, lut_tag, _numbers(power[i], _sci6), n)
    if split:
        _azimuth_noise(root, geo)
    ET.indent(root, space="  ")
    return root


def _azimuth_noise(root: ET.Element, geo: Geometry) -> None:
    # One block per sub-swath, side by side over the full height, so that
    # every pixel falls in exactly one block.
    edges = np.linspace(0, geo.width, len(SUBSWATHS) + 1).round().astype(int)
    blocks = _vector_list(root, "noiseAzimuthVectorList", len(SUBSWATHS))
    lines = np.unique(np.linspace(0, geo.height - 1, 8).round().astype(int))
    for k, swath in enumerate(SUBSWATHS):
        block = ET.SubElement(blocks, "noiseAzimuthVector")
        ET.SubElement(block, "swath").text = swath
        ET.SubElement(block, "firstAzimuthLine").text = "0"
        ET.SubElement(block, "firstRangeSample").text = str(edges[k])
        ET.SubElement(block, "lastAzimuthLine").text = str(geo.height - 1)
        ET.SubElement(block, "lastRangeSample").text = str(edges[k + 1] - 1)
        _array(block, "line", _numbers(lines, lambda v: str(int(v))), len(lines))
        lut = 1.0 + 0.05 * np.sin(np.linspace(0, np.pi, len(lines)) + k)
        _array(block, "noiseAzimuthLut", _numbers(lut, _sci6), len(lines))
