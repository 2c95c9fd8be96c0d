"""The range of every numeric key of a request file, in one table.

A value outside its range is refused when the file is read (``ConfigError``
naming the section, the key, the value and the range), so nonsense never
reaches planning, Airflow or the OTB child: a 1e300 m pixel, 4e9 threads, a
RAM budget of 20 digits. The ranges are wide: they refuse what cannot be
meant, not unusual choices. ``config/S1Processor.example.cfg`` states each one.
The CLI's numeric flags reuse them (``s1ops.cli.argtypes``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# One Sentinel-2 tile is 109 800 m wide (ESA's grid).
_TILE_WIDTH_M = 109_800.0
# OTB's RAM budget is a C int of MB; 1 TiB is more than any worker has.
_MAX_RAM_MB = 1024 * 1024
# ITK runs at most 128 threads per filter (ITK_MAX_THREADS in ITK 4.13, OTB 8.1's ITK).
_MAX_THREADS = 128
_DAY_S = 86_400


@dataclass(frozen=True)
class Range:
    """The values a numeric key accepts: ``low``..``high``, both included unless ``low_open``."""

    low: float
    high: float
    integer: bool = False
    low_open: bool = False  # ``low`` itself refused (a value must be above it)
    unit: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` is in the range (never NaN nor an infinity)."""
        # An int is compared exactly: a 401-digit one does not fit a float.
        if isinstance(value, float) and not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        """What the range allows, as an error message says it: ``an integer from 1 to 128``."""
        unit = f" {self.unit}" if self.unit else ""
        low, high = written(self.low), written(self.high)
        if self.integer:
            return f"an integer from {low} to {high}{unit}"
        low = f"above {low}" if self.low_open else f"from {low}"
        return f"a number {low} to {high}{unit}"


def written(number: float) -> str:
    """``1048576`` and ``0.5`` as such (not ``1.04858e+06``), ``1.2e-38`` as such."""
    if float(number).is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:g}"


RANGES: dict[tuple[str, str], Range] = {
    # Percent of the tile.
    ("DataSource", "tile_to_product_overlap_ratio"): Range(0, 100, integer=True, unit="%"),
    # At least 10 pixels across a tile; below 1 m a tile would be 1.2e10 pixels.
    ("Processing", "output_spatial_resolution"): Range(1, _TILE_WIDTH_M / 10, unit="m"),
    # At most one grid cell per tile.
    ("Processing", "orthorectification_gridspacing"): Range(1, _TILE_WIDTH_M, unit="m"),
    # Replaces the 0 of noise removal: a positive float32 (below its smallest normal
    # value it would round towards 0, no data), at most 1 (0 dB).
    ("Processing", "lower_signal_value"): Range(1.2e-38, 1.0),
    ("Processing", "nb_parallel_processes"): Range(1, 1024, integer=True),
    # gamma_naught_rtc: a radar pixel's gamma area (a 10 m GRD pixel's is about 80 m2 on
    # flat ground), and a scale factor on gamma0.
    ("Processing", "min_gamma_area"): Range(0, 1e6, unit="m2"),
    ("Processing", "calibration_factor"): Range(0, 1e6, low_open=True),
    # Below 64 MB OTB streams in slivers; above 1 TiB no machine has it.
    ("Processing", "ram_per_process"): Range(64, _MAX_RAM_MB, integer=True, unit="MB"),
    ("Processing", "nb_otb_threads"): Range(1, _MAX_THREADS, integer=True),
    # At most the width of a 10 m tile: a quicklook, not a second product.
    ("Quicklook", "width_px"): Range(16, 10_980, integer=True, unit="px"),
    # Backscatter in dB: -100 dB is far below any sensor's noise floor.
    ("Quicklook", "db_min"): Range(-100, 100, unit="dB"),
    ("Quicklook", "db_max"): Range(-100, 100, unit="dB"),
    # Despeckle's window: radius 1 is 3 x 3; 100 (201 x 201) is past any speckle filter.
    ("Filtering", "window_radius"): Range(1, 100, integer=True, unit="px"),
    # Equivalent number of looks (Lee, GammaMAP, Kuan) and Frost's damping factor.
    ("Filtering", "nblooks"): Range(0, 1000, low_open=True),
    ("Filtering", "deramp"): Range(0, 1000, low_open=True),
    ("Airflow", "otb_pool_slots"): Range(1, 100_000, integer=True),
    ("Airflow", "download_pool_slots"): Range(1, 100_000, integer=True),
    ("Airflow", "lookback_days"): Range(0, 366, integer=True, unit="days"),
    # An archive retrieval takes hours to a few days; 30 days is past waiting.
    ("Airflow", "download_timeout_hours"): Range(0, 720, low_open=True, unit="hours"),
    ("Airflow", "poke_interval_s"): Range(1, _DAY_S, integer=True, unit="s"),
    ("Airflow", "retries"): Range(0, 100, integer=True),
    ("Airflow", "retry_delay_s"): Range(0, _DAY_S, integer=True, unit="s"),
    ("Airflow", "execution_timeout_min"): Range(1, 7 * 24 * 60, integer=True, unit="min"),
    ("Airflow", "s1_cache_max_products"): Range(1, 10_000_000, integer=True),
    # A fraction of the tile's pixels; at 1 nothing could ever be published.
    ("Airflow", "min_valid_fraction"): Range(0, 0.99),
    ("Airflow", "celery_concurrency"): Range(1, 1024, integer=True),
}


def range_of(section: str, key: str) -> Range:
    """The range of a numeric key; a key missing from the table is a bug (KeyError)."""
    return RANGES[(section, key)]
