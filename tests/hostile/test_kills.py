"""SIGKILL at many points of a job; then a rerun publishes every output, equal to the reference.

A job publishes, in order: (with ``--cache-before-ortho``, its product's
OrthoReady file,) the image, its border mask, its quicklook. Each case starts
``s1ops process``, waits (inotify) for one file or partial file to appear and
kills the command with its OTB child at once (SIGKILL to its process group):
at least one point between each pair of published files, and one inside the
writing of each. Then: only complete files under final names (equal to the
reference's), planning says ``todo``, a rerun publishes exactly what was
missing and says so, after which planning says ``done``.

A kill that lands after the point (the file was a few milliseconds from done)
is retried on a clean disk: the case proves its own point or fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cache.orthoready import ORTHOREADY_SUFFIX, orthoready_dir
from s1ops.config.request import load_config
from s1ops.exit_codes import BAD_INPUT, OK
from s1ops.outputs.quicklook import requested_quicklook
from s1ops.outputs.requested import JobOutputs
from s1ops.planning.jobs import TileJob
from s1ops.scratch import PARTIAL_MARK, WORK_PREFIX, is_partial_name
from tests.hostile.harness import (
    Site,
    assert_published_equal,
    process_args,
    published,
    run_cli,
    start_cli,
)
from tests.hostile.watch import FolderWatch

pytestmark = [pytest.mark.otb, pytest.mark.slow]

ATTEMPTS = 5  # a kill may land after a point that lasts milliseconds: try again
REACH_TIMEOUT_S = 120.0
CACHED = ("--cache-before-ortho",)


def _outputs(site: Site, job: TileJob) -> JobOutputs:
    return JobOutputs.of(
        job.output_path,
        mask=job.mask_path,
        quicklook=requested_quicklook(load_config(site.config)),
    )


def _final(path: Path | None) -> Callable[[str], bool]:
    return lambda name: path is not None and name == path.name


def _partial(path: Path | None) -> Callable[[str], bool]:
    # The suffix tells the image's partial file from its quicklook's (the same stem).
    return lambda name: (
        path is not None
        and is_partial_name(name)
        and name.startswith(f".{path.stem}{PARTIAL_MARK}")
        and name.endswith(path.suffix)
    )


def _orthoready(name: str) -> bool:
    return name.endswith(ORTHOREADY_SUFFIX) and not is_partial_name(name)


def _orthoready_partial(name: str) -> bool:
    return (
        is_partial_name(name) and f"{ORTHOREADY_SUFFIX.removesuffix('.tif')}{PARTIAL_MARK}" in name
    )


@dataclass(frozen=True)
class Point:
    """A kill when an entry ``matching`` appears in ``folder`` ('tile', 'tmp' or
    'orthoready'); ``published``: the outputs that exist then."""

    folder: str
    matching: Callable[[JobOutputs], Callable[[str], bool]]
    published: frozenset[str]
    args: tuple[str, ...] = ()


POINTS = {
    "work-folder-made": Point(
        "tmp", lambda o: lambda n: n.startswith(f"{WORK_PREFIX}dem-"), frozenset()
    ),
    "image-being-written": Point("tile", lambda o: _partial(o.image), frozenset()),
    "image-published": Point("tile", lambda o: _final(o.image), frozenset({"image"})),
    "mask-being-written": Point("tile", lambda o: _partial(o.mask), frozenset({"image"})),
    "mask-published": Point("tile", lambda o: _final(o.mask), frozenset({"image", "mask"})),
    "quicklook-being-written": Point(
        "tile", lambda o: _partial(o.quicklook), frozenset({"image", "mask"})
    ),
    "orthoready-being-written": Point(
        "orthoready", lambda o: _orthoready_partial, frozenset(), CACHED
    ),
    "orthoready-published": Point(
        "orthoready", lambda o: _orthoready, frozenset({"orthoready"}), CACHED
    ),
    "image-being-written-from-orthoready": Point(
        "tile", lambda o: _partial(o.image), frozenset({"orthoready"}), CACHED
    ),
}


def _folders(site: Site, job: TileJob) -> dict[str, Path]:
    return {
        "tile": Path(job.output_path).parent,
        "tmp": site.tmp,
        "orthoready": orthoready_dir(site.tmp),
    }


def _state(site: Site, outputs: JobOutputs) -> frozenset[str]:
    """Which outputs are published now."""
    found = {kind for kind in ("image", "mask", "quicklook") if getattr(outputs, kind).exists()}
    cache = orthoready_dir(site.tmp)
    if cache.is_dir() and any(_orthoready(p.name) for p in cache.iterdir()):
        found.add("orthoready")
    return frozenset(found)


def _kill_when(site: Site, job: TileJob, point: Point) -> frozenset[str]:
    """Run the job, SIGKILL it (with its OTB child) the moment ``point`` is reached;
    the outputs published then."""
    outputs = _outputs(site, job)
    folders = _folders(site, job)
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)  # to be watched before the job makes it
    with FolderWatch([folders[point.folder]]) as watch:
        child = start_cli(*process_args(site, job, *point.args))
        try:
            matching = point.matching(outputs)
            hit = watch.wait_for(
                lambda path: matching(path.name),
                REACH_TIMEOUT_S,
                stop=lambda: child.poll() is not None,
            )
            os.killpg(child.pid, signal.SIGKILL)
        finally:
            _, stderr = child.communicate(timeout=60)
    assert hit is not None, f"the job ended without reaching the point: {stderr}"
    assert child.returncode == -signal.SIGKILL, (child.returncode, stderr)
    return _state(site, outputs)


def _clean(site: Site) -> None:
    for folder in (site.output, site.tmp):
        shutil.rmtree(folder, ignore_errors=True)


def _assert_orthoready_equal(site: Site, reference: Site) -> None:
    """The OrthoReady files published have the reference's pixels and geometry.

    Not its tags: OTB 8.1 writes some SAR keywords from uninitialised memory
    (``SAR.urSceneCoordreferenceColumn: '140517417417160'``), different each run.
    """
    names = sorted(p.name for p in orthoready_dir(site.tmp).iterdir() if _orthoready(p.name))
    assert names
    for name in names:
        ours = gdal.Open(str(orthoready_dir(site.tmp) / name))
        theirs = gdal.Open(str(orthoready_dir(reference.tmp) / name))
        assert ours.GetGeoTransform() == theirs.GetGeoTransform()
        np.testing.assert_array_equal(ours.ReadAsArray(), theirs.ReadAsArray())


def _reference_for(point: Point, reference_site: Site, cached_reference_site: Site) -> Site:
    return cached_reference_site if point.args else reference_site


@pytest.mark.parametrize("point_name", list(POINTS))
def test_a_killed_job_leaves_no_false_output_and_its_rerun_makes_the_rest(
    point_name: str, site: Site, reference_site: Site, cached_reference_site: Site
) -> None:
    point = POINTS[point_name]
    reference = _reference_for(point, reference_site, cached_reference_site)
    job = site.jobs()["vv"]
    outputs = _outputs(site, job)
    for attempt in range(1, ATTEMPTS + 1):
        state = _kill_when(site, job, point)
        if state == point.published:
            print(f"kill at {point_name}: landed at attempt {attempt}")  # shown with -s
            break
        _clean(site)  # the kill landed after the point: try again
    assert state == point.published, f"no kill landed at {point_name} in {ATTEMPTS} tries"
    # Only complete files under final names, each equal to the reference's.
    assert_published_equal(site.output, reference.output)
    if "orthoready" in state:
        _assert_orthoready_equal(site, reference)
    assert site.jobs()["vv"].status == "todo"

    rerun = run_cli(*process_args(site, site.jobs()["vv"], *point.args))
    assert rerun.returncode == OK, rerun.stderr
    result = rerun.last_json
    assert isinstance(result, dict) and result["skipped"] is False
    made_before = {getattr(outputs, k) for k in ("image", "mask", "quicklook") if k in state}
    assert result["written"] == [str(p) for p in outputs.files if p not in made_before]
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference.output, names=names)
    assert site.jobs()["vv"].status == "done"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: fields follow the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    # A zombie (not yet reaped by init) runs no more.
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_killing_only_the_command_stops_its_otb_child_and_publishes_nothing(
    site: Site, reference_site: Site
) -> None:
    job = site.jobs()["vv"]
    outputs = _outputs(site, job)
    tile = Path(job.output_path).parent
    tile.mkdir(parents=True)
    with FolderWatch([tile]) as watch:
        child = start_cli(*process_args(site, job))
        try:
            hit = watch.wait_for(
                lambda path: _partial(outputs.image)(path.name),
                REACH_TIMEOUT_S,
                stop=lambda: child.poll() is not None,
            )
            otb = _children(child.pid)
            child.send_signal(signal.SIGKILL)  # the command only: its OTB child is orphaned
        finally:
            child.communicate(timeout=60)
    assert hit is not None and otb, "the OTB child was not seen writing"
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in otb) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in otb), "the OTB child outlived its parent"
    assert published(site.output) == []
    rerun = run_cli(*process_args(site, site.jobs()["vv"]))
    assert rerun.returncode == OK, rerun.stderr
    assert json.loads(rerun.stdout.splitlines()[-1])["written"] == [str(p) for p in outputs.files]
    assert_published_equal(
        site.output,
        reference_site.output,
        names=[str(p.relative_to(site.output)) for p in outputs.files],
    )


def test_an_otb_child_killed_alone_fails_the_job_naming_the_signal(site: Site) -> None:
    """The OOM killer's way: the OTB child dies, the command reports it, nothing is published."""
    job = site.jobs()["vv"]
    outputs = _outputs(site, job)
    tile = Path(job.output_path).parent
    tile.mkdir(parents=True)
    with FolderWatch([tile]) as watch:
        child = start_cli(*process_args(site, job))
        try:
            watch.wait_for(
                lambda path: _partial(outputs.image)(path.name),
                REACH_TIMEOUT_S,
                stop=lambda: child.poll() is not None,
            )
            for pid in _children(child.pid):
                os.kill(pid, signal.SIGKILL)
        finally:
            _, stderr = child.communicate(timeout=120)
    assert child.returncode == BAD_INPUT, stderr
    assert "killed by signal SIGKILL" in stderr and "Traceback" not in stderr
    assert published(site.output) == []
    assert not [p for p in tile.iterdir() if is_partial_name(p.name)]
