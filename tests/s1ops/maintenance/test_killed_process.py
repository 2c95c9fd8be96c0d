"""The issue's proof: kill a real ``s1ops process`` mid-run, then ``s1ops maintenance``
removes exactly what it left (its DEM work folder, its partial output) and nothing else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.maintenance.report import MaintenanceReport
from s1ops.planning.jobs import TileJob
from s1ops.planning.tile import existing_outputs, filters_from_config, plan_tile
from s1ops.scratch import WORK_PREFIX, is_partial_name, work_folder_in_use
from s1ops.sentinel1.safe import read_safe, scan_products
from s1ops.testing import request_file
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths
from s1ops.testing.synth_safe import GEOID_SUBPATH, SynthSpec, make_product

TILE = "32NNH"  # the synthetic product covers part of it
START = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)
RES_M = 100  # a job in a second or two; the kill comes while OTB writes
POLL_S = 0.005
DEADLINE_S = 120.0


def _site(root: Path, otb_data: Path) -> Path:
    safe = make_product(
        SynthSpec(start=START, ipf_version="003.10", margin_px=0, seed=1), root / "s1"
    )
    make_flat_dem(read_safe(safe).footprint, root / "dem", arcsec=3)
    return request_file.write_request(
        root / REQUEST_NAME,
        RequestPaths.under(root, geoid_file=otb_data / GEOID_SUBPATH),
        tiles=TILE,
        mask={"generate_border_mask": True},
        quicklook={"generate_quicklook": True},
        processing={
            "output_spatial_resolution": RES_M,
            "orthorectification_gridspacing": 4 * RES_M,
            "cache_dem_by": "copy",  # full DEM copies: the leftover that used to stay forever
        },
    )


def _jobs(cfg_path: Path) -> dict[str, TileJob]:
    cfg = load_config(cfg_path)
    plan = plan_tile(
        scan_products(cfg.paths.s1_images),
        parse_tile_id(TILE),
        filters_from_config(cfg.data_source),
        output_dir=cfg.paths.output,
        existing=existing_outputs(cfg.paths.output, TILE),
        with_mask=True,
    )
    return {job.polarisation: job for job in plan.jobs}


def _s1ops(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "s1ops", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=check)


def _snapshot(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every file under ``root`` (size, mtime in ns) and every folder."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
        for p in root.rglob("*")
    }


def _leftovers(root: Path) -> tuple[list[Path], list[Path]]:
    """(work folders under tmp, partial files under the output tree) there now."""
    tmp, out = root / "tmp", root / "out"
    folders = sorted(tmp.glob(f"{WORK_PREFIX}*")) if tmp.is_dir() else []
    partials = sorted(p for p in out.rglob(".*") if is_partial_name(p.name)) if out.is_dir() else []
    return folders, partials


def _kill_when_writing(process: subprocess.Popen[str], root: Path) -> float:
    """SIGKILL the process group once the job has its work folder and a partial output."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE_S:
        folders, partials = _leftovers(root)
        if folders and partials:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
            while True:  # until the OTB child is gone too
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    return time.monotonic() - started
                time.sleep(POLL_S)
        assert process.poll() is None, (
            f"s1ops process ended (exit {process.returncode}) before a partial output showed"
        )
        time.sleep(POLL_S)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"no work folder and partial output after {DEADLINE_S} s")


@pytest.mark.otb
@pytest.mark.slow
def test_maintenance_removes_a_killed_jobs_leftovers_and_nothing_else(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    cfg = _site(tmp_path, otb_data)
    jobs = _jobs(cfg)
    finished = _s1ops("process", cfg, "--job", json.dumps(jobs["vh"].to_dict()))
    assert json.loads(finished.stdout.splitlines()[-1])["output"] == jobs["vh"].output_path

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "s1ops",
            "process",
            str(cfg),
            "--job",
            json.dumps(jobs["vv"].to_dict()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the OTB child dies with it
        text=True,
    )
    _kill_when_writing(process, tmp_path)
    folders, partials = _leftovers(tmp_path)
    assert len(folders) == 1 and list(folders[0].glob("*.hgt"))  # the DEM copies
    assert not work_folder_in_use(folders[0])
    assert partials and not Path(jobs["vv"].output_path).exists()
    leftovers = {str(p) for p in (*folders, *partials)}
    before = _snapshot(tmp_path)
    # What must stay: the product, the DEM, the request file, the finished outputs.
    for path in (
        *jobs["vh"].product_paths,
        *map(str, (tmp_path / "dem").iterdir()),
        str(cfg),
        jobs["vh"].output_path,
        jobs["vh"].mask_path,
        str(Path(jobs["vh"].output_path).with_suffix(".jpg")),
    ):
        assert path in before and path not in leftovers, path

    dry = MaintenanceReport.from_dict(
        json.loads(
            _s1ops("maintenance", cfg, "--older-than", "0", "--dry-run").stdout.splitlines()[-1]
        )
    )
    assert _snapshot(tmp_path) == before
    assert dry.removed_paths() == leftovers and not dry.failed

    real = MaintenanceReport.from_dict(
        json.loads(_s1ops("maintenance", cfg, "--older-than", "0").stdout.splitlines()[-1])
    )
    assert real.removed_paths() == leftovers and not real.failed
    assert real.freed_bytes == dry.freed_bytes > 0
    gone = [p for p in before if any(p == x or p.startswith(x + os.sep) for x in leftovers)]
    assert _snapshot(tmp_path) == {p: v for p, v in before.items() if p not in gone}
