"""Pure builders of the OTB steps of S1Tiling's processing chain.

Each function returns a :class:`~s1ops.processing.otb.chain.Step` from plain values;
nothing here touches OTB, so every parameter choice is unit-testable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from s1ops.processing.otb.chain import ParamValue, Source, Step
from s1ops.vocabulary import CALIBRATIONS, MASK_RADIUS_PX

INTERPOLATORS = ("nn", "linear", "bco")
# S1Tiling's border-mask smoothing: opening by a ball of radius 5.


@dataclass(frozen=True)
class MarginThresholds:
    """ResetMargin's threshold mode: columns each side, lines cut at top and bottom."""

    x: int = 0
    y_start: int = 0
    y_end: int = 0

    @property
    def is_noop(self) -> bool:
        return self.x == 0 and self.y_start == 0 and self.y_end == 0


@dataclass(frozen=True)
class OrthoGrid:
    """The exact output grid of an S2 tile in its UTM zone."""

    utm_zone: int
    north: bool
    ulx: float
    uly: float
    size_px: int
    resolution_m: float


def calibration(source: Source, *, lut: str, remove_noise: bool) -> Step:
    if lut not in CALIBRATIONS:
        raise ValueError(f"calibration {lut!r}: must be one of {', '.join(CALIBRATIONS)}")
    return Step(
        "SARCalibration",
        params={"lut": lut, "removenoise": remove_noise},
        inputs={"in": (source,)},
        label="calibration",
    )


def low_signal_fix(raw: Source, calibrated: int, *, lower_signal_value: float) -> Step:
    """Keep 0 meaning no data after thermal-noise removal.

    Denoising can bring valid pixels to 0: they get ``lower_signal_value``
    instead, while pixels that were 0 in the raw image stay 0.
    """
    expression = f"im1b1==0 ? 0 : (im2b1==0 ? {lower_signal_value!r} : im2b1)"
    return Step(
        "BandMath",
        params={"exp": expression},
        inputs={"il": (raw, calibrated)},
        label="low-signal fix",
    )


def apply_sin_lia(source: Source, sin_lia: str | Path, *, lower_signal_value: float) -> Step:
    """S1Tiling's normlim: a beta0 image times the tile's sin(LIA) map, floored at
    ``lower_signal_value``; no data (0) where either has none (0 in beta0, NaN in sin(LIA))."""
    expression = f"(im2b1 != im2b1 || im1b1 == 0) ? 0 : max({lower_signal_value!r}, im1b1*im2b1)"
    return Step(
        "BandMath",
        params={"exp": expression},
        inputs={"il": (source, str(sin_lia))},
        label="normlim",
    )


def apply_gamma_area(
    source: Source,
    gamma_area: str | Path,
    *,
    scale: float,
    min_area: float,
    lower_signal_value: float,
) -> Step:
    """gamma_naught_rtc: a sigma0 image times ``scale`` (the calibration factor times the
    radar pixel's nominal area) over the tile's gamma-area map, floored at
    ``lower_signal_value``; no data (0) where sigma0 has none or the area is unknown (NaN),
    0 or below ``min_area`` (shadow)."""
    expression = (
        f"(im1b1 != 0 && im2b1 > 0 && im2b1 >= {min_area!r}) ? "
        f"max({lower_signal_value!r}, im1b1*{scale!r}/im2b1) : 0"
    )
    return Step(
        "BandMath",
        params={"exp": expression},
        inputs={"il": (source, str(gamma_area))},
        label="gamma0 RTC",
    )


def reset_margin(source: Source, thresholds: MarginThresholds) -> Step:
    return Step(
        "ResetMargin",
        params={
            "mode": "threshold",
            "threshold.x": thresholds.x,
            "threshold.y.start": thresholds.y_start,
            "threshold.y.end": thresholds.y_end,
        },
        inputs={"in": (source,)},
        label="margin reset",
    )


def orthorectification(
    source: Source,
    grid: OrthoGrid,
    *,
    gridspacing_m: float,
    interpolator: str,
    dem_dir: str | Path | None,
    geoid: str | Path | None,
) -> Step:
    if interpolator not in INTERPOLATORS:
        raise ValueError(f"interpolator {interpolator!r}: must be one of {INTERPOLATORS}")
    params: dict[str, str | int | float | bool] = {
        "map": "utm",
        "map.utm.zone": grid.utm_zone,
        "map.utm.northhem": grid.north,
        "outputs.mode": "auto",
        # OTB 8 takes the upper-left pixel's outer corner here, as the S2 grid gives it.
        "outputs.ulx": grid.ulx,
        "outputs.uly": grid.uly,
        "outputs.sizex": grid.size_px,
        "outputs.sizey": grid.size_px,
        "outputs.spacingx": grid.resolution_m,
        "outputs.spacingy": -grid.resolution_m,
        "opt.gridspacing": gridspacing_m,
        "interpolator": interpolator,
    }
    if dem_dir is not None:
        params["elev.dem"] = str(dem_dir)
    if geoid is not None:
        params["elev.geoid"] = str(geoid)
    return Step(
        "OrthoRectification", params=params, inputs={"io.in": (source,)}, label="orthorectification"
    )


def first_nonzero(sources: tuple[Source, ...]) -> Step:
    """Merge images of one S2 grid: the first non-zero pixel wins (Synthetize's rule).

    OTB 8.1's Synthetize only takes file names, which would force every
    orthorectified product onto disk before the merge; BandMath applies the
    same rule to images connected in memory. Values pass through unchanged.
    """
    if not sources:
        raise ValueError("first_nonzero needs at least one image")
    expression = f"im{len(sources)}b1"
    for n in range(len(sources) - 1, 0, -1):
        expression = f"(im{n}b1!=0 ? im{n}b1 : {expression})"
    return Step("BandMath", params={"exp": expression}, inputs={"il": sources}, label="merge")


def binary_opening(
    source: Source, radius_px: int = MASK_RADIUS_PX, y_radius_px: int | None = None
) -> Step:
    """Morphological opening of a 0/1 image by a ball (an ellipse if the radii differ)."""
    return Step(
        "BinaryMorphologicalOperation",
        params={
            "structype": "ball",
            "xradius": radius_px,
            "yradius": radius_px if y_radius_px is None else y_radius_px,
            "filter": "opening",
            "foreval": 1.0,
            "backval": 0.0,
        },
        inputs={"in": (source,)},
        label="mask smoothing",
    )


def border_mask(source: Source, first_index: int) -> tuple[Step, Step]:
    """S1Tiling's border mask: valid data as 1, smoothed by an opening.

    ``first_index`` is the index the first returned step will have in the chain.
    """
    binarize = Step(
        "BandMath", params={"exp": "im1b1==0?0:1"}, inputs={"il": (source,)}, label="mask"
    )
    return binarize, binary_opening(first_index)


def despeckle(source: Source, params: Mapping[str, ParamValue]) -> Step:
    """OTB's Despeckle with a method's parameters (``FilteringConfig.otb_params``).

    Nothing is said about no data, as in S1Tiling: the 0 pixels outside the
    swath take part in the windows of their neighbours.
    """
    return Step("Despeckle", params=dict(params), inputs={"in": (source,)}, label="despeckle")
