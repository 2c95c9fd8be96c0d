"""``check_job``: a job from outside is what planning makes for the request (no OTB).

The hostile suite (tests/hostile/test_job_json.py) runs the forged jobs through
the CLI on a real site; these are the same rules, fast.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from s1ops.config.request import S1Config, load_config
from s1ops.errors import ContractError, FileSystemError
from s1ops.planning.jobs import TileJob
from s1ops.planning.runs import plan_for_run
from s1ops.processing.job_check import check_job, check_ready_job
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import P1_ID, P2_ID, build_safe_dir


@pytest.fixture
def planned(tmp_path: Path) -> tuple[S1Config, TileJob]:
    """A request over 33NWB with masks, P1 on disk, and its 8 January vv job."""
    cfg_file = write_request(
        tmp_path / REQUEST_NAME,
        RequestPaths.under(tmp_path),
        tiles="33NWB",
        mask={"generate_border_mask": True},
    )
    build_safe_dir(tmp_path / "s1")
    cfg = load_config(cfg_file)
    (job,) = [j for j in plan_for_run(cfg, "33NWB").plan.jobs if j.polarisation == "vv"]
    return cfg, job


def test_a_planned_job_passes_as_it_is(planned: tuple[S1Config, TileJob]) -> None:
    cfg, job = planned
    assert check_job(job, cfg) == job
    roundabout = str(cfg.paths.output / ".." / "out" / "33NWB" / Path(job.output_path).name)
    assert check_job(replace(job, output_path=roundabout), cfg) == job


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"output_path": "/etc/passwd"}, "output_path", "inside [Paths] output"),
        ({"mask_path": None}, "mask_path", "generate_border_mask is True"),
        ({"product_paths": ("/elsewhere/x.SAFE",)}, "product_paths[0]", "the entry of"),
        ({"product_ids": (P2_ID, P1_ID)}, "product_ids", "sorted by start time"),
        ({"relative_orbit": 8}, "product_ids[0]", "relative orbit 8"),
        ({"unit": "S1B"}, "product_ids[0]", "unit S1B"),
        ({"polarisation": "hh"}, "polarisation", "the request's polarisations"),
        ({"existing_output": "/x.tif"}, "existing_output", "a file name among"),
    ],
)
def test_a_forged_field_is_named(
    planned: tuple[S1Config, TileJob], change: dict[str, object], field: str, expected: str
) -> None:
    cfg, job = planned
    with pytest.raises(ContractError) as info:
        check_job(replace(job, **change), cfg)  # type: ignore[arg-type]
    assert info.value.field == field and expected in info.value.expected


def test_products_outside_the_cache_are_refused_even_with_their_own_name(
    planned: tuple[S1Config, TileJob], tmp_path: Path
) -> None:
    cfg, job = planned
    outside = build_safe_dir(tmp_path / "elsewhere")
    with pytest.raises(ContractError, match=r"inside \[Paths\] s1_images"):
        check_job(replace(job, product_paths=(str(outside),)), cfg)
    # One folder down, as eodag extracts: the cache's own.
    down = cfg.paths.s1_images / P1_ID / f"{P1_ID}.SAFE"
    assert check_job(replace(job, product_paths=(str(down),)), cfg).product_paths == (str(down),)


def test_a_ready_job_needs_folders_it_can_write(
    planned: tuple[S1Config, TileJob], tmp_path: Path
) -> None:
    cfg, job = planned
    check_ready_job(job, job.mask_path, str(cfg.paths.tmp))
    cfg.paths.tmp.write_text("")
    with pytest.raises(FileSystemError, match=r"\[Paths\] tmp .*a file, not a folder"):
        check_ready_job(job, job.mask_path, str(cfg.paths.tmp))
    with pytest.raises(ContractError, match="orbit direction ASC"):
        check_ready_job(replace(job, orbit_direction="ASC"), None, None)
