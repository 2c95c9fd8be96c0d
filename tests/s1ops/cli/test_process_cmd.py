"""``process_command``: the one builder of ``s1ops process`` both runners use."""

from __future__ import annotations

from datetime import date

from s1ops.cli import build_parser
from s1ops.cli.process_cmd import _read_job, process_command
from s1ops.planning.jobs import TileJob

JOB = TileJob(
    tile_id="33NWB",
    polarisation="vv",
    day=date(2020, 1, 8),
    unit="S1A",
    relative_orbit=7,
    orbit_direction="DES",
    product_ids=("S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5",),
    coverage_pct=94.1,
    output_path="/out/33NWB/s1a_33NWB_vv_DES_007_20200108t044150.tif",
    mask_path=None,
    produced=False,
    status="todo",
    product_paths=("/s1/with space/S1A.SAFE",),
)


def test_the_command_is_what_the_cli_parses_back() -> None:
    for force in (False, True):
        command = process_command("/cfg/S1 Processor.cfg", JOB, force=force)
        assert command[0] == "process"
        args = build_parser().parse_args(command)
        assert args.config == "/cfg/S1 Processor.cfg"
        assert args.force is force
        assert args.cache_before_ortho is False
        assert _read_job(args.job) == JOB


def test_the_job_is_one_argument_of_json() -> None:
    command = process_command("/cfg/S1Processor.cfg", JOB)
    assert command == ["process", "/cfg/S1Processor.cfg", "--job", command[3]]
    assert TileJob.from_json(command[3]) == JOB
