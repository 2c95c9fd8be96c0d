"""Root cause 5: "done" means every requested output of a job is published.

A kill or a full disk between the mask and the quicklook used to leave image
+ mask: the rerun said ``skipped``, planning said ``done``, and the quicklook
was never made. Planning (``s1ops plan``) and ``s1ops process`` now share one
definition (``s1ops.outputs.requested.JobOutputs``): each case sets the
output folder as an interrupted job leaves it (the undisturbed run's files,
some missing), then checks what planning says, what the rerun makes -- only
what is missing, and what derives from a remade image -- and what it reports.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from s1ops.exit_codes import OK
from s1ops.outputs.quicklook import QuicklookSpec
from s1ops.outputs.requested import JobOutputs
from s1ops.scratch import partial_path
from tests.hostile.harness import (
    Site,
    assert_published_equal,
    make_site,
    process_args,
    run_cli,
    snapshot,
)

pytestmark = [pytest.mark.otb, pytest.mark.slow]

KINDS = ("image", "mask", "quicklook")


def _outputs(site: Site, fmt: str = "jpeg") -> JobOutputs:
    job = site.jobs()["vv"]
    return JobOutputs.of(job.output_path, mask=job.mask_path, quicklook=QuicklookSpec(format=fmt))


def _as_left(site: Site, reference_site: Site, kept: tuple[str, ...]) -> JobOutputs:
    """The vv outputs of the undisturbed run, only the ``kept`` kinds, copied into ``site``."""
    ours, theirs = _outputs(site), _outputs(reference_site)
    ours.image.parent.mkdir(parents=True, exist_ok=True)
    for kind in kept:
        shutil.copy2(getattr(theirs, kind), getattr(ours, kind))
    return ours


def _planned_status(site: Site) -> str:
    """The vv job's status as ``s1ops plan`` reports it."""
    run = run_cli("plan", site.config, "--tile", "32NNH")
    assert run.returncode == OK, run.stderr
    plan = run.last_json
    assert isinstance(plan, dict)
    (job,) = [j for j in plan["jobs"] if j["polarisation"] == "vv"]
    return str(job["status"])


def _process(site: Site, *extra: str) -> dict[str, object]:
    run = run_cli(*process_args(site, site.jobs()["vv"], *extra))
    assert run.returncode == OK, run.stderr
    result = run.last_json
    assert isinstance(result, dict)
    return result


# kept after the interruption -> written by the rerun (what derives from a remade image too)
INTERRUPTED = {
    "killed-between-mask-and-quicklook": (("image", "mask"), ("quicklook",)),
    "killed-between-image-and-mask": (("image",), ("mask", "quicklook")),
    "mask-lost-quicklook-kept": (("image", "quicklook"), ("mask",)),
    "image-lost-mask-and-quicklook-kept": (("mask", "quicklook"), KINDS),
}


@pytest.mark.parametrize("case", list(INTERRUPTED))
def test_a_job_missing_an_output_is_todo_and_its_rerun_makes_only_that(
    case: str, site: Site, reference_site: Site
) -> None:
    kept, remade = INTERRUPTED[case]
    outputs = _as_left(site, reference_site, kept)
    before = snapshot(site.output)
    assert _planned_status(site) == "todo"

    result = _process(site)

    assert result["skipped"] is False
    assert result["written"] == [str(getattr(outputs, kind)) for kind in remade]
    after = snapshot(site.output)
    untouched = [getattr(outputs, k) for k in kept if k not in remade]
    for path in untouched:  # what was there and complete is not written again
        key = str(path.relative_to(site.output))
        assert after[key] == before[key], key
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference_site.output, names=names)
    assert _planned_status(site) == "done"


def test_a_job_with_every_output_is_done_and_skipped(site: Site, reference_site: Site) -> None:
    _as_left(site, reference_site, KINDS)
    before = snapshot(site.output)
    assert _planned_status(site) == "done"
    result = _process(site)
    assert result["skipped"] is True and result["written"] == []
    assert snapshot(site.output) == before


def test_a_partial_quicklook_left_by_a_kill_is_not_done(site: Site, reference_site: Site) -> None:
    outputs = _as_left(site, reference_site, ("image", "mask"))
    assert outputs.quicklook is not None
    leftover = partial_path(outputs.quicklook)  # what a kill during its write leaves
    leftover.write_bytes(b"\xff\xd8 half a JPEG")
    assert _planned_status(site) == "todo"
    result = _process(site)
    assert result["written"] == [str(outputs.quicklook)]
    assert_published_equal(site.output, reference_site.output)


def test_force_makes_every_output_again(site: Site, reference_site: Site) -> None:
    outputs = _as_left(site, reference_site, KINDS)
    result = _process(site, "--force")
    assert result["skipped"] is False
    assert result["written"] == [str(p) for p in outputs.files]
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference_site.output, names=names)


def test_without_quicklooks_image_and_mask_are_done(
    otb: None, otb_data: Path, tmp_path: Path, reference_site: Site
) -> None:
    site = make_site(tmp_path / "site", otb_data, quicklook={"generate_quicklook": False})
    _as_left(site, reference_site, ("image", "mask"))
    assert _planned_status(site) == "done"
    assert _process(site)["skipped"] is True


def test_a_quicklook_of_another_format_is_not_the_one_asked_for(
    otb: None, otb_data: Path, tmp_path: Path, reference_site: Site
) -> None:
    site = make_site(tmp_path / "site", otb_data, quicklook={"format": "png"})
    _as_left(site, reference_site, KINDS)  # with a .jpg quicklook
    assert _planned_status(site) == "todo"
    result = _process(site)
    png = _outputs(site, "png").quicklook
    assert result["written"] == [str(png)]
    assert png is not None and png.is_file()
    assert _planned_status(site) == "done"
