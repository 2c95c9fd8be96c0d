"""What every hostile case needs: a small real site, the CLI in a child, the disk before/after.

A case runs ``s1ops`` as users do (a child process, so a traceback shows as
exit 1 and nothing is caught for it), then checks three things: the exit
code, one message naming the thing and what was expected, and the disk
afterwards (nothing under a final name unless complete and equal to an
undisturbed run's output; nothing outside the configured folders).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.outputs.quicklook import requested_quicklook
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import existing_outputs, filters_from_config, plan_tile
from s1ops.sentinel1.safe import read_safe, scan_products
from s1ops.testing import request_file
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, Value
from s1ops.testing.synth_safe import GEOID_SUBPATH, SynthSpec, make_product

TILE = "32NNH"  # the synthetic product covers part of it
START = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)
RES_M = 100  # a job in a second or two
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Site:
    """A request file and its folders under ``root``: one product, a DEM, the geoid."""

    root: Path
    config: Path
    # Folders make_site was asked to put elsewhere (its ``paths``), by request key.
    elsewhere: Mapping[str, Path] = field(default_factory=dict)

    @property
    def s1_images(self) -> Path:
        return self.root / "s1"  # where make_site puts the product

    @property
    def output(self) -> Path:
        return self.elsewhere.get("output", self.root / "out")

    @property
    def tmp(self) -> Path:
        return self.elsewhere.get("tmp", self.root / "tmp")

    @property
    def dem(self) -> Path:
        return self.root / "dem"

    def jobs(self) -> dict[str, TileJob]:
        """The planned jobs by polarisation (as ``s1ops plan`` plans them)."""
        cfg = load_config(self.config)
        plan = plan_tile(
            scan_products(cfg.paths.s1_images),
            parse_tile_id(TILE),
            filters_from_config(cfg.data_source),
            output_dir=cfg.paths.output,
            existing=existing_outputs(cfg.paths.output, TILE),
            with_mask=cfg.mask.generate_border_mask,
            quicklook=requested_quicklook(cfg),
        )
        return {job.polarisation: job for job in plan.jobs}


def make_site(
    root: Path,
    otb_data: Path,
    *,
    processing: Mapping[str, Value] | None = None,
    paths: Mapping[str, Path] | None = None,
    data_source: Mapping[str, Value] | None = None,
    quicklook: Mapping[str, Value] | None = None,
) -> Site:
    """One reduced synthetic product over ``TILE``, a flat DEM, masks and quicklooks on.

    ``processing``, ``paths``, ``data_source`` and ``quicklook`` override the request
    file's keys (``data_source``: e.g. ``download`` and ``eodag_config`` for a local
    catalogue).
    """
    root.mkdir(parents=True, exist_ok=True)
    safe = make_product(
        SynthSpec(start=START, ipf_version="003.10", margin_px=0, seed=1), root / "s1"
    )
    make_flat_dem(read_safe(safe).footprint, root / "dem", arcsec=3)
    config = request_file.write_request(
        root / REQUEST_NAME,
        replace(RequestPaths.under(root, geoid_file=otb_data / GEOID_SUBPATH), **dict(paths or {})),
        tiles=TILE,
        mask={"generate_border_mask": True},
        quicklook={"generate_quicklook": True, **dict(quicklook or {})},
        data_source=dict(data_source or {}),
        processing={
            "output_spatial_resolution": RES_M,
            "orthorectification_gridspacing": 4 * RES_M,
            **dict(processing or {}),
        },
    )
    return Site(root, config, dict(paths or {}))


def copy_site(site: Site, root: Path) -> Site:
    """The same site under another root (products, DEM and request copied, outputs not)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("s1", "dem"):
        shutil.copytree(site.root / name, root / name, symlinks=True)
    text = site.config.read_text().replace(str(site.root), str(root))
    (root / REQUEST_NAME).write_text(text)
    return Site(root, root / REQUEST_NAME)


@dataclass(frozen=True)
class CliRun:
    """What one ``s1ops`` child did."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def last_json(self) -> object:
        """The last stdout line, parsed (the command's result)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_cli(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    timeout_s: float = 300.0,
) -> CliRun:
    """``python -m s1ops ARGS`` in a child process."""
    done = subprocess.run(
        [sys.executable, "-m", "s1ops", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **dict(env or {})},
        timeout=timeout_s,
        check=False,
    )
    return CliRun(done.returncode, done.stdout, done.stderr)


def run_main(*args: str | os.PathLike[str]) -> CliRun:
    """``s1ops ARGS`` in this process, for fast cases (parsing, the request file): an
    exception escaping ``main`` fails the test as a traceback would; argparse's exit is
    its code."""
    from s1ops.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return CliRun(code, out.getvalue(), err.getvalue())


def start_cli(
    *args: str | os.PathLike[str], env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """``python -m s1ops ARGS`` started in a child of its own process group (so that
    ``os.killpg`` stops, resumes or kills it with its OTB child); not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", "s1ops", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **dict(env or {})},
        start_new_session=True,
    )


def _limited_files(limit_bytes: int) -> Callable[[], None]:
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return set_limit


def run_limited(limit_bytes: int, *args: str | os.PathLike[str]) -> CliRun:
    """``python -m s1ops ARGS`` whose files (and its OTB child's) cannot grow past the limit."""
    done = subprocess.run(
        [sys.executable, "-m", "s1ops", *map(str, args)],
        capture_output=True,
        text=True,
        preexec_fn=_limited_files(limit_bytes),
        timeout=300,
        check=False,
    )
    return CliRun(done.returncode, done.stdout, done.stderr)


def process_args(site: Site, job: TileJob, *extra: str) -> list[str]:
    """The ``s1ops process`` arguments of ``job`` on ``site``."""
    return ["process", str(site.config), "--job", json.dumps(job.to_dict()), *extra]


def assert_clear_error(run: CliRun, code: int, *names: str) -> str:
    """Exit ``code``, no traceback, and an error line naming each of ``names``; returns it."""
    assert TRACEBACK not in run.stderr, run.stderr
    assert run.returncode == code, (run.returncode, run.stderr)
    errors = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert errors, run.stderr
    message = errors[-1]
    for name in names:
        assert name in message, (name, message)
    return message


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def snapshot(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every entry under ``root``: (size, mtime ns) for files, None for folders."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def published(output: Path) -> list[Path]:
    """Files under final names in the output tree (hidden partial files excluded)."""
    if not output.is_dir():
        return []
    return sorted(p for p in output.rglob("*") if p.is_file() and not p.name.startswith("."))


def assert_published_equal(output: Path, reference: Path, *, names: Sequence[str] = ()) -> None:
    """Every file published under ``output`` exists under ``reference`` with equal pixels.

    GeoTIFFs are compared by pixels and tags but for TIFFTAG_DATETIME (the
    time of writing); other files (quicklooks) byte for byte. ``names``, when
    given, must all be published.
    """
    from s1ops.testing.compare import output_differences

    found = {str(p.relative_to(output)) for p in published(output)}
    for name in names:
        assert name in found, (name, sorted(found))
    expected = {str(p.relative_to(reference)) for p in published(reference)}
    assert found <= expected, sorted(found - expected)
    differences = output_differences(reference, output, only=sorted(found))
    assert not differences, differences


def _safe_is_whole(safe: Path) -> list[str]:
    """What differs between a SAFE folder and its manifest's sizes and MD5s (empty: whole)."""
    listed = read_safe(safe).data_objects
    problems = []
    for item in listed:
        path = safe / item.member
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif item.size_bytes is not None and path.stat().st_size != item.size_bytes:
            problems.append(f"{path}: {path.stat().st_size} bytes, manifest {item.size_bytes}")
        elif item.md5 is not None:
            with path.open("rb") as f:
                if hashlib.file_digest(f, "md5").hexdigest() != item.md5:
                    problems.append(f"{path}: MD5 differs from the manifest's")
    return problems


def assert_cache_whole(s1_images: Path) -> None:
    """Only whole products in the S1 cache, no leftovers of a download or an extraction.

    Every ``{id}.SAFE`` folder holds each file its manifest lists, with the listed
    size and MD5; a zip is only where a test put it (not checked here); the
    staging and trash folders are empty.
    """
    from s1ops.cache.layout import STAGING_DIR, CacheLayout

    layout = CacheLayout(s1_images)
    problems = [p for entry in layout.candidates() if entry.is_dir() for p in _safe_is_whole(entry)]
    assert not problems, problems
    for folder in (layout.root / STAGING_DIR, layout.trash_dir):
        left = sorted(folder.rglob("*")) if folder.is_dir() else []
        assert not left, left


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for the block: a read-only bind mount as root (file modes do
    not stop root), its mode otherwise."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _unmount(folder: Path) -> None:
    # A killed OTB child may hold a file open for a moment: retry, then detach.
    for _ in range(20):
        if (
            subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode
            == 0
        ):
            return
        time.sleep(0.1)
    subprocess.run(["umount", "--lazy", str(folder)], check=True)


@contextmanager
def tmpfs(folder: Path, size_bytes: int, *, inodes: int | None = None) -> Iterator[Path]:
    """A real small disk: a tmpfs of ``size_bytes`` (and ``inodes``) on ``folder`` for the
    block, unmounted after. Mounting needs root: fails under CI, skips elsewhere."""
    import pytest

    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size_bytes}" + (f",nr_inodes={inodes}" if inodes else "")
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        why = f"cannot mount a tmpfs on {folder} ({done.stderr.strip() or 'root needed'})"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield folder
    finally:
        _unmount(folder)


FILLER = "filler"  # the file fill() writes, at the root of the disk it fills


def free_bytes(folder: Path) -> int:
    """Bytes free in the file system of ``folder``."""
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def fill(disk: Path, leave_bytes: int) -> int:
    """Fill the file system mounted on ``disk`` until ``leave_bytes`` stay free (rounded
    down to its block size; not below 0), with one allocated file ``disk/FILLER``.
    Returns the bytes left free."""
    filler = disk / FILLER
    filler.unlink(missing_ok=True)
    size = max(0, free_bytes(disk) - leave_bytes)
    if size:
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
        finally:
            os.close(fd)
    return free_bytes(disk)


def allocated(path: Path) -> int:
    """Bytes a file takes on its disk (whole blocks), what a full disk counts."""
    return path.stat().st_blocks * 512


def partial_files(*folders: Path) -> list[Path]:
    """Partial files (``s1ops.scratch`` names) left anywhere under ``folders``."""
    from s1ops.scratch import is_partial_name

    return sorted(
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.rglob("*")
        if is_partial_name(p.name)
    )
