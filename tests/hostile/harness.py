"""What every hostile case needs: a small real site, the CLI in a child, the disk before/after.

A case runs ``s1ops`` as users do (a child process, so a traceback shows as
exit 1 and nothing is caught for it), then checks three things: the exit
code, one message naming the thing and what was expected, and the disk
afterwards (nothing under a final name unless complete and equal to an
undisturbed run's output; nothing outside the configured folders).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
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

    @property
    def s1_images(self) -> Path:
        return self.root / "s1"

    @property
    def output(self) -> Path:
        return self.root / "out"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

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
        )
        return {job.polarisation: job for job in plan.jobs}


def make_site(
    root: Path,
    otb_data: Path,
    *,
    processing: Mapping[str, Value] | None = None,
    paths: Mapping[str, Path] | None = None,
) -> Site:
    """One reduced synthetic product over ``TILE``, a flat DEM, masks and quicklooks on."""
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
        quicklook={"generate_quicklook": True},
        processing={
            "output_spatial_resolution": RES_M,
            "orthorectification_gridspacing": 4 * RES_M,
            **dict(processing or {}),
        },
    )
    return Site(root, config)


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
