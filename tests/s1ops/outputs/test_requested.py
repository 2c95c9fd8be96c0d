"""What "done" means for a tile job: one definition, for planning and for ``process``."""

from __future__ import annotations

from pathlib import Path

from s1ops.outputs.quicklook import QuicklookSpec
from s1ops.outputs.requested import JobOutputs

IMAGE = Path("/out/32NNH/s1a_32NNH_vv_DES_051_20200108t050546.tif")


def test_a_jobs_outputs_are_named_as_s1tiling_names_them() -> None:
    outputs = JobOutputs.of(IMAGE, with_mask=True, quicklook=QuicklookSpec(format="png"))
    assert outputs.files == (
        IMAGE,
        IMAGE.with_name("s1a_32NNH_vv_DES_051_20200108t050546_BorderMask.tif"),
        IMAGE.with_name("s1a_32NNH_vv_DES_051_20200108t050546.png"),
    )
    assert JobOutputs.of(IMAGE, with_mask=False, quicklook=None).files == (IMAGE,)


def test_a_job_is_done_only_with_every_requested_output() -> None:
    outputs = JobOutputs.of(IMAGE, with_mask=True, quicklook=QuicklookSpec())
    assert outputs.quicklook is not None and outputs.mask is not None
    present = {IMAGE.name, outputs.mask.name}
    assert outputs.missing(lambda p: p.name in present) == (outputs.quicklook,)
    assert not outputs.done(lambda p: p.name in present)
    assert outputs.done(lambda p: p.name in present | {outputs.quicklook.name})
    without_quicklook = JobOutputs.of(IMAGE, with_mask=True, quicklook=None)
    assert without_quicklook.done(lambda p: p.name in present)
