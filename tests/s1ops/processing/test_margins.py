"""S1Tiling's margin heuristic on what the probe read (pure: no image opened).

DESIGN.md: below IPF 2.90, threshold.x = 1000 columns each side, else 0;
more than 2000 zero pixels on line 100 (line height-100) cut 1600 lines at the
top (bottom); ``override_azimuth_cut_threshold_to`` True/False forces both ends
on/off; all thresholds 0 skip ResetMargin.
"""

from __future__ import annotations

import pytest

from s1ops.processing.margins import BorderProbe, margin_thresholds
from s1ops.processing.otb.steps import MarginThresholds

HEIGHT = 16_000


def probe(ipf: tuple[int, int] = (3, 10), top: int = 0, bottom: int = 0) -> BorderProbe:
    return BorderProbe(ipf_version=ipf, height=HEIGHT, zeros_top=top, zeros_bottom=bottom)


@pytest.mark.parametrize(
    ("ipf", "columns"),
    [((2, 72), 1000), ((2, 89), 1000), ((2, 90), 0), ((2, 91), 0), ((3, 10), 0), ((1, 99), 1000)],
)
def test_range_borders_cut_below_ipf_2_90(ipf: tuple[int, int], columns: int) -> None:
    assert margin_thresholds(probe(ipf), None) == MarginThresholds(x=columns)


@pytest.mark.parametrize(
    ("top", "bottom", "cut"),
    [
        (2000, 0, (0, 0)),  # "more than 2000": 2000 is not enough
        (2001, 0, (1600, 0)),
        (0, 2001, (0, 1600)),
        (25_000, 2001, (1600, 1600)),
    ],
)
def test_azimuth_ends_cut_when_the_probe_line_is_mostly_blank(
    top: int, bottom: int, cut: tuple[int, int]
) -> None:
    thresholds = margin_thresholds(probe(top=top, bottom=bottom), None)
    assert (thresholds.y_start, thresholds.y_end) == cut


@pytest.mark.parametrize("override", [True, False])
def test_the_override_forces_both_ends_and_leaves_the_columns(override: bool) -> None:
    lines = 1600 if override else 0
    for read in (probe((2, 72), top=0, bottom=0), probe((2, 72), top=9000, bottom=9000)):
        assert margin_thresholds(read, override) == MarginThresholds(1000, lines, lines)


def test_a_recent_clean_product_needs_no_reset_margin() -> None:
    assert margin_thresholds(probe((3, 10), top=12, bottom=2000), None).is_noop
    assert not margin_thresholds(probe((3, 10)), True).is_noop
