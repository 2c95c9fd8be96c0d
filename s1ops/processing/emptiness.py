"""The empty check of a job's image, between OTB's write and the publication.

The chain's image is tagged, counted (one read of the partial file) and, when
empty (``s1ops.outputs.empty.is_empty``), not published: ``EmptyImage`` goes
through the publication untouched, which deletes the partial file. The job
then writes its record, with a reason built from what it knows: the border
cuts S1Tiling's heuristic chose for each product, the tile's coverage, the
valid fraction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from s1ops.errors import S1OpsError
from s1ops.outputs.empty import (
    EmptyImage,
    EmptyRecord,
    ProductCut,
    ValidCount,
    count_array,
    count_valid,
    empty_reason,
    is_empty,
    new_record,
    read_valid_map,
    write_empty_record,
)
from s1ops.planning.jobs import TileJob
from s1ops.processing.chains import ProductInput
from s1ops.processing.margins import probe_borders
from s1ops.processing.otb.runner import tags_finalizer

log = logging.getLogger(__name__)


class CheckingFinalizer:
    """A ``run_chain`` finalizer writing the tags, then counting output 0's valid pixels
    and refusing it when empty. The count is kept (``count``): the task log reports it
    without reading the whole image again."""

    def __init__(
        self,
        tags: Mapping[int, Mapping[str, str]],
        min_valid_fraction: float,
        *,
        keep_valid_map: bool = False,
    ) -> None:
        self._tag = tags_finalizer(tags)
        self._min_valid_fraction = min_valid_fraction
        self._keep_valid_map = keep_valid_map
        self.count: ValidCount | None = None
        # With keep_valid_map: which pixels are valid, for the border mask (the same read
        # as the count: the mask then does not decode the image again).
        self.valid_map: Any = None

    def __call__(self, partial: Path, index: int) -> None:
        self._tag(partial, index)
        if index == 0:
            if self._keep_valid_map:
                self.valid_map = read_valid_map(partial)
                self.count = count_array(self.valid_map)
            else:
                self.count = count_valid(partial)
            if is_empty(self.count, self._min_valid_fraction):
                self.valid_map = None
                raise EmptyImage(self.count)


def _cut(product: ProductInput) -> ProductCut:
    try:
        ipf: tuple[int, int] | None = probe_borders(product.measurement).ipf_version
    except S1OpsError:  # read fine a moment ago; the reason just goes without it
        ipf = None
    t = product.thresholds
    return ProductCut(str(product.product_id), ipf, t.x, t.y_start, t.y_end)


def record_empty(
    job: TileJob,
    inputs: Sequence[ProductInput],
    count: ValidCount,
    min_valid_fraction: float,
) -> EmptyRecord:
    """Write the record of ``job``, found empty (``count``), and log why at WARNING."""
    reason = empty_reason(
        job.tile_id,
        count,
        min_valid_fraction=min_valid_fraction,
        cuts=[_cut(p) for p in inputs],
        coverage_pct=job.coverage_pct,
    )
    record = new_record(
        job.job_id,
        reason,
        count,
        min_valid_fraction=min_valid_fraction,
        product_ids=job.product_ids,
    )
    path = write_empty_record(job.output_path, record)
    log.warning("job %s is empty, nothing published: %s (recorded in %s)", job.job_id, reason, path)
    return record
