"""Disk full for real (root causes 1 and 5): each of a job's writes in turn meets a full disk.

A small tmpfs is mounted by the test (root needed: a failure under CI) as
``[Paths] output`` or ``[Paths] tmp``, and filled -- by an allocated file, or
by empty files when inodes run out -- so that the job's first write, or its
image, the image's last page (OTB's write or the tags' rewrite), the mask,
the quicklook, the OrthoReady file, the work folder, the DEM copies, or the
output of ``s1ops calibrate`` / ``concatenate`` is the one that finds no
room. No ``write`` is mocked.

Every case checks: exit code 74 (retry later); one error line saying "no
space left in" the folder, naming the file being written; the disk after --
only complete files under final names, equal to the undisturbed run's, no
partial file and no work folder left; planning still says ``todo``. Then
space is freed and a rerun publishes what was missing, equal to the reference.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cache.orthoready import ORTHOREADY_SUFFIX, orthoready_dir, orthoready_path
from s1ops.exit_codes import IO_FAILED, OK
from s1ops.outputs.names import mask_file_name
from s1ops.outputs.quicklook import QuicklookSpec
from s1ops.outputs.requested import JobOutputs
from s1ops.scratch import WORK_PREFIX
from s1ops.sentinel1.safe import read_safe
from s1ops.testing.compare import output_differences
from tests.hostile.harness import (
    FILLER,
    Site,
    allocated,
    assert_clear_error,
    assert_published_equal,
    fill,
    make_site,
    partial_files,
    process_args,
    published,
    run_cli,
    tmpfs,
)

pytestmark = [pytest.mark.otb, pytest.mark.slow]

PAGE = 4096  # tmpfs counts whole pages
MIB = 1 << 20
OUTPUT_DISK = 16 * MIB  # holds a job's outputs (about 4 MB) with room to fill
TMP_DISK = 32 * MIB  # holds an OrthoReady file (about 16 MB) or the DEM (26 MB) with room
KINDS = ("image", "mask", "quicklook")
CACHED = ("--cache-before-ortho",)


@dataclass(frozen=True)
class Sizes:
    """What the reference's vv outputs take on a disk (whole pages)."""

    image: int
    mask: int
    quicklook: int
    orthoready: int


def _outputs(job_output: str) -> JobOutputs:
    """A job's outputs on the hostile site (masks and default quicklooks on)."""
    mask = Path(job_output).with_name(mask_file_name(Path(job_output).name))
    return JobOutputs.of(job_output, mask=mask, quicklook=QuicklookSpec())


@pytest.fixture(scope="module")
def sizes(reference_site: Site, cached_reference_site: Site) -> Sizes:
    outputs = _outputs(reference_site.jobs()["vv"].output_path)
    (orthoready,) = orthoready_dir(cached_reference_site.tmp).glob(f"*{ORTHOREADY_SUFFIX}")
    assert outputs.mask is not None and outputs.quicklook is not None
    return Sizes(
        allocated(outputs.image),
        allocated(outputs.mask),
        allocated(outputs.quicklook),
        allocated(orthoready),
    )


@dataclass(frozen=True)
class Case:
    """A job on a disk filled to ``leave(sizes)`` free bytes (``inodes``: free inodes, the
    bytes then plenty): the write of ``writing`` finds it full; ``published`` after."""

    disk: str  # 'output' or 'tmp': which folder is the small disk
    writing: str  # 'image', 'mask', 'quicklook', 'orthoready', 'work folder', 'dem'
    published: frozenset[str]
    leave: Callable[[Sizes], int] = lambda _s: 0
    inodes: int | None = None
    args: tuple[str, ...] = ()
    processing: dict[str, str] = field(default_factory=dict)


CASES = {
    "image-finds-the-output-disk-full": Case("output", "image", frozenset()),
    "image-fills-the-output-disk": Case("output", "image", frozenset(), lambda s: s.image // 2),
    "image-last-page-fills-the-output-disk": Case(
        "output", "image", frozenset(), lambda s: s.image - PAGE
    ),
    "mask-fills-the-output-disk": Case("output", "mask", frozenset({"image"}), lambda s: s.image),
    "quicklook-fills-the-output-disk": Case(
        "output",
        "quicklook",
        frozenset({"image", "mask"}),
        lambda s: s.image + s.mask + s.quicklook // 2,
    ),
    "orthoready-finds-tmp-full": Case("tmp", "orthoready", frozenset(), args=CACHED),
    "orthoready-fills-tmp": Case(
        "tmp", "orthoready", frozenset(), lambda s: s.orthoready // 2, args=CACHED
    ),
    "dem-copies-do-not-fit-in-tmp": Case(
        "tmp", "dem", frozenset(), lambda _s: 10 * MIB, processing={"cache_dem_by": "copy"}
    ),
    "work-folder-finds-no-inode-in-tmp": Case(
        "tmp", "work folder", frozenset(), lambda _s: 8 * MIB, inodes=0
    ),
    # The work folder and its lock file, then one cell: the second copy finds no inode.
    "dem-copies-run-out-of-inodes-in-tmp": Case(
        "tmp",
        "dem",
        frozenset(),
        lambda _s: TMP_DISK,
        inodes=3,
        processing={"cache_dem_by": "copy"},
    ),
}


def _fill_inodes(disk: Path, leave: int) -> None:
    """Use up the disk's inodes with empty files until ``leave`` are free."""
    folder = disk / "inodes"
    folder.mkdir()
    for n in range(os.statvfs(disk).f_favail - leave):
        (folder / str(n)).touch()
    assert os.statvfs(disk).f_favail == leave


@dataclass(frozen=True)
class FullDisk:
    """A site whose output or tmp is a small tmpfs, filled as a case says."""

    site: Site
    disk: Path

    def free(self) -> None:
        """Give the space (and inodes) back: the user's fix before a rerun."""
        (self.disk / FILLER).unlink(missing_ok=True)
        for entry in (self.disk / "inodes").glob("*"):
            entry.unlink()


@pytest.fixture
def make_full_disk(
    otb_data: Path, tmp_path: Path, sizes: Sizes
) -> Iterator[Callable[[Case], FullDisk]]:
    mounted: list[contextlib.ExitStack] = []

    def make(case: Case) -> FullDisk:
        disk = tmp_path / "disk"
        stack = contextlib.ExitStack()
        mounted.append(stack)
        size = OUTPUT_DISK if case.disk == "output" else TMP_DISK
        inodes = None if case.inodes is None else 64
        stack.enter_context(tmpfs(disk, size, inodes=inodes))
        folder = disk / case.disk
        folder.mkdir()
        site = make_site(
            tmp_path / "site", otb_data, paths={case.disk: folder}, processing=case.processing
        )
        if case.inodes is not None:
            _fill_inodes(disk, case.inodes)
        else:
            fill(disk, case.leave(sizes))
        return FullDisk(site, disk)

    yield make
    for stack in mounted:
        stack.close()


def _folder_and_name(case: Case, site: Site, outputs: JobOutputs) -> tuple[Path, str]:
    """The folder the error must name, and the file (or thing) being written."""
    tile = outputs.image.parent
    if case.writing in KINDS:
        path = getattr(outputs, case.writing)
        return tile, path.name
    if case.writing == "orthoready":
        measurement = read_safe(next(site.s1_images.glob("*.SAFE"))).measurement_location("vv")
        ready = orthoready_path(measurement, orthoready_dir(site.tmp), calibration="sigma")
        return ready.parent, ready.name
    if case.writing == "work folder":
        return site.tmp, "work folder"
    return site.tmp, "DEM cell(s) (copies)"


def _assert_nothing_half_done(site: Site) -> None:
    """No partial file anywhere, no work folder left in tmp."""
    assert partial_files(site.output, site.tmp) == []
    left = sorted(p.name for p in site.tmp.iterdir()) if site.tmp.is_dir() else []
    assert not [name for name in left if name.startswith(WORK_PREFIX)], left


def _assert_dem_needs_said(message: str, site: Site) -> None:
    """A DEM copy says what the cells need: their size, or that inodes ran out."""
    found = re.search(r"\((.*)\) writing (\d+) DEM cell\(s\) \(copies\)", message)
    assert found, message
    space, cells = found.group(1), int(found.group(2))
    if "no free inode" in space:
        return
    (cell_bytes,) = {p.stat().st_size for p in site.dem.glob("*.hgt")}  # flat DEM: all alike
    assert f"needed ~{cells * cell_bytes / 1e6:.1f} MB" in space, message
    assert re.search(r"free \d+\.\d MB", space), message


def _published_kinds(outputs: JobOutputs) -> frozenset[str]:
    return frozenset(kind for kind in KINDS if getattr(outputs, kind).exists())


def _rerun_publishes_the_rest(site: Site, case: Case, reference: Site) -> None:
    """After the user freed space: the rerun publishes what was missing, and says so."""
    outputs = _outputs(site.jobs()["vv"].output_path)
    run = run_cli(*process_args(site, site.jobs()["vv"], *case.args))
    assert run.returncode == OK, run.stderr
    written = json.loads(run.stdout.splitlines()[-1])["written"]
    assert written == [str(getattr(outputs, k)) for k in KINDS if k not in case.published]
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference.output, names=names)
    assert site.jobs()["vv"].status == "done"


@pytest.mark.parametrize("name", list(CASES))
def test_a_full_disk_is_said_and_nothing_incomplete_is_published(
    name: str,
    make_full_disk: Callable[[Case], FullDisk],
    reference_site: Site,
    cached_reference_site: Site,
) -> None:
    case = CASES[name]
    full = make_full_disk(case)
    site = full.site
    reference = cached_reference_site if case.args else reference_site
    job = site.jobs()["vv"]
    outputs = _outputs(job.output_path)

    run = run_cli(*process_args(site, job, *case.args))

    folder, writing = _folder_and_name(case, site, outputs)
    message = assert_clear_error(run, IO_FAILED, f"no space left in {folder}", writing)
    if case.writing == "dem":
        _assert_dem_needs_said(message, site)
    assert _published_kinds(outputs) == case.published
    assert_published_equal(site.output, reference.output)
    _assert_nothing_half_done(site)
    if case.args:
        assert not list(orthoready_dir(site.tmp).glob(f"*{ORTHOREADY_SUFFIX}"))
    assert site.jobs()["vv"].status == "todo"

    full.free()
    _rerun_publishes_the_rest(site, case, reference)


def test_enough_space_on_the_output_disk_publishes_everything(
    make_full_disk: Callable[[Case], FullDisk], reference_site: Site
) -> None:
    """The control: the levels above are tight, the same disk with the outputs' room works."""
    case = Case("output", "", frozenset(), lambda s: s.image + s.mask + s.quicklook + 16 * PAGE)
    site = make_full_disk(case).site
    run = run_cli(*process_args(site, site.jobs()["vv"]))
    assert run.returncode == OK, run.stderr
    outputs = _outputs(site.jobs()["vv"].output_path)
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference_site.output, names=names)


def _measurement(site: Site) -> str:
    return read_safe(next(site.s1_images.glob("*.SAFE"))).measurement_location("vv")


def test_calibrate_on_a_full_disk_publishes_no_truncated_image(
    otb: None, tmp_path: Path, reference_site: Site
) -> None:
    """Issue 14's first example: ``calibrate`` published a truncated image with exit 0."""
    source = _measurement(reference_site)
    undisturbed = tmp_path / "calibrated.tif"
    assert run_cli("calibrate", "--in", source, "--out", undisturbed).returncode == OK
    disk = tmp_path / "disk"
    with tmpfs(disk, OUTPUT_DISK + allocated(undisturbed)):
        fill(disk, allocated(undisturbed) // 2)
        target = disk / "out" / "calibrated.tif"
        run = run_cli("calibrate", "--in", source, "--out", target)
        assert_clear_error(run, IO_FAILED, f"no space left in {target.parent}", target.name)
        assert not target.exists() and partial_files(disk) == []
        (disk / FILLER).unlink()
        assert run_cli("calibrate", "--in", source, "--out", target).returncode == OK
        np.testing.assert_array_equal(
            gdal.Open(str(undisturbed)).ReadAsArray(), gdal.Open(str(target)).ReadAsArray()
        )


@pytest.mark.parametrize("writing", ["image", "mask"])
def test_concatenate_on_a_full_disk_publishes_no_truncated_file(
    writing: str, otb: None, tmp_path: Path, reference_site: Site
) -> None:
    image = Path(reference_site.jobs()["vv"].output_path)
    undisturbed = tmp_path / "merged" / "merged.tif"
    args = ["concatenate", "--output", "{out}", "--mask", "{mask}", str(image)]

    def command(folder: Path) -> list[str]:
        out, mask = folder / "merged.tif", folder / "merged_BorderMask.tif"
        return [a.format(out=out, mask=mask) for a in args]

    assert run_cli(*command(undisturbed.parent)).returncode == OK
    disk = tmp_path / "disk"
    with tmpfs(disk, OUTPUT_DISK):
        fill(disk, 0 if writing == "image" else allocated(undisturbed))
        folder = disk / "out"
        run = run_cli(*command(folder))
        name = "merged.tif" if writing == "image" else "merged_BorderMask.tif"
        assert_clear_error(run, IO_FAILED, f"no space left in {folder}", name)
        expected = [] if writing == "image" else ["merged.tif"]
        assert [p.name for p in published(folder)] == expected
        assert partial_files(disk) == []
        differences = output_differences(undisturbed.parent, folder, only=expected)
        assert not differences, differences
