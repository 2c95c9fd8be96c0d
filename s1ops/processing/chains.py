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


@dataclass(frozen=True)
class ProductInput:
    """One product's measurement image for the polarisation being processed."""

    product_id: ProductId
    measurement: str
    thresholds: MarginThresholds
    orthoready: str | None = None  # the cached calibrated + cut image, when asked for


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
    sin_lia: str | None = None,
) -> Chain:
    """The in-memory chain producing one output from 1 or 2 products (pure).

    Two products are orthorectified and merged by Synthetize in the same
    pipeline: nothing is written between the steps. With ``sin_lia`` (the
    tile's sin(LIA) map, calibration normlim) the beta0 image is multiplied by
    it, still in memory.
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
    if sin_lia is not None:
        last = len(chain_steps) - 1
        lower = settings.lower_signal_value
        chain_steps.append(steps.apply_sin_lia(last, sin_lia, lower_signal_value=lower))
    written = settings.output_format.image
    return Chain(
        tuple(chain_steps),
        (Output(len(chain_steps) - 1, output_path, written.pixel_type, written.options),),
        ram_mb=settings.ram_mb,
        threads=settings.threads,
    )


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
