"""What "done" means for a tile job: one definition, for planning and for ``process``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from s1ops.config.filtering import FilteringConfig
from s1ops.outputs.names import OutputName
from s1ops.outputs.naming import OutputNaming
from s1ops.outputs.quicklook import QuicklookSpec
from s1ops.outputs.requested import JobOutputs

NAME = OutputName("s1a", "32NNH", "vv", "DES", 51, dt.date(2020, 1, 8), dt.time(5, 5, 46))
IMAGE = Path("/out/32NNH/s1a_32NNH_vv_DES_051_20200108t050546.tif")
FILTERED = Path("/out/filtered/32NNH/s1a_32NNH_vv_DES_051_20200108t050546_filtered.tif")


def named(**kwargs: object) -> JobOutputs:
    return JobOutputs.named(OutputNaming(), Path("/out"), NAME, **kwargs)  # type: ignore[arg-type]


def test_a_jobs_outputs_are_named_as_s1tiling_names_them() -> None:
    outputs = named(with_mask=True, quicklook=QuicklookSpec(format="png"))
    assert outputs.files == (
        IMAGE,
        IMAGE.with_name("s1a_32NNH_vv_DES_051_20200108t050546_BorderMask.tif"),
        IMAGE.with_name("s1a_32NNH_vv_DES_051_20200108t050546.png"),
    )
    assert named(with_mask=False, quicklook=None).files == (IMAGE,)


def test_a_filtered_copy_is_one_more_output_or_the_only_image() -> None:
    lee = FilteringConfig("lee", 1, nblooks=1.0)
    kept = named(with_mask=True, quicklook=None, filtering=lee)
    assert kept.files == (IMAGE, IMAGE.with_name(f"{IMAGE.stem}_BorderMask.tif"), FILTERED)
    assert kept.primary == IMAGE
    alone = named(
        with_mask=False,
        quicklook=QuicklookSpec(),
        filtering=FilteringConfig("lee", 1, nblooks=1.0, keep_non_filtered_products=False),
    )
    assert alone.files == (FILTERED.with_suffix(".jpg"), FILTERED)
    assert (alone.primary, alone.image, alone.keep_image) == (FILTERED, IMAGE, False)


def test_a_job_is_done_only_with_every_requested_output() -> None:
    outputs = named(with_mask=True, quicklook=QuicklookSpec())
    assert outputs.quicklook is not None and outputs.mask is not None
    present = {IMAGE.name, outputs.mask.name}
    assert outputs.missing(lambda p: p.name in present) == (outputs.quicklook,)
    assert not outputs.done(lambda p: p.name in present)
    assert outputs.done(lambda p: p.name in present | {outputs.quicklook.name})
    without_quicklook = JobOutputs.of(IMAGE, mask=outputs.mask, quicklook=None)
    assert without_quicklook.done(lambda p: p.name in present)
