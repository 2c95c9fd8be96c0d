"""The in-memory OTB chain of one tile job, built from plain values (pure).

The products' measurement images and border thresholds, the tile and the
settings in, one :class:`~s1ops.processing.otb.chain.Chain` out: calibrate ->
(low-signal fix) -> cut margins -> orthorectify (-> merge) (-> despeckle).
Nothing is read or written here; ``s1ops.processing.job`` does the I/O around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from s1ops.config.filtering import FilteringConfig
from s1ops.grid import S2Tile
from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import Chain, Output, Step
from s1ops.processing.otb.steps import MarginThresholds, OrthoGrid
from s1ops.processing.settings import ProcessSettings
from s1ops.sentinel1.ids import ProductId
from s1ops.vocabulary import GAMMA_AREA


@dataclass(frozen=True)
class ProductInput:
    """One product's measurement image for the polarisation being processed."""

    product_id: ProductId
    measurement: str
    thresholds: MarginThresholds
    orthoready: str | None = None  # the cached calibrated + cut image, when asked for


@dataclass(frozen=True)
class AppliedMap:
    """A terrain map and how the chain applies it to the calibrated image."""

    kind: str  # 'sin_LIA' (multiplied) or GAMMA_AREA (divided into sigma0 x pixel area)
    path: str
    scale: float = 1.0  # GAMMA_AREA: calibration_factor x the radar pixel's nominal area
    min_area: float = 0.0  # GAMMA_AREA: a smaller area is shadow (no data)


def ortho_grid(tile: S2Tile, resolution_m: float) -> OrthoGrid:
    return OrthoGrid(
        utm_zone=tile.zone,
        north=tile.north,
        ulx=tile.ulx,
        uly=tile.uly,
        size_px=round(tile.size_m / resolution_m),
        resolution_m=resolution_m,
    )


def orthoready_steps(product: ProductInput, first_index: int, s: ProcessSettings) -> list[Step]:
    """Calibration, low-signal fix and margin reset: the image before orthorectification."""
    chain = [
        steps.calibration(product.measurement, lut=s.otb_calibration, remove_noise=s.remove_noise)
    ]
    if s.remove_noise:
        chain.append(
            steps.low_signal_fix(
                product.measurement, first_index, lower_signal_value=s.lower_signal_value
            )
        )
    if not product.thresholds.is_noop:
        chain.append(steps.reset_margin(first_index + len(chain) - 1, product.thresholds))
    return chain


def orthorectify(source: int | str, grid: OrthoGrid, s: ProcessSettings, dem_dir: str) -> Step:
    """OTB's orthorectification of ``source`` onto ``grid`` as the request asks for it."""
    return steps.orthorectification(
        source,
        grid,
        gridspacing_m=s.gridspacing_m,
        interpolator=s.interpolator,
        dem_dir=dem_dir,
        geoid=s.geoid,
    )


def _product_steps(
    product: ProductInput, first_index: int, grid: OrthoGrid, s: ProcessSettings, dem_dir: str
) -> list[Step]:
    chain: list[Step] = []
    if product.orthoready is None:
        chain = orthoready_steps(product, first_index, s)
    source = product.orthoready if product.orthoready else first_index + len(chain) - 1
    chain.append(orthorectify(source, grid, s, dem_dir))
    return chain


def group_chain(
    products: Sequence[ProductInput],
    tile: S2Tile,
    settings: ProcessSettings,
    *,
    output_path: str,
    dem_dir: str,
    terrain: AppliedMap | None = None,
) -> Chain:
    """The in-memory chain producing one output from 1 or 2 products (pure).

    Two products are orthorectified and merged by Synthetize in the same
    pipeline: nothing is written between the steps. With ``terrain`` (the
    tile's sin(LIA) map for normlim, its gamma-area map for gamma_naught_rtc)
    the calibrated image is corrected by it, still in memory.
    """
    if not products:
        raise ValueError("a tile job needs at least one product")
    grid = ortho_grid(tile, settings.resolution_m)
    chain_steps: list[Step] = []
    ortho_indices: list[int] = []
    for product in products:
        chain_steps += _product_steps(product, len(chain_steps), grid, settings, dem_dir)
        ortho_indices.append(len(chain_steps) - 1)
    if len(ortho_indices) > 1:
        chain_steps.append(steps.first_nonzero(tuple(ortho_indices)))
    if terrain is not None:
        chain_steps.append(_terrain_step(len(chain_steps) - 1, terrain, settings))
    written = settings.output_format.image
    return Chain(
        tuple(chain_steps),
        (Output(len(chain_steps) - 1, output_path, written.pixel_type, written.options),),
        ram_mb=settings.ram_mb,
        threads=settings.threads,
    )


def _terrain_step(source: int, terrain: AppliedMap, settings: ProcessSettings) -> Step:
    lower = settings.lower_signal_value
    if terrain.kind == GAMMA_AREA:
        return steps.apply_gamma_area(
            source,
            terrain.path,
            scale=terrain.scale,
            min_area=terrain.min_area,
            lower_signal_value=lower,
        )
    return steps.apply_sin_lia(source, terrain.path, lower_signal_value=lower)


def with_despeckle(
    chain: Chain, filtering: FilteringConfig, settings: ProcessSettings, output_path: str
) -> Chain:
    """``chain`` with its image despeckled in memory and written as ``output_path`` only
    (the unfiltered image is not kept)."""
    (image,) = chain.outputs
    step = steps.despeckle(image.step, filtering.otb_params)
    written = settings.output_format.filtered
    output = Output(len(chain.steps), output_path, written.pixel_type, written.options)
    return replace(chain, steps=(*chain.steps, step), outputs=(output,))


def despeckle_chain(
    image_path: str, filtering: FilteringConfig, settings: ProcessSettings, *, output_path: str
) -> Chain:
    """Despeckle a published image into ``output_path``: S1Tiling's separate pass, which
    reads the final product from disk."""
    written = settings.output_format.filtered
    return Chain(
        (steps.despeckle(image_path, filtering.otb_params),),
        (Output(0, output_path, written.pixel_type, written.options),),
        ram_mb=settings.ram_mb,
        threads=settings.threads,
    )
