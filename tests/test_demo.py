"""``make demo`` run as CI runs it (not on a terminal): products, tags, and nothing left running.

The demo's three tiles: 32NNJ (single products, the old-IPF one with its
margins cut, keeping data), 32NNH (pairs merged) and 32NPJ, where the
old-IPF product's border cut leaves nothing: the one empty job the demo
shows on purpose. The OFFLINE product covers 32NNJ and 32NNH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from pystac import STACObjectType
from pystac.validation import JsonSchemaSTACValidator

from s1ops.outputs.empty import count_valid, read_empty_record
from s1ops.outputs.geotiff import read_tags
from s1ops.testing.demo_site import DEMO_TILES, ExpectedOutput, expected_outputs

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TILES = DEMO_TILES
TIMEOUT_S = 1500  # three tiles, on 2 cores shared with other work
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
    assert "Every listed product has valid pixels (" in done.stdout
    assert "30/30 runs succeeded" in done.stdout
    assert "Runner: local (OTB in the Airflow worker's task processes)" in done.stdout
    password_file = work / "airflow" / "simple_auth_manager_passwords.json.generated"
    assert "Airflow UI: http://127.0.0.1:" in done.stdout
    assert f"STAC catalogue: {work / 'out' / 'stac' / 'catalog.json'} (10 items" in done.stdout
    assert str(password_file) in done.stdout


def test_every_expected_product_is_written_with_its_tags_and_pixels(demo, expected) -> None:
    work, done, _ = demo
    assert {(e.tile_id, e.polarisation) for e in expected} == {
        (tile, pol) for tile in TILES for pol in ("vv", "vh")
    }
    assert len(expected) == 12  # two passes
    stac = work / "out" / "stac"
    for e in expected:
        item = stac / e.tile_id / e.output.stem / f"{e.output.stem}.json"
        assert item.is_file() != e.empty, item  # catalogued by publish, unless empty
        if item.is_file():  # STAC 1.1's item schema (pystac's local copy)
            document = json.loads(item.read_text())
            JsonSchemaSTACValidator().validate_core(document, STACObjectType.ITEM, "1.1.0")
            assert sorted(document["assets"]) == ["backscatter", "mask", "quicklook"]
        if e.empty:
            continue
        valid = count_valid(e.output)
        assert valid.valid_px > 0, f"{e.output} has no valid pixel"
        # Listed in the summary with its valid-pixel share.
        assert f"{100 * valid.fraction:5.1f}% valid" in done.stdout
        assert str(e.output) in done.stdout
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


def test_the_empty_case_is_shown_empty_and_publishes_nothing(demo, expected) -> None:
    _, done, _ = demo
    empty = [e for e in expected if e.empty]
    assert {(e.tile_id, str(e.day), e.polarisation) for e in empty} == {
        ("32NPJ", "2020-01-03", "vv"),
        ("32NPJ", "2020-01-03", "vh"),
    }
    for e in empty:
        assert not e.output.exists() and e.mask is not None and not e.mask.exists()
        record = read_empty_record(e.output)
        assert record is not None, f"no empty record for {e.output}"
        assert record.valid_px == 0 and "border cut" in record.reason
    assert "32NPJ 2020-01-03: empty, border cut" in done.stdout
    # The old-IPF product keeps data on 32NNJ: its cut path is shown with pixels.
    old = [e for e in expected if e.tile_id == "32NNJ" and str(e.day) == "2020-01-03"]
    assert len(old) == 2 and all(count_valid(e.output).valid_px > 0 for e in old)


def test_the_offline_product_was_waited_for_by_the_triggerer(demo) -> None:
    work, _, _ = demo
    logs = (work / "airflow" / "logs").rglob("*.trigger.*.log")
    polls = [p for p in logs if "is staging (poll" in p.read_text(errors="replace")]
    assert polls, "no deferred fetch polled a staging product"


def test_nothing_the_demo_started_is_left_running(demo) -> None:
    work, _, _ = demo
    assert _processes_with(f"S1OPS_DEMO_DIR={work}") == []


def test_the_tiles_page_shows_every_tile_in_a_browser(demo, expected) -> None:
    """What the demo's headless Chromium read from the rendered "S1 tiles" page."""
    work, done, _ = demo
    assert "S1 tiles page: http://127.0.0.1:" in done.stdout
    seen = json.loads((work / "tiles_page.json").read_text())
    assert seen["status"] == 200
    assert seen["unauthenticated_status"] == 401  # refused without signing in
    assert seen["tiles"] == {tile: "done" for tile in TILES}
    assert seen["embedded_tiles"] == len(TILES)  # inside Airflow's UI, from its nav entry
    cells = {(c["tile"], c["day"]): c for c in seen["cells"]}
    for e in expected:
        cell = cells[(e.tile_id, e.day.isoformat())]
        assert cell["state"] == "done" and cell["run"].startswith("../dags/"), cell
        linked = [q for q in cell["quicklooks"] if e.output.stem in q]
        assert len(linked) == (0 if e.empty else 1), cell
    assert seen["quicklook"] == {"status": 200, "type": "image/jpeg"}
    for key in ("screenshot", "ui_screenshot"):
        shot = Path(seen[key])
        assert shot.stat().st_size > 10_000, shot
        # Kept under the repository's work/ for people to look at after a run.
        (REPO / "work").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "work" / shot.name)
