"""Root cause 7: zipped products in ``[Paths] s1_images`` (S1Tiling users keep them).

Planning reads a zip in place; ``s1ops process`` extracts it on first use into
``{id}.SAFE`` the way a download enters the cache (checked against its
manifest, extracted into staging, renamed), deletes the zip, and processes the
SAFE: the outputs are those of the same product as a folder. A zip that fails
the checks is an error naming the zip and the member, and is left in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from s1ops.cache.layout import LOCKS_DIR, STAGING_DIR
from s1ops.scratch import is_work_entry
from s1ops.testing.synth_safe import zip_safe
from tests.hostile.harness import (
    Site,
    assert_cache_whole,
    assert_clear_error,
    assert_published_equal,
    process_args,
    published,
    read_only,
    run_cli,
    snapshot,
)
from tests.hostile.products import DAMAGES, REFUSED, damaged_zip, site_product

pytestmark = [pytest.mark.otb]

BAD_INPUT = 2
CANNOT_WRITE = 73


def _reference_names(reference: Site, *polarisations: str) -> list[str]:
    return [
        str(p.relative_to(reference.output))
        for p in published(reference.output)
        if any(f"_{pol}_" in p.name for pol in polarisations)
    ]


def _zip_in_place(site: Site) -> tuple[Path, int]:
    """The site's product zipped where its folder was; the zip and its mtime (ns)."""
    zipped = zip_safe(site_product(site.s1_images))
    return zipped, zipped.stat().st_mtime_ns


def _assert_unzipped(site: Site, zipped: Path, mtime_ns: int) -> None:
    """The zip replaced by a whole ``{id}.SAFE`` at the top of the cache, dated as the zip."""
    safe = site.s1_images / zipped.with_suffix(".SAFE").name
    assert not zipped.exists()
    assert site_product(site.s1_images) == safe
    assert safe.stat().st_mtime_ns == mtime_ns  # its place in the purge's order
    assert_cache_whole(site.s1_images)


def _no_work_left(site: Site) -> None:
    left = [p for p in site.tmp.iterdir() if is_work_entry(p.name)] if site.tmp.is_dir() else []
    assert not left, left


@pytest.mark.slow
def test_a_zipped_product_gives_the_outputs_of_its_folder(site: Site, reference_site: Site) -> None:
    zipped, mtime_ns = _zip_in_place(site)
    jobs = site.jobs()
    assert all(job.product_paths == (str(zipped),) for job in jobs.values())  # planned from it
    for job in jobs.values():
        run = run_cli(*process_args(site, job))
        assert run.returncode == 0, run.stderr
    names = _reference_names(reference_site, "vv", "vh")
    assert len(names) == 6
    assert_published_equal(site.output, reference_site.output, names=names)
    _assert_unzipped(site, zipped, mtime_ns)
    _no_work_left(site)


@pytest.mark.slow
def test_two_jobs_of_one_zip_unzip_it_once(site: Site, reference_site: Site) -> None:
    zipped, mtime_ns = _zip_in_place(site)
    jobs = list(site.jobs().values())
    with ThreadPoolExecutor(len(jobs)) as pool:
        runs = list(pool.map(lambda job: run_cli("-v", *process_args(site, job)), jobs))
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert sum("unzipped" in run.stderr for run in runs) == 1, [r.stderr for r in runs]
    assert_published_equal(
        site.output, reference_site.output, names=_reference_names(reference_site, "vv", "vh")
    )
    _assert_unzipped(site, zipped, mtime_ns)


@pytest.mark.slow
def test_a_zip_one_level_down_is_unzipped_at_the_top(site: Site, reference_site: Site) -> None:
    # eodag's own layout and older S1Tiling caches: {folder}/{id}.zip.
    zipped, mtime_ns = _zip_in_place(site)
    nested = site.s1_images / "downloads" / zipped.name
    nested.parent.mkdir()
    zipped.rename(nested)
    job = site.jobs()["vv"]
    assert job.product_paths == (str(nested),)
    run = run_cli(*process_args(site, job))
    assert run.returncode == 0, run.stderr
    assert_published_equal(
        site.output, reference_site.output, names=_reference_names(reference_site, "vv")
    )
    _assert_unzipped(site, zipped, mtime_ns)
    assert not nested.exists()


def _cache_state(s1_images: Path) -> dict[str, tuple[int, int] | None]:
    # The lease's lock file and the (empty) staging folder are bookkeeping.
    return {
        name: state
        for name, state in snapshot(s1_images).items()
        if not name.startswith((LOCKS_DIR, STAGING_DIR))
    }


@pytest.mark.parametrize("damage", REFUSED)
def test_a_damaged_zip_in_the_cache_is_refused_and_left(site: Site, damage: str) -> None:
    safe = site_product(site.s1_images)
    zipped, names = damaged_zip(safe, site.s1_images, damage)
    shutil.rmtree(safe)
    job = site.jobs()["vv"]
    before = _cache_state(site.s1_images)
    run = run_cli(*process_args(site, job))
    message = assert_clear_error(run, BAD_INPUT, str(zipped), *names)
    assert "left in place" in message
    assert _cache_state(site.s1_images) == before  # the zip untouched, no SAFE
    assert_cache_whole(site.s1_images)
    assert published(site.output) == []
    _no_work_left(site)


@pytest.mark.slow
def test_a_zip_with_an_unlisted_member_is_processed(site: Site, reference_site: Site) -> None:
    assert not DAMAGES["unlisted-member"].refused
    safe = site_product(site.s1_images)
    zipped, _ = damaged_zip(safe, site.s1_images, "unlisted-member")
    shutil.rmtree(safe)
    mtime_ns = zipped.stat().st_mtime_ns
    run = run_cli(*process_args(site, site.jobs()["vv"]))
    assert run.returncode == 0, run.stderr
    assert_published_equal(
        site.output, reference_site.output, names=_reference_names(reference_site, "vv")
    )
    _assert_unzipped(site, zipped, mtime_ns)
    assert (site_product(site.s1_images) / "support" / "notes.txt").is_file()


@contextmanager
def _products_read_only(s1_images: Path) -> Iterator[None]:
    """The cache as the Docker runner mounts it: products read-only, ``.locks`` writable."""
    locks = s1_images / LOCKS_DIR
    locks.mkdir(exist_ok=True)
    with read_only(s1_images):
        if os.geteuid() != 0:
            yield  # the folder's mode: .locks, made before, stays writable
            return
        subprocess.run(["mount", "--bind", str(locks), str(locks)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,rw,bind", str(locks)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(locks)], check=True)


def test_a_zip_in_a_read_only_cache_is_an_error_naming_it(site: Site) -> None:
    zipped, _ = _zip_in_place(site)
    job = site.jobs()["vv"]
    before = _cache_state(site.s1_images)
    with _products_read_only(site.s1_images):
        run = run_cli(*process_args(site, job))
    assert_clear_error(run, CANNOT_WRITE, zipped.name, "[Paths] s1_images", "read-only")
    assert _cache_state(site.s1_images) == before
    assert published(site.output) == []
    _no_work_left(site)
