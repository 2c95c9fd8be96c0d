"""An OTB child killed mid-write never leaves a file under the final name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from osgeo import gdal

from s1ops.scratch import is_partial_name

gdal.UseExceptions()
SIZE_PX = 6000  # big enough that compressing the output takes a few seconds


@pytest.fixture(scope="module")
def big_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), SIZE_PX, SIZE_PX, 1, gdal.GDT_Float32)
    rng = np.random.default_rng(0)
    ds.GetRasterBand(1).WriteArray(rng.random((SIZE_PX, SIZE_PX), dtype=np.float32))
    ds = None
    return path


def start_concatenate(image: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "s1ops",
            "concatenate",
            "--output",
            str(out),
            str(image),
            str(image),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_partial(folder: Path, timeout_s: float = 60) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        partials = [p for p in folder.iterdir() if is_partial_name(p.name) and p.stat().st_size]
        if partials:
            return partials[0]
        time.sleep(0.05)
    raise AssertionError(f"no partial output appeared in {folder}")


def otb_child(parent: subprocess.Popen[str]) -> psutil.Process:
    for _ in range(200):
        children = psutil.Process(parent.pid).children(recursive=True)
        if children:
            return children[0]
        time.sleep(0.05)
    raise AssertionError("the OTB child process never started")


@pytest.mark.otb
@pytest.mark.slow
def test_killing_the_otb_child_fails_cleanly_and_a_rerun_succeeds(
    otb: None, big_image: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "merged.tif"
    proc = start_concatenate(big_image, out)
    child = otb_child(proc)
    wait_for_partial(out.parent)
    child.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 2
    assert "SIGKILL" in stderr
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # the partial file was removed too

    rerun = start_concatenate(big_image, out)
    rerun.communicate(timeout=300)
    assert rerun.returncode == 0
    assert gdal.Open(str(out)).RasterXSize == SIZE_PX


@pytest.mark.otb
@pytest.mark.slow
def test_killing_the_whole_task_leaves_nothing_under_the_final_name(
    otb: None, big_image: Path, tmp_path: Path
) -> None:
    out = tmp_path / "merged.tif"
    proc = start_concatenate(big_image, out)
    otb_child(proc)
    wait_for_partial(tmp_path)
    os.killpg(proc.pid, signal.SIGKILL)  # what a dead Airflow worker looks like
    proc.communicate(timeout=60)
    assert not out.exists()
    # Only partial files can remain (hidden): nothing that looks finished.
    assert all(is_partial_name(p.name) for p in tmp_path.iterdir())
    rerun = start_concatenate(big_image, out)
    rerun.communicate(timeout=300)
    assert rerun.returncode == 0 and out.exists()
