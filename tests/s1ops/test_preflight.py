"""``s1ops config check --deep``: the preflight before a production run (issue 22, part 4).

The issue's request file (a provider that cannot be reached, no geoid file, no DEM
folder) is refused in seconds with the three problems named, nothing started; the
hostile harness's site (a DEM and the geoid in place, no download) passes.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from s1ops.config.request import load_config
from s1ops.exit_codes import BAD_INPUT, OK
from s1ops.preflight import tile_bytes
from s1ops.testing.eodag_provider import write_provider_config
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.hostile.harness import make_site, run_cli

# "In seconds": the catalogue's refusal is immediate, eodag's start ~3 s.
PREFLIGHT_BUDGET_S = 30.0


def _closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable_request(root: Path) -> Path:
    eodag_config = write_provider_config(
        f"http://127.0.0.1:{_closed_port()}/stac", root / "eodag.yml"
    )
    paths = RequestPaths(
        root / "out", root / "s1", root / "no-dem", root / "tmp", root / "no-geoid" / "egm96.grd"
    )
    return write_request(
        root / REQUEST_NAME,
        paths,
        tiles="33NWB",
        data_source={"download": True, "eodag_config": eodag_config},
    )


def test_the_issues_request_file_is_refused_in_seconds_with_each_problem_named(
    tmp_path: Path,
) -> None:
    config = _unreachable_request(tmp_path)
    started = time.monotonic()
    run = run_cli("config", "check", "--deep", config, timeout_s=120)
    elapsed = time.monotonic() - started
    assert run.returncode == BAD_INPUT, run.stderr
    assert elapsed < PREFLIGHT_BUDGET_S, elapsed
    errors = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 3, run.stderr
    named = "\n".join(errors)
    assert f"[Paths] dem_dir = '{tmp_path / 'no-dem'}': does not exist" in named
    assert f"[Paths] geoid_file = '{tmp_path / 'no-geoid' / 'egm96.grd'}'" in named
    assert "[DataSource] eodag_config" in named and "did not answer a search" in named
    assert "Traceback" not in run.stderr
    # Nothing started: no output, no product folder made.
    assert not (tmp_path / "out").exists() and not (tmp_path / "s1").exists()


def test_plain_check_does_not_search_the_catalogue(tmp_path: Path) -> None:
    run = run_cli("config", "check", _unreachable_request(tmp_path))
    assert run.returncode == BAD_INPUT
    assert "did not answer" not in run.stderr


@pytest.mark.otb
def test_a_ready_site_passes_and_a_missing_dem_cell_is_named(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    site = make_site(tmp_path / "site", otb_data)
    run = run_cli("config", "check", "--deep", site.config)
    assert run.returncode == OK, run.stderr
    cell = sorted((tmp_path / "site" / "dem").glob("*.hgt"))[0]
    cell.unlink()
    run = run_cli("config", "check", "--deep", site.config)
    assert run.returncode == BAD_INPUT, run.stderr
    assert f"tile 32NNH: DEM folder {cell.parent} lacks" in run.stderr
    assert cell.stem in run.stderr


def test_one_tiles_files_are_estimated_from_the_resolution(tmp_path: Path) -> None:
    assert tile_bytes(10.0) == 10_980 * 10_980 * 5
    assert tile_bytes(100.0) == 1_098 * 1_098 * 5
    assert load_config(_unreachable_request(tmp_path)).processing.resolution_m == 10.0
