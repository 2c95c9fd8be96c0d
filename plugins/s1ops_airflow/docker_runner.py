"""The docker runner: DockerOperator arguments for ``s1ops process`` in the s1ops image.

Every folder the job touches is bind-mounted at its host path, so the request
file and the job JSON (from ``select``) mean the same inside the container:
the products, the DEM, the geoid's folder and the request file's folder
read-only; the output and temporary folders read-write, and the S1 cache's
lock folder too (``s1ops process`` leases the job's products there, the
products themselves staying read-only). The container runs with the worker's
uid and gid, so its outputs and lock files belong to the same user as the
local runner's, and without network (processing needs none).

The task's XCom is the container's last log line: the JobResult JSON that
``s1ops process`` prints last (``publish`` reads JSON lines).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Marks the processing containers on a shared engine (`docker ps --filter
# label=s1ops=process`). With provider 4.6.1, auto_remove="success" removes a
# failed container too, once its log is in the task log.
LABELS = {"s1ops": "process"}
# Headroom over OTB's pipeline RAM (ram_per_process): Python, GDAL's block
# cache and the buffers of the in-memory chain live outside OTB's budget.
MEMORY_OVERHEAD_MB = 1024


def _folder(path: str | Path) -> str:
    # Absolute but not resolved: the request file names its paths through any
    # symlinks, and the container must find them at those names (the engine
    # resolves the source side itself).
    return os.path.abspath(path)


def _bind(folder: str, *, read_only: bool) -> Any:
    from docker.types import Mount

    return Mount(target=folder, source=folder, type="bind", read_only=read_only)


def _written(cfg: Any) -> list[Path]:
    """The folders the container writes: outputs, temporary files, the products' leases,
    and (a terrain calibration) the folder of the map it applies when it is not inside the
    outputs: a job makes the map its tile's ``terrain`` task did not."""
    from s1ops.cache.layout import LOCKS_DIR, CacheLayout

    paths = cfg.paths
    written = [paths.output, paths.tmp, CacheLayout.of(paths.s1_images).root / LOCKS_DIR]
    maps = {"normlim": cfg.terrain.lia_dir, "gamma_naught_rtc": cfg.terrain.gamma_area_dir}
    folder = maps.get(cfg.processing.calibration)
    if folder is not None and not folder.is_relative_to(paths.output):
        written.append(folder)
    return written


def process_mounts(cfg: Any, config_path: str | Path) -> list[Any]:
    """Bind mounts for ``s1ops process`` on ``cfg`` (a loaded request file).

    A folder both read and written (e.g. tmp inside the S1 cache) is mounted
    once, read-write. A folder is mounted before the ones inside it, so the
    lock folder is writable inside the read-only S1 cache.
    """
    paths = cfg.paths
    written = {_folder(p) for p in _written(cfg)}
    read = [paths.s1_images, paths.dem_dir, Path(_folder(config_path)).parent]
    if paths.geoid_file is not None:
        read.append(Path(_folder(paths.geoid_file)).parent)
    read_only = {_folder(p) for p in read} - written
    # In path order, a folder before the ones inside it (the engine sorts them too).
    return [_bind(p, read_only=p in read_only) for p in sorted(written | read_only)]


def make_written_folders(cfg: Any) -> None:
    """Create the read-write bind sources before a container starts.

    Docker would create a missing one itself, owned by root, where the
    worker's uid cannot write. Done at run time, not when the DAG is parsed.
    """
    for folder in _written(cfg):
        Path(folder).mkdir(parents=True, exist_ok=True)


def memory_limit(cfg: Any) -> str:
    """The container's memory limit: OTB's RAM per process plus headroom."""
    return f"{cfg.processing.ram_per_process_mb + MEMORY_OVERHEAD_MB}m"


def docker_process_kwargs(
    cfg: Any, config_path: str, *, secrets: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """DockerOperator arguments (all but ``command``) for the processing tasks.

    ``secrets`` go to ``private_environment`` only: Airflow never renders or
    logs it, unlike ``environment``.
    """
    return {
        "image": cfg.airflow.image,
        "docker_url": cfg.airflow.docker_url,
        "mounts": process_mounts(cfg, config_path),
        "mount_tmp_dir": False,
        "auto_remove": "success",
        "network_mode": "none",
        "user": f"{os.getuid()}:{os.getgid()}",
        "mem_limit": memory_limit(cfg),
        "private_environment": dict(secrets or {}),
        "labels": dict(LABELS),
        "do_xcom_push": True,
    }
