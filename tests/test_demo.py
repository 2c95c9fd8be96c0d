"""``make demo`` run as CI runs it (not on a terminal): products, tags, and nothing left running.

Two of the demo's three tiles keep it to about four minutes on 2 cores:
32NNJ (single products, the old-IPF one with its margins cut) and 32NNH
(pairs merged); the OFFLINE product covers both.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from s1ops.outputs.geotiff import read_tags
from s1ops.testing.demo_site import ExpectedOutput, expected_outputs

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TILES = ("32NNJ", "32NNH")
TIMEOUT_S = 900
# Not passed on: the test session's own Airflow and eodag settings.
_PRIVATE = ("AIRFLOW_", "EODAG_", "S1OPS_CONFIG", "S1OPS_TEST_", "PYTHONPATH")


def _processes_with(entry: str) -> list[int]:
    found = []
    for proc_dir in Path("/proc").iterdir():
        if proc_dir.name.isdigit():
            try:
                if entry.encode() in (proc_dir / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc_dir.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def demo(
    otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str], float]:
    work = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE)}
    env["S1OPS_DEMO_DIR"] = str(work)
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "scripts/demo.sh", "--tiles", ",".join(TILES)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    seconds = time.monotonic() - started
    print(f"demo: {seconds:.0f} s\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return work, done, seconds


@pytest.fixture(scope="module")
def expected(demo) -> list[ExpectedOutput]:
    work, _, _ = demo
    return expected_outputs(work / "S1Processor.cfg", work / "catalogue")


def test_the_demo_succeeds_and_says_where_to_look(demo) -> None:
    work, done, _ = demo
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Every expected product, mask and quicklook is there." in done.stdout
    assert "20/20 runs succeeded" in done.stdout
    password_file = work / "airflow" / "simple_auth_manager_passwords.json.generated"
    assert "Airflow UI: http://127.0.0.1:" in done.stdout
    assert str(password_file) in done.stdout


def test_every_expected_product_is_written_with_its_tags(demo, expected) -> None:
    work, _, _ = demo
    assert {(e.tile_id, e.polarisation) for e in expected} == {
        (tile, pol) for tile in TILES for pol in ("vv", "vh")
    }
    assert len(expected) == 8  # two passes
    for e in expected:
        assert e.output.parent == work / "out" / e.tile_id
        tags = read_tags(e.output)
        assert tags["S2_TILE_CORRESPONDING_CODE"] == e.tile_id
        assert tags["POLARIZATION"] == e.polarisation
        assert tags["IMAGE_TYPE"] == "BACKSCATTERING"
        assert tags["INPUT_S1_IMAGES"] == ", ".join(e.product_ids)
        assert tags["SPATIAL_RESOLUTION"] == "40.0"
        assert tags["demo"] == "s1ops make demo"  # the request's [Metadata]
        assert e.mask is not None and read_tags(e.mask)["IMAGE_TYPE"] == "MASK"
        assert e.quicklook is not None and e.quicklook.stat().st_size > 0
    merged = [e for e in expected if len(e.product_ids) == 2]
    assert {e.tile_id for e in merged} == {"32NNH"}
    assert all("txxxxxx" in e.output.name for e in merged)


def test_the_offline_product_was_waited_for_by_the_triggerer(demo) -> None:
    work, _, _ = demo
    logs = (work / "airflow" / "logs").rglob("*.trigger.*.log")
    polls = [p for p in logs if "is staging (poll" in p.read_text(errors="replace")]
    assert polls, "no deferred fetch polled a staging product"


def test_nothing_the_demo_started_is_left_running(demo) -> None:
    work, _, _ = demo
    assert _processes_with(f"S1OPS_DEMO_DIR={work}") == []
