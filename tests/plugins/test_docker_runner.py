"""DockerOperator arguments of the docker runner (no engine needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from s1ops_airflow.docker_runner import (
    MEMORY_OVERHEAD_MB,
    docker_process_kwargs,
    make_written_folders,
)

from s1ops.cache.layout import LOCKS_DIR
from s1ops.config.request import load_config
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request


def _request(root: Path) -> Path:
    (root / "data" / "geoid").mkdir(parents=True)
    (root / "data" / "geoid" / "egm96.grd").write_bytes(b"")
    (root / "linked").symlink_to(root / "data")  # like .cache/otb-data -> otb-tree/Data
    (root / "cfg").mkdir()
    geoid = root / "linked" / "geoid" / "egm96.grd"
    return write_request(
        root / "cfg" / REQUEST_NAME,
        RequestPaths(root / "out", root / "s1", root / "dem", root / "out" / "tmp", geoid),
        tiles="32NNJ",
        processing={"ram_per_process": 2048},
        airflow={
            "runner": "docker",
            "image": "s1ops:test",
            "docker_url": "unix:///run/s1ops-test.sock",
        },
    )


def test_inputs_read_only_outputs_writable_at_the_request_files_paths(tmp_path: Path) -> None:
    config = _request(tmp_path)
    kwargs = docker_process_kwargs(load_config(config), str(config))
    mounts = {m["Target"]: m for m in kwargs["mounts"]}
    assert all(m["Source"] == target and m["Type"] == "bind" for target, m in mounts.items())
    writable = {t for t, m in mounts.items() if not m.get("ReadOnly")}
    # The container leases the products itself: their lock folder is writable,
    # the products stay read-only.
    locks = str(tmp_path / "s1" / LOCKS_DIR)
    assert writable == {str(tmp_path / "out"), str(tmp_path / "out" / "tmp"), locks}
    # The geoid's folder at the path the request file names, through the symlink:
    # a resolved path would leave OTB without its geoid, silently.
    assert set(mounts) - writable == {
        str(tmp_path / p) for p in ("s1", "dem", "cfg", "linked/geoid")
    }
    # The cache is mounted before its lock folder, which would be hidden otherwise.
    targets = [m["Target"] for m in kwargs["mounts"]]
    assert targets.index(str(tmp_path / "s1")) < targets.index(locks)
    assert not (tmp_path / "out").exists()  # nothing made while a DAG file is parsed
    make_written_folders(load_config(config))
    assert (tmp_path / "out" / "tmp").is_dir()  # bind sources must exist
    assert Path(locks).is_dir()


@pytest.mark.parametrize(
    ("calibration", "key"), [("normlim", "lia"), ("gamma_naught_rtc", "gamma_area")]
)
def test_a_terrain_calibrated_job_may_write_its_maps_folder(
    tmp_path: Path, calibration: str, key: str
) -> None:
    config = _request(tmp_path)
    text = config.read_text().replace("calibration : sigma", f"calibration : {calibration}")
    config.write_text(text.replace("[Paths]\n", f"[Paths]\n{key} : {tmp_path / 'maps'}\n", 1))
    kwargs = docker_process_kwargs(load_config(config), str(config))
    writable = {m["Target"] for m in kwargs["mounts"] if not m.get("ReadOnly")}
    assert str(tmp_path / "maps") in writable
    make_written_folders(load_config(config))
    assert (tmp_path / "maps").is_dir()


def test_engine_limits_and_results(tmp_path: Path) -> None:
    config = _request(tmp_path)
    kwargs = docker_process_kwargs(load_config(config), str(config), secrets={"TOKEN": "x"})
    assert kwargs["image"] == "s1ops:test"
    assert kwargs["docker_url"] == "unix:///run/s1ops-test.sock"
    assert kwargs["mem_limit"] == f"{2048 + MEMORY_OVERHEAD_MB}m"
    assert kwargs["mount_tmp_dir"] is False
    assert kwargs["auto_remove"] == "success"
    assert kwargs["network_mode"] == "none"
    assert kwargs["user"] == f"{os.getuid()}:{os.getgid()}"
    assert kwargs["private_environment"] == {"TOKEN": "x"}
    assert "environment" not in kwargs
    assert kwargs["do_xcom_push"] is True
