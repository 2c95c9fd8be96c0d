"""Root cause 6: bad conditions are one clear error with a documented exit code, never a
traceback.

Each case runs the CLI as users do (a child process: a traceback would show as
exit 1), then checks the exit code (``s1ops.exit_codes``), the one error line
naming the thing and what was expected, and the disk afterwards: nothing
published, nothing written but the product's lease file.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from s1ops.exit_codes import BAD_INPUT, CANNOT_WRITE, IO_FAILED, NOT_YET, OK
from tests.hostile.harness import (
    TILE,
    Site,
    assert_clear_error,
    assert_published_equal,
    process_args,
    published,
    read_only,
    run_cli,
    snapshot,
    tmpfs,
)

pytestmark = pytest.mark.otb

LOCKS = "s1/.locks"


def _unchanged_but_leases(site: Site, before: dict[str, object]) -> None:
    """The site as ``before``, but for lease files (the lease precedes the first write)."""
    after = {k: v for k, v in snapshot(site.root).items() if not k.startswith(LOCKS)}
    assert after == {k: v for k, v in before.items() if not k.startswith(LOCKS)}


# --- folders s1ops must write in: 73 -------------------------------------------------

Setup = Callable[[Site], AbstractContextManager[object]]


def _file_at(path: Callable[[Site], Path]) -> Setup:
    def setup(site: Site) -> AbstractContextManager[object]:
        target = path(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("not a folder\n")
        return contextlib.nullcontext()

    return setup


def _folder_at_image_name(site: Site) -> AbstractContextManager[object]:
    Path(site.jobs()["vv"].output_path).mkdir(parents=True)
    return contextlib.nullcontext()


def _read_only_folder(path: Callable[[Site], Path]) -> Setup:
    def setup(site: Site) -> AbstractContextManager[object]:
        path(site).mkdir(parents=True, exist_ok=True)
        return read_only(path(site))

    return setup


FOLDER_CASES = [
    pytest.param(
        _file_at(lambda s: s.output),
        ("[Paths] output", "/out is a file, not a folder", "a writable folder"),
        id="output-is-a-file",
    ),
    pytest.param(
        _file_at(lambda s: s.output / TILE),
        ("[Paths] output", f"/out/{TILE}: a file, not a folder"),
        id="tile-folder-is-a-file",
    ),
    pytest.param(
        _file_at(lambda s: s.tmp),
        ("[Paths] tmp", "/tmp: a file, not a folder"),
        id="tmp-is-a-file",
    ),
    pytest.param(
        _folder_at_image_name,
        ("t050546.tif", "a folder is in the way", "a file there"),
        id="output-name-is-a-folder",
    ),
    pytest.param(
        _read_only_folder(lambda s: s.output),
        ("[Paths] output", "read-only file system"),
        id="output-read-only",
    ),
    pytest.param(
        _read_only_folder(lambda s: s.tmp),
        ("[Paths] tmp", "read-only file system"),
        id="tmp-read-only",
    ),
]


@pytest.mark.parametrize(("setup", "names"), FOLDER_CASES)
def test_a_folder_that_cannot_be_written_is_said_before_any_write(
    site: Site, setup: Setup, names: tuple[str, ...]
) -> None:
    job = site.jobs()["vv"]
    with setup(site):
        before = snapshot(site.root)
        in_the_way = published(site.output)  # the file a case puts there, if any
        run = run_cli(*process_args(site, job))
        assert_clear_error(run, CANNOT_WRITE, *names)
        _unchanged_but_leases(site, before)
    assert published(site.output) == in_the_way


# --- full disks: 74 ------------------------------------------------------------------


@contextlib.contextmanager
def _cache_without_inodes(site: Site) -> Iterator[None]:
    """The S1 cache on a tmpfs whose every inode is taken: no room for a lease file."""
    copy = site.root / "s1-copy"
    shutil.copytree(site.s1_images, copy)
    with tmpfs(site.s1_images, 64 << 20, inodes=64):
        shutil.copytree(copy, site.s1_images, dirs_exist_ok=True)
        filler = site.s1_images / "filler"
        filler.mkdir()
        with contextlib.suppress(OSError):  # ENOSPC: the last inode is taken
            for n in range(1000):
                (filler / str(n)).touch()
        yield


def test_a_cache_with_no_room_for_a_lease_is_a_full_disk(site: Site) -> None:
    job = site.jobs()["vv"]
    with _cache_without_inodes(site):
        run = run_cli(*process_args(site, job))
        assert_clear_error(run, IO_FAILED, "[Paths] s1_images", "/s1/.locks", "no space left")
    assert published(site.output) == []
    assert not site.tmp.exists()


def test_a_full_orthoready_cache_is_a_full_disk(site: Site) -> None:
    job = site.jobs()["vv"]
    with tmpfs(site.tmp, 2 << 20):
        run = run_cli(*process_args(site, job, "--cache-before-ortho"))
        assert_clear_error(run, IO_FAILED, "no space left in", "/tmp/S1", "_OrthoReady.tif")
        assert [p for p in (site.tmp / "S1").glob("*") if not p.name.startswith(".")] == []
    assert published(site.output) == []


# --- the S1 cache read-only: read without leases, never purged ------------------------


@pytest.mark.slow
def test_a_read_only_cache_is_processed_and_refused_to_the_purge(
    site: Site, reference_site: Site
) -> None:
    job = site.jobs()["vv"]
    with read_only(site.s1_images):
        run = run_cli(*process_args(site, job))
        assert run.returncode == OK, run.stderr
        assert "products not leased" in run.stderr
        before = snapshot(site.s1_images)
        purge = run_cli("cache", "purge", site.config, "--keep", "0")
        assert_clear_error(purge, CANNOT_WRITE, "[Paths] s1_images", "read-only file system")
        assert snapshot(site.s1_images) == before
    assert_published_equal(site.output, reference_site.output)
    assert len(published(site.output)) == 3


# --- what a job reads is missing or broken --------------------------------------------


def test_a_product_gone_from_the_cache_is_not_yet_there(site: Site) -> None:
    job = site.jobs()["vv"]
    (product_id,) = job.product_ids
    shutil.rmtree(site.s1_images / f"{product_id}.SAFE")
    before = snapshot(site.root)
    run = run_cli(*process_args(site, job))
    assert_clear_error(run, NOT_YET, product_id, "not on disk", str(site.s1_images))
    _unchanged_but_leases(site, before)


def test_a_truncated_measurement_names_the_file(site: Site) -> None:
    job = site.jobs()["vv"]
    (measurement,) = site.s1_images.glob("*.SAFE/measurement/*-vv-*.tiff")
    with measurement.open("r+b") as f:
        f.truncate(measurement.stat().st_size // 2)
    before = snapshot(site.root)
    run = run_cli(*process_args(site, job))
    assert_clear_error(run, BAD_INPUT, measurement.name, "cannot be read", "truncated")
    _unchanged_but_leases(site, before)


@pytest.mark.slow
def test_a_truncated_image_met_when_making_its_mask_is_made_again(
    site: Site, reference_site: Site
) -> None:
    """Once a traceback from the mask's read; the image is found incomplete, said so, and
    made again (``s1ops.outputs.publish``): every output equals the undisturbed run's."""
    job = site.jobs()["vv"]
    assert run_cli(*process_args(site, job)).returncode == OK
    image, mask = Path(job.output_path), Path(str(job.mask_path))
    mask.unlink()
    with image.open("r+b") as f:
        f.truncate(image.stat().st_size // 2)
    run = run_cli(*process_args(site, job))
    assert run.returncode == OK, run.stderr
    assert image.name in run.stderr and "not complete" in run.stderr
    assert_published_equal(site.output, reference_site.output, names=[f"{TILE}/{mask.name}"])
    assert len(published(site.output)) == 3


def test_concatenate_with_a_missing_input_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "s1a_32NNH_vv_DES_051_20200108t050546.tif"
    output = tmp_path / "merged.tif"
    run = run_cli("concatenate", "--output", output, missing, missing)
    assert_clear_error(run, BAD_INPUT, str(missing), "no such file", "an orthorectified GeoTIFF")
    assert list(tmp_path.iterdir()) == []


# --- values that used to reach the OTB child ------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "names"),
    [
        pytest.param(
            "output_spatial_resolution",
            "1e300",
            ("[Processing] output_spatial_resolution = '1e300'", "from 1 to 10980 m"),
            id="resolution-1e300",
        ),
        pytest.param(
            "ram_per_process",
            "1" * 20,
            ("[Processing] ram_per_process = '11111", "from 64 to 1048576 MB"),
            id="ram-20-digits",
        ),
    ],
)
def test_a_value_out_of_range_stops_before_otb(
    otb: None, otb_data: Path, tmp_path: Path, key: str, value: str, names: tuple[str, ...]
) -> None:
    from tests.hostile.harness import make_site

    site = make_site(tmp_path / "site", otb_data, processing={key: value})
    job_text = (tmp_path / "job.json").as_posix()
    Path(job_text).write_text('{"tile_id": "32NNH"}')  # never read: the request fails first
    before = snapshot(site.root)
    run = run_cli("process", site.config, "--job", f"@{job_text}")
    assert_clear_error(run, BAD_INPUT, *names)
    assert snapshot(site.root) == before


@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param(("--ram-mb", "1" * 20), ("--ram-mb", "from 64 to 1048576 MB"), id="ram"),
        pytest.param(("--threads", "0"), ("--threads", "'0'", "from 1 to 128"), id="threads"),
        pytest.param(
            ("--lower-signal-value", "1e300"), ("--lower-signal-value", "'1e300'"), id="signal"
        ),
    ],
)
def test_calibrate_refuses_values_out_of_range_at_parse_time(
    tmp_path: Path, args: tuple[str, ...], names: tuple[str, ...]
) -> None:
    source = tmp_path / "in.tiff"
    run = run_cli("calibrate", "--in", source, "--out", tmp_path / "out.tif", *args)
    assert_clear_error(run, BAD_INPUT, *names)
    assert list(tmp_path.iterdir()) == []
