"""Merging already-orthorectified images of one day and orbit (``s1ops concatenate``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from s1ops.errors import RasterError
from s1ops.outputs.geotiff import read_tags
from s1ops.outputs.mask import write_border_mask
from s1ops.outputs.tags import mask_tags
from s1ops.processing.otb.pipelines import concatenate_chain, run_with_tags
from s1ops.processing.otb.runner import ChainResult
from s1ops.vocabulary import TIFF_DATETIME_FORMAT


def merged_tags(inputs: Sequence[Mapping[str, str]], now: datetime) -> dict[str, str]:
    """Tags of a merged image from its inputs' tags (pure).

    The first input gives the common tags; each input contributes its
    acquisition time as ACQUISITION_DATETIME_<n>, and the products they were
    made of are listed once each, sorted.
    """
    if not inputs:
        raise ValueError("merged_tags needs the tags of at least one input")
    merged = {k: v for k, v in inputs[0].items() if not k.startswith("ACQUISITION_DATETIME_")}
    stamps: list[str] = []
    for tags in inputs:
        numbered = sorted(k for k in tags if k.startswith("ACQUISITION_DATETIME_"))
        stamps += [tags[k] for k in numbered] or (
            [tags["ACQUISITION_DATETIME"]] if "ACQUISITION_DATETIME" in tags else []
        )
    for n, stamp in enumerate(sorted(set(stamps)), start=1):
        merged[f"ACQUISITION_DATETIME_{n}"] = stamp
    if stamps:
        merged["ACQUISITION_DATETIME"] = min(stamps)
    products = sorted(
        {p.strip() for t in inputs for p in t.get("INPUT_S1_IMAGES", "").split(",") if p.strip()}
    )
    if products:
        merged["INPUT_S1_IMAGES"] = ", ".join(products)
    merged["TIFFTAG_DATETIME"] = now.strftime(TIFF_DATETIME_FORMAT)
    return merged


def _input_tags(path: str | os.PathLike[str]) -> dict[str, str]:
    expected = "an orthorectified GeoTIFF to merge"
    if not os.path.isfile(path):
        reason = "no such file" if not os.path.exists(path) else "not a file"
        raise RasterError(path, reason, expected)
    try:
        return read_tags(path)
    except RuntimeError as exc:  # GDAL cannot open it
        raise RasterError(path, f"cannot be read ({exc})", expected) from exc


def concatenate(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    mask: str | os.PathLike[str] | None = None,
    ram_mb: int = 2048,
    threads: int = 1,
    now: datetime | None = None,
) -> ChainResult:
    """Merge ``inputs`` (first non-zero pixel wins) into ``output``, tags included.

    An input that is not a readable GeoTIFF is a ``RasterError`` naming it, before
    anything is written.
    """
    tags = merged_tags([_input_tags(p) for p in inputs], now or datetime.now(UTC))
    chain = concatenate_chain(inputs, output, ram_mb=ram_mb, threads=threads)
    result = run_with_tags(chain, {0: tags})
    if mask is not None:
        write_border_mask(output, mask, mask_tags(tags))
        result = replace(result, written=(*result.written, str(mask)))
    return result
