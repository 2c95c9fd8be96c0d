"""S1Tiling's heuristic choosing how much of a GRD's borders ResetMargin blanks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from s1ops.errors import SafeError
from s1ops.processing.otb.steps import MarginThresholds
from s1ops.sentinel1.safe import parse_ipf_version

# Products from IPF versions before 2.90 have noisy range borders: S1Tiling
# blanks 1000 columns on each side of them.
IPF_RANGE_CUT_BELOW = (2, 90)
RANGE_CUT_COLUMNS = 1000
# Azimuth borders: lines `PROBE_OFFSET` from each end are probed; more than
# ZERO_PIXELS_LIMIT no-data pixels there means the end is ragged, and
# AZIMUTH_CUT_LINES lines are blanked at that end.
PROBE_OFFSET = 100
ZERO_PIXELS_LIMIT = 2000
AZIMUTH_CUT_LINES = 1600


@dataclass(frozen=True)
class BorderProbe:
    """What the heuristic reads from a measurement image."""

    ipf_version: tuple[int, int]
    height: int
    zeros_top: int  # no-data pixels on line PROBE_OFFSET
    zeros_bottom: int  # no-data pixels on line height - PROBE_OFFSET


def margin_thresholds(probe: BorderProbe, override_azimuth_cut: bool | None) -> MarginThresholds:
    """ResetMargin thresholds for one measurement image (pure)."""
    x = RANGE_CUT_COLUMNS if probe.ipf_version < IPF_RANGE_CUT_BELOW else 0
    if override_azimuth_cut is None:
        y_start = AZIMUTH_CUT_LINES if probe.zeros_top > ZERO_PIXELS_LIMIT else 0
        y_end = AZIMUTH_CUT_LINES if probe.zeros_bottom > ZERO_PIXELS_LIMIT else 0
    else:
        y_start = y_end = AZIMUTH_CUT_LINES if override_azimuth_cut else 0
    return MarginThresholds(x=x, y_start=y_start, y_end=y_end)


def probe_borders(measurement: str | os.PathLike[str]) -> BorderProbe:
    """Read the IPF version and the two probe lines of a measurement TIFF."""
    import numpy as np
    from osgeo import gdal

    gdal.UseExceptions()
    try:
        ds = gdal.Open(str(measurement))
    except RuntimeError as exc:
        raise SafeError(str(measurement), f"cannot open measurement image: {exc}") from exc
    software = ds.GetMetadataItem("TIFFTAG_SOFTWARE") or ""
    ipf = parse_ipf_version(software)
    if ipf is None:
        raise SafeError(
            str(measurement), f"TIFFTAG_SOFTWARE={software!r}: expected 'Sentinel-1 IPF NNN.NN'"
        )
    band = ds.GetRasterBand(1)
    height, width = ds.RasterYSize, ds.RasterXSize
    top = min(PROBE_OFFSET, height - 1)
    bottom = max(height - PROBE_OFFSET, 0)
    zeros_top = int(np.count_nonzero(_read_line(band, measurement, top, width) == 0))
    zeros_bottom = int(np.count_nonzero(_read_line(band, measurement, bottom, width) == 0))
    return BorderProbe(ipf, height, zeros_top, zeros_bottom)


def _read_line(band: Any, measurement: str | os.PathLike[str], line: int, width: int) -> Any:
    """One line of the measurement; a truncated or corrupt image is a ``SafeError``."""
    try:
        return band.ReadAsArray(0, line, width, 1)
    except RuntimeError as exc:  # GDAL's read error (exceptions on)
        raise SafeError(
            str(measurement),
            f"line {line} of the measurement image cannot be read ({exc}); expected a "
            "complete image: the product looks truncated, delete it from [Paths] s1_images "
            "and download it again",
        ) from exc
