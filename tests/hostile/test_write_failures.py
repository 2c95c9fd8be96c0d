"""Root cause 1: a write that failed never counts as success.

OTB's child exits 0 after a failed write (GDAL only logs it), and a truncated
file used to be renamed into place. Now every file is proven complete before
its rename (``s1ops.outputs.publish``). First the proof itself, on files cut
at every point; then real failed writes that are not a full disk: a file-size
limit (``RLIMIT_FSIZE``; Python ignores SIGXFSZ, so writes past it fail with
EFBIG) under ``s1ops process``, ``calibrate`` and ``--cache-before-ortho``;
then incomplete files that something else left under final names.
(A full disk, the common case, is ``test_disk_full.py``.)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from s1ops.cache.orthoready import ORTHOREADY_SUFFIX, orthoready_dir
from s1ops.errors import IncompleteFileError
from s1ops.exit_codes import IO_FAILED, OK
from s1ops.outputs.publish import NotComplete, prove_complete, publish
from s1ops.outputs.quicklook import QuicklookSpec
from s1ops.outputs.requested import JobOutputs
from s1ops.sentinel1.safe import read_safe
from tests.hostile.harness import (
    Site,
    assert_clear_error,
    assert_published_equal,
    partial_files,
    process_args,
    published,
    run_cli,
    run_limited,
)

gdal.UseExceptions()

SIZE_PX = 700  # blocks of 256: a 3 x 3 grid with partial edge blocks
CUTS = 40  # truncation points tried per file


def _pixels() -> np.ndarray:
    rng = np.random.default_rng(14)
    return rng.gamma(1.0, 0.05, size=(SIZE_PX, SIZE_PX)).astype(np.float32)


def _tiff_ifd_last(path: Path) -> Path:
    """As OTB and our masks write: Create, blocks, then the directory at the end."""
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path),
        SIZE_PX,
        SIZE_PX,
        1,
        gdal.GDT_Float32,
        options=["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"],
    )
    ds.GetRasterBand(1).WriteArray(_pixels())
    ds = None
    return path


def _tiff_ifd_first(path: Path) -> Path:
    """As CreateCopy writes: the directory first, the blocks after it."""
    mem = gdal.GetDriverByName("MEM").Create("", SIZE_PX, SIZE_PX, 1, gdal.GDT_Float32)
    mem.GetRasterBand(1).WriteArray(_pixels())
    options = ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"]
    gdal.GetDriverByName("GTiff").CreateCopy(str(path), mem, options=options)
    return path


def _picture(path: Path, driver: str) -> Path:
    mem = gdal.GetDriverByName("MEM").Create("", SIZE_PX, SIZE_PX, 1, gdal.GDT_Byte)
    mem.GetRasterBand(1).WriteArray((_pixels() * 1000).clip(0, 255).astype(np.uint8))
    gdal.GetDriverByName(driver).CreateCopy(str(path), mem)
    Path(f"{path}.aux.xml").unlink(missing_ok=True)
    return path


WHOLE_FILES: dict[str, Callable[[Path], Path]] = {
    "geotiff-directory-last.tif": _tiff_ifd_last,
    "geotiff-directory-first.tif": _tiff_ifd_first,
    "quicklook.jpg": lambda p: _picture(p, "JPEG"),
    "quicklook.png": lambda p: _picture(p, "PNG"),
}


@pytest.mark.parametrize("name", list(WHOLE_FILES))
def test_a_whole_file_is_proven_complete(name: str, tmp_path: Path) -> None:
    path = WHOLE_FILES[name](tmp_path / name)
    prove_complete(path)
    prove_complete(path, full_read=True)


@pytest.mark.parametrize("name", list(WHOLE_FILES))
def test_a_file_cut_anywhere_is_not_proven_complete(name: str, tmp_path: Path) -> None:
    data = WHOLE_FILES[name](tmp_path / name).read_bytes()
    cut = tmp_path / f"cut{Path(name).suffix}"
    for n in range(CUTS):
        size = len(data) * n // CUTS
        cut.write_bytes(data[:size])
        with pytest.raises(NotComplete):
            prove_complete(cut)
    cut.write_bytes(data[:-1])  # the last byte too
    with pytest.raises(NotComplete):
        prove_complete(cut)


def test_a_block_never_written_is_not_proven_complete(tmp_path: Path) -> None:
    """A failed block write leaves no byte count (GDAL would read it as no data)."""
    path = tmp_path / "sparse.tif"
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), SIZE_PX, SIZE_PX, 1, gdal.GDT_Float32, options=["TILED=YES", "SPARSE_OK=TRUE"]
    )
    ds.GetRasterBand(1).WriteArray(_pixels()[:256, :256])  # one block of nine
    ds = None
    with pytest.raises(NotComplete, match=r"has no data for block \(1, 0\) of band 1"):
        prove_complete(path)


def test_a_file_that_is_no_image_is_not_proven_complete(tmp_path: Path) -> None:
    for content in (b"", b"II*\x00garbage", b"not an image at all"):
        path = tmp_path / "output.tif"
        path.write_bytes(content)
        with pytest.raises(NotComplete, match="cannot be read back by GDAL"):
            prove_complete(path)


def test_publish_renames_nothing_unless_every_file_is_proven(tmp_path: Path) -> None:
    good = _tiff_ifd_last(tmp_path / ".good.partial-1.tif")
    bad = tmp_path / ".bad.partial-1.tif"
    bad.write_bytes(good.read_bytes()[:1000])
    finals = tmp_path / "good.tif", tmp_path / "bad.tif"
    with pytest.raises(IncompleteFileError) as caught:
        publish([(good, finals[0]), (bad, finals[1])])
    assert str(finals[1]) in str(caught.value) and "was not published" in str(caught.value)
    assert sorted(tmp_path.iterdir()) == []  # no final name, no partial left
    whole = _tiff_ifd_last(tmp_path / ".whole.partial-2.tif")
    publish([(whole, tmp_path / "whole.tif")])
    assert [p.name for p in tmp_path.iterdir()] == ["whole.tif"]


# ---- real failed writes: a file-size limit (EFBIG), under the real CLI


def _outputs(site: Site) -> JobOutputs:
    job = site.jobs()["vv"]
    return JobOutputs.of(job.output_path, mask=job.mask_path, quicklook=QuicklookSpec())


@pytest.mark.otb
@pytest.mark.slow
def test_an_image_otb_could_not_write_whole_is_not_published(
    site: Site, reference_site: Site
) -> None:
    outputs = _outputs(site)
    run = run_limited(1_000_000, *process_args(site, site.jobs()["vv"]))
    message = assert_clear_error(run, IO_FAILED, str(outputs.image), "was not published")
    assert "File too large" in message  # GDAL's word, carried from OTB's child
    assert published(site.output) == [] and partial_files(site.output) == []
    assert site.jobs()["vv"].status == "todo"
    rerun = run_cli(*process_args(site, site.jobs()["vv"]))
    assert rerun.returncode == OK, rerun.stderr
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference_site.output, names=names)


@pytest.mark.otb
@pytest.mark.slow
def test_calibrate_publishes_no_image_it_could_not_write_whole(
    otb: None, tmp_path: Path, reference_site: Site
) -> None:
    """Issue 14's first example, by another failure than a full disk: exit 0 before."""
    safe = next(reference_site.s1_images.glob("*.SAFE"))
    source = read_safe(safe).measurement_location("vv")
    target = tmp_path / "out" / "calibrated.tif"
    run = run_limited(1_000_000, "calibrate", "--in", source, "--out", target)
    assert_clear_error(run, IO_FAILED, str(target), "was not published", "File too large")
    assert not target.exists() and partial_files(target.parent) == []


@pytest.mark.otb
@pytest.mark.slow
def test_an_orthoready_file_otb_could_not_write_whole_is_not_cached(
    site: Site, cached_reference_site: Site
) -> None:
    """Such files used to appear under final names and poison every later run."""
    run = run_limited(8_000_000, *process_args(site, site.jobs()["vv"], "--cache-before-ortho"))
    assert_clear_error(run, IO_FAILED, str(orthoready_dir(site.tmp)), ORTHOREADY_SUFFIX)
    assert list(orthoready_dir(site.tmp).glob(f"*{ORTHOREADY_SUFFIX}")) == []
    assert partial_files(site.tmp, site.output) == [] and published(site.output) == []
    rerun = run_cli(*process_args(site, site.jobs()["vv"], "--cache-before-ortho"))
    assert rerun.returncode == OK, rerun.stderr
    assert_published_equal(site.output, cached_reference_site.output)


@pytest.mark.otb
@pytest.mark.slow
def test_an_incomplete_orthoready_file_left_by_an_older_run_is_made_again(
    site: Site, cached_reference_site: Site
) -> None:
    (cached,) = orthoready_dir(cached_reference_site.tmp).glob(f"*{ORTHOREADY_SUFFIX}")
    poisoned = orthoready_dir(site.tmp) / cached.name
    poisoned.parent.mkdir(parents=True)
    poisoned.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])
    run = run_cli(*process_args(site, site.jobs()["vv"], "--cache-before-ortho"))
    assert run.returncode == OK, run.stderr
    prove_complete(poisoned)  # replaced by a whole one
    names = [str(p.relative_to(site.output)) for p in _outputs(site).files]
    assert_published_equal(site.output, cached_reference_site.output, names=names)


@pytest.mark.otb
@pytest.mark.slow
def test_an_incomplete_output_under_its_final_name_is_made_again_not_skipped(
    site: Site, reference_site: Site
) -> None:
    """A file left truncated by another tool (or an older version) is not "done"."""
    outputs = _outputs(site)
    theirs = _outputs(reference_site)
    outputs.image.parent.mkdir(parents=True)
    for ours, reference in zip(outputs.files, theirs.files, strict=True):
        shutil.copyfile(reference, ours)
    outputs.image.write_bytes(theirs.image.read_bytes()[:100_000])
    run = run_cli(*process_args(site, site.jobs()["vv"]))
    assert run.returncode == OK, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["skipped"] is False
    assert result["written"] == [str(p) for p in outputs.files]  # the image, and what derives
    names = [str(p.relative_to(site.output)) for p in outputs.files]
    assert_published_equal(site.output, reference_site.output, names=names)
