"""Cloud-optimised GeoTIFF products: ``[Processing] output_format = COG``.

OTB (and the mask writer) write a plain tiled GeoTIFF under the product's
partial name; :func:`rewrite_as_cog` then rewrites that partial file with
GDAL's COG driver (internal tiles, overviews, the tags and no-data carried
over) before it is proven complete and renamed: the final name only ever
holds a finished COG, as it only ever holds a finished GeoTIFF.

A request's ``creation_options.*`` are GTiff options (S1Tiling's): with COG
they are translated (:func:`cog_options`): ``TILED`` goes (a COG is always
tiled), ``BLOCKXSIZE``/``BLOCKYSIZE`` become ``BLOCKSIZE``, a numeric
``PREDICTOR`` its COG name, ``ZLEVEL`` ``LEVEL``; an option the COG driver
does not know is refused when the file is read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from s1ops.scratch import PARTIAL_MARK, new_token

DRIVERS = ("GTiff", "COG")
# The options of GDAL 3.6's COG driver (its DMD_CREATIONOPTIONLIST) that keep the
# pixels on the S2 tile's grid.
COG_OPTION_NAMES = frozenset(
    {
        "COMPRESS",
        "OVERVIEW_COMPRESS",
        "LEVEL",
        "PREDICTOR",
        "OVERVIEW_PREDICTOR",
        "QUALITY",
        "OVERVIEW_QUALITY",
        "MAX_Z_ERROR",
        "NUM_THREADS",
        "BLOCKSIZE",
        "BIGTIFF",
        "RESAMPLING",
        "OVERVIEW_RESAMPLING",
        "OVERVIEWS",
        "OVERVIEW_COUNT",
        "GEOTIFF_VERSION",
        "SPARSE_OK",
        "STATISTICS",
    }
)
# Its options that would warp the image onto another grid (or add a band): a product
# stays on its tile's grid, as planning, masks and S1Tiling's users expect.
REGRIDDING_OPTIONS = frozenset(
    {
        "TILING_SCHEME",
        "ZOOM_LEVEL",
        "ZOOM_LEVEL_STRATEGY",
        "TARGET_SRS",
        "RES",
        "EXTENT",
        "ALIGNED_LEVELS",
        "ADD_ALPHA",
        "WARP_RESAMPLING",
    }
)
_PREDICTORS = {"1": "NO", "2": "STANDARD", "3": "FLOATING_POINT"}
# GTiff options with no meaning for a COG, which is always tiled.
_IMPLIED = frozenset({"TILED", "BLOCKYSIZE"})
# What OTB and the mask writer use for the file rewritten as a COG: tiled, not
# compressed (it is compressed once, by the COG driver).
FIRST_WRITE_OPTIONS = ("TILED=YES", "BIGTIFF=IF_SAFER")
# Backscatter: lossless DEFLATE with the floating-point predictor, overviews by
# averaging (no-data 0 left out). Masks: their own predictor, overviews by nearest.
IMAGE_DEFAULTS = (
    "COMPRESS=DEFLATE",
    "PREDICTOR=FLOATING_POINT",
    "BLOCKSIZE=512",
    "OVERVIEWS=AUTO",
    "RESAMPLING=AVERAGE",
    "BIGTIFF=IF_SAFER",
)
MASK_DEFAULTS = (
    "COMPRESS=DEFLATE",
    "PREDICTOR=STANDARD",
    "BLOCKSIZE=512",
    "OVERVIEWS=AUTO",
    "RESAMPLING=NEAREST",
    "BIGTIFF=IF_SAFER",
)


def _split(option: str) -> tuple[str, str]:
    name, _, value = option.partition("=")
    return name.upper(), value


def cog_options(gtiff_options: Sequence[str], defaults: Sequence[str]) -> tuple[str, ...]:
    """The COG driver's options for a product written with ``gtiff_options`` (a request's
    ``creation_options.*``), on top of ``defaults``; ``ValueError`` names an option the
    COG driver has no counterpart for."""
    chosen = dict(_split(o) for o in defaults)
    for option in gtiff_options:
        name, value = _split(option)
        if name in _IMPLIED:
            continue
        if name == "BLOCKXSIZE":
            name = "BLOCKSIZE"
        elif name == "ZLEVEL":
            name = "LEVEL"
        elif name == "PREDICTOR":
            value = _PREDICTORS.get(value, value)
        if name in REGRIDDING_OPTIONS:
            raise ValueError(f"{option!r} would take the product off its S2 tile's grid")
        if name not in COG_OPTION_NAMES:
            raise ValueError(
                f"{option!r} has no counterpart in GDAL's COG driver "
                f"(it takes {', '.join(sorted(COG_OPTION_NAMES))})"
            )
        chosen[name] = value
    return tuple(f"{name}={value}" for name, value in chosen.items())


def rewrite_as_cog(path: str | os.PathLike[str], options: Sequence[str]) -> None:
    """Rewrite the GeoTIFF ``path`` (a partial file) in place as a COG with ``options``.

    The COG is written beside it under another partial name, then renamed over
    it: a crash leaves two partial files (swept by the maintenance), never a
    half-written one under ``path``. GDAL's errors raise ``RuntimeError`` (the
    callers turn them into ``DiskFullError`` or ``IncompleteFileError``).
    """
    from osgeo import gdal

    from s1ops.outputs.publish import gdal_writes

    source = Path(path)
    target = source.with_name(f".{source.stem}.cog{PARTIAL_MARK}{new_token()}{source.suffix}")
    try:
        with gdal_writes():
            written = gdal.Translate(
                str(target), str(source), format="COG", creationOptions=list(options)
            )
            if written is None:
                raise RuntimeError(f"GDAL could not write a COG from {source}")
            written = None  # closing writes the last bytes
        os.replace(target, source)
    finally:
        target.unlink(missing_ok=True)


def cog_problems(path: str | os.PathLike[str]) -> list[str]:
    """What keeps ``path`` from being a valid cloud-optimised GeoTIFF (empty: valid),
    by GDAL's own COG validator."""
    from osgeo import gdal
    from osgeo_utils.samples.validate_cloud_optimized_geotiff import (
        ValidateCloudOptimizedGeoTIFFException,
        validate,
    )

    gdal.UseExceptions()
    try:
        warnings, errors, _details = validate(str(path), full_check=True)
    except ValidateCloudOptimizedGeoTIFFException as exc:
        return [str(exc)]
    return [*errors, *(f"warning: {w}" for w in warnings)]
