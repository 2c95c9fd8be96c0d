"""The s1ops image on a real engine: the CLI, OTB's Python module, and
``s1ops process`` giving the local runner's outputs bit for bit.

The container sees every folder at its host path (what the docker runner
does): the request file and the job JSON work unchanged on both sides.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from s1ops.cache.layout import LOCKS_DIR
from s1ops.config.request import load_config
from s1ops.grid import parse_tile_id
from s1ops.planning.tile import existing_outputs, filters_from_config, plan_tile
from s1ops.sentinel1.safe import read_safe, scan_products
from s1ops.testing import request_file
from s1ops.testing.compare import output_differences
from s1ops.testing.containers import Engine
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.synth_safe import SynthSpec, make_product

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
TILE = "32NNJ"
GEOID = REPO / ".cache" / "otb-data" / "Input" / "DEM" / "egm96.grd"
OTB_APPS = {"SARCalibration", "ResetMargin", "OrthoRectification", "Synthetize", "BandMath"}


def request_text(root: Path, out: str, dem: str = "dem") -> str:
    return request_file.request_text(
        request_file.RequestPaths(root / out, root / "s1", root / dem, root / f"tmp-{out}", GEOID),
        tiles=TILE,
        mask={"generate_border_mask": True},
        processing={"output_spatial_resolution": 100, "orthorectification_gridspacing": 400},
        quicklook={"generate_quicklook": True},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, otb_data: Path) -> Path:
    """One synthetic product over 32NNJ, a flat DEM, and one request file per runner."""
    root = tmp_path_factory.mktemp("docker-site")
    start = datetime(2020, 1, 8, 5, 5, 46, tzinfo=UTC)
    safe = make_product(SynthSpec(start=start, scale=10, ipf_version="003.10"), root / "s1")
    make_flat_dem(read_safe(safe).footprint, root / "dem", arcsec=3)
    (root / "no-dem").mkdir()
    (root / "cfg").mkdir()
    runners = {"local": ("out-local", "dem"), "docker": ("out-docker", "dem")}
    for name, (out, dem) in {**runners, "bad": ("out-bad", "no-dem")}.items():
        (root / "cfg" / f"{name}.cfg").write_text(request_text(root, out, dem))
        # The image's user is not root: it must be able to write there.
        for folder in (root / out, root / f"tmp-{out}"):
            folder.mkdir()
            folder.chmod(0o777)
    # Where `s1ops process` leases its products, writable as with the docker runner.
    (root / "s1" / LOCKS_DIR).mkdir()
    (root / "s1" / LOCKS_DIR).chmod(0o777)
    return root


def vv_job(config: Path) -> dict[str, object]:
    cfg = load_config(config)
    plan = plan_tile(
        scan_products(cfg.paths.s1_images),
        parse_tile_id(TILE),
        filters_from_config(cfg.data_source),
        output_dir=cfg.paths.output,
        existing=existing_outputs(cfg.paths.output, TILE),
        with_mask=True,
    )
    (job,) = [j for j in plan.jobs if j.polarisation == "vv"]
    return job.to_dict()


def docker_process(engine: Engine, config: Path, *run_options: str) -> list[str]:
    """``docker run`` arguments for ``s1ops process`` with the docker runner's mounts."""
    cfg = load_config(config)
    read_only = [cfg.paths.s1_images, cfg.paths.dem_dir, GEOID.parent, config.parent]
    read_write = [cfg.paths.output, cfg.paths.tmp, cfg.paths.s1_images / LOCKS_DIR]
    mounts = [
        *(f"type=bind,source={p},target={p},readonly" for p in read_only),
        *(f"type=bind,source={p},target={p}" for p in read_write),
    ]
    args = ["run", *run_options, "--network", "none"]
    for mount in mounts:
        args += ["--mount", mount]
    return [*args, engine.image, "process", str(config), "--job", json.dumps(vv_job(config))]


def last_json_line(stdout: str) -> dict[str, object]:
    return json.loads(stdout.strip().splitlines()[-1])


def test_the_image_runs_the_cli_as_a_user(engine: Engine) -> None:
    helped = engine.run(["run", "--rm", "--network", "none", engine.image, "--help"])
    assert helped.returncode == 0, helped.stderr
    assert "process" in helped.stdout and "concatenate" in helped.stdout
    who = engine.run(["run", "--rm", "--network", "none", "--entrypoint", "id", engine.image])
    assert who.returncode == 0 and "uid=0(" not in who.stdout, who.stdout


def test_otb_python_module_lists_the_applications(engine: Engine) -> None:
    code = (
        "import json, os, otbApplication as otb; "
        "print(json.dumps([os.environ['LC_NUMERIC'], otb.Registry.GetAvailableApplications()]))"
    )
    run = engine.run(
        ["run", "--rm", "--network", "none", "--entrypoint", "python", engine.image, "-c", code]
    )
    assert run.returncode == 0, run.stderr
    locale, apps = last_json_line(run.stdout)
    assert locale == "C"
    assert set(apps) >= OTB_APPS, sorted(OTB_APPS - set(apps))


@pytest.mark.slow
def test_process_in_the_container_equals_the_local_runner(engine: Engine, site: Path) -> None:
    local_cfg = site / "cfg" / "local.cfg"
    local = subprocess.run(
        [sys.executable, "-m", "s1ops", "process", str(local_cfg), "--job", "-"],
        input=json.dumps(vv_job(local_cfg)),
        capture_output=True,
        text=True,
        check=True,
    )
    run = engine.run(docker_process(engine, site / "cfg" / "docker.cfg", "--rm"))
    assert run.returncode == 0, run.stderr
    expected, got = last_json_line(local.stdout), last_json_line(run.stdout)
    relative = Path(str(expected["output"])).relative_to(site / "out-local")
    assert got["output"] == str(site / "out-docker" / relative)
    assert got["job_id"] == expected["job_id"] and got["skipped"] is False
    assert any(p.suffix == ".tif" for p in (site / "out-local").rglob("*"))
    assert output_differences(site / "out-local", site / "out-docker") == []


@pytest.mark.slow
def test_a_failing_container_exits_non_zero_with_the_error_in_its_log(
    engine: Engine, site: Path
) -> None:
    name = f"s1ops-test-{uuid.uuid4().hex[:8]}"
    try:
        run = engine.run(docker_process(engine, site / "cfg" / "bad.cfg", "--name", name))
        assert run.returncode == 2, (run.returncode, run.stderr)
        logs = engine.run(["logs", name], check=True)
        assert "s1ops process: error:" in logs.stderr
        assert str(site / "no-dem") in logs.stderr
        assert not list((site / "out-bad").iterdir())
    finally:
        engine.run(["rm", "-f", name])
